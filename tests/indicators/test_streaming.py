"""ВПР participant rows written while the file is read (``indicators.streaming``), through the import service.

The parser hands the rows over every ``ON_ROWS_EVERY`` rows; the tests lower it so that a 2 500-row file is written
in three chunks. On PostgreSQL the chunks go through COPY from a background thread, elsewhere through bulk_create.
"""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from openpyxl import load_workbook

from benchmarks.generate_vpr import generate
from indicators import services, streaming
from indicators.aggregates import aggregate_participants
from indicators.importers import vpr
from indicators.models import GradingScale, ParticipantResult, ResultUpload, SchoolResult, Subject
from indicators.resolution import Resolution
from portal.spreadsheets import read_workbook
from schools.models import AcademicYear, Municipality, School
from tests.conftest import require_service

pytestmark = pytest.mark.django_db
ROWS, SCHOOLS = 2500, 12


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(vpr, "ON_ROWS_EVERY", 1000)


@pytest.fixture
def export(tmp_path) -> bytes:
    return generate(tmp_path / "vpr.xlsx", rows=ROWS, schools=SCHOOLS).read_bytes()


@pytest.fixture
def scale():
    year, _ = AcademicYear.objects.get_or_create(start_year=2023)
    return GradingScale.objects.create(assessment="vpr", subject=Subject.objects.get(code="math"), grade=5,
                                       academic_year=year, max_score=20, thresholds={"3": 7, "4": 12, "5": 17},
                                       source="тест")


def receive(data: bytes, *, confirm: bool = True, create: bool = True) -> ResultUpload:
    return services.upload_receive(user=None, file=SimpleUploadedFile("vpr.xlsx", data), kind="auto",
                                   academic_year=None, school=None, options={"create_missing_schools": create},
                                   import_now=True, confirm_warnings=confirm)


def stored_rows(upload) -> set:
    rows = ParticipantResult.objects.filter(upload=upload).values_list(
        "school__fis_oko_login", "participant_code", "class_name", "variant", "task_scores", "primary_score", "mark",
        "journal_mark")
    return {(*row[:4], tuple(row[4]), *row[5:]) for row in rows}


def parsed(data: bytes):
    return vpr.parse(read_workbook(data)).participants


def test_the_stored_rows_and_aggregates_are_those_of_the_parse(export, scale):
    upload = receive(export)
    assert upload.status == "imported", upload.errors
    rows = parsed(export)
    assert stored_rows(upload) == {(p.school.login, p.participant_code, p.class_name, p.variant,
                                    tuple(p.task_scores), p.primary_score, p.mark, p.journal_mark) for p in rows}
    assert ParticipantResult.objects.count() == ROWS and School.objects.count() == SCHOOLS
    expected = aggregate_participants(((p.school.login,), p.primary_score, p.mark, p.journal_mark) for p in rows)
    for result in SchoolResult.objects.select_related("school"):
        agg = expected[(result.school.fis_oko_login,)]
        assert (result.participants, result.mark2, result.mark3, result.mark4, result.mark5, result.mean_mark,
                result.mean_score, result.journal_lowered, result.journal_confirmed, result.journal_raised) == (
            agg.participants, agg.mark2, agg.mark3, agg.mark4, agg.mark5, agg.mean_mark, agg.mean_score,
            agg.journal_lowered, agg.journal_confirmed, agg.journal_raised)
    assert SchoolResult.objects.count() == SCHOOLS and upload.row_count == ROWS
    assert School.history.filter(history_type="+").count() == SCHOOLS  # created with their history records


def test_a_file_rejected_at_its_last_row_stores_nothing(export, scale):
    workbook = load_workbook(io.BytesIO(export))
    sheet = workbook.active
    sheet.cell(row=sheet.max_row, column=sheet.max_column - 2, value=7)  # «Отметка» of the last participant
    buffer = io.BytesIO()
    workbook.save(buffer)
    years, municipalities = AcademicYear.objects.count(), Municipality.objects.count()
    upload = receive(buffer.getvalue())
    assert upload.status == "rejected"
    assert upload.errors[0]["row"] == sheet.max_row and upload.errors[0]["column"] == "Отметка"
    assert not ParticipantResult.objects.exists() and not SchoolResult.objects.exists()
    assert not School.objects.exists() and Municipality.objects.count() == municipalities
    assert AcademicYear.objects.count() == years and upload.academic_year_id == scale.academic_year_id


def test_a_new_year_and_new_schools_of_a_rejected_file_are_not_kept(export):
    workbook = load_workbook(io.BytesIO(export))
    sheet = workbook.active
    sheet.cell(row=sheet.max_row, column=sheet.max_column - 2, value=7)
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert not AcademicYear.objects.filter(start_year=2023).exists()
    upload = receive(buffer.getvalue())
    assert upload.status == "rejected" and upload.academic_year is None
    assert not AcademicYear.objects.filter(start_year=2023).exists() and not School.objects.exists()


