"""The open datasets as CSV, XLSX and JSON: the same rows the page shows, numbers as numbers.

CSV: UTF-8 with a byte order mark (so that Excel reads Cyrillic), comma-separated, a dot in decimals; text that a
spreadsheet program would take for a formula gets a leading apostrophe (``portal.cells``).
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from portal.cells import csv_text, put_text

from .selectors import Dataset

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json; charset=utf-8",
}


def _plain(value):
    """Decimal → int or float for JSON; everything else as it is."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def to_csv(dataset: Dataset) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(dataset.headers)
    for row in dataset.rows:
        cells = []
        for column in dataset.columns:
            value = row.get(column.key)
            if value is None:
                cells.append("")
            elif column.numeric:
                cells.append(str(_plain(value)))
            else:
                cells.append(csv_text(str(value)))
        writer.writerow(cells)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(datasets: list[Dataset], *, title: str) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for dataset in datasets:
        sheet = workbook.create_sheet(dataset.title[:31])
        put_text(sheet.cell(row=1, column=1), f"{title}. {dataset.title}")
        sheet.cell(row=1, column=1).font = Font(bold=True)
        for index, column in enumerate(dataset.columns, start=1):
            cell = sheet.cell(row=2, column=index)
            put_text(cell, column.header)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            sheet.column_dimensions[get_column_letter(index)].width = 14 if column.numeric else 28
        for number, row in enumerate(dataset.rows, start=3):
            for index, column in enumerate(dataset.columns, start=1):
                value = row.get(column.key)
                cell = sheet.cell(row=number, column=index)
                if value is None:
                    continue
                if column.numeric:
                    cell.value = _plain(value)
                else:
                    put_text(cell, value)
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_json(datasets: list[Dataset], *, title: str, meta: dict) -> bytes:
    document = {
        "title": title, **meta,
        "datasets": [{
            "name": d.name, "title": d.title, "description": d.description,
            "fields": [{"name": c.key, "title": c.header, "type": "number" if c.numeric else "string"}
                       for c in d.columns],
            "rows": [{c.key: _plain(row.get(c.key)) for c in d.columns} for row in d.rows],
        } for d in datasets],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
