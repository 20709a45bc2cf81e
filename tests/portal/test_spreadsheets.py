"""``read_workbook(lazy=True)``: rows converted as they are reached are the rows ``to_python`` gives at once."""

import io

import pytest
from openpyxl import Workbook

from portal.spreadsheets import LazyRows, read_workbook


def workbook(cells: dict, *, rows: int = 0) -> bytes:
    book = Workbook()
    sheet = book.active
    for ref, value in cells.items():
        sheet[ref] = value
    for number in range(rows):
        sheet.append(["", f"код {number}", number, number / 4])
    book.create_sheet("Пустой")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("cells, rows", [
    ({"C3": "x", "D5": 1, "B7": 2.5}, 0),  # empty leading rows and columns are kept, as to_python(False) keeps them
    ({"A1": "заголовок"}, 0),
    ({}, 0),
    ({"B2": "шапка"}, 2500),  # more rows than one batch
])
def test_lazy_rows_are_the_eager_rows(cells, rows):
    data = workbook(cells, rows=rows)
    for eager, lazy in zip(read_workbook(data), read_workbook(data, lazy=True), strict=True):
        assert isinstance(lazy.rows, LazyRows) and lazy.name == eager.name
        assert list(lazy.rows) == eager.rows


def test_indexing_converts_only_as_far_as_needed():
    data = workbook({"B2": "шапка"}, rows=2500)
    [eager, _] = read_workbook(data)
    [lazy, _] = read_workbook(data, lazy=True)
    rows = lazy.rows
    assert rows[:3] == eager.rows[:3] and rows[1] == eager.rows[1]
    assert len(rows._rows) == LazyRows.BATCH  # one batch so far
    walked = []
    for row in rows:  # iterating picks up after what indexing converted
        walked.append(row)
        if len(walked) == 1500:
            assert rows[1499] == eager.rows[1499]
    assert walked == eager.rows
    assert len(rows) == len(eager.rows) and rows[-1] == eager.rows[-1] and rows[2400:] == eager.rows[2400:]
