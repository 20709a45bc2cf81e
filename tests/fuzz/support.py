"""What the fuzz tests share: the hypothesis settings, strategies for bytes, cells and layouts, and the property.

The property, for every importer and parser: it returns its normal result object — errors are ``RowError``s with a
Russian message, a row that is ``None`` or a positive number and a column that is text — and raises nothing; each
example finishes within the hypothesis deadline and stays under a memory limit (tracemalloc peak).

Runs are reproducible: ``derandomize=True`` and no example database, so CI and a developer see the same examples.
``PORTAL_FUZZ_EXAMPLES=500`` (and ``PORTAL_FUZZ_RANDOM=1`` for fresh random examples) searches deeper locally.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import tracemalloc
import zipfile

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from portal.spreadsheets import RowError, Sheet
from tests.files.bad import make_bad_files as corpus

EXAMPLES = int(os.environ.get("PORTAL_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=4000,  # ms per example, on a slow 2-core machine
    derandomize=os.environ.get("PORTAL_FUZZ_RANDOM", "") != "1",
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
MEMORY_LIMIT = 96 * 1024 * 1024  # tracemalloc peak per example; the inputs are a few KB

_RUSSIAN = re.compile(r"[а-яё]", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------------------------
# the property


def bounded(parse, *args, **kwargs):
    """``parse(*args, **kwargs)`` with its tracemalloc peak checked against ``MEMORY_LIMIT``."""
    tracemalloc.start()
    try:
        result = parse(*args, **kwargs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_LIMIT, f"пик памяти {peak // (1024 * 1024)} МБ"
    return result


def check_problems(problems) -> None:
    for problem in problems:
        assert isinstance(problem, RowError), problem
        assert isinstance(problem.message, str) and _RUSSIAN.search(problem.message), problem
        assert problem.row is None or (isinstance(problem.row, int) and problem.row >= 1), problem
        assert isinstance(problem.column, str), problem


def check(result, kind) -> None:
    """The normal result object of its importer, with well-formed problems."""
    assert isinstance(result, kind), type(result)
    check_problems(result.errors)
    check_problems(result.warnings)


# ---------------------------------------------------------------------------------------------------------------
# cells

NASTY_TEXT = [
    "", " ", "\u00a0", "\t", "NaN", "nan", "sNaN", "inf", "-inf", "Infinity", "1e309", "1e999999999", "-1e999999",
    "1e-400", "0E-1000000", "1,5", "2.0", "2,0", "-0", "00", "١٢", "１２", "𝟓", "0x10", "1_000", "9" * 60, "\x00",
    "\ufeff5", "5\u200b", "ё", "Ё" * 300, "=1+1", '=HYPERLINK("http://x","y")', "@SUM(A1:A9)", "+cmd|' /C calc'!A0",
    "-2+3+cmd|x", "-", "—", "–", "X", "х", "нет отметки", "отсутствовал", "да", "нет", "возможно", "edu761003",
    "EDU761003", "Итого", "Всего по району", "Среднее значение по району", "(примечание)", "<p>текст</p>",
    "&amp;lt;", "ВПР 2024 Математика 5 класс", "Информация о результатах ЕГЭ", "Образовательная организация (школа)",
    "приняло участие", "Код участника", "1 (2б)", "Мероприятие", "№ п/п", "ОИП", "ИСБШ", "Наименование ОО",
    "Муниципалитет", "01.02.2024", "2024-13-45", "31.02.2024",
]
NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, 2, 3, 4, 5, 6, 11, 100, 101, -1, 0.5, 2.0, 1e15, 1e300, -1e300, 2**63, 2**64]),
)
CELL = st.one_of(
    st.sampled_from(NASTY_TEXT),
    st.text(max_size=30),
    NUMBERS,
    st.none(),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    st.times(),
    st.timedeltas(min_value=dt.timedelta(days=-5), max_value=dt.timedelta(days=5)),
)


def mutate_rows(draw, rows: list[list], *, changes: int = 8) -> list[list]:
    """``rows`` (a valid layout) with a few cells replaced by anything a workbook may hold."""
    rows = [list(row) for row in rows]
    for _ in range(draw(st.integers(min_value=1, max_value=changes))):
        r = draw(st.integers(min_value=0, max_value=len(rows) - 1))
        if not rows[r]:
            continue
        c = draw(st.integers(min_value=0, max_value=len(rows[r]) - 1))
        rows[r][c] = draw(CELL)
    return rows


def mutate_header(draw, header: list) -> list:
    """Shuffled, dropped, duplicated and unknown header cells."""
    header = list(header)
    operation = draw(st.sampled_from(["shuffle", "drop", "duplicate", "rename", "blank", "keep"]))
    if operation == "shuffle":
        header = list(draw(st.permutations(header)))
    elif operation == "drop" and header:
        del header[draw(st.integers(min_value=0, max_value=len(header) - 1))]
    elif operation == "duplicate" and header:
        position = draw(st.integers(min_value=0, max_value=len(header) - 1))
        header.insert(draw(st.integers(min_value=0, max_value=len(header))), header[position])
    elif operation == "rename" and header:
        header[draw(st.integers(min_value=0, max_value=len(header) - 1))] = draw(CELL)
    elif operation == "blank" and header:
        header[draw(st.integers(min_value=0, max_value=len(header) - 1))] = ""
    return header


def mutate_order(draw, rows: list[list]) -> list[list]:
    """Rows shuffled, one dropped or one repeated (duplicate rows)."""
    rows = [list(row) for row in rows]
    operation = draw(st.sampled_from(["shuffle", "drop", "duplicate", "keep"]))
    if operation == "shuffle":
        rows = list(draw(st.permutations(rows)))
    elif operation == "drop" and rows:
        del rows[draw(st.integers(min_value=0, max_value=len(rows) - 1))]
    elif operation == "duplicate" and rows:
        rows.append(list(rows[draw(st.integers(min_value=0, max_value=len(rows) - 1))]))
    return rows


SHEET_NAMES = st.one_of(
    st.sampled_from(["Лист1", "Протокол", "Индивидуальные результаты", "ВПР по школам", "ОГЭ по школам",
                     "ЕГЭ по школам", "Социальный паспорт", "2023", "2024", "Таблица 3", "Инструкция", ""]),
    st.text(min_size=1, max_size=12),
)


@st.composite
def extra_sheets(draw) -> list[Sheet]:
    count = draw(st.integers(min_value=0, max_value=2))
    return [Sheet(name=draw(SHEET_NAMES), rows=draw(st.lists(st.lists(CELL, max_size=6), max_size=6)))
            for _ in range(count)]


def as_calamine(value):
    """What python-calamine gives for a cell: "" for empty, floats for numbers, dates and times as they are."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value) if abs(value) < 2**53 else value
    return value


