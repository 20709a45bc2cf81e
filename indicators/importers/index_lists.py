"""Published regional lists of ОИП and ИСБШ («Результаты идентификации школ … по ОИП / ИСБШ»).

Pure: sheets in, ``IndexListResult`` out, no ORM. The service ``indicators.index_import`` matches the schools and
writes. Three layouts are recognised by their headers (found by name anywhere in the first 15 rows of a sheet;
case, spaces, «ё» and line breaks ignored; extra columns such as «№» or a count of flags are tolerated):

* ``table1`` — school + «ЕГЭ», «ОГЭ», «ВПР», «СК», «Олимп», «Достоверность» + «ОИП»: ОИП with its components
  (places in the regional ranking; a blank component, e.g. ЕГЭ at a basic school, is left out, not taken as 0);
* ``table2`` — school + the six typology flags («Депривированные сельские школы», «Депривированные городские
  школы», «Сельские малокомплектные», «Школы с ограниченной транспортной доступностью», «Школы с высоким уровнем
  девиантности», «Школы с низким уровнем кадрового потенциала»; «да» / blank / «нет») + «ИСБШ»;
* ``table3`` — school + «ОИП» / «Общий интегральный показатель (ШНОР)» and/or «ИСБШ» / «Индекс социального
  благополучия школы (ШНСУ)».

Rows that are not schools: means, thresholds, targets and totals («Среднее значение по району», «Пороговое
значение ОИП по региону (ЯО)», «Целевой показатель региональной программы», «Итого» …, recognised in any column)
go to ``reference_values``; blank separator rows and notes without numbers are skipped. Errors (a text where a
number is required, a flag that is neither «да» nor «нет», the same column twice) block the import; warnings
(a school row without values, an unreadable number in a reference row) do not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from portal.cells import formula_message, looks_like_formula
from portal.spreadsheets import MAX_DIGITS, CellError, is_blank, normalize_header, to_bool, to_text

from .base import RowError, SchoolRef, Sheet

__all__ = [
    "COMPONENTS", "FLAG_FIELDS", "LAYOUT_NAMES", "IndexListResult", "IndexRow", "ReferenceValue",
    "parse_index_list",
]

HEADER_SCAN_ROWS = 15

LAYOUT_NAMES = {
    "table1": "Таблица 1: ОИП и его составляющие",
    "table2": "Таблица 2: типологизация школ по ИСБШ",
    "table3": "Таблица 3: ОИП и ИСБШ",
}

# Component columns of Table 1, as the published list names them (also the keys of ``IndexRow.components``).
COMPONENTS = ("ЕГЭ", "ОГЭ", "ВПР", "СК", "Олимп", "Достоверность")
_COMPONENT_KEYS = {
    "егэ": "ЕГЭ", "огэ": "ОГЭ", "впр": "ВПР", "ск": "СК", "олимп": "Олимп", "олимпиады": "Олимп",
    "олимпиада": "Олимп", "достоверность": "Достоверность",
}

# Typology flags of Table 2: SchoolYearProfile field → words the header must contain (all of them).
FLAG_FIELDS = {
    "flag_deprived_rural": ("депривирован", "сельск"),
    "flag_deprived_urban": ("депривирован", "городск"),
    "flag_small_rural": ("малокомплект",),  # also the source typo «малокомплектые»
    "flag_limited_transport": ("транспорт",),
    "flag_high_deviance": ("девиант",),
    "flag_low_staff_potential": ("кадров",),
}
FLAG_TITLES = {
    "flag_deprived_rural": "Депривированные сельские школы",
    "flag_deprived_urban": "Депривированные городские школы",
    "flag_small_rural": "Сельские малокомплектные",
    "flag_limited_transport": "Школы с ограниченной транспортной доступностью",
    "flag_high_deviance": "Школы с высоким уровнем девиантности",
    "flag_low_staff_potential": "Школы с низким уровнем кадрового потенциала",
}

_SCHOOL_HEADERS = {
    "school", "школа", "оо", "оу", "наименование", "наименование оо", "наименование оу", "наименование школы",
    "название", "название оо", "название школы", "образовательная организация", "образовательное учреждение",
    "общеобразовательная организация", "общеобразовательное учреждение",
    "наименование образовательной организации", "наименование общеобразовательной организации",
    "наименование образовательного учреждения", "наименование общеобразовательного учреждения",
}
_SCHOOL_PREFIXES = ("school", "наименование ", "образовательная организация", "общеобразовательная организация",
                    "образовательное учреждение", "общеобразовательное учреждение", "школа (")
_MUNICIPALITY_HEADERS = {"мо", "муниципалитет", "район", "муниципальный район", "мр", "муниципальное образование",
                         "municipality"}
_MUNICIPALITY_PREFIXES = ("муниципальное образование", "муниципальный район", "муниципалитет")
_OIP_HEADERS = {"оип", "общий интегральный показатель"}
_OIP_PREFIXES = ("оип ", "оип(", "общий интегральный показатель ", "общий интегральный показатель(")
_ISBS_HEADERS = {"исбш", "индекс социального благополучия", "индекс социального благополучия школы"}
_ISBS_PREFIXES = ("исбш ", "исбш(", "индекс социального благополучия ", "индекс социального благополучия(")

# Rows that document the district or region instead of naming a school (any column).
_REFERENCE_PREFIXES = (
    "среднее значение", "среднее по ", "средний показатель", "среднее арифметическое", "средний по ",
    "среднерайонн", "среднеобластн", "среднекраев", "среднерегиональн", "медиана",
    "пороговое значение", "порог ", "пороговый", "целевой показатель", "целевое значение",
    "итого", "всего по ", "всего:", "в среднем",
)

_TWO_PLACES = Decimal("0.01")
_LIMIT = Decimal("100000")  # the database keeps 7 digits, 2 after the point
_INDEX_RANGE = (Decimal("0"), Decimal("100"))
_MULTISPACE = re.compile(r"\s+")
_DASHES = {"-", "–", "—"}


@dataclass
class IndexRow:
    """One school of a published list. ``None`` means «not given in this list»."""

    row: int
    school: SchoolRef
    oip: Decimal | None = None
    isbs: Decimal | None = None
    components: dict = field(default_factory=dict)  # {"ЕГЭ": 25, …, "Достоверность": 121.83}; blank ones left out
    flags: dict[str, bool] | None = None             # Table 2 only: {SchoolYearProfile flag field: bool}


@dataclass(frozen=True)
class ReferenceValue:
    """A mean, threshold or target row: «Среднее значение по району» 38.97 / 50.23."""

    row: int
    label: str
    oip: Decimal | None = None
    isbs: Decimal | None = None

    def __str__(self) -> str:
        pairs = (("ОИП", self.oip), ("ИСБШ", self.isbs))
        parts = [f"{name} {_fmt(value)}" for name, value in pairs if value is not None]
        return f"{self.label}: {', '.join(parts) if parts else 'без значений'}"


@dataclass
class IndexListResult:
    layout: str = ""
    sheet: str = ""
    header_row: int | None = None
    rows: list[IndexRow] = field(default_factory=list)
    reference_values: list[ReferenceValue] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def layout_name(self) -> str:
        return LAYOUT_NAMES.get(self.layout, "список не распознан")


def _fmt(value: Decimal) -> str:
    return format(value.normalize() if value == value.to_integral_value() else value, "f").replace(".", ",")


def _title(value) -> str:
    """The header as written, on one line (for messages)."""
    return _MULTISPACE.sub(" ", str(value)).strip()


def _role(key: str) -> str | None:
    """What a normalised header cell is: "school", "municipality", "login", "oip", "isbs", a component or a flag."""
    if not key:
        return None
    if key in _OIP_HEADERS or key.startswith(_OIP_PREFIXES):
        return "oip"
    if key in _ISBS_HEADERS or key.startswith(_ISBS_PREFIXES):
        return "isbs"
    if key in _COMPONENT_KEYS:
        return "component:" + _COMPONENT_KEYS[key]
    for flag, words in FLAG_FIELDS.items():
        if all(word in key for word in words):
            return "flag:" + flag
    if key in _SCHOOL_HEADERS or key.startswith(_SCHOOL_PREFIXES):
        return "school"
    if key in _MUNICIPALITY_HEADERS or key.startswith(_MUNICIPALITY_PREFIXES):
        return "municipality"
    if key.startswith("логин"):
        return "login"
    return None


@dataclass
class _Header:
    row: int                      # Excel row number of the header
    columns: dict[str, int]       # role → column index
    titles: dict[str, str]        # role → header as written
    duplicates: list[str]         # header titles met twice

    @property
    def components(self) -> list[str]:
        return [r.split(":", 1)[1] for r in self.columns if r.startswith("component:")]

    @property
    def flags(self) -> list[str]:
        return [r.split(":", 1)[1] for r in self.columns if r.startswith("flag:")]

    @property
    def layout(self) -> str:
        if self.flags:
            return "table2"
        if self.components:
            return "table1"
        return "table3"


_NAME_ROLES = ("school", "municipality", "login")


def _roles(cells: list) -> list[tuple[int, str, str]]:
    """(column, role, header as written) for every cell of a row that names a known column."""
    found = []
    for col, value in enumerate(cells):
        role = None if is_blank(value) else _role(normalize_header(value))
        if role is not None:
            found.append((col, role, _title(value)))
    return found


def _find_header(sheet: Sheet) -> _Header | None:
    """The header row, also when it spans two rows: «Наименование ОО» / «ОИП» merged down beside the sub-headers
    «ЕГЭ | ОГЭ | …» of a group, or «Наименование ОО» merged down beside «ОИП | ИСБШ» under a group title."""
    rows = sheet.rows
    for index in range(min(len(rows), HEADER_SCAN_ROWS)):
        header = _Header(row=index + 1, columns={}, titles={}, duplicates=[])

        def take(col: int, role: str, title: str, header=header) -> None:
            if role not in header.columns:
                header.columns[role], header.titles[role] = col, title
            elif header.columns[role] != col:
                header.duplicates.append(title)

        for col, role, title in _roles(rows[index]):
            take(col, role, title)
        if index and "school" not in header.columns:
            cells = rows[index]
            for col, role, title in _roles(rows[index - 1]):
                if role in _NAME_ROLES and (col >= len(cells) or is_blank(cells[col])):
                    take(col, role, title)  # merged down from the row above
        if "school" not in header.columns or not ("oip" in header.columns or "isbs" in header.columns):
            continue
        below = rows[index + 1] if index + 1 < len(rows) else []
        school_col = header.columns["school"]
        if (below and (school_col >= len(below) or is_blank(below[school_col]))
                and not any(isinstance(v, (int, float)) for v in below)):
            sub = [(col, role, title) for col, role, title in _roles(below) if role not in _NAME_ROLES]
            if sub:
                # the lower row is the more specific one: «ОИП и его составляющие» over «ЕГЭ … ОИП» yields
                # to the sub-headers, and a group title over a sub-header column is dropped
                taken = {col for col, _, _ in sub}
                for role in [r for r, col in header.columns.items() if col in taken or r in {x[1] for x in sub}]:
                    del header.columns[role], header.titles[role]
                for col, role, title in sub:
                    take(col, role, title)
                header.row = index + 2
        return header
    return None


def _blank(value) -> bool:
    """Blank, or a dash that published tables put where there is no value (ЕГЭ at a basic school)."""
    return is_blank(value) or (isinstance(value, str) and value.strip() in _DASHES)


def _decimal(value) -> Decimal:
    """A number from a cell: 22.98, «22,98», «22 ,98»; raises CellError with a Russian message."""
    if isinstance(value, bool):
        raise CellError(f"ожидается число, получено «{value}»")
    text = str(value).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise CellError(f"ожидается число, получено «{_title(value)}»")
    if (number and number.adjusted() >= MAX_DIGITS) or abs(number) >= _LIMIT:  # «1e999999999»: abs() overflows
        raise CellError(f"число {_title(value)} слишком большое для индекса")
    return number.quantize(_TWO_PLACES, rounding=ROUND_HALF_UP)


def _json_number(number: Decimal) -> int | float:
    return int(number) if number == number.to_integral_value() else float(number)


def _reference_label(cells: list) -> str | None:
    for value in cells:
        if isinstance(value, str) and not is_blank(value):
            key = normalize_header(value)
            if key.startswith(_REFERENCE_PREFIXES):
                return _title(value)
    return None


class _RowReader:
    def __init__(self, header: _Header, cells: list, number: int, result: IndexListResult):
        self.header = header
        self.cells = cells
        self.number = number
        self.result = result

    def cell(self, role: str):
        col = self.header.columns.get(role)
        if col is None or col >= len(self.cells):
            return None
        return self.cells[col]

    def number_of(self, role: str, *, as_warning: bool = False) -> Decimal | None:
        value = self.cell(role)
        if _blank(value):
            return None
        try:
            return _decimal(value)
        except CellError as exc:
            target = self.result.warnings if as_warning else self.result.errors
            target.append(RowError(self.number, self.header.titles[role], str(exc)))
            return None

    def flag(self, flag: str) -> bool | None:
        role = "flag:" + flag
        try:
            return to_bool(self.cell(role), default=False)
        except CellError as exc:
            self.result.errors.append(RowError(self.number, self.header.titles[role], str(exc)))
            return None


def _value_roles(header: _Header) -> list[str]:
    return [role for role in header.columns if role in ("oip", "isbs") or ":" in role]


def _parse_sheet(sheet: Sheet, header: _Header, result: IndexListResult) -> None:
    value_roles = _value_roles(header)
    for index in range(header.row, len(sheet.rows)):
        cells = sheet.rows[index]
        number = index + 1
        if all(is_blank(v) for v in cells):
            continue  # separator row
        reader = _RowReader(header, cells, number, result)
        label = _reference_label(cells)
        if label is not None:
            result.reference_values.append(ReferenceValue(
                row=number, label=label, oip=reader.number_of("oip", as_warning=True),
                isbs=reader.number_of("isbs", as_warning=True)))
            continue
        raw_name = reader.cell("school")
        name = to_text(raw_name)
        has_values = any(not _blank(reader.cell(role)) for role in value_roles)
        if looks_like_formula(name):
            result.errors.append(RowError(number, header.titles["school"], formula_message(name)))
            continue
        if not name:
            if has_values:
                result.warnings.append(RowError(number, header.titles["school"],
                                                "строка с числами, но без наименования школы — пропущена"))
            continue  # a note such as «(ОИП<36 ниже этой строки)» in another column
        roles = {role for _, role, _ in _roles(cells)}
        if "school" in roles and roles & {"oip", "isbs"}:
            result.warnings.append(RowError(
                number, header.titles["school"],
                "здесь начинается другая таблица (повтор заголовка) — строки ниже не загружаются; "
                "загрузите её отдельным файлом"))
            break
        if not has_values:
            if not name.startswith("("):
                result.warnings.append(RowError(number, header.titles["school"],
                                                f"у «{name}» не указано ни одного значения — строка пропущена"))
            continue
        row = _school_row(reader, name, result)
        if row is not None:
            result.rows.append(row)


def _school_row(reader: _RowReader, name: str, result: IndexListResult) -> IndexRow | None:
    header = reader.header
    errors_before = len(result.errors)
    ref = SchoolRef(login=to_text(reader.cell("login")).lower(), municipality=to_text(reader.cell("municipality")),
                    name=name)
    for role, text in (("login", ref.login), ("municipality", ref.municipality)):
        if looks_like_formula(text):
            result.errors.append(RowError(reader.number, header.titles[role], formula_message(text)))
    row = IndexRow(row=reader.number, school=ref)
    for kind in ("oip", "isbs"):
        if kind not in header.columns:
            continue
        value = reader.number_of(kind)
        if value is None:
            if _blank(reader.cell(kind)):
                result.warnings.append(RowError(reader.number, header.titles[kind],
                                                f"у «{name}» значение не указано — не загружается"))
            continue
        low, high = _INDEX_RANGE
        if value < low:
            result.errors.append(RowError(reader.number, header.titles[kind], f"отрицательное значение {_fmt(value)}: "
                                                                              f"индекс не может быть меньше нуля"))
            continue
        if not low <= value <= high:
            result.warnings.append(RowError(reader.number, header.titles[kind],
                                            f"значение {_fmt(value)} вне обычного диапазона 0–100"))
        setattr(row, kind, value)
    for component in COMPONENTS:
        role = "component:" + component
        if role in header.columns:
            value = reader.number_of(role)
            if value is not None and value < 0:
                result.errors.append(RowError(reader.number, header.titles[role], f"отрицательное значение "
                                                                                  f"{_fmt(value)}: составляющая ОИП не "
                                                                                  f"может быть меньше нуля"))
            elif value is not None:
                row.components[component] = _json_number(value)
    if header.flags:
        row.flags = {flag: reader.flag(flag) for flag in FLAG_FIELDS}
    if len(result.errors) > errors_before:
        return None
    if header.layout == "table1" and row.oip is None:
        return None  # components without ОИП are not stored; the warning above says why
    if row.oip is None and row.isbs is None and not row.flags:
        return None
    return row


def parse_index_list(sheets: list[Sheet]) -> IndexListResult:
    """Find the list on the first sheet that has one and read it."""
    result = IndexListResult()
    found: list[tuple[Sheet, _Header]] = []
    for sheet in sheets:
        header = _find_header(sheet)
        if header is not None:
            found.append((sheet, header))
    if not found:
        result.errors.append(RowError(
            None, "", f"не найден заголовок списка: в первых {HEADER_SCAN_ROWS} строках листа нужны столбец "
                      "с наименованием школы («Наименование ОО», «Образовательная организация», «Школа») и "
                      "столбец «ОИП» (общий интегральный показатель) или «ИСБШ» (индекс социального "
                      "благополучия школы)"))
        return result
    sheet, header = found[0]
    for other, _ in found[1:]:
        result.warnings.append(RowError(None, "", f"лист «{other.name}» тоже похож на список индексов, но не "
                                                  f"загружается: загрузите его отдельным файлом"))
    result.layout, result.sheet, result.header_row = header.layout, sheet.name, header.row
    for title in header.duplicates:
        result.errors.append(RowError(header.row, title, "столбец повторяется: непонятно, какой из них загружать"))
    if header.layout == "table2":
        missing = [FLAG_TITLES[f] for f in FLAG_FIELDS if f not in header.flags]
        if missing:
            result.errors.append(RowError(header.row, "", "в таблице типологизации нет столбцов: "
                                          + ", ".join(f"«{m}»" for m in missing)))
        if "isbs" not in header.columns:
            result.errors.append(RowError(header.row, "", "в таблице типологизации нет столбца «ИСБШ»"))
    if header.layout == "table1":
        if "oip" not in header.columns:
            result.errors.append(RowError(header.row, "", "в таблице с составляющими ОИП нет столбца «ОИП»"))
        missing = [c for c in COMPONENTS if c not in header.components]
        if missing:
            result.warnings.append(RowError(header.row, "", "нет столбцов составляющих ОИП: "
                                            + ", ".join(f"«{m}»" for m in missing) + " — они не сохраняются"))
    if result.errors:
        return result
    _parse_sheet(sheet, header, result)
    if not result.rows and not result.errors:
        result.errors.append(RowError(None, "", "в списке нет ни одной строки со школой и значением индекса"))
    return result
