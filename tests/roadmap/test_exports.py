"""Roadmap exports to .xlsx and .docx, and their round trip through the importers."""

import datetime as dt
import io

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from roadmap.exports import RoadmapHeader, export_docx, export_xlsx, order_text
from roadmap.tables import ActivityRow, RoadmapTable, SectionRow, parse_docx, parse_xlsx

from .test_tables import make_docx, tuapse_rows

HEADER = RoadmapHeader(
    title="Дорожная карта по повышению качества образования в МО Туапсинский район на 2021–2023 гг.",
    municipality="МО Туапсинский район",
    period="2021–2023",
    order_number="54",
    order_date=dt.date(2021, 1, 27),
    status="утверждена",
)
FORMULAS = {
    "title": "=HYPERLINK(\"http://example.com\",\"нажмите\")",
    "deadline": "+7 дней",
    "responsible": "@ответственный",
    "result": "-1 балл к среднему",
}


def sample_table() -> RoadmapTable:
    return RoadmapTable(
        sections=[
            SectionRow("", "Без раздела", [ActivityRow("1", "Мероприятие до разделов", "2021", "УО")]),
            SectionRow("1", "Общесистемные мероприятия", [
                ActivityRow("1.1", "Создание рабочей группы", "Январь 2021 года", "Управление образования",
                            "Приказ о создании"),
                ActivityRow("1.2", "Соорганизация деятельности рабочей группы:\n— анализ результатов ЕГЭ;\n"
                                   "— подготовка аналитических карт", "постоянно", "УО\nМКУ КРО"),
                ActivityRow("1.10", "Десятое мероприятие", "ежегодно (август)", ""),
            ]),
            SectionRow("2", "Формулы в ячейках", [
                ActivityRow("2.1", FORMULAS["title"], FORMULAS["deadline"], FORMULAS["responsible"],
                            FORMULAS["result"]),
            ]),
            SectionRow("2.1", "Подраздел", [ActivityRow("2.1.1", "Вложенный номер", "2022", "ОО")]),
        ],
        errors=[],
        warnings=[],
        columns={},
    )


def content(table: RoadmapTable) -> list:
    return [(s.number, s.title, [(a.number, a.title, a.deadline_text, a.responsible_text, a.expected_result)
                                 for a in s.activities]) for s in table.sections]


def test_order_text():
    assert order_text(HEADER) == "приказом от 27.01.2021 № 54"
    assert order_text(RoadmapHeader(title="x", order_number="12-о")) == "приказом № 12-о"
    assert order_text(RoadmapHeader(title="x")) == ""


# ---------------------------------------------------------------------------------------------------------------
# round trips


def test_xlsx_round_trip():
    table = sample_table()
    back = parse_xlsx(export_xlsx(HEADER, table))
    assert back.ok, back.errors
    assert content(back) == content(table)
    assert [str(w) for w in back.warnings] == [
        "строка 8, столбец «№ п/п»: мероприятие указано до первого раздела и отнесено к разделу «Без раздела»"]
    assert back.columns == {"number": "№ п/п", "title": "Мероприятие", "deadline": "Сроки исполнения",
                            "responsible": "Ответственные", "result": "Ожидаемый результат"}


def test_docx_round_trip():
    table = sample_table()
    back = parse_docx(export_docx(HEADER, table))
    assert back.ok, back.errors
    assert content(back) == content(table)


def test_round_trip_without_implicit_section_has_no_warnings():
    table = sample_table()
    table.sections = table.sections[1:3]
    for back in (parse_xlsx(export_xlsx(HEADER, table)), parse_docx(export_docx(HEADER, table))):
        assert back.ok and back.warnings == []
        assert content(back) == content(table)


def test_round_trip_of_the_tuapse_roadmap():
    imported = parse_docx(make_docx(tuapse_rows()))
    assert imported.activity_count == 67
    for back in (parse_xlsx(export_xlsx(HEADER, imported)), parse_docx(export_docx(HEADER, imported)),
                 parse_xlsx(export_xlsx(HEADER, imported, reports={"1.1": "выполнено"}))):
        assert back.ok, back.errors
        assert content(back) == content(imported)


def test_export_of_an_empty_table_and_a_minimal_header():
    empty = RoadmapTable(sections=[], errors=[], warnings=[], columns={})
    assert parse_xlsx(export_xlsx(RoadmapHeader(title="Пусто"), empty)).errors[0].message == (
        "в таблице дорожной карты нет ни одного мероприятия")
    document = Document(io.BytesIO(export_docx(RoadmapHeader(title="Пусто"), empty)))
    assert "УТВЕРЖДЕНА" not in "\n".join(p.text for p in document.paragraphs)


# ---------------------------------------------------------------------------------------------------------------
# xlsx details


def _sheet(data: bytes):
    return load_workbook(io.BytesIO(data))["Дорожная карта"]


def _find_row(sheet, first_cell: str) -> int:
    for row in sheet.iter_rows():
        if row[0].value == first_cell:
            return row[0].row
    raise AssertionError(first_cell)


