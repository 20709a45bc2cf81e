"""The school register spreadsheet: its columns, its template and its parser (pure, no ORM)."""

from __future__ import annotations

from dataclasses import dataclass

from portal.spreadsheets import (
    CellError,
    ParseResult,
    RowError,
    Sheet,
    TemplateColumn,
    WorkbookError,
    build_template,
    is_blank,
    normalize_header,
    read_workbook,
    to_bool,
    to_choice,
    to_text,
)

from .choices import Locality, SchoolKind


@dataclass(frozen=True)
class RegisterColumn:
    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False


COLUMNS = (
    RegisterColumn("municipality", "Муниципалитет", ("муниципальное образование", "мо", "район"), True),
    RegisterColumn("name", "Наименование ОО", ("полное наименование ОО", "наименование", "полное наименование",
                                               "наименование образовательной организации"), True),
    RegisterColumn("short_name", "Краткое наименование", ("краткое наименование ОО", "сокращенное наименование"),
                   True),
    RegisterColumn("fis_oko_login", "Логин ФИС ОКО", ("логин", "логин ОО", "код ОО в ФИС ОКО")),
    RegisterColumn("kind", "Тип ОО", ("тип", "вид ОО"), True),
    RegisterColumn("locality", "Местность", ("городская/сельская", "тип местности"), True),
    RegisterColumn("is_small", "Малокомплектная", ("малокомплектная школа",)),
    RegisterColumn("has_senior_grades", "Есть 10–11 классы", ("есть 10-11 классы", "10-11 классы",
                                                             "есть старшая школа")),
    RegisterColumn("inn", "ИНН", ()),
    RegisterColumn("address", "Адрес", ("адрес ОО", "юридический адрес")),
    RegisterColumn("is_active", "Действующая", ("действует", "активна")),
)
HEADER_BY_KEY = {c.key: c.header for c in COLUMNS}

KIND_CHOICES = {normalize_header(label): value for value, label in SchoolKind.choices}
KIND_CHOICES.update({
    normalize_header("средняя общеобразовательная школа"): SchoolKind.SOSH,
    normalize_header("средняя школа"): SchoolKind.SOSH,
    normalize_header("основная общеобразовательная школа"): SchoolKind.OOSH,
    normalize_header("основная школа"): SchoolKind.OOSH,
    normalize_header("начальная школа"): SchoolKind.NOSH,
    normalize_header("ЦО"): SchoolKind.EDU_CENTER,
    normalize_header("вечерняя"): SchoolKind.EVENING,
})
LOCALITY_CHOICES = {
    normalize_header("городская"): Locality.URBAN,
    normalize_header("город"): Locality.URBAN,
    normalize_header("сельская"): Locality.RURAL,
    normalize_header("село"): Locality.RURAL,
}

TEMPLATE_COLUMNS = (
    TemplateColumn("Муниципалитет", "Наименование муниципалитета, как в реестре портала", 30, required=True),
    TemplateColumn("Наименование ОО", "Полное наименование по уставу", 60, required=True),
    TemplateColumn("Краткое наименование", "Как школу называют в таблицах, например «МОУ СШ № 3»", 30,
                   required=True),
    TemplateColumn("Логин ФИС ОКО", "eduNNNNNN; по нему школа узнаётся в выгрузках ФИС ОКО", 14),
    TemplateColumn("Тип ОО", "Тип образовательной организации", 18,
                   choices=[label for _, label in SchoolKind.choices], required=True),
    TemplateColumn("Местность", "Городская или сельская", 14, choices=["Городская", "Сельская"], required=True),
    TemplateColumn("Малокомплектная", "да / нет (пусто — нет)", 16, choices=["да", "нет"]),
    TemplateColumn("Есть 10–11 классы", "да / нет (пусто — нет)", 16, choices=["да", "нет"]),
    TemplateColumn("ИНН", "10 цифр, если известен", 14),
    TemplateColumn("Адрес", "Почтовый адрес", 40),
    TemplateColumn("Действующая", "да / нет (пусто — да)", 14, choices=["да", "нет"]),
)


