"""Fuzzing of the roadmap readers (.xlsx and .docx): random cells, random layouts and merges, damaged files.

tests/roadmap/test_tables.py already feeds random bytes and damaged archives to ``parse_table``; here the layouts
themselves vary (shuffled, missing and repeated headers, merged cells, extra tables), under the same settings and
memory bound as every other importer."""

import io

from docx import Document
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from roadmap.tables import RoadmapTable, parse_docx, parse_table, parse_xlsx

from .support import (
    CELL,
    FUZZ,
    bounded,
    check,
    corpus,
    mutate_header,
    mutate_order,
    mutate_rows,
    mutated_bytes,
    mutated_member,
    xlsx_of,
)

ROWS = [["1. Общесистемные мероприятия"],
        *[[f"1.{n}", f"Семинар № {n}", "ежеквартально", "Управление образования", "Протокол"] for n in (1, 2, 3)],
        ["Раздел 2"], ["2.1", "Методический десант", "по отдельному графику", "ММС", ""]]
VALID_DOCX = corpus.roadmap_docx([corpus.HEADER, *ROWS])
VALID_XLSX = corpus.roadmap_xlsx([corpus.HEADER, *ROWS])


def _docx_text(value) -> str:
    return "" if value is None else "".join(ch for ch in str(value) if ch in "\t\n\r" or ord(ch) >= 32)[:2000]


def _docx(rows: list[list], merges: list[tuple[int, int, int, int]], before: list[list]) -> bytes:
    document = Document()
    for table_rows in [*before, rows]:
        width = max((len(row) for row in table_rows), default=1) or 1
        table = document.add_table(rows=len(table_rows), cols=width)
        for r, values in enumerate(table_rows):
            for c, value in enumerate(values):
                table.cell(r, c).text = _docx_text(value)
        for top, left, bottom, right in merges:
            if table_rows and bottom < len(table_rows) and right < width:
                try:
                    table.cell(top, left).merge(table.cell(bottom, right))
                except Exception:  # python-docx refuses merges that cut through an earlier merge: not our parser
                    pass
        document.add_paragraph("")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


MERGES = st.lists(st.tuples(*[st.integers(min_value=0, max_value=6)] * 4).map(
    lambda t: (min(t[0], t[2]), min(t[1], t[3]), max(t[0], t[2]), max(t[1], t[3]))), max_size=3)


@st.composite
def layouts(draw):
    header = mutate_header(draw, corpus.HEADER)
    rows = mutate_rows(draw, mutate_order(draw, ROWS), changes=6)
    above = draw(st.lists(st.lists(CELL, max_size=3), max_size=2))
    return [*above, header, *rows]


@given(layouts(), MERGES)
@FUZZ
def test_xlsx_random_layouts_and_merges(rows, merges):
    data = xlsx_of(rows, title="Дорожная карта")
    if merges:
        workbook = load_workbook(io.BytesIO(data))
        for top, left, bottom, right in merges:
            try:
                workbook.active.merge_cells(start_row=top + 1, start_column=left + 1, end_row=bottom + 1,
                                            end_column=right + 1)
            except ValueError:
                pass
        buffer = io.BytesIO()
        workbook.save(buffer)
        data = buffer.getvalue()
    check(bounded(parse_xlsx, data), RoadmapTable)


@given(layouts(), MERGES, st.lists(st.lists(st.lists(CELL, min_size=1, max_size=4), min_size=1, max_size=3),
                                   max_size=1))
@FUZZ
def test_docx_random_layouts_and_merges(rows, merges, before):
    table = bounded(parse_docx, _docx(rows, merges, before))
    check(table, RoadmapTable)
    for _, activity in table.iter_activities():
        assert activity.title and len(activity.number) <= 20


@given(st.data(), st.sampled_from(["docx", "xlsx"]))
@FUZZ
def test_damaged_roadmap_files(data, kind):
    valid = VALID_DOCX if kind == "docx" else VALID_XLSX
    member = "word/document.xml" if kind == "docx" else "xl/worksheets/sheet1.xml"
    damaged = data.draw(st.one_of(mutated_bytes(valid), mutated_member(valid, member)))
    check(bounded(parse_table, damaged, f"карта.{kind}"), RoadmapTable)
