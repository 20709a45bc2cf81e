"""Fuzzing of the published ОИП/ИСБШ list reader and the school register reader."""

from hypothesis import given
from hypothesis import strategies as st

from indicators.importers.index_lists import IndexListResult, parse_index_list
from portal.spreadsheets import ParseResult, WorkbookError, read_workbook
from schools.register import parse_register, parse_register_sheets

from .support import (
    FUZZ,
    bounded,
    check,
    corpus,
    extra_sheets,
    mutate_header,
    mutate_order,
    mutate_rows,
    mutated_bytes,
    mutated_member,
    sheet,
)

INDEX_LAYOUTS = {
    "table1": (corpus.TABLE1, [[1, corpus.OWN[1], 25, 149, 147, 143, 83, 121.83, 59.86],
                               [2, corpus.OTHER[1], 24, 200, 40, 226, 129, 163.33, 56.78]]),
    "table2": (corpus.TABLE2, [[1, corpus.OWN[0], "да", "", "да", "да", "", "да", 27.52],
                               [2, corpus.OTHER[0], "", "да", "", "", "да", "", 44.17]]),
    "table3": (corpus.TABLE3, [[1, corpus.OWN[1], 52.75, 54.91], [2, corpus.OTHER[1], 56.78, 61.63],
                               ["", "Среднее значение по району", 38.97, 50.23]]),
}
REGISTER_HEADER = ["Муниципалитет", "Наименование ОО", "Краткое наименование", "Логин ФИС ОКО", "Тип ОО",
                   "Местность", "Малокомплектная", "Есть 10–11 классы", "ИНН", "Адрес", "Действующая"]
REGISTER_ROWS = [corpus.register_row(), corpus.register_row(corpus.OTHER, kind="лицей", small="да")]
VALID_INDEX = corpus.index_list(*INDEX_LAYOUTS["table3"])
VALID_REGISTER = corpus.register(REGISTER_ROWS)


def _index_file(data: bytes) -> IndexListResult:
    """What the index upload runs before it touches the register: read the workbook, parse the list."""
    try:
        sheets = read_workbook(data)
    except WorkbookError as exc:
        assert str(exc)
        return IndexListResult()
    return parse_index_list(sheets)


@given(st.data(), st.sampled_from(sorted(INDEX_LAYOUTS)))
@FUZZ
def test_index_list_random_cells(data, layout):
    header, rows = INDEX_LAYOUTS[layout]
    grid = [[corpus.TITLE3], [], header, *mutate_rows(data.draw, rows, changes=8)]
    check(bounded(parse_index_list, [sheet("Таблица", grid)]), IndexListResult)


@given(st.data(), st.sampled_from(sorted(INDEX_LAYOUTS)), extra_sheets())
@FUZZ
def test_index_list_random_layouts(data, layout, others):
    header, rows = INDEX_LAYOUTS[layout]
    grid = [*mutate_rows(data.draw, [[corpus.TITLE3], []], changes=1), mutate_header(data.draw, header),
            *mutate_order(data.draw, rows)]
    sheets = [*others, sheet("Таблица", grid)] if data.draw(st.booleans()) else [sheet("Таблица", grid), *others]
    result = bounded(parse_index_list, sheets)
    check(result, IndexListResult)
    for row in result.rows:
        assert row.oip is None or row.oip >= 0
        assert row.isbs is None or row.isbs >= 0


@given(st.data())
@FUZZ
def test_index_list_mutated_files(data):
    damaged = data.draw(st.one_of(mutated_bytes(VALID_INDEX), mutated_member(VALID_INDEX, "xl/worksheets/sheet1.xml")))
    check(bounded(_index_file, damaged), IndexListResult)


@given(st.data())
@FUZZ
def test_register_random_cells(data):
    rows = mutate_rows(data.draw, REGISTER_ROWS, changes=10)
    check(bounded(parse_register_sheets, [sheet("Реестр ОО", [REGISTER_HEADER, *rows])]), ParseResult)


@given(st.data(), extra_sheets())
@FUZZ
def test_register_random_layouts(data, others):
    grid = [*mutate_rows(data.draw, [["Реестр школ"]], changes=1), mutate_header(data.draw, REGISTER_HEADER),
            *mutate_order(data.draw, REGISTER_ROWS)]
    if data.draw(st.booleans()):
        grid = grid[1:]
    sheets = [*others, sheet("Реестр ОО", grid)]
    result = bounded(parse_register_sheets, sheets)
    check(result, ParseResult)
    assert all(row["row"] >= 1 for row in result.rows)


@given(st.data())
@FUZZ
def test_register_mutated_files(data):
    damaged = data.draw(st.one_of(mutated_bytes(VALID_REGISTER),
                                  mutated_member(VALID_REGISTER, "xl/worksheets/sheet1.xml")))
    check(bounded(parse_register, damaged), ParseResult)
