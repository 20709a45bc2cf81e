"""ВПР participant results: ФИС ОКО «Индивидуальные результаты» export and the «Протокол» form (no database)."""

import io
import pickle
from decimal import Decimal

import pytest
from django.conf import settings
from openpyxl import Workbook

from benchmarks.generate_vpr import generate, mark_for
from indicators.importers import vpr
from indicators.importers.base import SchoolRef
from portal.spreadsheets import Sheet, read_workbook

PROTOCOL = settings.BASE_DIR.parent / "shared" / "realdata" / "vpr_protocol_layout" / "vpr_protocol_form.xlsx"

TASKS = ["1 (1б)", "2 (2б)", "3.1 (1б)", "4К1 (2б)"]
LEVELS = ["Б", "Б", "П", "В"]
HEADER = ["ОО", "Муниципалитет", "Название ОО", "Код участника", "Класс", "Вариант", *TASKS, "Первичный балл",
          "Отметка", "Отметка по журналу", "Пол"]
FIRST = 8  # Excel row of the first participant in ``export()``: title, 3 meta rows, organisation, levels, header
LOGIN = "edu123456"


def sheets_of(*sheets: tuple[str, list[list]]) -> list[Sheet]:
    """Write the sheets with openpyxl and read them back the way the upload does."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets:
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return read_workbook(buffer.getvalue())


def person(code, scores=(1, 2, 1, 1), primary="sum", mark=4, journal=4, *, login=LOGIN, school="МОУ СОШ № 1",
           class_name="5А", variant=1):
    if primary == "sum":
        primary = sum(s for s in scores if isinstance(s, int))
    return [login, "Городской округ", school, code, class_name, variant, *scores, primary, mark, journal, "ж"]


def export(people, *, title="ВПР 2024 Русский язык 5 класс", subject="Русский язык", max_score=6, declared="auto",
           organisation=("МОУ СОШ № 1 (edu123456) | Кол-во участников: {n}",)):
    declared = len(people) if declared == "auto" else declared
    rows = [
        [title],
        ["Предмет", subject],
        ["Максимальный первичный балл", max_score],
        ["Дата", "16.04.2024"],
        [part.format(n=declared) for part in organisation],
        [None] * 6 + LEVELS,
        HEADER,
        *people,
    ]
    return sheets_of(("Индивидуальные результаты", rows))


def messages(items) -> list[str]:
    return [str(item) for item in items]


# ---------------------------------------------------------------------------------------------------------------
# ФИС ОКО export


def test_export_with_title_meta_organisation_and_levels():
    result = vpr.parse(export([person(40001.0), person(40002, (0, 1, "X", 2), mark=3, journal=4)]))
    assert result.ok and not result.warnings, messages(result.errors + result.warnings)
    assert result.layout == "vpr_fis_oko"
    assert result.year == "2023/2024"
    assert [(t.label, t.max_score, t.level) for t in result.tasks] == [
        ("1", 1, "Б"), ("2", 2, "Б"), ("3.1", 1, "П"), ("4К1", 2, "В")]
    assert result.meta | {"ignored_columns": None} == {
        "subject": "Русский язык", "grade": 5, "max_score": 6, "declared_participants": 2, "date": "2024-04-16",
        "absent_rows": 0, "sheet": "Индивидуальные результаты", "variant": "export", "header_row": 7,
        "ignored_columns": None, "participant_rows": 2, "schools": 1}
    first, second = result.participants
    assert first.row == FIRST and second.row == FIRST + 1
    assert first.school == SchoolRef(login=LOGIN, municipality="Городской округ", name="МОУ СОШ № 1")
    assert (first.subject, first.grade, first.participant_code, first.class_name, first.variant) == (
        "Русский язык", 5, "40001", "5А", "1")
    assert first.task_scores == [Decimal(1), Decimal(2), Decimal(1), Decimal(1)]
    assert (first.primary_score, first.mark, first.journal_mark) == (5, 4, 4)
    assert second.task_scores == [Decimal(0), Decimal(1), None, Decimal(2)]
    assert (second.participant_code, second.primary_score, second.mark) == ("40002", 3, 3)


def test_organisation_in_two_cells_gives_school_and_declared_count():
    rows = [person(1, login=None, school=None)]
    result = vpr.parse(export(rows, organisation=("МОУ Гимназия № 2 (EDU654321)", "Кол-во участников: {n}")))
    assert result.ok and not result.warnings, messages(result.errors + result.warnings)
    assert result.participants[0].school == SchoolRef(login="edu654321", name="МОУ Гимназия № 2")
    assert result.meta["declared_participants"] == 1


def test_multi_school_export_keeps_the_school_of_every_row():
    people = [person(10001, login="edu760000", school="Школа № 1"),
              person(10002, login="edu760000", school="Школа № 1"),
              person(10001, login="edu760001", school="Школа № 2")]  # the same code in another school is fine
    result = vpr.parse(export(people, organisation=("Муниципальная выгрузка", "Кол-во участников: {n}")))
    assert result.ok and not result.warnings, messages(result.errors + result.warnings)
    assert [(p.school.login, p.school.name, p.participant_code) for p in result.participants] == [
        ("edu760000", "Школа № 1", "10001"), ("edu760000", "Школа № 1", "10002"), ("edu760001", "Школа № 2", "10001")]
    assert result.meta["schools"] == 2


def test_primary_score_is_computed_when_missing():
    result = vpr.parse(export([person(1, (1, 2, 0, 2), primary=None, mark=5)]))
    assert result.ok and not result.warnings
    assert result.participants[0].primary_score == 5


def test_rows_are_numbered_as_in_excel_when_the_table_starts_lower():
    workbook = Workbook()
    sheet = workbook.active
    sheet["C4"], sheet["D4"], sheet["C5"], sheet["D5"], sheet["C6"], sheet["D6"] = "Код", "1 (1б)", 7, 1, 7, 5
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = vpr.parse(read_workbook(buffer.getvalue()), subject="Математика", grade=5)
    assert result.meta["header_row"] == 4 and result.participants[0].row == 5
    assert [(e.row, e.column) for e in result.errors] == [(6, "1 (1б)")]


def test_title_alone_gives_subject_grade_and_year():
    rows = [["ВПР 2023. Математика. 7 класс"], ["Код участника", "Вариант", "1 (1б)", "2 (2б)"], [5, 1, 1, 2]]
    result = vpr.parse(sheets_of(("Лист1", rows)))
    assert result.ok, messages(result.errors)
    assert (result.meta["subject"], result.meta["grade"], result.year) == ("Математика", 7, "2022/2023")
    assert result.participants[0].primary_score == 3
    assert [t.level for t in result.tasks] == ["", ""]  # no level row above the header


@pytest.mark.parametrize(("title", "expected"), [
    ("ВПР 2024 Русский язык 5 класс", ("Русский язык", 5, "2023/2024")),
    ("ВПР-2023 Английский язык 7-й класс", ("Английский язык", 7, "2022/2023")),
    ("5 класс. ВПР 2024 История", ("История", 5, "2023/2024")),
    ("ВПР Окружающий мир 4 кл.", ("Окружающий мир", 4, "")),
])
def test_title_forms(title, expected):
    rows = [["Ф1 Индивидуальные результаты участников ВПР"], [title], ["Код участника", "1 (1б)"], ["00017", 1]]
    result = vpr.parse(sheets_of(("Лист1", rows)))
    assert result.ok, messages(result.errors)
    assert (result.meta["subject"], result.meta["grade"], result.year) == expected
    assert result.participants[0].participant_code == "00017"


# ---------------------------------------------------------------------------------------------------------------
# The real «Протокол» collection form (shared/realdata)


@pytest.fixture(scope="module")
def protocol_sheets() -> list[Sheet]:
    if not PROTOCOL.exists():
        pytest.skip("нет shared/realdata/vpr_protocol_layout")
    return read_workbook(PROTOCOL.read_bytes())


@pytest.mark.parametrize("sheet_name", ["Протокол", "Протокол_2"])
def test_real_protocol_sheets(protocol_sheets, sheet_name):
    sheet = next(s for s in protocol_sheets if s.name == sheet_name)
    result = vpr.parse([sheet], subject="Русский язык", grade=5, school=SchoolRef(login="edu100200"))
    assert result.ok and not result.warnings, messages(result.errors + result.warnings)
    assert result.meta["variant"] == "protocol" and result.meta["absent_rows"] == 2
    assert len(result.participants) == 18
    assert [t.label for t in result.tasks] == ["1", "2", "3", "4", "5.1", "5.2", "6.1", "6.2", "7", "8", "9.1",
                                               "9.2", "10", "11.3К1", "12"]
    assert [t.max_score for t in result.tasks][:3] == [1, 1, 2] and result.tasks[13].max_score == 2
    assert result.year == ""
    first, second, last = result.participants[0], result.participants[1], result.participants[-1]
    assert (first.row, first.participant_code, first.variant, first.class_name) == (2, "40001", "1", "1")
    assert (first.subject, first.grade, first.school.login) == ("Русский язык", 5, "edu100200")
    assert first.task_scores[:5] == [Decimal(1), Decimal(1), Decimal(2), Decimal(1), Decimal(1)]
    assert (first.primary_score, first.mark, first.journal_mark) == (20, None, 5)
    assert (second.participant_code, second.variant, second.primary_score, second.journal_mark) == ("40002", "2", 18, 4)
    assert second.task_scores[1] == Decimal(0)
    assert (last.row, last.participant_code, last.primary_score, last.journal_mark) == (19, "40018", 9, 3)


def test_real_protocol_whole_file_loads_first_sheet_and_warns(protocol_sheets):
    assert vpr.detect(protocol_sheets)
    result = vpr.parse(protocol_sheets, subject="Русский язык", grade=5)
    assert result.ok
    assert result.meta["sheet"] == "Протокол"
    assert any("Протокол_2" in w.message for w in result.warnings)


# ---------------------------------------------------------------------------------------------------------------
# Cell values


@pytest.mark.parametrize("token", ["X", "Х", "x", "-", "—", "нет отметки", None, " X "])
def test_not_done_tokens_are_none(token):
    result = vpr.parse(export([person(1, (1, token, 1, 2), mark=token, journal=token)]))
    assert result.ok and not result.warnings, messages(result.errors + result.warnings)
    row = result.participants[0]
    assert row.task_scores == [Decimal(1), None, Decimal(1), Decimal(2)]
    assert (row.primary_score, row.mark, row.journal_mark) == (4, None, None)


@pytest.mark.parametrize(("value", "fragment"), [
    (3, "больше максимального 2"),
    (-1, "меньше допустимого 0"),
    (1.5, "целое число"),
    ("два", "целое число"),
])
def test_bad_task_score_is_an_error_at_row_and_column(value, fragment):
    result = vpr.parse(export([person(1), person(2, (1, value, 1, 1), primary=5)]))
    assert len(result.errors) == 1, messages(result.errors)
    error = result.errors[0]
    assert (error.row, error.column) == (FIRST + 1, "2 (2б)")
    assert fragment in error.message
    assert [p.participant_code for p in result.participants] == ["1"]


def test_task_score_written_as_text_is_accepted():
    result = vpr.parse(export([person(1, (" 1 ", "2,0", 1, 1), primary=5)]))
    assert result.ok, messages(result.errors)
    assert result.participants[0].task_scores[:2] == [Decimal(1), Decimal(2)]


def test_sum_of_tasks_other_than_primary_is_a_warning():
    result = vpr.parse(export([person(1, (1, 2, 1, 1), primary=4)]))
    assert result.ok
    assert [(w.row, w.column) for w in result.warnings] == [(FIRST, "Первичный балл")]
    assert "(5)" in result.warnings[0].message and "(4)" in result.warnings[0].message


def test_primary_above_maximum_is_an_error():
    result = vpr.parse(export([person(1, (1, 2, 1, 1), primary=7)]))
    assert [(e.row, e.column) for e in result.errors] == [(FIRST, "Первичный балл")]
    assert "7" in result.errors[0].message and "6" in result.errors[0].message


@pytest.mark.parametrize("column", ["Отметка", "Отметка по журналу"])
@pytest.mark.parametrize("value", [6, "пять", 1, 4.5])
def test_bad_mark_is_an_error(column, value):
    mark, journal = (value, 4) if column == "Отметка" else (4, value)
    result = vpr.parse(export([person(1, mark=mark, journal=journal)]))
    assert [(e.row, e.column) for e in result.errors] == [(FIRST, column)]
    assert "2, 3, 4, 5" in result.errors[0].message


def test_duplicate_code_names_the_first_row():
    result = vpr.parse(export([person(40001), person(40002), person(40001.0)]))
    assert [(e.row, e.column) for e in result.errors] == [(FIRST + 2, "Код участника")]
    assert "40001" in result.errors[0].message and f"строке {FIRST}" in result.errors[0].message


def test_declared_count_mismatch_is_a_warning():
    result = vpr.parse(export([person(1), person(2)], declared=3))
    assert result.ok
    assert [(w.row, w.message) for w in result.warnings] == [
        (5, "в файле заявлено участников: 3, а строк с результатами: 2")]


def test_absent_rows_are_skipped_and_counted():
    absent = ["edu123456", "Городской округ", "МОУ СОШ № 1", 3, "5Б", None, None, None, None, None, None, None,
              "нет отметки", "ж"]
    empty = [None] * len(HEADER)
    result = vpr.parse(export([person(1), absent, person(2), empty, absent[:3] + [4, "5Б", 2] + ["X"] * 4],
                              declared=2))
    assert result.ok and not result.warnings, messages(result.errors + result.warnings)
    assert [p.participant_code for p in result.participants] == ["1", "2"]
    assert result.meta["absent_rows"] == 2


def test_header_without_participants_is_an_error():
    result = vpr.parse(export([]))
    assert len(result.errors) == 1 and result.errors[0].row == 7
    assert "нет ни одной строки" in result.errors[0].message


# ---------------------------------------------------------------------------------------------------------------
# Subject, grade and school: the file versus the upload form

PROTOCOL_ROWS = [["Код", "Вариант (часть 1)", "1 (1б)", "2 (2б)", "Вариант (часть 2)", "3 (1б)", "Итого баллов"],
                 [40001.0, 1.0, 1.0, 2.0, 1.0, 0.0, 3.0]]


def test_repeated_variant_column_is_not_a_task():
    result = vpr.parse(sheets_of(("Протокол", PROTOCOL_ROWS)), subject="Математика", grade=6)
    assert result.ok and not result.warnings, messages(result.errors + result.warnings)
    assert [t.label for t in result.tasks] == ["1", "2", "3"]
    row = result.participants[0]
    assert (row.variant, row.task_scores, row.primary_score) == ("1", [Decimal(1), Decimal(2), Decimal(0)], 3)
    assert (row.subject, row.grade, row.school) == ("Математика", 6, SchoolRef())


@pytest.mark.parametrize(("subject", "grade", "expected"), [
    ("", 5, "в файле не указан предмет — выберите предмет в форме загрузки"),
    ("Математика", None, "в файле не указан класс (параллель) — выберите класс (параллель) в форме загрузки"),
    ("", None, "в файле не указаны предмет и класс (параллель) — выберите их в форме загрузки"),
])
def test_unknown_subject_or_grade_is_one_file_level_error(subject, grade, expected):
    result = vpr.parse(sheets_of(("Протокол", PROTOCOL_ROWS)), subject=subject, grade=grade)
    assert [(e.row, e.column, e.message) for e in result.errors] == [(None, "", expected)]


def test_file_subject_wins_and_contradiction_is_an_error():
    result = vpr.parse(export([person(1)]), subject="Математика", grade=5)
    assert [(e.row, e.column) for e in result.errors] == [(2, "Предмет")]
    assert "«Русский язык»" in result.errors[0].message and "«Математика»" in result.errors[0].message
    assert result.participants[0].subject == "Русский язык"
    assert vpr.parse(export([person(1)]), subject="русский  язык", grade=5).ok


def test_grade_contradiction_is_an_error():
    result = vpr.parse(export([person(1)]), grade=6)
    assert [(e.row, e.column) for e in result.errors] == [(1, "Класс")]


def test_school_contradiction_is_an_error():
    result = vpr.parse(export([person(1), person(2)]), school=SchoolRef(login="edu999999"))
    assert [(e.row, e.column) for e in result.errors] == [(5, "")]  # the organisation row, once
    assert "edu999999" in result.errors[0].message and LOGIN in result.errors[0].message
    assert vpr.parse(export([person(1)]), school=SchoolRef(login=LOGIN)).ok


def test_other_school_in_a_municipal_export_is_an_error_once():
    people = [person(1, login="edu760000"), person(2, login="edu760001"), person(3, login="edu760001")]
    result = vpr.parse(export(people, organisation=("Кол-во участников: {n}",)), school=SchoolRef(login="edu760000"))
    assert [(e.row, e.column) for e in result.errors] == [(FIRST + 1, "ОО")]
    assert "edu760001" in result.errors[0].message


# ---------------------------------------------------------------------------------------------------------------
# detect()


@pytest.mark.parametrize(("name", "rows", "expected"), [
    ("Индивидуальные результаты", [["что угодно"]], True),
    ("Протокол", [["Код"]], True),
    ("Лист1", [["ВПР"], [], ["Код участника", "Класс", "1 (1б)", "9.1 (2 б)"]], True),
    ("Лист1", [["Код", "11.3 k1 (2б)"]], True),
    ("Лист1", [["Код", "4К1 (2б)"]], True),
    ("Лист1", [["Код участника", "Класс", "Первичный балл"]], False),  # no task column
    ("Лист1", [["Фамилия", "1 (1б)"]], False),  # no participant code
    ("ЕГЭ", [["Предмет", "Участников", "Средний балл"]], False),
    ("Лист1", [[None]] * 30 + [["Код", "1 (1б)"]], False),  # header below row 30
])
def test_detect(name, rows, expected):
    assert vpr.detect([Sheet(name=name, rows=rows)]) is expected


def test_no_header_is_a_file_level_error():
    result = vpr.parse([Sheet(name="Лист1", rows=[["Фамилия", "Балл"]])], subject="Математика", grade=5)
    assert len(result.errors) == 1 and result.errors[0].row is None


# ---------------------------------------------------------------------------------------------------------------
# The benchmark generator


def _generated(path) -> bytes:
    generate(path, rows=2000, schools=40)
    result = vpr.parse(read_workbook(path.read_bytes()))
    assert result.ok and not result.warnings, messages(result.errors[:5] + result.warnings[:5])
    assert len(result.participants) == 2000 and result.meta["schools"] == 40
    assert result.year == "2023/2024" and result.meta["subject"] == "Математика" and result.meta["grade"] == 5
    assert all(p.mark == mark_for(p.primary_score) for p in result.participants)
    assert all(p.school.login.startswith("edu") for p in result.participants)
    return pickle.dumps((result.participants, result.tasks, result.meta))


def test_generator_output_parses_cleanly_and_is_deterministic(tmp_path):
    assert _generated(tmp_path / "a.xlsx") == _generated(tmp_path / "b.xlsx")
