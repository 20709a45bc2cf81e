"""Roadmap (дорожная карта) exports: an Excel workbook and a Word document built from a :class:`RoadmapTable`.

Pure adapter code: dataclasses in, bytes out. Both files read back with :mod:`roadmap.tables` into the same
sections and activities.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from portal.cells import put_text, xlsx_text

from .tables import IMPLICIT_SECTION_TITLE, RoadmapTable, SectionRow

SHEET_TITLE = "Дорожная карта"
STATUS_HEADER = "Статус выполнения"
COLUMNS = (
    ("№ п/п", 9, 1.5),
    ("Мероприятие", 60, 10.0),
    ("Сроки исполнения", 22, 4.2),
    ("Ответственные", 30, 5.2),
    ("Ожидаемый результат", 35, 5.3),
)
STATUS_WIDTH = 22
FONT_NAME = "Times New Roman"


@dataclass
class RoadmapHeader:
    title: str
    municipality: str = ""
    school: str = ""
    period: str = ""
    order_number: str = ""
    order_date: date | None = None
    status: str = ""


def order_text(header: RoadmapHeader) -> str:
    """«приказом от 27.01.2021 № 54»; empty when neither the date nor the number is known."""
    parts = []
    if header.order_date:
        parts.append(f"от {header.order_date:%d.%m.%Y}")
    if header.order_number:
        parts.append(f"№ {header.order_number}")
    return ("приказом " + " ".join(parts)) if parts else ""


def _header_lines(header: RoadmapHeader) -> list[str]:
    lines = []
    if header.school:
        lines.append(header.school)
    if header.municipality:
        lines.append(header.municipality)
    if header.period:
        lines.append(f"Период реализации: {header.period}")
    if header.status:
        lines.append(f"Статус: {header.status}")
    return lines


def section_heading(section: SectionRow) -> str:
    """The text of a section row: «1. Общесистемные мероприятия»."""
    if section.number and section.title:
        return f"{section.number}. {section.title}"
    if section.number:
        return f"{section.number}."
    return section.title


def _written_sections(table: RoadmapTable) -> list[tuple[SectionRow, bool]]:
    """Sections with a flag telling whether their heading row is written: the implicit «Без раздела» section
    at the top is left without one, so the activities read back as standing before the first section."""
    result = []
    for index, section in enumerate(table.sections):
        implicit = index == 0 and not section.number and section.title == IMPLICIT_SECTION_TITLE
        result.append((section, not implicit))
    return result


# ---------------------------------------------------------------------------------------------------------------
# Excel


def _row_height(values: list[str], widths: list[float]) -> float:
    lines = 1
    for value, width in zip(values, widths, strict=True):
        per_line = max(int(width * 1.1), 1)
        count = sum(max(1, math.ceil(len(line) / per_line)) for line in (value or "").split("\n"))
        lines = max(lines, count)
    return min(15.0 * lines + 3, 409.0)


def export_xlsx(header: RoadmapHeader, table: RoadmapTable, *, reports: dict[str, str] | None = None) -> bytes:
    """One sheet «Дорожная карта»: a title block, the header row, merged bold section rows and the activities;
    with ``reports`` (activity number → status text) a «Статус выполнения» column is added."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    headers = [name for name, _width, _cm in COLUMNS]
    widths = [float(width) for _name, width, _cm in COLUMNS]
    if reports is not None:
        headers.append(STATUS_HEADER)
        widths.append(float(STATUS_WIDTH))
    last = get_column_letter(len(headers))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    total_width = sum(widths)

    row = 1
    put_text(sheet.cell(row=row, column=1), header.title)
    sheet.merge_cells(f"A{row}:{last}{row}")
    sheet.cell(row=row, column=1).font = Font(name=FONT_NAME, bold=True, size=14)
    sheet.cell(row=row, column=1).alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.row_dimensions[row].height = _row_height([header.title], [total_width * 0.8])
    lines = _header_lines(header)
    approval = order_text(header)
    if approval:
        lines.append("Утверждена " + approval)
    for line in lines:
        row += 1
        put_text(sheet.cell(row=row, column=1), line)
        sheet.merge_cells(f"A{row}:{last}{row}")
        sheet.cell(row=row, column=1).font = Font(name=FONT_NAME, size=11)
        sheet.cell(row=row, column=1).alignment = Alignment(horizontal="left", vertical="center")
    row += 2
    header_row = row
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for index, name in enumerate(headers, start=1):
        cell = sheet.cell(row=row, column=index, value=name)
        cell.font = Font(name=FONT_NAME, bold=True)
        cell.fill = header_fill
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.row_dimensions[row].height = 32

    section_fill = PatternFill("solid", fgColor="F2F2F2")
    for section, with_heading in _written_sections(table):
        if with_heading:
            row += 1
            cell = sheet.cell(row=row, column=1)
            put_text(cell, section_heading(section))
            cell.font = Font(name=FONT_NAME, bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            for index in range(1, len(headers) + 1):
                sheet.cell(row=row, column=index).border = border
                sheet.cell(row=row, column=index).fill = section_fill
            sheet.merge_cells(f"A{row}:{last}{row}")
            sheet.row_dimensions[row].height = _row_height([section_heading(section)], [total_width])
        for activity in section.activities:
            row += 1
            values = [activity.number, activity.title, activity.deadline_text, activity.responsible_text,
                      activity.expected_result]
            if reports is not None:
                values.append(reports.get(activity.number, ""))
            for index, value in enumerate(values, start=1):
                cell = sheet.cell(row=row, column=index)
                put_text(cell, value)
                cell.font = Font(name=FONT_NAME)
                cell.alignment = wrap
                cell.border = border
            sheet.row_dimensions[row].height = _row_height(values, widths)

    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------------------------
# Word


def _docx_text(value: str) -> str:
    """Word XML refuses control characters; drop them."""
    return xlsx_text(value)


def _set_fonts(document) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style = document.styles["Normal"]
    style.font.name = FONT_NAME
    style.font.size = Pt(12)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT_NAME)
    style.paragraph_format.space_after = Pt(0)
    style.paragraph_format.space_before = Pt(0)


