"""Workbooks for upload tests, written with openpyxl from the portal's own templates."""

import io

from openpyxl import load_workbook

from indicators.importers.templates import SPECS, template_bytes


def filled_template(key: str, rows: list[list]) -> bytes:
    """The downloadable template with ``rows`` appended under its header."""
    workbook = load_workbook(io.BytesIO(template_bytes(key)))
    sheet = workbook[SPECS[key].sheet]
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ege_row(school, subject="Русский язык", participants=20, below=1, high=3, top=0, mean=64.5):
    return [school.municipality.name, school.name, school.fis_oko_login, subject, participants, below, high, top, mean]


def mark_row(school, subject="Математика", grade=9, marks=(2, 8, 6, 4), mean=None, participants=None):
    total = sum(marks) if participants is None else participants
    return [school.municipality.name, school.name, school.fis_oko_login, subject, grade, total, *marks, mean]
