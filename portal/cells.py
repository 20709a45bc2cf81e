"""Cell values that are safe to open in a spreadsheet program.

A text starting with «=», «+», «-», «@», a tab or a carriage return is taken for a formula by Excel and
LibreOffice (CSV injection). In .xlsx such text is stored as a string with the quote prefix (what typing an
apostrophe first does); in CSV it gets a leading apostrophe. Numbers are written as numbers.
"""

from __future__ import annotations

import re

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_CELL_LIMIT = 32767


def xlsx_text(value) -> str:
    """Text without the control characters the xlsx XML refuses, cut to the cell limit."""
    return ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))[:XLSX_CELL_LIMIT]


def put_text(cell, value) -> None:
    """Write text into an openpyxl cell so that it is shown as it is and never evaluated."""
    text = xlsx_text(value)
    cell.value = text
    if text.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True


def csv_text(value: str) -> str:
    """A CSV field that no spreadsheet program evaluates."""
    return "'" + value if value.startswith(FORMULA_START) else value


_FORMULA_CALL = re.compile(r"^[=+\-@]\s*[A-Za-z_][A-Za-z0-9_.]*\s*[(|!]")


def looks_like_formula(text: str) -> bool:
    """Whether an imported text would be a formula in a spreadsheet: «=…», «@SUM(…)», «+cmd|…», «-2+3+cmd|…».

    A phone number «+7 (4852) …», a list item «- пункт» or «-участие» and a negative number are not formulas."""
    value = text.lstrip()
    if not value:
        return False
    if value[0] == "=":
        return True
    return value[0] in "+-@" and (_FORMULA_CALL.match(value) is not None or "|" in value)


FORMULA_MESSAGE = ("значение «{value}» похоже на формулу Excel (начинается с «{first}»): формулы и ссылки в ячейках "
                   "не принимаются — введите значение обычным текстом")


def formula_message(text: str) -> str:
    value = " ".join(text.split())
    shown = value if len(value) <= 60 else value[:59] + "…"
    return FORMULA_MESSAGE.format(value=shown, first=value[:1])
