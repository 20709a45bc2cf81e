"""ВПР participant results: the ФИС ОКО «Индивидуальные результаты» export and the school «Протокол» form.

Layout key ``vpr_fis_oko``. Two variants share one parser:

* ``export``: the ФИС ОКО report. Above the header: a title «ВПР 2024 Русский язык 5 класс», meta rows
  («Предмет», «Максимальный первичный балл», «Дата» in column A, value in B), an organisation row
  «<Название ОО> (eduNNNNNN) | Кол-во участников: N» and, right above the header, the level (Б/П/В) of every task.
  Header: ОО, Муниципалитет, Название ОО, Код участника, Класс, Вариант, task columns «1 (2б)», Первичный балл,
  Отметка, Отметка по журналу, optionally Пол. A municipal export carries the school in every row.
* ``protocol``: the collection form (sheets «Протокол»): Код, Вариант (часть 1), tasks, Вариант (часть 2), tasks,
  Класс, Пол, Отметка за предыдущий триместр/четверть/полугодие, Итого баллов. Subject, grade and school are not in
  the file: the upload form supplies them.

Pure code: sheets in, ``ImportResult`` out. The row loop is written for 100 000-row municipal exports: column
positions and value tables are prepared once from the header, and each cell costs one dictionary look-up; only
unusual values take the slow path that builds an error message.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import islice
from operator import getitem, itemgetter

from portal.cells import formula_message, looks_like_formula
from portal.spreadsheets import MAX_DIGITS, collector_paused, is_blank, normalize_header

from .base import ImportResult, ParticipantRow, RowError, SchoolRef, Sheet, TaskColumn

__all__ = ["LAYOUT", "detect", "parse"]

LAYOUT = "vpr_fis_oko"
HEADER_SEARCH_ROWS = 30
MAX_CODE_LENGTH = 40   # ParticipantResult.participant_code
MAX_SHORT_TEXT = 20    # ParticipantResult.class_name / variant
ON_ROWS_EVERY = 10_000  # participant rows per parse(on_rows=…) call: one COPY statement of the streaming import

# «3 (2б)», «9.1 (1б)», «11.3 k1 (2б)», «4К1 (2 б.)», «12 (2 балла)»; the header is already normalised (lower case).
_TASK_HEADER = re.compile(r"^(\d+(?:\.\d+)*)\s*(?:[кk]\s*(\d+))?\s*\(\s*(\d+)\s*(?:б|балл\w*)\.?\s*\)$")
_TITLE_YEAR = re.compile(r"\bвпр\b\D{0,20}?((?:19|20)\d\d)", re.IGNORECASE)
_TITLE_GRADE = re.compile(r"(?<!\d)(\d{1,2})\s*(?:-?\s*(?:й|го|ый)\s*)?(?:класс\w*|кл\b\.?)", re.IGNORECASE)
_ORGANISATION = re.compile(r"^\s*(.*?)\s*\(\s*(edu\d+)\s*\)", re.IGNORECASE)
_DECLARED = re.compile(r"(?:кол-?во|количество|число)\s+участников\s*:?\s*(\d+)", re.IGNORECASE)
_DATE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")
_SPACES = re.compile(r"\s+")
_VPR_WORD = re.compile(r"\bвпр\b", re.IGNORECASE)
_FORMULA_FIRST = frozenset("=+-@")  # codes starting so take the slow path, which refuses formulas

# What «not done / no mark» looks like in task, score and mark cells (compared after strip + lower case).
NOT_DONE_TOKENS = frozenset({
    "", "x", "х", "-", "—", "–", "нет отметки", "отсутствовал", "отсутствовала", "отсутствует", "не явился", "неявка",
})
_NOT_DONE_CELLS = (None, "", "X", "x", "Х", "х", "-", "—", "–", "нет отметки", "Нет отметки", "отсутствовал")

_LEVELS = {"б": "Б", "п": "П", "в": "В", "b": "В", "базовый": "Б", "повышенный": "П", "высокий": "В"}

# Exact (normalised) header names of the non-task columns.
_COLUMN_NAMES = {
    "оо": "login", "логин оо": "login", "логин": "login", "код оо": "login", "логин фис око": "login",
    "муниципалитет": "municipality", "муниципальное образование": "municipality", "мо": "municipality",
    "муниципальный район": "municipality", "район": "municipality",
    "название оо": "school_name", "наименование оо": "school_name", "оо (название)": "school_name",
    "полное название оо": "school_name", "краткое название оо": "school_name", "школа": "school_name",
    "код участника": "code", "код": "code", "код ученика": "code", "код обучающегося": "code",
    "первичный балл": "primary", "итого баллов": "primary", "итого": "primary", "сумма баллов": "primary",
    "всего баллов": "primary", "балл": "primary", "первичный балл (сумма)": "primary",
    "отметка": "mark", "отметка впр": "mark", "оценка": "mark", "отметка за впр": "mark",
    "отметка по журналу": "journal", "оценка по журналу": "journal",
    "пол": "sex", "фио": "name", "фио участника": "name",
}
_JOURNAL_HINTS = ("журнал", "предыдущ", "четверт", "тримест", "полугод")
_META_LABELS = {
    "предмет": "subject", "учебный предмет": "subject",
    "максимальный первичный балл": "max_score", "максимальный балл": "max_score",
    "макс. первичный балл": "max_score", "максимальный первичный балл за работу": "max_score",
    "дата": "date", "дата проведения": "date", "дата проведения работы": "date",
    "класс": "grade", "параллель": "grade",
    "кол-во участников": "declared", "количество участников": "declared", "число участников": "declared",
}

_BAD = object()       # sentinel: a value the fast tables do not know; the slow path explains it
_NOT_DONE_FLAG = 1 << 16
_BAD_FLAG = 1 << 32


class _Packed(dict):
    """Cell value → packed int: the score itself, ``1 << 16`` for «not done», ``1 << 32`` for anything unknown.

    Summing the packed values of one row gives the task sum, the number of blanks and the number of bad cells in a
    single C-level pass.
    """

    __slots__ = ()

    def __missing__(self, key):
        return _BAD_FLAG


def _number_keys(value: int) -> tuple:
    return float(value), str(value), f"{value}.0", f"{value},0"  # float 2.0 also matches int 2 (equal hash)


def _value_table(values, convert) -> dict:
    table = {}
    for value in values:
        for key in _number_keys(value):
            table[key] = convert(value)
    for token in _NOT_DONE_CELLS:
        table[token] = None
    return table


_TABLE_CACHE: dict[tuple, dict] = {}


def _table(kind: str, maximum: int) -> dict:
    key = (kind, maximum)
    if key not in _TABLE_CACHE:
        if kind == "decimal":
            _TABLE_CACHE[key] = _value_table(range(maximum + 1), int)
        elif kind == "packed":
            packed = _Packed(_value_table(range(maximum + 1), int))
            for token in _NOT_DONE_CELLS:
                packed[token] = _NOT_DONE_FLAG
            _TABLE_CACHE[key] = packed
        elif kind == "int":
            _TABLE_CACHE[key] = _value_table(range(maximum + 1), int)
        else:  # marks
            _TABLE_CACHE[key] = _value_table(range(2, 6), int)
    return _TABLE_CACHE[key]


# ------------------------------------------------------------------------------------------------------------------
# Cell conversion, slow path (only for values the tables do not know)


class _CellProblem(ValueError):
    pass


def _text(value) -> str:
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _SPACES.sub(" ", str(value)).strip()


def _not_done(value) -> bool:
    return value is None or (isinstance(value, str) and _SPACES.sub(" ", value).strip().lower() in NOT_DONE_TOKENS)


def _integer(value, *, what: str, minimum: int, maximum: int | None) -> int | None:
    """A number written in an unusual way (« 2 », «2,0», 2.5); None for not-done tokens; raises with a message."""
    if _not_done(value):
        return None
    if isinstance(value, bool) or isinstance(value, (dt.date, dt.time, dt.timedelta)):
        raise _CellProblem(f"{what}: ожидается целое число, получено «{_text(value)}»")
    try:
        number = Decimal(str(value).strip().replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except InvalidOperation:
        raise _CellProblem(f"{what}: ожидается целое число, получено «{_text(value)}»") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise _CellProblem(f"{what}: ожидается целое число, получено «{_text(value)}»")
    if number and number.adjusted() >= MAX_DIGITS:  # «1e999999»: refused before int() spends seconds on it
        raise _CellProblem(f"{what}: число «{_text(value)}» слишком большое")
    result = int(number)
    if result < minimum:
        raise _CellProblem(f"{what}: {result} меньше допустимого {minimum}")
    if maximum is not None and result > maximum:
        raise _CellProblem(f"{what}: {result} больше максимального {maximum}")
    return result


def _mark(value, *, what: str) -> int | None:
    if _not_done(value):
        return None
    try:
        mark = _integer(value, what=what, minimum=2, maximum=5)
    except _CellProblem:
        mark = None
    if mark is None:
        raise _CellProblem(f"{what}: допустимы 2, 3, 4, 5 или «нет отметки», получено «{_text(value)}»")
    return mark


# ------------------------------------------------------------------------------------------------------------------
# Header


@dataclass
class _Columns:
    titles: dict[int, str] = field(default_factory=dict)  # position → header as written (for messages)
    roles: dict[str, int] = field(default_factory=dict)   # role → first position
    tasks: list[tuple[int, TaskColumn]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (position, message) found in the header itself


def _role(key: str) -> str | None:
    role = _COLUMN_NAMES.get(key)
    if role:
        return role
    if key.startswith("вариант"):
        return "variant"
    if key.startswith("класс"):
        return "class"
    if key.startswith(("код участ", "код обуч", "код учен")):
        return "code"
    if key.startswith(("отметка", "оценка")) and any(hint in key for hint in _JOURNAL_HINTS):
        return "journal"
    return None


def _task(key: str) -> tuple[str, int] | None:
    match = _TASK_HEADER.match(key)
    if not match:
        return None
    number, criterion, points = match.groups()
    return number + (f"К{int(criterion)}" if criterion else ""), int(points)


def _columns(row: list) -> _Columns | None:
    """Column roles of a header row, or None when the row is not a ВПР header (no code column or no task column)."""
    columns = _Columns()
    labels: dict[str, int] = {}
    for position, value in enumerate(row):
        if is_blank(value):
            continue
        title = _text(value)
        key = normalize_header(value)
        columns.titles[position] = title
        task = _task(key)
        if task:
            label, points = task
            if label in labels:
                columns.problems.append((position, f"задание «{label}» уже есть в столбце "
                                                   f"«{columns.titles[labels[label]]}»"))
            elif points < 1:
                columns.problems.append((position, f"у задания «{label}» максимальный балл 0"))
            else:
                labels[label] = position
                columns.tasks.append((position, TaskColumn(label=label, max_score=points)))
            continue
        role = _role(key)
        if role and role not in columns.roles:
            columns.roles[role] = position
        elif role != "variant":  # «Вариант (часть 2)» repeats the variant; anything else unknown is reported in meta
            columns.ignored.append(title)
    if "code" not in columns.roles or not columns.tasks:
        return None
    return columns


def _find_header(rows: list[list]) -> tuple[int, _Columns] | None:
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = _columns(row)
        if columns is not None:
            return index, columns
    return None


def detect(sheets: list[Sheet]) -> bool:
    """True for a ФИС ОКО «Индивидуальные результаты» export or a «Протокол» form (by sheet name or header row)."""
    for sheet in sheets:
        name = sheet.name.lower()
        if "индивидуальные результаты" in name or "протокол" in name:
            return True
    return any(_find_header(sheet.rows) is not None for sheet in sheets)


# ------------------------------------------------------------------------------------------------------------------
# Rows above the header


@dataclass
class _Preamble:
    subject: str = ""
    subject_row: int | None = None
    grade: int | None = None
    grade_row: int | None = None
    year: int | None = None
    max_score: int | None = None
    date: dt.date | None = None
    date_text: str = ""
    declared: int | None = None
    declared_row: int | None = None
    school: SchoolRef | None = None
    school_row: int | None = None
    found: bool = False


def _parse_date(value) -> tuple[dt.date | None, str]:
    if isinstance(value, dt.datetime):
        return value.date(), value.date().isoformat()
    if isinstance(value, dt.date):
        return value, value.isoformat()
    text = _text(value)
    for pattern, order in ((_DATE, (2, 1, 0)), (_ISO_DATE, (0, 1, 2))):
        match = pattern.match(text)
        if match:
            parts = [int(g) for g in match.groups()]
            try:
                date = dt.date(parts[order[0]], parts[order[1]], parts[order[2]])
            except ValueError:
                return None, text
            return date, date.isoformat()
    return None, text


def _title(text: str, preamble: _Preamble, row: int) -> bool:
    """«ВПР 2024 Русский язык 5 класс» → year, subject, grade. The subject is what follows «ВПР» and the year, less
    the grade; a row that names neither a year nor a grade («Индивидуальные результаты ВПР») is not the title."""
    year = _TITLE_YEAR.search(text)
    grade = _TITLE_GRADE.search(text)
    if not (year or grade):
        return False
    preamble.found = True
    start = year.end() if year else _VPR_WORD.search(text).end()
    if year:
        preamble.year = int(year.group(1))
    rest = text[start:]
    if grade:
        if preamble.grade is None:
            preamble.grade, preamble.grade_row = int(grade.group(1)), row
        if grade.start() >= start:
            rest = text[start:grade.start()] + " " + text[grade.end():]
    subject = _SPACES.sub(" ", rest).strip(" .,;:-–—|")
    if subject and not preamble.subject:
        preamble.subject, preamble.subject_row = subject, row
    return True


def _meta(key: str, value, preamble: _Preamble, row: int, label: str, errors: list[RowError]) -> None:
    preamble.found = True
    try:
        if key == "subject":
            if _text(value):
                preamble.subject, preamble.subject_row = _text(value), row  # the meta row beats the title
        elif key == "max_score":
            preamble.max_score = _integer(value, what="максимальный первичный балл", minimum=1, maximum=1000)
        elif key == "grade":
            grade = _integer(value, what="класс", minimum=1, maximum=11)
            if grade is not None:
                preamble.grade, preamble.grade_row = grade, row
        elif key == "date":
            preamble.date, preamble.date_text = _parse_date(value)
        elif key == "declared":
            preamble.declared = _integer(value, what="количество участников", minimum=0, maximum=None)
            preamble.declared_row = row
    except _CellProblem as exc:
        errors.append(RowError(row, label, str(exc)))


def _preamble(rows: list[list], header_index: int, errors: list[RowError]) -> _Preamble:
    preamble = _Preamble()
    title_seen = False
    for index in range(header_index):
        cells = [value for value in rows[index] if not is_blank(value)]
        if not cells:
            continue
        row = index + 1
        first = _text(cells[0])
        label, colon, inline = first.partition(":")
        key = _META_LABELS.get(normalize_header(label))
        if key and (len(cells) > 1 or colon):
            _meta(key, cells[1] if len(cells) > 1 else inline.strip(), preamble, row, label.strip(), errors)
            continue
        joined = " | ".join(_text(value) for value in cells)
        if not title_seen and _VPR_WORD.search(joined) and _title(joined, preamble, row):
            title_seen = True
            continue
        organisation = _ORGANISATION.match(first)
        if organisation:
            preamble.found = True
            preamble.school = SchoolRef(login=organisation.group(2).lower(), name=organisation.group(1).strip(" |"))
            preamble.school_row = row
        declared = _DECLARED.search(joined)
        if declared:
            preamble.found = True
            preamble.declared, preamble.declared_row = int(declared.group(1)), row
    return preamble


def _levels(row: list | None, columns: _Columns) -> list[TaskColumn]:
    tasks = [task for _, task in columns.tasks]
    if row is None:
        return tasks
    levels = [_LEVELS.get(_text(row[p]).lower(), "") if p < len(row) else "" for p, _ in columns.tasks]
    if not any(levels):
        return tasks
    return [TaskColumn(label=t.label, max_score=t.max_score, level=level)
            for t, level in zip(tasks, levels, strict=True)]


def _academic_year(preamble: _Preamble) -> str:
    if preamble.date is not None:
        start = preamble.date.year if preamble.date.month >= 8 else preamble.date.year - 1
    elif preamble.year is not None:
        start = preamble.year - 1  # ВПР is written in spring: «ВПР 2024» belongs to 2023/2024
    else:
        return ""
    return f"{start}/{start + 1}"


# ------------------------------------------------------------------------------------------------------------------
# Parse


def _resolve(preamble: _Preamble, subject: str, grade: int | None, school: SchoolRef | None,
             errors: list[RowError]) -> tuple[str, int | None, SchoolRef | None]:
    """What the file says wins; a contradiction with the upload form is an error."""
    final_subject = preamble.subject or (subject or "").strip()
    if preamble.subject and subject and normalize_header(preamble.subject) != normalize_header(subject):
        errors.append(RowError(preamble.subject_row, "Предмет", f"в файле указан предмет «{preamble.subject}», "
                                                               f"а в форме загрузки выбран «{subject}»"))
    final_grade = preamble.grade if preamble.grade is not None else grade
    if preamble.grade is not None and grade is not None and preamble.grade != grade:
        errors.append(RowError(preamble.grade_row, "Класс", f"в файле указан {preamble.grade} класс, "
                                                           f"а в форме загрузки выбран {grade} класс"))
    if final_grade is not None and not 4 <= final_grade <= 11:
        errors.append(RowError(preamble.grade_row, "Класс", f"ВПР пишут в 4–11 классах, указан {final_grade} класс"))
    missing = [what for what, known in (("предмет", final_subject), ("класс (параллель)", final_grade)) if not known]
    if missing:
        if len(missing) == 2:
            message = "в файле не указаны предмет и класс (параллель) — выберите их в форме загрузки"
        else:
            message = f"в файле не указан {missing[0]} — выберите {missing[0]} в форме загрузки"
        errors.append(RowError(None, "", message))
    final_school = preamble.school or school
    if preamble.school and school and school.login and preamble.school.login != school.login:
        errors.append(RowError(preamble.school_row, "", f"файл выгружен для ОО «{preamble.school.login}», "
                                                        f"а в форме загрузки выбрана ОО «{school.login}»"))
    return final_subject, final_grade, final_school


def _other_sheets_with_results(sheets: list[Sheet], chosen: Sheet) -> list[str]:
    names = []
    for sheet in sheets:
        if sheet is chosen:
            continue
        found = _find_header(sheet.rows)
        if found is None:
            continue
        index, columns = found
        code = columns.roles["code"]
        if any(code < len(row) and not is_blank(row[code]) for row in sheet.rows[index + 1:]):
            names.append(sheet.name)
    return names


def parse(sheets: list[Sheet], *, subject: str = "", grade: int | None = None,
          school: SchoolRef | None = None, on_rows=None) -> ImportResult:
    """Parse the first sheet with a ВПР participant header; ``subject``, ``grade`` and ``school`` come from the
    upload form and fill in what the file does not say.

    ``on_rows(result)``, when given, is called while the sheet is parsed — after the first quarter of
    ``ON_ROWS_EVERY`` participant rows (so the database starts early), then every ``ON_ROWS_EVERY`` rows, and once
    more for the last rows (the import writes them meanwhile: ``indicators.streaming``)."""
    result = ImportResult(layout=LAYOUT)
    chosen = None
    for sheet in sheets:
        found = _find_header(sheet.rows)
        if found is not None:
            chosen = sheet, *found
            break
    if chosen is None:
        result.errors.append(RowError(None, "", "не найдена строка заголовка: в первых 30 строках нет столбца «Код "
                                                "участника» (или «Код») вместе со столбцами заданий вида «1 (2б)»"))
        return result
    sheet, header_index, columns = chosen
    rows = sheet.rows
    for position, message in columns.problems:
        result.errors.append(RowError(header_index + 1, columns.titles[position], message))
    others = _other_sheets_with_results(sheets, sheet)
    if others:
        listed = ", ".join(f"«{name}»" for name in others)
        result.warnings.append(RowError(None, "", f"загружен только лист «{sheet.name}»; на листах {listed} тоже есть "
                                                  f"результаты — загрузите их отдельными файлами"))

    preamble = _preamble(rows, header_index, result.errors)
    subject, grade, resolved_school = _resolve(preamble, subject, grade, school, result.errors)
    result.year = _academic_year(preamble)
    result.tasks = _levels(rows[header_index - 1] if header_index else None, columns)
    task_total = sum(task.max_score for task in result.tasks)
    if preamble.max_score is not None and preamble.max_score != task_total:
        result.warnings.append(RowError(None, "", f"сумма максимальных баллов заданий ({task_total}) не равна "
                                                  f"максимальному первичному баллу ({preamble.max_score})"))
    school_columns = any(role in columns.roles for role in ("login", "municipality", "school_name"))
    variant = "export" if preamble.found or school_columns or "mark" in columns.roles else "protocol"
    result.meta = {
        "subject": subject, "grade": grade, "max_score": preamble.max_score, "declared_participants":
        preamble.declared, "date": preamble.date_text, "absent_rows": 0, "sheet": sheet.name, "variant": variant,
        "header_row": header_index + 1, "ignored_columns": columns.ignored,
    }
    loop = _RowLoop(rows, header_index, columns, result, subject=subject, grade=grade or 0, school=resolved_school,
                    given_login=school.login if school else "",
                    reported_login=preamble.school.login if preamble.school else "",
                    max_primary=preamble.max_score if preamble.max_score is not None else task_total)
    loop.on_rows = on_rows
    with collector_paused():  # a few objects per row, none in a cycle
        loop.run()
    result.meta["absent_rows"] = loop.absent
    result.meta["participant_rows"] = loop.count
    result.meta["schools"] = loop.schools_seen()
    if loop.count == 0:
        tail = f" (пропущено строк отсутствовавших: {loop.absent})" if loop.absent else ""
        result.errors.append(RowError(header_index + 1, "", f"на листе «{sheet.name}» под заголовком нет ни одной "
                                                            f"строки с результатами участников{tail}"))
    elif preamble.declared is not None and preamble.declared != loop.count:
        tail = f"; строк отсутствовавших пропущено: {loop.absent}" if loop.absent else ""
        result.warnings.append(RowError(preamble.declared_row, "", f"в файле заявлено участников: {preamble.declared},"
                                                                   f" а строк с результатами: {loop.count}{tail}"))
    return result


def _tuple_getter(positions: list[int]):
    """row → tuple of the values at ``positions`` (``itemgetter`` returns a bare value for a single position)."""
    if len(positions) > 1:
        return itemgetter(*positions)
    position = positions[0]

    def single(row):
        return (row[position],)

    return single


class _RowLoop:
    """The per-row part of ``parse``: everything that can be decided once is decided in ``__init__``."""

    def __init__(self, rows, header_index, columns: _Columns, result: ImportResult, *, subject: str, grade: int,
                 school: SchoolRef | None, given_login: str, reported_login: str, max_primary: int):
        self.rows, self.start, self.result = rows, header_index + 1, result
        self.columns, self.subject, self.grade = columns, subject, grade
        self.default_school = school or SchoolRef()
        self.given_login = given_login        # the school chosen in the upload form
        self.reported_login = reported_login  # the organisation row's school, already compared with it
        self.max_primary = max_primary
        self.absent = 0
        self.count = 0
        self.on_rows = None  # see parse()
        # raw cell values of the school columns → (school, participant codes seen in it: code → first row)
        self.school_cache: dict[tuple, tuple[SchoolRef, dict[str, int]]] = {}
        self.codes_by_school: dict[SchoolRef, dict[str, int]] = {}
        width = max(len(rows[header_index]), max(columns.titles) + 1)
        # LazyRows (a streaming import) come from calamine, whose rows all have the sheet's width
        if isinstance(rows, list) and any(len(row) < width for row in rows[self.start:]):
            self.rows = rows[:self.start] + [list(row) + [""] * (width - len(row)) for row in rows[self.start:]]

    def schools_seen(self) -> int:
        return len(self.codes_by_school) or 1

    def _title(self, role: str) -> str:
        return self.columns.titles[self.columns.roles[role]]

    def _school(self, key: tuple, row_number: int) -> tuple[SchoolRef, dict[str, int]]:
        roles = self.columns.roles
        values = dict(zip([r for r in ("login", "municipality", "school_name") if r in roles], key, strict=True))
        ref = SchoolRef(login=_text(values.get("login")).lower(), municipality=_text(values.get("municipality")),
                        name=_text(values.get("school_name")))
        for role, text in (("login", ref.login), ("municipality", ref.municipality), ("school_name", ref.name)):
            if looks_like_formula(text):
                self.result.errors.append(RowError(row_number, self._title(role), formula_message(text)))
        if not (ref.login or ref.name):
            ref = self.default_school
        elif self.given_login and ref.login not in ("", self.given_login, self.reported_login):
            self.result.errors.append(RowError(row_number, self._title("login"), f"в файле результаты ОО «{ref.login}»,"
                                                                                f" а в форме загрузки выбрана ОО "
                                                                                f"«{self.given_login}»"))
        entry = (ref, self.codes_by_school.setdefault(ref, {}))
        self.school_cache[key] = entry
        return entry

    def _short_text(self, cache: dict, value, row_number: int, role: str) -> str:
        text = _text(value)
        if looks_like_formula(text):
            self.result.errors.append(RowError(row_number, self._title(role), formula_message(text)))
            return text
        if len(text) > MAX_SHORT_TEXT:
            self.result.errors.append(RowError(row_number, self._title(role), f"слишком длинное значение: {len(text)} "
                                                                             f"символов, допускается {MAX_SHORT_TEXT}"))
            return text
        cache[value] = text
        return text

    def _code(self, value, row_number: int, errors: list[RowError]) -> str:
        text = _text(value)
        title = self._title("code")
        if not text:
            errors.append(RowError(row_number, title, "не указан код участника"))
        elif looks_like_formula(text):
            errors.append(RowError(row_number, title, formula_message(text)))
            text = ""
        elif len(text) > MAX_CODE_LENGTH:
            errors.append(RowError(row_number, title, f"код участника длиннее {MAX_CODE_LENGTH} символов"))
            text = ""
        return text

    def _slow_tasks(self, values, row_number: int, errors: list[RowError]) -> tuple[list, int, bool]:
        """Task scores of a row with at least one value the fast tables do not know: (scores, sum, any done)."""
        scores: list[int | None] = []
        for (position, task), value in zip(self.columns.tasks, values, strict=True):
            try:
                score = _integer(value, what=f"балл за задание {task.label}", minimum=0, maximum=task.max_score)
            except _CellProblem as exc:
                errors.append(RowError(row_number, self.columns.titles[position], str(exc)))
                score = None
            scores.append(score)
        done = [score for score in scores if score is not None]
        return scores, int(sum(done)), bool(done)

    def _slow(self, role: str, value, row_number: int, errors: list[RowError]):
        title = self._title(role)
        try:
            if role == "primary":
                return _integer(value, what="первичный балл", minimum=0, maximum=self.max_primary)
            return _mark(value, what="отметка" if role == "mark" else "отметка по журналу")
        except _CellProblem as exc:
            errors.append(RowError(row_number, title, str(exc)))
            return _BAD

    def run(self) -> None:  # noqa: C901 — one tight loop on purpose
        columns, rows, result = self.columns, self.rows, self.result
        errors, warnings, participants = result.errors, result.warnings, result.participants
        roles = columns.roles
        positions = [position for position, _ in columns.tasks]
        n_tasks = len(positions)
        task_values = _tuple_getter(positions)
        decimal_tables = [_table("decimal", task.max_score) for _, task in columns.tasks]
        packed_tables = [_table("packed", task.max_score) for _, task in columns.tasks]
        all_blank = n_tasks * _NOT_DONE_FLAG
        code_at = roles["code"]
        primary_at, mark_at, journal_at = roles.get("primary"), roles.get("mark"), roles.get("journal")
        class_at, variant_at = roles.get("class"), roles.get("variant")
        primary_table = _table("int", self.max_primary)
        marks = _table("marks", 5)
        school_roles = [roles[r] for r in ("login", "municipality", "school_name") if r in roles]
        school_key = _tuple_getter(school_roles) if school_roles else None
        school_cache = self.school_cache
        default_entry = None if school_key else (self.default_school, self.codes_by_school.setdefault(
            self.default_school, {}))
        class_cache: dict = {}
        variant_cache: dict = {}
        primary_title = self._title("primary") if primary_at is not None else ""
        subject, grade = self.subject, self.grade
        absent = count = 0
        float_type, str_type = float, str
        on_rows = self.on_rows
        next_call = ON_ROWS_EVERY // 4 if on_rows is not None else -1

        for index, row in enumerate(islice(rows, self.start, None), self.start):  # LazyRows convert as they go
            values = task_values(row)
            packed = sum(map(getitem, packed_tables, values))
            primary = None if primary_at is None else primary_table.get(row[primary_at], _BAD)
            mark = None if mark_at is None else marks.get(row[mark_at], _BAD)
            n_errors = len(errors)
            row_number = index + 1
            if packed < _BAD_FLAG:
                scores = None
                total = packed & 0xFFFF
                done = packed != all_blank
            else:
                scores, total, done = self._slow_tasks(values, row_number, errors)
            if not done and primary is None and mark is None and len(errors) == n_errors:
                if any(not is_blank(value) for value in row):
                    absent += 1  # a participant who did not write the work; fully empty rows are not counted
                continue
            count += 1
            if primary is _BAD:
                primary = self._slow("primary", row[primary_at], row_number, errors)
            if mark is _BAD:
                mark = self._slow("mark", row[mark_at], row_number, errors)
            journal = None
            if journal_at is not None:
                journal = marks.get(row[journal_at], _BAD)
                if journal is _BAD:
                    journal = self._slow("journal", row[journal_at], row_number, errors)
            code = row[code_at]
            if code.__class__ is float_type and code.is_integer():
                code = str(int(code))
            elif not (code.__class__ is str_type and code and len(code) <= MAX_CODE_LENGTH and " " not in code
                      and code[0] not in _FORMULA_FIRST):
                code = self._code(code, row_number, errors)
            if school_key is None:
                school, seen = default_entry
            else:
                key = school_key(row)
                entry = school_cache.get(key)
                if entry is None:
                    entry = self._school(key, row_number)
                school, seen = entry
            class_name = ""
            if class_at is not None:
                value = row[class_at]
                class_name = class_cache.get(value)
                if class_name is None:
                    class_name = self._short_text(class_cache, value, row_number, "class")
            variant = ""
            if variant_at is not None:
                value = row[variant_at]
                variant = variant_cache.get(value)
                if variant is None:
                    variant = self._short_text(variant_cache, value, row_number, "variant")
            if len(errors) != n_errors:
                continue
            if code:
                first = seen.setdefault(code, row_number)
                if first != row_number:
                    errors.append(RowError(row_number, self._title("code"), f"код участника «{code}» повторяется: "
                                                                           f"он уже есть в строке {first}"))
                    continue
            if primary is None:
                if done:
                    primary = total
            elif total != primary:
                warnings.append(RowError(row_number, primary_title, f"сумма баллов за задания ({total}) не равна "
                                                                    f"первичному баллу ({primary})"))
            participants.append(ParticipantRow(
                row=row_number, school=school, subject=subject, grade=grade, participant_code=code,
                class_name=class_name, variant=variant,
                task_scores=list(map(getitem, decimal_tables, values)) if scores is None else scores,
                primary_score=primary, mark=mark, journal_mark=journal,
            ))
            if on_rows is not None and len(participants) == next_call:
                on_rows(result)
                next_call += ON_ROWS_EVERY
        if on_rows is not None and participants and len(participants) + ON_ROWS_EVERY != next_call:
            on_rows(result)  # the rows after the last call
        self.absent, self.count = absent, count
