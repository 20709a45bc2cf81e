"""The portal's own xlsx templates: per-school ВПР, ОГЭ and ЕГЭ aggregates and the social passport.

Each template is one sheet named after it, a header row of Russian column names and one row per school (and
subject). The parser is strict: the template is filled by hand, so sums that do not add up are errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from portal.spreadsheets import (
    CellError,
    RowError,
    Sheet,
    TemplateColumn,
    build_template,
    is_blank,
    normalize_header,
    to_bool,
    to_int,
    to_number,
    to_text,
)

from .base import AggregateRow, ImportResult, SchoolRef

SCHOOL_COLUMNS = (
    TemplateColumn("Муниципалитет", "Как в реестре портала", 28, required=True),
    TemplateColumn("Наименование ОО", "Полное или краткое наименование, как в реестре", 50, required=True),
    TemplateColumn("Логин ФИС ОКО", "eduNNNNNN; если указан, школа узнаётся по нему", 14),
)
MARK_COLUMNS = (
    TemplateColumn("Предмет", "Например, «Русский язык», «Математика»", 22, required=True),
    TemplateColumn("Класс", "Номер класса (параллели)", 8, required=True),
    TemplateColumn("Участников", "Число писавших работу", 12, required=True),
    TemplateColumn("Отметка «2»", "Число участников", 12, required=True),
    TemplateColumn("Отметка «3»", "Число участников", 12, required=True),
    TemplateColumn("Отметка «4»", "Число участников", 12, required=True),
    TemplateColumn("Отметка «5»", "Число участников", 12, required=True),
    TemplateColumn("Средний первичный балл", "Необязательно", 14),
)
EGE_COLUMNS = (
    TemplateColumn("Предмет", "Например, «Русский язык», «Математика профильная»", 26, required=True),
    TemplateColumn("Участников", "Число сдававших", 12, required=True),
    TemplateColumn("Не преодолели минимум", "Число участников ниже минимального балла", 14, required=True),
    TemplateColumn("80–99 баллов", "Число участников", 12, required=True),
    TemplateColumn("100 баллов", "Число участников", 12, required=True),
    TemplateColumn("Средний балл", "Средний тестовый балл (для базовой математики — средняя отметка)", 12),
)
PASSPORT_COLUMNS = (
    TemplateColumn("Обучающихся", "Всего обучающихся на начало года", 12, required=True),
    TemplateColumn("Педагогов", "Педагогических работников", 12),
    TemplateColumn("Оба родителя с высшим образованием", "Число обучающихся", 16),
    TemplateColumn("Из неполных семей", "Число обучающихся", 14),
    TemplateColumn("С безработными родителями", "Число обучающихся", 14),
    TemplateColumn("Русский язык не родной", "Число обучающихся", 14),
    TemplateColumn("С ОВЗ", "Число обучающихся", 10),
    TemplateColumn("На профилактическом учёте", "Число обучающихся", 14),
    TemplateColumn("Депривированная сельская", "да / нет", 12, choices=["да", "нет"]),
    TemplateColumn("Депривированная городская", "да / нет", 12, choices=["да", "нет"]),
    TemplateColumn("Сельская малокомплектная", "да / нет", 12, choices=["да", "нет"]),
    TemplateColumn("Ограниченная транспортная доступность", "да / нет", 14, choices=["да", "нет"]),
    TemplateColumn("Высокий уровень девиантности", "да / нет", 14, choices=["да", "нет"]),
    TemplateColumn("Низкий кадровый потенциал", "да / нет", 14, choices=["да", "нет"]),
)
PASSPORT_FIELDS = ("students", "teachers", "parents_higher_education", "single_parent_families",
                   "unemployed_parents", "russian_not_native", "disabilities_ovz", "preventive_registration",
                   "flag_deprived_rural", "flag_deprived_urban", "flag_small_rural", "flag_limited_transport",
                   "flag_high_deviance", "flag_low_staff_potential")


@dataclass(frozen=True)
class TemplateSpec:
    key: str
    sheet: str
    assessment: str
    columns: tuple[TemplateColumn, ...]
    instructions: str


SPECS = {
    "template_vpr": TemplateSpec("template_vpr", "ВПР по школам", "vpr", SCHOOL_COLUMNS + MARK_COLUMNS,
                                 "Одна строка — одна школа, один предмет, один класс. «2»+«3»+«4»+«5» = участников."),
    "template_oge": TemplateSpec("template_oge", "ОГЭ по школам", "oge", SCHOOL_COLUMNS + MARK_COLUMNS,
                                 "Одна строка — одна школа и один предмет ОГЭ (9 класс). "
                                 "«2»+«3»+«4»+«5» = участников."),
    "template_ege": TemplateSpec("template_ege", "ЕГЭ по школам", "ege", SCHOOL_COLUMNS + EGE_COLUMNS,
                                 "Одна строка — одна школа и один предмет ЕГЭ. Пустая ячейка с числом — ошибка, "
                                 "пишите 0."),
    "passport": TemplateSpec("passport", "Социальный паспорт", "", SCHOOL_COLUMNS + PASSPORT_COLUMNS,
                             "Одна строка — одна школа. Числа — количество обучающихся, не проценты."),
}


def template_bytes(key: str) -> bytes:
    spec = SPECS[key]
    return build_template(title=spec.sheet, columns=spec.columns, instructions=spec.instructions)


def detect(sheets: list[Sheet]) -> str | None:
    """The template key whose sheet name is present, else None."""
    names = {normalize_header(s.name): s for s in sheets}
    for spec in SPECS.values():
        if normalize_header(spec.sheet) in names:
            return spec.key
    return None


def _decimal(value, *, maximum: int) -> Decimal | None:
    if is_blank(value):
        return None
    number = to_number(value)
    if number < 0 or number > maximum:
        raise CellError(f"значение {value} вне допустимого диапазона 0–{maximum}")
    return number.quantize(Decimal("0.01"))


class _RowReader:
    def __init__(self, row_number: int, values: dict, errors: list[RowError]):
        self.row, self.values, self.errors, self.failed = row_number, values, errors, False

    def take(self, header: str, convert):
        try:
            return convert(self.values.get(header))
        except CellError as exc:
            self.errors.append(RowError(self.row, header, str(exc)))
            self.failed = True
            return None

    def count(self, header: str, required: bool = True):
        return self.take(header, lambda v: to_int(v, required=required, maximum=100000))

    def school(self) -> SchoolRef:
        return SchoolRef(
            login=(self.take("Логин ФИС ОКО", lambda v: to_text(v, max_length=9, reject_formula=True)) or "").lower(),
            municipality=self.take("Муниципалитет", lambda v: to_text(v, required=True, reject_formula=True)) or "",
            name=self.take("Наименование ОО", lambda v: to_text(v, required=True, reject_formula=True)) or "",
        )


def _rows(sheet: Sheet, spec: TemplateSpec, result: ImportResult):
    if not sheet.rows:
        result.errors.append(RowError(None, "", f"лист «{spec.sheet}» пустой"))
        return
    positions = {normalize_header(v): i for i, v in enumerate(sheet.rows[0]) if not is_blank(v)}
    index = {}
    for column in spec.columns:
        position = positions.get(normalize_header(column.header))
        if position is None and column.required:
            result.errors.append(RowError(1, column.header, "нет обязательного столбца"))
        index[column.header] = position
    if result.errors:
        return
    for number, raw in enumerate(sheet.rows[1:], start=2):
        values = {h: (raw[p] if p is not None and p < len(raw) else None) for h, p in index.items()}
        if all(is_blank(v) for v in values.values()):
            continue
        yield number, values


def _mark_row(number, values, spec, result) -> AggregateRow | None:
    reader = _RowReader(number, values, result.errors)
    school = reader.school()
    subject = reader.take("Предмет", lambda v: to_text(v, required=True, reject_formula=True))
    grade = reader.take("Класс", lambda v: to_int(v, minimum=1, maximum=11, required=True))
    participants = reader.count("Участников")
    marks = [reader.count(f"Отметка «{m}»") for m in (2, 3, 4, 5)]
    mean = reader.take("Средний первичный балл", lambda v: _decimal(v, maximum=1000))
    if reader.failed:
        return None
    if sum(marks) != participants:
        result.errors.append(RowError(number, "Участников", f"сумма отметок «2»–«5» ({sum(marks)}) не равна числу "
                                                             f"участников ({participants})"))
        return None
    mean_mark = (Decimal(sum(m * n for m, n in zip((2, 3, 4, 5), marks, strict=True))) / participants).quantize(
        Decimal("0.01")) if participants else None
    return AggregateRow(row=number, school=school, assessment=spec.assessment, subject=subject, grade=grade,
                        participants=participants, mark2=marks[0], mark3=marks[1], mark4=marks[2], mark5=marks[3],
                        mean_mark=mean_mark, mean_score=mean)


def _ege_row(number, values, result) -> AggregateRow | None:
    reader = _RowReader(number, values, result.errors)
    school = reader.school()
    subject = reader.take("Предмет", lambda v: to_text(v, required=True, reject_formula=True))
    participants = reader.count("Участников")
    below = reader.count("Не преодолели минимум")
    high = reader.count("80–99 баллов")
    top = reader.count("100 баллов")
    mean = reader.take("Средний балл", lambda v: _decimal(v, maximum=100))
    if reader.failed:
        return None
    if below + high + top > participants:
        result.errors.append(RowError(
            number, "Участников",
            f"ниже минимума, 80–99 и 100 баллов вместе ({below + high + top}) больше, чем участников ({participants})"))
        return None
    return AggregateRow(row=number, school=school, assessment="ege", subject=subject, grade=11,
                        participants=participants, below_minimum=below, score_80_99=high, score_100=top,
                        mean_score=mean)


def _passport_row(number, values, result) -> dict | None:
    reader = _RowReader(number, values, result.errors)
    school = reader.school()
    counts = [reader.count(c.header, required=c.required) for c in PASSPORT_COLUMNS[:8]]
    flags = [reader.take(c.header, lambda v: to_bool(v, default=False)) for c in PASSPORT_COLUMNS[8:]]
    if reader.failed:
        return None
    students = counts[0]
    for column, value in zip(PASSPORT_COLUMNS[2:8], counts[2:], strict=True):
        if value is not None and value > students:
            result.errors.append(RowError(number, column.header, f"{value} больше числа обучающихся ({students})"))
            return None
    return {"row": number, "school": school, **dict(zip(PASSPORT_FIELDS, counts + flags, strict=True))}


def parse(sheets: list[Sheet], key: str) -> ImportResult:
    spec = SPECS[key]
    result = ImportResult(layout=key)
    sheet = next((s for s in sheets if normalize_header(s.name) == normalize_header(spec.sheet)), None)
    if sheet is None:
        result.errors.append(RowError(None, "", f"нет листа «{spec.sheet}»: скачайте шаблон портала заново"))
        return result
    profiles = []
    for number, values in _rows(sheet, spec, result):
        if key == "passport":
            row = _passport_row(number, values, result)
            if row:
                profiles.append(row)
        else:
            row = _ege_row(number, values, result) if spec.assessment == "ege" else _mark_row(
                number, values, spec, result)
            if row:
                result.aggregates.append(row)
    result.meta["profiles"] = profiles
    if not result.errors and not result.aggregates and not profiles:
        result.errors.append(RowError(None, "", "в шаблоне нет ни одной заполненной строки"))
    return result