def register_template() -> bytes:
    return build_template(
        title="Реестр ОО",
        columns=TEMPLATE_COLUMNS,
        examples=[(
            "Тутаевский муниципальный район",
            "Муниципальное общеобразовательное учреждение средняя школа № 3 Тутаевского муниципального района",
            "МОУ средняя школа № 3", "edu761234", "СОШ", "Городская", "нет", "да", "", "", "да",
        )],
        instructions=(
            "Одна строка — одна школа. Школа узнаётся по логину ФИС ОКО, а без него — по муниципалитету и "
            "полному наименованию; найденные школы обновляются, новые добавляются. Если в файле есть хотя бы "
            "одна ошибка, не загружается ничего."
        ),
    )


def _locate_header(rows: list[list]) -> tuple[int, dict[str, int], list[RowError]]:
    """Find the header row among the first 10 rows; map column keys to indexes."""
    lookup = {}
    for column in COLUMNS:
        for title in (column.header, *column.aliases):
            lookup[normalize_header(title)] = column.key
    for index, row in enumerate(rows[:10]):
        found = {}
        for position, value in enumerate(row):
            key = lookup.get(normalize_header(value))
            if key and key not in found:
                found[key] = position
        if "name" in found and "municipality" in found:
            missing = [c.header for c in COLUMNS if c.required and c.key not in found]
            errors = [RowError(index + 1, header, "нет обязательного столбца") for header in missing]
            return index, found, errors
    headers = ", ".join(f"«{c.header}»" for c in COLUMNS if c.required)
    return -1, {}, [RowError(1, "", f"не найдена строка заголовков; нужны столбцы {headers}")]


def _read_row(values: dict) -> tuple[dict, list[tuple[str, str]]]:
    parsed, problems = {}, []

    def take(key, convert):
        try:
            parsed[key] = convert(values.get(key))
        except CellError as exc:
            problems.append((HEADER_BY_KEY[key], str(exc)))

    take("municipality", lambda v: to_text(v, max_length=255, required=True, reject_formula=True))
    take("name", lambda v: to_text(v, max_length=500, required=True, reject_formula=True))
    take("short_name", lambda v: to_text(v, max_length=200, required=True, reject_formula=True))
    take("fis_oko_login", lambda v: to_text(v, max_length=9, reject_formula=True).lower())
    take("kind", lambda v: to_choice(v, KIND_CHOICES))
    take("locality", lambda v: to_choice(v, LOCALITY_CHOICES))
    take("is_small", lambda v: to_bool(v, default=False))
    take("has_senior_grades", lambda v: to_bool(v, default=False))
    take("inn", lambda v: to_text(v, max_length=10, reject_formula=True))
    take("address", lambda v: to_text(v, max_length=500, reject_formula=True))
    take("is_active", lambda v: to_bool(v, default=True))
    return parsed, problems


def parse_register(data: bytes, *, max_unzipped: int | None = None) -> ParseResult:
    """Read the register sheet; every cell problem becomes a RowError and no row is dropped silently."""
    try:
        sheets = read_workbook(data, max_unzipped=max_unzipped)
    except WorkbookError as exc:
        return ParseResult(errors=[RowError(None, "", str(exc))])
    return parse_register_sheets(sheets)


def parse_register_sheets(sheets: list[Sheet]) -> ParseResult:
    """The register from sheets already read: the first sheet with anything in it."""
    result = ParseResult()
    sheet = next((s for s in sheets if s.rows and any(not is_blank(v) for row in s.rows for v in row)), None)
    if sheet is None:
        result.errors.append(RowError(None, "", "в книге нет ни одного заполненного листа"))
        return result
    header_index, positions, header_errors = _locate_header(sheet.rows)
    if header_errors:
        result.errors.extend(header_errors)
        return result
    for offset, raw in enumerate(sheet.rows[header_index + 1:], start=header_index + 2):
        values = {key: raw[pos] if pos < len(raw) else None for key, pos in positions.items()}
        if all(is_blank(v) for v in values.values()):
            continue
        parsed, problems = _read_row(values)
        result.errors.extend(RowError(offset, column, message) for column, message in problems)
        parsed["row"] = offset
        parsed["invalid"] = bool(problems)
        result.rows.append(parsed)
    if not result.rows and not result.errors:
        result.errors.append(RowError(None, "", "в таблице нет ни одной строки со школой"))
    return result
