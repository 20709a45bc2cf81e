"""Result uploads through HTTP: validate → preview → confirm → atomic replacement, scope, errors, the queue."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from indicators.models import ResultUpload, SchoolResult
from schools.models import School, SchoolYearProfile
from tests.conftest import queued_work
from tests.factories import SchoolFactory

from .helpers import ege_row, filled_template, mark_row

pytestmark = pytest.mark.django_db


def post_file(client, data: bytes, name="results.xlsx", **fields):
    payload = {"kind": "auto", "academic_year": "2023", **fields, "file": SimpleUploadedFile(name, data)}
    response = client.post(reverse("indicators:upload_create"), payload)
    return response, ResultUpload.objects.order_by("-pk").first()


def confirm(client, upload, **fields):
    return client.post(reverse("indicators:upload_confirm", args=[upload.pk]), fields)


def snapshot():
    return (SchoolResult.objects.count(), list(SchoolResult.objects.values_list("participants", "mean_score")),
            School.objects.count(), SchoolYearProfile.objects.count())


def test_staff_uploads_ege_template_previews_and_imports(client, client_as, staff_user, school, other_school,
                                                         django_capture_on_commit_callbacks):
    client_as(staff_user)
    data = filled_template("template_ege", [ege_row(school), ege_row(other_school, "Математика профильная", 12, 2,
                                                                      1, 0, 55.25)])
    response, upload = post_file(client, data)
    assert response.status_code == 302 and upload.status == "validated"
    assert SchoolResult.objects.count() == 0  # nothing is stored before the confirmation
    page = client.get(upload.get_absolute_url()).content.decode()
    assert "Проверка пройдена" in page and school.short_name in page and "Математика профильная" in page

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = confirm(client, upload)
    assert response.status_code == 302
    assert len(queued_work(callbacks)) == 1  # the recompute is queued only when the transaction commits
    upload.refresh_from_db()
    assert upload.status == "imported" and upload.confirmed_by == staff_user
    result = SchoolResult.objects.get(school=other_school)
    assert (result.assessment, result.grade, result.participants, result.below_minimum) == ("ege", 11, 12, 2)
    assert str(result.mean_score) == "55.25" and result.source == "imported"


def test_reupload_replaces_the_scope(client, client_as, staff_user, school):
    client_as(staff_user)
    _, first = post_file(client, filled_template("template_ege", [ege_row(school, participants=20)]))
    confirm(client, first)
    _, second = post_file(client, filled_template("template_ege", [ege_row(school, participants=25, mean=70)]))
    confirm(client, second)
    result = SchoolResult.objects.get(school=school)
    assert result.participants == 25 and result.upload == second
    assert SchoolResult.objects.count() == 1


def test_marks_template_derives_shares(client, client_as, staff_user, school):
    client_as(staff_user)
    _, upload = post_file(client, filled_template("template_oge", [mark_row(school, marks=(2, 8, 6, 4))]))
    confirm(client, upload)
    result = SchoolResult.objects.get(school=school)
    assert result.share_2 == 10.0 and result.quality == 50.0 and result.success == 90.0
    assert str(result.mean_mark) == "3.60"
    html = client.get(reverse("indicators:school_results", args=[school.pk])).content.decode()
    assert "2023/2024 учебный год" in html and "50,0" in html
    assert "(50,0)" in html and "(10,0)" in html  # the municipality, here the same single school


@pytest.mark.parametrize(("rows", "row", "column", "fragment"), [
    (lambda s: [mark_row(s, marks=(2, 8, 6, 4), participants=21)], 2, "Участников", "не равна числу участников"),
    (lambda s: [mark_row(s, subject="Алхимия")], 2, "Предмет", "«Алхимия» не найден"),
    (lambda s: [mark_row(s)[:5] + ["двадцать"] + mark_row(s)[6:]], 2, "Участников", "«двадцать»"),
    (lambda s: [mark_row(s, marks=(-1, 8, 6, 4))], 2, "Отметка «2»", "меньше допустимого 0"),
    (lambda s: [mark_row(s), mark_row(s)], 3, "Предмет", "уже указан в строке 2"),
    (lambda s: [mark_row(s, mean=1e6)], 2, "Средний первичный балл", "вне допустимого диапазона"),
])
def test_bad_rows_are_rejected_with_row_and_column(client, client_as, staff_user, school, rows, row, column,
                                                   fragment):
    client_as(staff_user)
    before = snapshot()
    _, upload = post_file(client, filled_template("template_oge", rows(school)))
    assert upload.status == "rejected"
    assert any(e["row"] == row and e["column"] == column and fragment in e["message"] for e in upload.errors), \
        upload.errors
    page = client.get(upload.get_absolute_url()).content.decode()
    assert fragment.replace("«", "&laquo;")[:5] in page or fragment[:5] in page
    assert confirm(client, upload).status_code == 302
    assert snapshot() == before


@pytest.mark.parametrize(("payload", "name", "fragment"), [
    (b"%PDF-1.4 not a workbook", "report.xlsx", "не файл Excel"),
    ("Муниципалитет;Школа\n".encode("cp1251"), "data.xlsx", "не файл Excel"),
    (b"", "empty.xlsx", "пустой"),
])
def test_unreadable_files_are_rejected(client, client_as, staff_user, payload, name, fragment):
    client_as(staff_user)
    before = snapshot()
    response, upload = post_file(client, payload, name)
    if upload is None:  # an empty file is refused by the form itself
        assert "пуст" in response.content.decode()
    else:
        assert upload.status == "rejected" and fragment in upload.errors[0]["message"]
    assert snapshot() == before


def test_wrong_extension_is_refused_by_the_form(client, client_as, staff_user):
    client_as(staff_user)
    response, upload = post_file(client, b"a,b\n1,2\n", "results.csv")
    assert upload is None and "Нужен файл Excel с расширением .xlsx" in response.content.decode()


def test_unmatched_schools_are_reported_and_skipped(client, client_as, staff_user, school):
    client_as(staff_user)
    stranger = SchoolFactory.build(municipality=school.municipality, name="Школа, которой нет в реестре",
                                   fis_oko_login="")
    _, upload = post_file(client, filled_template("template_ege", [ege_row(school), ege_row(stranger)]))
    assert upload.status == "validated"
    assert upload.summary["unmatched"][0]["name"] == "Школа, которой нет в реестре"
    assert any("не сопоставленных с реестром: 1" in w["message"] for w in upload.warnings)
    response = client.post(reverse("indicators:upload_confirm", args=[upload.pk]), follow=True)
    assert "подтвердите, что данные верны" in response.content.decode()
    confirm(client, upload, confirm_warnings="on")
    assert SchoolResult.objects.count() == 1


def test_warnings_need_explicit_confirmation(client, client_as, staff_user, school):
    client_as(staff_user)
    stranger = SchoolFactory.build(municipality=school.municipality, name="Незнакомая школа", fis_oko_login="")
    _, upload = post_file(client, filled_template("template_ege", [ege_row(school), ege_row(stranger)]))
    confirm(client, upload)
    upload.refresh_from_db()
    assert upload.status == "validated" and SchoolResult.objects.count() == 0
    confirm(client, upload, confirm_warnings="on")
    upload.refresh_from_db()
    assert upload.status == "imported"


def test_missing_schools_can_be_created(client, client_as, staff_user, school):
    client_as(staff_user)
    stranger = SchoolFactory.build(municipality=school.municipality, name="Новая школа из формы", fis_oko_login="")
    _, upload = post_file(client, filled_template("template_ege", [ege_row(stranger)]), create_missing_schools="on")
    assert upload.status == "validated" and upload.summary["new_schools"]
    confirm(client, upload)
    assert School.objects.filter(name="Новая школа из формы").exists()


def test_principal_uploads_only_for_own_school(client, client_as, principal_user, school, other_school):
    client_as(principal_user)
    before = snapshot()
    _, upload = post_file(client, filled_template("template_ege", [ege_row(school), ege_row(other_school)]))
    assert upload.status == "rejected" and upload.school == school
    assert any(e["row"] == 3 and "другой школе" in e["message"] for e in upload.errors)
    assert snapshot() == before
    _, upload = post_file(client, filled_template("template_ege", [ege_row(school)]))
    confirm(client, upload)
    assert SchoolResult.objects.get().school == school


def test_principal_cannot_reach_another_schools_upload(client, client_as, staff_user, principal_user, other_school):
    client_as(staff_user)
    _, upload = post_file(client, filled_template("template_ege", [ege_row(other_school)]))
    client_as(principal_user)
    for name in ("indicators:upload_detail", "indicators:upload_file"):
        assert client.get(reverse(name, args=[upload.pk])).status_code == 404
    assert client.post(reverse("indicators:upload_confirm", args=[upload.pk])).status_code == 404
    assert client.get(reverse("indicators:school_results", args=[other_school.pk])).status_code == 404


def test_original_file_is_kept_and_downloadable(client, client_as, staff_user, school):
    client_as(staff_user)
    data = filled_template("template_ege", [ege_row(school)])
    _, upload = post_file(client, data, "ЕГЭ 2024.xlsx")
    response = client.get(reverse("indicators:upload_file", args=[upload.pk]))
    assert b"".join(response.streaming_content) == data
    assert "ЕГЭ 2024.xlsx" in response["Content-Disposition"] or "filename*" in response["Content-Disposition"]
    import hashlib

    assert upload.checksum == hashlib.sha256(data).hexdigest()


def test_passport_template_updates_profiles(client, client_as, staff_user, school):
    client_as(staff_user)
    row = [school.municipality.name, school.name, school.fis_oko_login, 240, 21, 30, 40, 12, 3, 5, 2,
           "да", "нет", "да", "", "нет", "да"]
    _, upload = post_file(client, filled_template("passport", [row]))
    assert upload.status == "validated", upload.errors
    confirm(client, upload)
    profile = SchoolYearProfile.objects.get(school=school, academic_year__start_year=2023)
    assert (profile.students, profile.single_parent_families, profile.flag_small_rural) == (240, 40, True)
    assert len(profile.typology_flags) == 3


def test_passport_count_above_students_is_an_error(client, client_as, staff_user, school):
    client_as(staff_user)
    row = [school.municipality.name, school.name, school.fis_oko_login, 10, 2, 30]
    _, upload = post_file(client, filled_template("passport", [row]))
    assert upload.status == "rejected"
    assert upload.errors[0]["column"] == "Оба родителя с высшим образованием"


def test_year_in_form_is_required_when_file_has_none(client, client_as, staff_user, school):
    client_as(staff_user)
    _, upload = post_file(client, filled_template("template_ege", [ege_row(school)]), academic_year="")
    assert upload.status == "rejected" and "учебный год" in upload.errors[0]["message"]


def test_templates_download(client, client_as, principal_user):
    from openpyxl import load_workbook

    client_as(principal_user)
    for key, title in (("template_vpr", "ВПР по школам"), ("template_ege", "ЕГЭ по школам"),
                       ("passport", "Социальный паспорт")):
        response = client.get(reverse("indicators:template_download", args=[key]))
        assert load_workbook(io.BytesIO(response.content))[title]["A1"].value == "Муниципалитет"
    assert client.get(reverse("indicators:template_download", args=["nope"])).status_code == 404