def test_xlsx_formula_like_values_stay_text():
    data = export_xlsx(HEADER, sample_table())
    sheet = _sheet(data)
    row = _find_row(sheet, "2.1")
    cells = [sheet.cell(row=row, column=column) for column in range(2, 6)]
    assert [cell.value for cell in cells] == [FORMULAS[key] for key in ("title", "deadline", "responsible", "result")]
    for cell in cells:
        assert cell.data_type == "s"
        assert cell.quotePrefix
    assert not [cell.coordinate for line in sheet.iter_rows() for cell in line if cell.data_type == "f"]
    calamine = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("Дорожная карта").to_python()
    assert [FORMULAS["title"], FORMULAS["deadline"]] == calamine[row - 1][1:3]


def test_xlsx_layout():
    sheet = _sheet(export_xlsx(HEADER, sample_table()))
    assert sheet.title == "Дорожная карта"
    assert sheet["A1"].value == HEADER.title and sheet["A1"].font.b
    texts = [sheet.cell(row=row, column=1).value for row in range(1, 8)]
    assert "Утверждена приказом от 27.01.2021 № 54" in texts
    header_row = _find_row(sheet, "№ п/п")
    assert [c.value for c in sheet[header_row]] == ["№ п/п", "Мероприятие", "Сроки исполнения", "Ответственные",
                                                    "Ожидаемый результат"]
    assert sheet.freeze_panes == f"A{header_row + 1}"
    section_row = _find_row(sheet, "1. Общесистемные мероприятия")
    assert f"A{section_row}:E{section_row}" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet.cell(row=section_row, column=1).font.b
    activity = sheet.cell(row=_find_row(sheet, "1.2"), column=2)
    assert activity.alignment.wrap_text
    assert activity.value.splitlines()[1] == "— анализ результатов ЕГЭ;"
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width
    assert sheet.cell(row=_find_row(sheet, "1.10"), column=1).data_type == "s"  # «1.10», not the number 1.1


def test_xlsx_status_column_when_reports_are_given():
    sheet = _sheet(export_xlsx(HEADER, sample_table(), reports={"1.1": "выполнено", "2.1": "=в работе"}))
    header_row = _find_row(sheet, "№ п/п")
    assert sheet.cell(row=header_row, column=6).value == "Статус выполнения"
    assert sheet.cell(row=_find_row(sheet, "1.1"), column=6).value == "выполнено"
    assert sheet.cell(row=_find_row(sheet, "1.2"), column=6).value is None
    status = sheet.cell(row=_find_row(sheet, "2.1"), column=6)
    assert (status.value, status.data_type) == ("=в работе", "s")
    section_row = _find_row(sheet, "2. Формулы в ячейках")
    assert f"A{section_row}:F{section_row}" in {str(r) for r in sheet.merged_cells.ranges}
    without = _sheet(export_xlsx(HEADER, sample_table()))
    assert without.cell(row=_find_row(without, "№ п/п"), column=6).value is None


def test_xlsx_control_characters_are_dropped():
    table = RoadmapTable(sections=[SectionRow("1", "Раз\x01дел", [ActivityRow("1.1", "Мероп\x0bриятие")])],
                         errors=[], warnings=[], columns={})
    back = parse_xlsx(export_xlsx(RoadmapHeader(title="Кар\x00та"), table))
    assert content(back) == [("1", "Раздел", [("1.1", "Мероприятие", "", "", "")])]


# ---------------------------------------------------------------------------------------------------------------
# docx details


@pytest.fixture(scope="module")
def exported_docx():
    return Document(io.BytesIO(export_docx(HEADER, sample_table())))


def test_docx_page_is_a4_landscape(exported_docx):
    section = exported_docx.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert section.page_width > section.page_height
    assert round(section.page_width.mm) == 297 and round(section.page_height.mm) == 210


def test_docx_font(exported_docx):
    normal = exported_docx.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.font.size.pt == 12


def test_docx_approval_block_and_title(exported_docx):
    first = exported_docx.paragraphs[0]
    assert first.text == "УТВЕРЖДЕНА\nприказом от 27.01.2021 № 54"
    assert first.alignment == 2  # right
    title = exported_docx.paragraphs[1]
    assert title.text == HEADER.title and title.alignment == 1 and title.runs[0].bold


def test_docx_page_number_field_in_footer(exported_docx):
    footer = exported_docx.sections[0].footer
    instructions = [node.text for node in footer._element.iter(qn("w:instrText"))]
    assert [text.strip() for text in instructions] == ["PAGE"]
    kinds = [node.get(qn("w:fldCharType")) for node in footer._element.iter(qn("w:fldChar"))]
    assert kinds == ["begin", "separate", "end"]


def test_docx_table_header_repeats_and_sections_are_merged(exported_docx):
    table = exported_docx.tables[0]
    header = table.rows[0]
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None
    assert [cell.text for cell in header.cells] == ["№ п/п", "Мероприятие", "Сроки исполнения", "Ответственные",
                                                    "Ожидаемый результат"]
    section_rows = [row for row in table.rows if len({id(cell._tc) for cell in row.cells}) == 1]
    assert [row.cells[0].text for row in section_rows] == ["1. Общесистемные мероприятия", "2. Формулы в ячейках",
                                                          "2.1. Подраздел"]
    for row in section_rows:
        assert all(run.bold for paragraph in row.cells[0].paragraphs for run in paragraph.runs)
    activity = next(row for row in table.rows if row.cells[0].text == "1.2")
    assert [p.text for p in activity.cells[1].paragraphs] == ["Соорганизация деятельности рабочей группы:",
                                                              "— анализ результатов ЕГЭ;",
                                                              "— подготовка аналитических карт"]