def _write_lines(cell, text: str, *, bold: bool = False, align=None) -> None:
    """Fill a table cell with one paragraph per line of ``text``."""
    lines = _docx_text(text).split("\n") if text else [""]
    paragraph = cell.paragraphs[0]
    for index, line in enumerate(lines):
        if index:
            paragraph = cell.add_paragraph()
        if align is not None:
            paragraph.alignment = align
        run = paragraph.add_run(line)
        run.bold = bold or None


def _repeat_as_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    properties.append(marker)


def _add_page_number(paragraph) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def field_char(kind: str):
        run = paragraph.add_run()
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._r.append(element)

    field_char("begin")
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    paragraph.add_run()._r.append(instruction)
    field_char("separate")
    paragraph.add_run("1")
    field_char("end")


def export_docx(header: RoadmapHeader, table: RoadmapTable) -> bytes:
    """A4 landscape document: the approval block, the title, and the table with a repeated header row,
    merged bold section rows and page numbers in the footer."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Mm, Pt

    document = Document()
    _set_fonts(document)
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.left_margin, section.right_margin = Mm(20), Mm(15)
    section.top_margin, section.bottom_margin = Mm(15), Mm(15)

    approval = order_text(header)
    if approval:
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.add_run("УТВЕРЖДЕНА").bold = True
        paragraph.add_run().add_break()
        paragraph.add_run(_docx_text(approval))
        paragraph.paragraph_format.space_after = Pt(12)

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title_run = title.add_run(_docx_text(header.title))
    title_run.bold = True
    title_run.font.size = Pt(14)
    for line in _header_lines(header):
        paragraph = document.add_paragraph(_docx_text(line))
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph()

    widths = [Cm(cm) for _name, _width, cm in COLUMNS]
    grid = document.add_table(rows=1, cols=len(COLUMNS))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width
    head = grid.rows[0]
    _repeat_as_header(head)
    for cell, (name, _width, _cm), width in zip(head.cells, COLUMNS, widths, strict=True):
        cell.width = width
        _write_lines(cell, name, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)

    for section_row, with_heading in _written_sections(table):
        if with_heading:
            row = grid.add_row()
            cells = row.cells
            merged = cells[0].merge(cells[-1])
            _write_lines(merged, section_heading(section_row), bold=True)
        for activity in section_row.activities:
            row = grid.add_row()
            values = [activity.number, activity.title, activity.deadline_text, activity.responsible_text,
                      activity.expected_result]
            for cell, value, width in zip(row.cells, values, widths, strict=True):
                cell.width = width
                _write_lines(cell, value)

    footer = section.footer.paragraphs[0] if section.footer.paragraphs else section.footer.add_paragraph()
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _add_page_number(footer)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
