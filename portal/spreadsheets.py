"""Reading and writing spreadsheets: the shared part of every importer and template.

Pure adapter code: bytes in, plain Python out. Nothing here touches the ORM.
Errors are collected as ``RowError(row, column, message)`` with Russian messages; rows are numbered as
in Excel (the header is row 1 unless the layout says otherwise).
"""

from __future__ import annotations

import gc
import io
import re
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import islice

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .archives import OLE_MAGIC, ArchiveError, check_archive, ole_message
from .cells import formula_message, looks_like_formula

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FATAL = (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError)


@dataclass(frozen=True)
class RowError:
    row: int | None
    column: str
    message: str

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = f"строка {self.row}" if self.row else "файл"
        if self.column:
            where += f", столбец «{self.column}»"
        return f"{where}: {self.message}"


class CellError(ValueError):
    """A single cell could not be read; the importer adds row and column."""


class WorkbookError(ValueError):
    """The file as a whole cannot be read (not xlsx, encrypted, too large, empty)."""


@dataclass
class Sheet:
    name: str
    rows: list[list]  # or LazyRows (read_workbook(lazy=True))


@dataclass
class ParseResult:
    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def check_xlsx_container(data: bytes, *, max_unzipped: int | None = None) -> None:
    """Reject what is not a readable xlsx before any parser sees it (fake extension, encryption, zip bomb).

    Reads the zip central directory only (``portal.archives``); ``max_unzipped`` defaults to the setting.
    """
    if not data:
        raise WorkbookError("файл пустой")
    if data.startswith(OLE_MAGIC):
        raise WorkbookError(ole_message(data))
    if not data.startswith(b"PK"):
        raise WorkbookError("это не файл Excel .xlsx (возможно, CSV или PDF с изменённым расширением)")
    try:
        names = check_archive(data, kind="xlsx", max_unzipped=max_unzipped)
    except ArchiveError as exc:
        raise WorkbookError(str(exc)) from exc
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            raise WorkbookError("это документ Word, а не книга Excel: нужен файл .xlsx")
        raise WorkbookError("архив не является книгой Excel: нет xl/workbook.xml")


_BROKEN = ("книга Excel повреждена и не читается: откройте её в Excel и сохраните заново как «Книга Excel "
           "(*.xlsx)»")


def read_workbook(data: bytes, *, max_unzipped: int | None = None, lazy: bool = False) -> list[Sheet]:
    """All sheets of an xlsx as lists of row values (python-calamine: fast, read-only).

    ``lazy``: the rows are ``LazyRows``, turned into Python values as they are first reached (for an import that
    writes rows while it reads them); a broken cell then raises ``WorkbookError`` from there.
    """
    from python_calamine import CalamineWorkbook

    check_xlsx_container(data, max_unzipped=max_unzipped)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            if lazy:
                sheets.append(Sheet(name=name, rows=LazyRows(sheet)))
                continue
            with collector_paused():  # millions of new cells, none in a cycle: nothing for the collector to find
                sheets.append(Sheet(name=name, rows=sheet.to_python(skip_empty_area=False)))
        return sheets
    except BaseException as exc:  # calamine raises its own error types, and may even panic, on broken workbooks
        if isinstance(exc, _FATAL):
            raise
        raise WorkbookError(_BROKEN) from exc


class LazyRows(Sequence):
    """A sheet's rows as ``to_python(skip_empty_area=False)`` gives them, converted batch by batch when first reached
    (python-calamine ``iter_rows``). Iterating converts as it goes; the length or a negative index converts all."""

    BATCH = 1000

    def __init__(self, sheet):
        self._rows: list[list] = []
        self._iterator = sheet.iter_rows()
        # iter_rows starts at row 1 but leaves out empty leading columns, which to_python(skip_empty_area=False) keeps
        self._pad = sheet.start[1] if sheet.start else 0

    def _pull(self) -> bool:
        """Convert the next batch; False when no row is left."""
        if self._iterator is None:
            return False
        try:
            with collector_paused():
                batch = list(islice(self._iterator, self.BATCH))
        except BaseException as exc:
            if isinstance(exc, _FATAL):
                raise
            raise WorkbookError(_BROKEN) from exc
        if self._pad:
            batch = [[""] * self._pad + row for row in batch]
        self._rows.extend(batch)
        if len(batch) < self.BATCH:
            self._iterator = None
        return bool(batch)

    def _fill(self, size: int | None = None) -> None:
        while (size is None or len(self._rows) < size) and self._pull():
            pass

    def __len__(self) -> int:
        self._fill()
        return len(self._rows)

    def __getitem__(self, index):
        if isinstance(index, slice):
            bounded = index.step in (None, 1) and index.stop is not None and index.stop >= 0 \
                and (index.start or 0) >= 0
            self._fill(index.stop if bounded else None)
        else:
            self._fill(None if index < 0 else index + 1)
        return self._rows[index]

    def __iter__(self):
        done = 0
        while done < len(self._rows) or self._pull():
            batch = self._rows[done:]
            done += len(batch)
            yield from batch


