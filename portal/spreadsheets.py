"""Reading and writing spreadsheets: the shared part of every importer and template.

Pure adapter code: bytes in, plain Python out. Nothing here touches the ORM.
Errors are collected as ``RowError(row, column, message)`` with Russian messages; rows are numbered as
in Excel (the header is row 1 unless the layout says otherwise).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls and encrypted .xlsx containers


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
    rows: list[list]


@dataclass
class ParseResult:
    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def check_xlsx_container(data: bytes, *, max_unzipped: int) -> None:
    """Reject what is not a readable xlsx before any parser sees it (fake extension, encryption, zip bomb)."""
    if not data:
        raise WorkbookError("файл пустой")
    if data.startswith(_OLE_MAGIC):
        raise WorkbookError(
            "файл в старом формате .xls или защищён паролем; сохраните его как «Книга Excel (*.xlsx)» без пароля"
        )
    if not data.startswith(b"PK"):
        raise WorkbookError("это не файл Excel .xlsx (возможно, CSV или PDF с изменённым расширением)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            total = sum(info.file_size for info in infos)
            names = {info.filename for info in infos}
    except zipfile.BadZipFile as exc:
        raise WorkbookError("файл .xlsx повреждён и не открывается") from exc
    if total > max_unzipped:
        raise WorkbookError(
            f"после распаковки файл занимает {total // (1024 * 1024)} МБ, больше допустимых "
            f"{max_unzipped // (1024 * 1024)} МБ"
        )
    if "xl/workbook.xml" not in names:
        raise WorkbookError("архив не является книгой Excel: нет xl/workbook.xml")


def read_workbook(data: bytes, *, max_unzipped: int = 400 * 1024 * 1024) -> list[Sheet]:
    """All sheets of an xlsx as lists of row values (python-calamine: fast, read-only)."""
    from python_calamine import CalamineWorkbook

    check_xlsx_container(data, max_unzipped=max_unzipped)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return [
            Sheet(name=name, rows=workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
            for name in workbook.sheet_names
        ]
    except Exception as exc:  # calamine raises its own error types for broken workbooks
        raise WorkbookError("книга Excel повреждена и не читается: откройте её в Excel и сохраните заново "
                            "как «Книга Excel (*.xlsx)»") from exc


_SPACES = re.compile(r"\s+")


def normalize_header(value) -> str:
    """Header key: case, «ё», spaces, line breaks and trailing punctuation ignored."""
    text = "" if value is None else str(value)
    text = text.replace("ё", "е").replace("Ё", "Е").replace("\u00a0", " ")
    text = text.replace("–", "-").replace("—", "-")
    return _SPACES.sub(" ", text).strip().strip(":*").strip().lower()


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def to_text(value, *, max_length: int | None = None, required: bool = False) -> str:
    if is_blank(value):
        if required:
            raise CellError("обязательное поле не заполнено")
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _SPACES.sub(" ", str(value)).strip()
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


def to_int(value, *, minimum: int | None = 0, maximum: int | None = None, required: bool = False) -> int | None:
    if is_blank(value):
        if required:
            raise CellError("обязательное число не указано")
        return None
    if isinstance(value, bool):
        raise CellError(f"ожидается целое число, получено «{value}»")
    try:
        number = Decimal(str(value).strip().replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except InvalidOperation as exc:
        raise CellError(f"ожидается целое число, получено «{value}»") from exc
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
