"""ВПР participant files through the upload flow: scale warnings, derived aggregates, journal comparison."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from indicators.models import ParticipantResult, ResultUpload, SchoolResult
from tests.conftest import SHARED_DIR

pytestmark = pytest.mark.django_db
PROTOCOL = SHARED_DIR / "realdata" / "vpr_protocol_layout" / "vpr_protocol_form.xlsx"
TASKS = ["1 (5б)", "2 (5б)", "3 (5б)", "4 (5б)", "5 (5б)"]


def export_file(school, people, *, title="ВПР 2024 Математика 8 класс") -> bytes:
    """A ФИС ОКО export of one school; people: (code, task scores, mark, journal mark)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Индивидуальные результаты"
    ws.append([title])
    ws.append(["Предмет", "Математика"])
    ws.append(["Максимальный первичный балл", 25])
    ws.append(["Дата", "18.04.2024"])
    ws.append([f"{school.short_name} ({school.fis_oko_login}) | Кол-во участников: {len(people)}"])
    ws.append([None] * 6 + ["Б", "Б", "Б", "П", "П"])
    ws.append(["ОО", "Муниципалитет", "Название ОО", "Код участника", "Класс", "Вариант", *TASKS, "Первичный балл",
               "Отметка", "Отметка по журналу"])
    for code, scores, mark, journal in people:
        ws.append([school.fis_oko_login, school.municipality.name, school.short_name, code, "8А", 1, *scores,
                   sum(scores), mark, journal])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


PEOPLE = [
    ("10001", (5, 5, 5, 5, 2), 5, 5),  # 22 → «5», confirmed
    ("10002", (3, 3, 3, 3, 3), 4, 5),  # 15 → «4», lowered against the journal
    ("10003", (2, 2, 2, 1, 0), 2, 3),  # 7 → «2», lowered
    ("10004", (2, 2, 2, 2, 2), 4, 3),  # 10 → «3» by the scale, the file says «4»: a warning; raised
]


def post(client, data, **fields):
    client.post(reverse("indicators:upload_create"), {
        "kind": "auto", "academic_year": "", **fields, "file": SimpleUploadedFile("vpr.xlsx", data)})
    return ResultUpload.objects.order_by("-pk").first()


def test_principal_uploads_fis_oko_export(client, client_as, principal_user, school):
    client_as(principal_user)
    upload = post(client, export_file(school, PEOPLE))
    assert upload.status == "validated", upload.errors
    assert upload.academic_year.label == "2023/2024"
    [warning] = upload.warnings
    assert warning["row"] == 11 and warning["column"] == "Отметка"
    assert "за 10 баллов полагается «3»" in warning["message"]

    client.post(reverse("indicators:upload_confirm", args=[upload.pk]))  # not confirmed: nothing happens
    assert not ParticipantResult.objects.exists()
    client.post(reverse("indicators:upload_confirm", args=[upload.pk]), {"confirm_warnings": "on"})
    assert ParticipantResult.objects.filter(school=school).count() == 4
    result = SchoolResult.objects.get(school=school)
    assert (result.participants, result.mark2, result.mark3, result.mark4, result.mark5) == (4, 1, 0, 2, 1)
    assert (result.journal_lowered, result.journal_confirmed, result.journal_raised) == (2, 1, 1)
    assert str(result.mean_score) == "13.50" and str(result.mean_mark) == "3.75"
    assert result.source == "derived"
    assert ParticipantResult.objects.get(participant_code="10001").task_scores == [5, 5, 5, 5, 2]


def test_reupload_replaces_participants(client, client_as, principal_user, school):
    client_as(principal_user)
    first = post(client, export_file(school, PEOPLE[:3]))
    client.post(reverse("indicators:upload_confirm", args=[first.pk]))
    second = post(client, export_file(school, PEOPLE[:2]))
    client.post(reverse("indicators:upload_confirm", args=[second.pk]))
    assert ParticipantResult.objects.count() == 2
    assert SchoolResult.objects.get().participants == 2


def test_export_of_another_school_is_refused_to_a_principal(client, client_as, principal_user, other_school):
    client_as(principal_user)
    upload = post(client, export_file(other_school, PEOPLE[:1]))
    assert upload.status == "rejected"
    assert not ParticipantResult.objects.exists()


def test_score_above_task_maximum_and_bad_mark(client, client_as, principal_user, school):
    client_as(principal_user)
    people = [("20001", (6, 5, 5, 5, 2), 5, 5), ("20002", (1, 1, 1, 1, 1), 7, 3)]
    upload = post(client, export_file(school, people))
    assert upload.status == "rejected"
    found = {(e["row"], e["column"]) for e in upload.errors}
    assert (8, "1 (5б)") in found and (9, "Отметка") in found


def test_wrong_year_is_an_error(client, client_as, principal_user, school):
    client_as(principal_user)
    upload = post(client, export_file(school, PEOPLE[:1]), academic_year="2024")
    assert upload.status == "rejected"
    assert "в файле учебный год 2023/2024, а при загрузке выбран 2024/2025" in upload.errors[0]["message"]


def test_real_protocol_form_with_subject_and_grade_from_the_form(client, client_as, principal_user, school):
    if not PROTOCOL.exists():
        pytest.skip("нет shared/realdata")
    from indicators.models import Subject

    client_as(principal_user)
    math = Subject.objects.get(code="math")
    upload = post(client, PROTOCOL.read_bytes(), academic_year="2023", subject=str(math.pk), grade="5")
    assert upload.status == "validated", upload.errors
    assert any("нет шкалы" in w["message"] for w in upload.warnings)
    client.post(reverse("indicators:upload_confirm", args=[upload.pk]), {"confirm_warnings": "on"})
    assert ParticipantResult.objects.filter(school=school, grade=5, subject=math).count() == upload.row_count > 0
    assert SchoolResult.objects.get(school=school).participants == upload.row_count


def test_protocol_without_subject_is_explained(client, client_as, principal_user, school):
    if not PROTOCOL.exists():
        pytest.skip("нет shared/realdata")
    client_as(principal_user)
    upload = post(client, PROTOCOL.read_bytes(), academic_year="2023")
    assert upload.status == "rejected"
    assert any("предмет" in e["message"].lower() for e in upload.errors)
