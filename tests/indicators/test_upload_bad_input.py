"""The bad-input corpus of DESIGN §8 through the HTTP upload: a precise Russian message, no 500, nothing stored."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from indicators.importers.templates import SPECS
from indicators.models import ParticipantResult, ResultUpload, SchoolResult
from schools.models import School, SchoolYearProfile

from .helpers import ege_row, filled_template, mark_row

pytestmark = pytest.mark.django_db


def state():
    return (SchoolResult.objects.count(), ParticipantResult.objects.count(), School.objects.count(),
            SchoolYearProfile.objects.count())


def without_column(key, header, rows):
    wb = load_workbook(io.BytesIO(filled_template(key, rows)))
    ws = wb[SPECS[key].sheet]
    for cell in ws[1]:
        if cell.value == header:
            ws.delete_cols(cell.column)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def empty_workbook():
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def corrupted_xlsx(school):
    data = bytearray(filled_template("template_ege", [ege_row(school)]))
    data[len(data) // 2: len(data) // 2 + 400] = b"\x00" * 400
    return bytes(data)


def zip_without_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return buffer.getvalue()


CASES = {
    "pdf renamed": (lambda s: b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n", "не файл Excel"),
    "csv renamed": (lambda s: "Муниципалитет;Наименование ОО\n".encode(), "не файл Excel"),
    "encrypted or xls": (lambda s: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "защищён паролем"),
    "corrupted": (corrupted_xlsx, "книга Excel повреждена и не читается"),
    "zip, not a workbook": (lambda s: zip_without_workbook(), "не является книгой Excel"),
    "empty workbook": (lambda s: empty_workbook(), "нет ни одного заполненного листа"),
    "missing column": (lambda s: without_column("template_ege", "Участников", [ege_row(s)]),
                       "нет обязательного столбца"),
    "text in a number": (lambda s: filled_template("template_ege", [ege_row(s, participants="много")]), "«много»"),
    "negative": (lambda s: filled_template("template_ege", [ege_row(s, below=-3)]), "меньше допустимого"),
    "more 100-pointers than participants": (
        lambda s: filled_template("template_ege", [ege_row(s, participants=8, below=0, high=0, top=12)]),
        "больше, чем участников"),
    "mean above 100": (lambda s: filled_template("template_ege", [ege_row(s, mean=140)]), "вне допустимого диапазона"),
    "marks do not add up": (lambda s: filled_template("template_oge", [mark_row(s, participants=30)]),
                            "не равна числу участников"),
    "duplicate rows": (lambda s: filled_template("template_ege", [ege_row(s), ege_row(s)]), "уже указан в строке 2"),
    "unknown subject": (lambda s: filled_template("template_ege", [ege_row(s, subject="Астрология")]),
                        "«Астрология» не найден"),
    "grade out of range": (lambda s: filled_template("template_oge", [mark_row(s, grade=14)]), "больше допустимого"),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_file_is_rejected_precisely(client, client_as, staff_user, school, case):
    build, fragment = CASES[case]
    client_as(staff_user)
    before = state()
    response = client.post(reverse("indicators:upload_create"), {
        "kind": "auto", "academic_year": "2024", "file": SimpleUploadedFile("file.xlsx", build(school))})
    assert response.status_code == 302
    upload = ResultUpload.objects.get()
    assert upload.status == "rejected"
    assert any(fragment in e["message"] for e in upload.errors), upload.errors
    page = client.get(upload.get_absolute_url())
    assert page.status_code == 200 and "Файл не может быть загружен" in page.content.decode()
    assert client.post(reverse("indicators:upload_confirm", args=[upload.pk])).status_code == 302
    assert state() == before


def test_file_far_larger_than_allowed(client, client_as, staff_user, school, settings):
    settings.PORTAL_UPLOAD_MAX_BYTES = 1024
    client_as(staff_user)
    response = client.post(reverse("indicators:upload_create"), {
        "kind": "auto", "file": SimpleUploadedFile("big.xlsx", filled_template("template_ege", [ege_row(school)]))})
    assert response.status_code == 200
    assert "допускается не больше" in response.content.decode()
    assert not ResultUpload.objects.exists()


def test_zip_bomb_is_refused(client, client_as, staff_user, school, settings):
    settings.PORTAL_UPLOAD_MAX_UNZIPPED_BYTES = 2000
    client_as(staff_user)
    client.post(reverse("indicators:upload_create"), {
        "kind": "auto", "academic_year": "2024",
        "file": SimpleUploadedFile("bomb.xlsx", filled_template("template_ege", [ege_row(school)]))})
    upload = ResultUpload.objects.get()
    assert upload.status == "rejected" and "после распаковки" in upload.errors[0]["message"]


def test_chosen_layout_must_match_the_file(client, client_as, staff_user, school):
    client_as(staff_user)
    client.post(reverse("indicators:upload_create"), {
        "kind": "ege_regional", "academic_year": "2024",
        "file": SimpleUploadedFile("f.xlsx", filled_template("template_ege", [ege_row(school)]))})
    upload = ResultUpload.objects.get()
    assert upload.status == "rejected" and "а файл похож на" in upload.errors[0]["message"]