def sheet(name: str, rows: list[list]) -> Sheet:
    width = max((len(row) for row in rows), default=0)
    return Sheet(name=name, rows=[[as_calamine(v) for v in row] + [""] * (width - len(row)) for row in rows])


# ---------------------------------------------------------------------------------------------------------------
# files


def xlsx_of(rows: list[list], *, title: str = "Лист1") -> bytes:
    """A workbook with ``rows`` written by openpyxl (values openpyxl refuses are written as text)."""
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = re.sub(r"[\[\]:*?/\\]", "", title)[:31] or "Лист1"
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = worksheet.cell(row=r, column=c)
            if isinstance(value, str):
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)[:32767]
                cell.data_type = "s"
            elif isinstance(value, float) and value != value:
                cell.value = "NaN"
            elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**53:
                cell.value = str(value)
            elif isinstance(value, dt.timedelta):
                cell.value = str(value)
            else:
                cell.value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@st.composite
def mutated_bytes(draw, data: bytes) -> bytes:
    """A valid file with bytes flipped, inserted or cut off."""
    data = bytearray(data)
    for _ in range(draw(st.integers(min_value=1, max_value=12))):
        operation = draw(st.sampled_from(["flip", "insert", "delete"]))
        position = draw(st.integers(min_value=0, max_value=max(len(data) - 1, 0)))
        if operation == "flip" and data:
            data[position] ^= 1 << draw(st.integers(min_value=0, max_value=7))
        elif operation == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=8))
        elif data:
            del data[position:position + draw(st.integers(min_value=1, max_value=64))]
    if draw(st.booleans()):
        data = data[: draw(st.integers(min_value=0, max_value=len(data)))]
    return bytes(data)


@st.composite
def mutated_member(draw, data: bytes, member: str) -> bytes:
    """A valid file whose ``member`` XML has bytes replaced, re-zipped so the archive itself is sound: this is what
    reaches the XML readers and the importers behind them."""
    source = zipfile.ZipFile(io.BytesIO(data))
    body = bytearray(source.read(member))
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        start = draw(st.integers(min_value=0, max_value=len(body) - 1))
        replacement = draw(st.one_of(st.binary(max_size=6), st.sampled_from(
            [b"<", b">", b"&", b'"', b"</c>", b"<v>1e999</v>", b"<v>NaN</v>", b't="s"', b't="e"', b'r="XFD1048576"',
             b"<row>", b"</row>", "ё".encode(), b"\xff\xfe"])))
        body[start:start + max(len(replacement), 1)] = replacement
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, bytes(body) if info.filename == member else source.read(info))
    return output.getvalue()


__all__ = ["CELL", "EXAMPLES", "FUZZ", "NASTY_TEXT", "bounded", "check", "check_problems", "corpus", "extra_sheets",
           "mutate_header", "mutate_order", "mutate_rows", "mutated_bytes", "mutated_member", "sheet", "xlsx_of"]
