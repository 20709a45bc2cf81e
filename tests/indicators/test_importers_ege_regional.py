"""The regional per-school ЕГЭ form: the real Забайкальский край workbook and small synthetic workbooks."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.conf import settings
from openpyxl import Workbook

from indicators.importers import ege_regional
from portal.spreadsheets import read_workbook

REAL_FILE = (
    settings.BASE_DIR.parent / "shared" / "realdata" / "ege_by_school_zabaykalsky"
    / "zabaykalsky_ege_by_school_2022_2024.xlsx"
)
CHITA_SCHOOL_1 = 'Муниципальное бюджетное общеобразовательное учреждение "Средняя общеобразовательная школа №1"'
LYCEUM = 'Государственное общеобразовательное учреждение "Забайкальский краевой лицей-интернат"'

TITLE = "Информация о результатах ЕГЭ выпускников школ в 2023 году"
FIXED = [
    "Муниципальное образование",
    "Образовательная организация (школа)",
    "Профиль (при наличии)",
    "Всего выпускников в 2023 году по программам среднего общего образования, принявших участие в ЕГЭ, чел.",
]
SUB_HEADERS = [
    "приняло участие", "не преодолен min порог", "высокобалльники (80-99 баллов)", "получили 100 баллов",
    "средний балл",
]
SUBJECTS = ("Русский язык", "Математика базовая")
CHITA = 'Комитет образования администрации городского округа "Город Чита"'
AGA = 'Комитет образования администрации городского округа "Поселок Агинское"'
FIRST_DATA_ROW = 6  # title in row 2, header in rows 4-5


# ------------------------------------------------------------------------------------------------ helpers


def build(rows, *, title=TITLE, sheet="2023", offset=0, subjects=SUBJECTS, fixed=FIXED, extra=()):
    """An xlsx of the form with a two-row merged header, read back the way the portal reads uploads."""
    workbook = Workbook()
    _fill(workbook.active, rows, title=title, sheet=sheet, offset=offset, subjects=subjects, fixed=fixed)
    for name, extra_title, extra_rows in extra:
        _fill(workbook.create_sheet(), extra_rows, title=extra_title, sheet=name, offset=offset, subjects=subjects,
              fixed=fixed)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return read_workbook(buffer.getvalue())


def _fill(ws, rows, *, title, sheet, offset, subjects, fixed):
    ws.title = sheet
    first = 1 + offset
    if title:
        ws.cell(2, first, title)
    for index, header in enumerate(fixed):
        ws.cell(4, first + index, header)
        ws.merge_cells(start_row=4, start_column=first + index, end_row=5, end_column=first + index)
    column = first + len(fixed)
    for subject in subjects:
        ws.cell(4, column, subject)
        ws.merge_cells(start_row=4, start_column=column, end_row=4, end_column=column + 4)
        for shift, sub_header in enumerate(SUB_HEADERS):
            ws.cell(5, column + shift, sub_header)
        column += 5
    for row_number, values in enumerate(rows, start=FIRST_DATA_ROW):
        for column_number, value in enumerate(values, start=first):
            if value is not None:
                ws.cell(row_number, column_number, value)


def school(name="СОШ № 1", *, rus=(10, 0, 2, 0, 65.5), basic=(8, 1, None, None, 3.9), municipality=CHITA,
           graduates=20, profile="X"):
    return [municipality, name, profile, graduates, *rus, *basic]


def total(*, rus, basic, graduates, label="Итого по Забайкальскому краю", school_cell=None):
    return [label, school_cell, None, graduates, *rus, *basic]


def clean_rows():
    return [
        school("СОШ № 1", rus=(10, 1, 2, 0, 65.5), basic=(8, 1, None, None, 3.9)),
        school("СОШ № 2", rus=(30, 2, 5, 1, 70.25), basic=(5, 0, None, None, 4.2), municipality=AGA, graduates=30),
        total(rus=(40, 3, 7, 1, 69.06), basic=(13, 1, None, None, 4.02), graduates=50),
    ]


def aggregate(result, subject, name="СОШ № 1"):
    found = [a for a in result.aggregates if a.subject == subject and a.school.name == name]
    assert len(found) == 1, found
    return found[0]


def messages(problems):
    return [str(problem) for problem in problems]


# ---------------------------------------------------------------------------------------------- real file


@pytest.fixture(scope="module")
def real_sheets():
    if not REAL_FILE.exists():
        pytest.skip(f"нет файла с реальными данными: {REAL_FILE}")
    return read_workbook(REAL_FILE.read_bytes())


@pytest.fixture(scope="module")
def real_results(real_sheets):
    return {year: ege_regional.parse(real_sheets, year=year) for year in ("2021/2022", "2022/2023")}


def test_real_file_is_detected_and_lists_result_years_only(real_sheets):
    assert ege_regional.detect(real_sheets)
    assert ege_regional.result_years(real_sheets) == ["2021/2022", "2022/2023"]


@pytest.mark.parametrize(
    ("year", "sheet", "school_rows", "aggregates", "warnings", "graduates"),
    [
        ("2021/2022", "2022", 371, 2365, 24, 5327),
        ("2022/2023", "2023", 373, 2348, 4, 5072),
    ],
)
def test_real_year_parses_without_errors(real_results, year, sheet, school_rows, aggregates, warnings, graduates):
    result = real_results[year]
    assert result.ok, messages(result.errors)[:5]
    assert result.layout == "ege_regional"
    assert result.year == year
    assert result.meta["sheet"] == sheet
    assert result.meta["school_rows"] == school_rows
    assert result.meta["schools"] == school_rows
    assert result.meta["municipalities"] == 36
    assert result.meta["graduates"] == graduates
    assert len(result.aggregates) == aggregates
    assert len(result.warnings) == warnings
    assert all(a.assessment == "ege" and a.grade == 11 and a.participants > 0 for a in result.aggregates)
    assert all(a.school.login == "" and a.school.municipality and a.school.name for a in result.aggregates)
    keys = [(a.school.municipality, a.school.name, a.subject) for a in result.aggregates]
    assert len(keys) == len(set(keys))
    assert {a.school.name for a in result.aggregates} >= {CHITA_SCHOOL_1, LYCEUM}
    assert result.meta["other_sheets"] == [{"sheet": "2024", "kind": "applications", "year": "2023/2024"}]


@pytest.mark.parametrize(
    ("year", "name", "subject", "expected"),
    [
        ("2021/2022", CHITA_SCHOOL_1, "Русский язык",
         {"row": 8, "participants": 61, "below_minimum": 0, "score_80_99": 18, "score_100": 0,
          "mean_score": Decimal("70.52")}),
        ("2022/2023", CHITA_SCHOOL_1, "Русский язык",
         {"row": 8, "participants": 51, "below_minimum": 0, "score_80_99": 13, "score_100": 0,
          "mean_score": Decimal("71.61")}),
        ("2022/2023", LYCEUM, "Русский язык",
         {"row": 380, "participants": 42, "score_80_99": 38, "mean_score": Decimal("89.02")}),
        ("2021/2022", CHITA_SCHOOL_1, "Математика базовая",
         {"participants": 32, "mark2": 0, "below_minimum": 0, "mean_mark": Decimal("4.25"), "mean_score": None,
          "score_80_99": None, "score_100": None, "mark5": None}),
        ("2022/2023", CHITA_SCHOOL_1, "Математика базовая",
         {"participants": 28, "mark2": 0, "mean_mark": Decimal("4.21"), "mean_score": None}),
    ],
)
def test_real_spot_values(real_results, year, name, subject, expected):
    found = [a for a in real_results[year].aggregates if a.school.name == name and a.subject == subject]
    assert len(found) == 1
    for attribute, value in expected.items():
        assert getattr(found[0], attribute) == value, attribute


def test_real_totals_cross_check_is_in_meta_and_mismatches_are_warnings(real_results):
    old, new = real_results["2021/2022"], real_results["2022/2023"]
    for result in (old, new):
        totals = result.meta["totals"]
        russian = next(t for t in totals if t["subject"] == "Русский язык" and t["field"] == "participants")
        assert russian["total_row"] == russian["sum_of_schools"] and russian["matches"]
        assert {"subject", "field", "total_row", "sum_of_schools"} <= set(totals[0])
    assert next(t for t in old.meta["totals"] if t["subject"] == "Русский язык" and t["field"] == "participants")[
        "total_row"] == 5211
    assert old.meta["total_rows"] == [379] and new.meta["total_rows"] == [381]
    old_mismatch = [(t["subject"], t["field"]) for t in old.meta["totals"] if not t["matches"]]
    assert ("Немецкий язык", "score_80_99") in old_mismatch
    assert any(w.row == 379 and w.column == "Немецкий язык: высокобалльники (80-99 баллов)" for w in old.warnings)
    new_mismatch = [(t["subject"], t["field"]) for t in new.meta["totals"] if not t["matches"]]
    assert ("История", "score_100") in new_mismatch
    assert any(w.row == 381 and w.column == "История: получили 100 баллов" for w in new.warnings)


def test_real_2023_chemistry_hundred_column_is_a_broken_formula(real_results):
    result = real_results["2022/2023"]
    chemistry = [a for a in result.aggregates if a.subject == "Химия"]
    assert len(chemistry) == 156
    assert all(a.score_100 is None for a in chemistry)
    assert all(a.below_minimum is not None and a.score_80_99 is not None for a in chemistry)
    broken = [w for w in result.warnings if w.column == "Химия: получили 100 баллов" and "формулой" in w.message]
    assert len(broken) == 1
    assert result.meta["not_loaded_columns"] == ["Химия: получили 100 баллов"]


def test_real_2022_warns_about_more_participants_than_graduates_and_header_year(real_results):
    result = real_results["2021/2022"]
    over = [w for w in result.warnings if "больше, чем выпускников" in w.message]
    assert len(over) == 22
    assert any(w.row == 8 and w.column == "Русский язык: приняло участие" for w in over)
    assert any("указан 2023 год" in note for note in result.meta["notes"])


def test_real_file_without_year_is_one_file_level_error(real_sheets):
    result = ege_regional.parse(real_sheets)
    assert not result.aggregates
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.row is None
    assert "2021/2022" in error.message and "2022/2023" in error.message


def test_real_applications_sheet_is_refused(real_sheets):
    result = ege_regional.parse(real_sheets, year="2023/2024")
    assert not result.aggregates
    assert len(result.errors) == 1
    assert "заявления" in result.errors[0].message and "«2024»" in result.errors[0].message


# ----------------------------------------------------------------------------------------- synthetic files


def test_clean_synthetic_file():
    result = ege_regional.parse(build(clean_rows()))
    assert result.ok and not result.warnings, messages(result.errors + result.warnings)
    assert result.year == "2022/2023"
    assert result.meta["schools"] == 2 and result.meta["municipalities"] == 2
    assert len(result.aggregates) == 4
    russian = aggregate(result, "Русский язык", "СОШ № 2")
    assert russian.row == FIRST_DATA_ROW + 1
    assert russian.school.municipality == AGA
    assert (russian.participants, russian.below_minimum, russian.score_80_99, russian.score_100) == (30, 2, 5, 1)
    assert russian.mean_score == Decimal("70.25")
    basic = aggregate(result, "Математика базовая")
    assert (basic.participants, basic.mark2, basic.below_minimum, basic.mean_mark) == (8, 1, 1, Decimal("3.90"))
    assert basic.mean_score is None and basic.score_100 is None
    assert result.meta["totals"] and all(item["matches"] for item in result.meta["totals"])


def test_blank_counts_are_zero_and_subjects_without_participants_are_skipped():
    rows = [school(rus=(10, None, None, None, 60), basic=(None, None, None, None, 0))]
    result = ege_regional.parse(build(rows))
    assert result.ok and not result.warnings, messages(result.errors + result.warnings)
    russian = aggregate(result, "Русский язык")
    assert (russian.below_minimum, russian.score_80_99, russian.score_100) == (0, 0, 0)
    assert [a.subject for a in result.aggregates] == ["Русский язык"]


@pytest.mark.parametrize(
    ("rus", "basic", "column", "fragment"),
    [
        (("десять", 0, 0, 0, 60), (8, 0, None, None, 4), "Русский язык: приняло участие", "«десять»"),
        ((10, -1, 0, 0, 60), (8, 0, None, None, 4), "Русский язык: не преодолен min порог", "отрицательное"),
        ((10, 2.5, 0, 0, 60), (8, 0, None, None, 4), "Русский язык: не преодолен min порог", "«2.5»"),
        ((10, 0, 0, 0, 120), (8, 0, None, None, 4), "Русский язык: средний балл", "120"),
        ((10, 0, 0, 0, "н/д"), (8, 0, None, None, 4), "Русский язык: средний балл", "«н/д»"),
        ((10, 0, 0, 0, 60), (8, 0, None, None, 6), "Математика базовая: средний балл", "от 2 до 5"),
    ],
)
def test_cell_errors_name_row_and_column(rus, basic, column, fragment):
    result = ege_regional.parse(build([school(rus=rus, basic=basic)]))
    assert len(result.errors) == 1, messages(result.errors)
    error = result.errors[0]
    assert (error.row, error.column) == (FIRST_DATA_ROW, column)
    assert fragment in error.message


@pytest.mark.parametrize(
    ("rus", "basic", "graduates", "column", "fragment", "loaded"),
    [
        ((10, 0, 0, 12, 60), (8, 0, None, None, 4), 20, "Русский язык: получили 100 баллов",
         "больше числа участников", {"score_100": None, "score_80_99": 0}),
        ((10, 4, 5, 2, 60), (8, 0, None, None, 4), 20, "Русский язык: приняло участие",
         "больше, чем участников", {"below_minimum": 4, "score_80_99": 5, "score_100": 2}),
        ((10, 0, 0, 0, None), (8, 0, None, None, 4), 20, "Русский язык: средний балл",
         "не указан средний балл", {"mean_score": None, "participants": 10}),
        ((25, 0, 0, 0, 60), (8, 0, None, None, 4), 20, "Русский язык: приняло участие",
         "больше, чем выпускников", {"participants": 25}),
    ],
)
def test_suspicious_values_are_warnings(rus, basic, graduates, column, fragment, loaded):
    result = ege_regional.parse(build([school(rus=rus, basic=basic, graduates=graduates)]))
    assert result.ok, messages(result.errors)
    assert len(result.warnings) == 1, messages(result.warnings)
    warning = result.warnings[0]
    assert (warning.row, warning.column) == (FIRST_DATA_ROW, column)
    assert fragment in warning.message
    russian = aggregate(result, "Русский язык")
    for attribute, value in loaded.items():
        assert getattr(russian, attribute) == value, attribute


def test_high_score_columns_do_not_apply_to_basic_maths():
    result = ege_regional.parse(build([school(basic=(8, 0, 2, None, 4.5))]))
    assert result.ok
    assert [(w.column, "не применяется" in w.message) for w in result.warnings] == [
        ("Математика базовая: высокобалльники (80-99 баллов)", True)
    ]
    assert aggregate(result, "Математика базовая").score_80_99 is None


def test_column_filled_by_a_wrong_formula_is_not_loaded():
    rows = [
        school(f"СОШ № {number}", rus=(participants, below, high, participants + below + high, 55))
        for number, (participants, below, high) in enumerate([(5, 1, 0), (3, 0, 1), (4, 0, 0), (6, 2, 1)], start=1)
    ]
    result = ege_regional.parse(build(rows))
    assert result.ok
    assert len(result.warnings) == 1, messages(result.warnings)
    assert result.warnings[0].column == "Русский язык: получили 100 баллов"
    assert "формулой" in result.warnings[0].message
    assert all(a.score_100 is None for a in result.aggregates if a.subject == "Русский язык")


def test_regional_total_mismatch_is_a_warning_and_in_meta():
    rows = clean_rows()
    rows[-1] = total(rus=(45, 3, 7, 1, 69.06), basic=(13, 1, None, None, 4.02), graduates=50)
    result = ege_regional.parse(build(rows))
    assert result.ok
    total_row = FIRST_DATA_ROW + 2
    assert [(w.row, w.column) for w in result.warnings] == [(total_row, "Русский язык: приняло участие")]
    assert "45" in result.warnings[0].message and "40" in result.warnings[0].message
    item = next(t for t in result.meta["totals"] if t["subject"] == "Русский язык" and t["field"] == "participants")
    assert item == {"subject": "Русский язык", "field": "participants", "total_row": 45, "sum_of_schools": 40,
                    "matches": False}
    assert result.meta["schools"] == 2  # the total row is not a school


def test_municipal_subtotal_rows_are_not_schools():
    rows = [
        school("СОШ № 1", rus=(10, 1, 2, 0, 65.5), basic=(8, 1, None, None, 3.9)),
        school("СОШ № 3", rus=(5, 0, 0, 0, 50), basic=(2, 0, None, None, 3.5)),
        total(label=CHITA, school_cell="Итого по муниципалитету", rus=(16, 1, 2, 0, 60.3),
              basic=(10, 1, None, None, 3.82), graduates=40),
        school("СОШ № 2", rus=(30, 2, 5, 1, 70.25), basic=(5, 0, None, None, 4.2), municipality=AGA, graduates=30),
        total(rus=(45, 3, 7, 1, 66.2), basic=(15, 1, None, None, 3.95), graduates=70),
    ]
    result = ege_regional.parse(build(rows))
    assert result.ok
    assert result.meta["schools"] == 3
    assert result.meta["subtotal_rows"] == [FIRST_DATA_ROW + 2]
    assert result.meta["total_rows"] == [FIRST_DATA_ROW + 4]
    assert result.meta["subtotals"] == [{
        "row": FIRST_DATA_ROW + 2, "municipality": CHITA, "subject": "Русский язык", "field": "participants",
        "total_row": 16, "sum_of_schools": 15, "matches": False,
    }]
    assert [(w.row, w.column) for w in result.warnings] == [(FIRST_DATA_ROW + 2, "Русский язык: приняло участие")]


@pytest.mark.parametrize(
    ("profiles", "warned"),
    [(("физико-математический", "гуманитарный"), False), (("X", "X"), True)],
)
def test_school_on_several_rows_gives_one_aggregate(profiles, warned):
    rows = [
        school(rus=(10, 1, 2, 0, 70), basic=(4, 0, None, None, 4), profile=profiles[0], graduates=40),
        school(rus=(30, 0, 3, 1, 50), basic=(None, None, None, None, None), profile=profiles[1], graduates=40),
    ]
    result = ege_regional.parse(build(rows))
    assert result.ok
    assert len(result.aggregates) == 2
    russian = aggregate(result, "Русский язык")
    assert (russian.row, russian.participants, russian.below_minimum, russian.score_80_99, russian.score_100) == (
        FIRST_DATA_ROW, 40, 1, 5, 1)
    assert russian.mean_score == Decimal("55.00")
    assert aggregate(result, "Математика базовая").participants == 4
    assert result.meta["schools"] == 1
    assert result.meta["merged"][0]["rows"] == [FIRST_DATA_ROW, FIRST_DATA_ROW + 1]
    assert bool(result.warnings) is warned


def test_header_is_found_when_columns_are_shifted():
    result = ege_regional.parse(build(clean_rows(), offset=1))
    assert result.ok and not result.warnings
    assert len(result.aggregates) == 4
    assert aggregate(result, "Русский язык").participants == 10


@pytest.mark.parametrize(
    ("title", "sheet", "expected"),
    [
        (TITLE, "2023", ["2022/2023"]),
        ("", "2021", ["2020/2021"]),
        ("Информация о результатах ЕГЭ выпускников школ в 2022 году", "Лист1", ["2021/2022"]),
    ],
)
def test_result_years(title, sheet, expected):
    sheets = build(clean_rows(), title=title, sheet=sheet)
    assert ege_regional.detect(sheets)
    assert ege_regional.result_years(sheets) == expected
    assert ege_regional.parse(sheets).year == expected[0]


def test_year_argument_chooses_the_sheet():
    sheets = build(clean_rows(), extra=[("2022", "Информация о результатах ЕГЭ выпускников школ в 2022 году",
                                         [school(rus=(7, 0, 0, 0, 50), basic=(1, 0, None, None, 3))])])
    assert ege_regional.result_years(sheets) == ["2021/2022", "2022/2023"]
    assert len(ege_regional.parse(sheets).errors) == 1
    older = ege_regional.parse(sheets, year="2021/2022")
    assert older.ok and older.year == "2021/2022"
    assert aggregate(older, "Русский язык").participants == 7
    missing = ege_regional.parse(sheets, year="2019/2020")
    assert "2019/2020" in missing.errors[0].message and "2022/2023" in missing.errors[0].message


def test_applications_only_file_is_refused():
    sheets = build(clean_rows(), title="Информация о поданных выпускниками школ 2024 года заявлениях на участие в ЕГЭ",
                   sheet="2024")
    assert not ege_regional.detect(sheets)
    assert ege_regional.result_years(sheets) == []
    result = ege_regional.parse(sheets)
    assert len(result.errors) == 1 and "заявления" in result.errors[0].message


@pytest.mark.parametrize(
    ("rows", "fixed", "title", "expected"),
    [
        (clean_rows(), FIXED, TITLE, True),
        (clean_rows(), FIXED, "", True),  # recognised by the header and «приняло участие»
        ([["Иванов", "5А", 4]], ["ФИО", "Класс", "Отметка"], "Список", False),
    ],
)
def test_detect(rows, fixed, title, expected):
    sheets = build(rows, fixed=fixed, title=title, subjects=() if not expected else SUBJECTS)
    assert ege_regional.detect(sheets) is expected