@contextmanager
def collector_paused():
    """Pause the cyclic garbage collector while many acyclic objects are built (a 100 000-row sheet is millions of
    cells: each full collection would walk all of them again). Reference counting still frees them all."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_SPACES = re.compile(r"\s+")


def normalize_header(value) -> str:
    """Header key: case, «ё», spaces, line breaks and trailing punctuation ignored."""
    text = "" if value is None else str(value)
    text = text.replace("ё", "е").replace("Ё", "Е").replace("\u00a0", " ")
    text = text.replace("–", "-").replace("—", "-")
    return _SPACES.sub(" ", text).strip().strip(":*").strip().lower()


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def to_text(value, *, max_length: int | None = None, required: bool = False, reject_formula: bool = False) -> str:
    """Cell text with spaces normalised. ``reject_formula``: a text that a spreadsheet would run as a formula
    («=HYPERLINK(…)», «@SUM(…)», «+cmd|…») is an error — names and codes never look like that."""
    if is_blank(value):
        if required:
            raise CellError("обязательное поле не заполнено")
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _SPACES.sub(" ", str(value)).strip()
    if reject_formula and looks_like_formula(text):
        raise CellError(formula_message(text))
    if max_length and len(text) > max_length:
        raise CellError(f"слишком длинное значение: {len(text)} символов, допускается {max_length}")
    return text


_TRUE = {"да", "д", "yes", "y", "true", "1", "истина", "+", "есть"}
_FALSE = {"нет", "н", "no", "n", "false", "0", "ложь", "-", "—"}


def to_bool(value, *, default: bool | None = None) -> bool:
    if is_blank(value):
        if default is None:
            raise CellError("нужно указать «да» или «нет»")
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(f"ожидается «да» или «нет», получено «{value}»")


MAX_DIGITS = 15  # no count, score or index of the portal has more digits before the point


def to_number(value, *, what: str = "число") -> Decimal:
    """A finite decimal from a cell: 22.98, «22,98», «1 234»; text, NaN, infinities and numbers with more than
    ``MAX_DIGITS`` digits (a «1e999999» would take seconds to turn into an integer) raise ``CellError``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        raise CellError(f"ожидается {what}, получено «{value}»")
    text = str(value).strip().replace(",", ".").replace("\u00a0", "").replace(" ", "")
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError) as exc:
        raise CellError(f"ожидается {what}, получено «{value}»") from exc
    if not number.is_finite():
        raise CellError(f"ожидается {what}, получено «{value}»")
    if number and number.adjusted() >= MAX_DIGITS:
        raise CellError(f"число «{value}» слишком большое")
    return number


def to_int(value, *, minimum: int | None = 0, maximum: int | None = None, required: bool = False) -> int | None:
    if is_blank(value):
        if required:
            raise CellError("обязательное число не указано")
        return None
    number = to_number(value, what="целое число")
    if number != number.to_integral_value():
        raise CellError(f"ожидается целое число, получено «{value}»")
    result = int(number)
    if minimum is not None and result < minimum:
        raise CellError(f"число {result} меньше допустимого {minimum}")
    if maximum is not None and result > maximum:
        raise CellError(f"число {result} больше допустимого {maximum}")
    return result


def to_choice(value, choices: dict[str, str], *, required: bool = True) -> str:
    """Map a human label to a stored value; ``choices`` is {normalised label: value}."""
    if is_blank(value):
        if required:
            raise CellError("обязательное поле не заполнено")
        return ""
    key = normalize_header(value)
    if key in choices:
        return choices[key]
    allowed = ", ".join(f"«{label}»" for label in sorted({k for k in choices}))
    raise CellError(f"значение «{value}» не из списка: {allowed}")


@dataclass(frozen=True)
class TemplateColumn:
    header: str
    help: str = ""
    width: int = 20
    choices: Sequence[str] = ()
    required: bool = False


def build_template(
    *, title: str, columns: Sequence[TemplateColumn], examples: Iterable[Sequence] = (), instructions: str = ""
) -> bytes:
    """A downloadable xlsx template: bold headers, drop-down lists, example rows and an instructions sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        if column.choices:
            validation = DataValidation(
                type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=not column.required,
                showErrorMessage=True, errorTitle="Недопустимое значение",
                error="Выберите значение из списка: " + ", ".join(column.choices),
            )
            validation.add(f"{letter}2:{letter}5000")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    for row in examples:
        sheet.append(list(row))
    help_sheet = workbook.create_sheet("Инструкция")
    help_sheet.column_dimensions["A"].width = 32
    help_sheet.column_dimensions["B"].width = 90
    if instructions:
        help_sheet.append([instructions])
        help_sheet.append([])
    help_sheet.append(["Столбец", "Что указывать"])
    for column in columns:
        mark = " (обязательно)" if column.required else ""
        help_sheet.append([column.header + mark, column.help])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