def test_unconfirmed_warnings_keep_the_upload_validated_and_store_no_rows(export):
    with pytest.raises(ValidationError, match="подтвердите"):
        receive(export, confirm=False)  # no grading scale: «отметки не проверены»
    upload = ResultUpload.objects.get()
    assert upload.status == "validated" and any("нет шкалы" in w["message"] for w in upload.warnings)
    assert upload.academic_year.label == "2023/2024"  # a file that passes keeps its year, as before the import
    assert not ParticipantResult.objects.exists() and not School.objects.exists()
    assert upload.summary["schools"] == SCHOOLS and len(upload.summary["new_schools"]) == SCHOOLS


def test_a_second_import_replaces_the_rows_of_the_same_schools(export, scale):
    first = receive(export)
    second = receive(export)
    assert first.status == second.status == "imported"
    assert ParticipantResult.objects.count() == ROWS
    assert set(ParticipantResult.objects.values_list("upload_id", flat=True).distinct()) == {second.pk}
    assert SchoolResult.objects.count() == SCHOOLS and School.objects.count() == SCHOOLS


def test_rows_of_schools_not_in_the_register_are_left_out(export, scale):
    municipality = Municipality.objects.create(name="Городской округ Северный")
    known = School.objects.create(municipality=municipality, name="МОУ СОШ № 1", short_name="МОУ СОШ № 1",
                                  fis_oko_login="edu760000")
    upload = receive(export, create=False)
    assert upload.status == "imported"
    assert any("не сопоставленных" in w["message"] for w in upload.warnings)
    rows = [p for p in parsed(export) if p.school.login == "edu760000"]
    assert 0 < len(rows) < ROWS and ParticipantResult.objects.count() == len(rows)
    assert set(ParticipantResult.objects.values_list("school_id", flat=True)) == {known.pk}
    assert SchoolResult.objects.get().participants == len(rows) and School.objects.count() == 1


def test_text_columns_keep_what_copy_would_escape(tmp_path, scale):
    data = generate(tmp_path / "vpr.xlsx", rows=30, schools=1).read_bytes()
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    sheet.cell(row=8, column=4, value="A\\1")  # «Код участника» with a backslash
    sheet.cell(row=9, column=4, value="B\\N")
    sheet.cell(row=10, column=5, value="5\\Б")  # «Класс»
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = receive(buffer.getvalue())
    assert upload.status == "imported", upload.errors
    codes = set(ParticipantResult.objects.values_list("participant_code", flat=True))
    assert {"A\\1", "B\\N"} <= codes and len(codes) == 30
    assert ParticipantResult.objects.filter(class_name="5\\Б").count() == 1


@pytest.fixture
def copy_mode(monkeypatch):
    """Force how the COPY checks the foreign keys (``keyed``: once per key, else the per-row triggers); → the streams
    started, to see which way they went."""
    started = []
    original = streaming.CopyStream.start

    def start(self):
        original(self)
        started.append(self)

    monkeypatch.setattr(streaming.CopyStream, "start", start)

    def force(keyed: bool):
        monkeypatch.setattr(streaming, "_may_turn_triggers_off", lambda cursor: keyed)
        return started

    return force


@pytest.mark.parametrize("keyed", [True, False])
@pytest.mark.django_db(transaction=True)
def test_foreign_keys_are_checked_while_the_rows_are_written(export, scale, monkeypatch, copy_mode, keyed):
    """The participant table keeps its foreign keys; a school that disappears meanwhile (here: one that never
    existed) fails the import at the first chunk, either way they are checked, and nothing of it is kept."""
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    started = copy_mode(keyed)
    municipality = Municipality.objects.create(name="Район")
    ghost = School(pk=10**9, municipality=municipality, name="Нет такой", short_name="Нет такой")
    monkeypatch.setattr(Resolution, "school", lambda self, ref: ghost)
    with pytest.raises(ValidationError, match="конфликт"):
        receive(export)
    assert [stream.keyed for stream in started] == [keyed]
    assert not ParticipantResult.objects.exists() and not SchoolResult.objects.exists()
    assert ResultUpload.objects.get().status == "received"


@pytest.mark.parametrize("keyed", [True, False])
def test_both_ways_of_checking_store_the_same_and_leave_the_session_as_it_was(export, scale, copy_mode, keyed):
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    started = copy_mode(keyed)
    upload = receive(export)
    assert upload.status == "imported" and [stream.keyed for stream in started] == [keyed]
    assert ParticipantResult.objects.count() == ROWS and stored_rows(upload) == {
        (p.school.login, p.participant_code, p.class_name, p.variant, tuple(p.task_scores), p.primary_score, p.mark,
         p.journal_mark) for p in parsed(export)}
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"  # triggers of whatever follows in the transaction fire again
        cursor.execute("SELECT count(*) FROM indicators_participantresult p LEFT JOIN schools_school s "
                       "ON s.id = p.school_id LEFT JOIN indicators_resultupload u ON u.id = p.upload_id "
                       "WHERE s.id IS NULL OR u.id IS NULL")
        assert cursor.fetchone()[0] == 0
