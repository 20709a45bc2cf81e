"""Roadmap (дорожная карта) tables: reading them from .docx and .xlsx files.

Pure adapter code: bytes in, dataclasses out. Nothing here touches the ORM.

A roadmap table has a header row (``№ п/п | Мероприятие | Сроки исполнения | Ответственные | …``), section rows
(«1. Общесистемные мероприятия», usually merged across the table) and activity rows («1.1.», «5.10», or «1.», «2.»
when the numbering restarts in every section). The number column may be missing (``Направления и цели деятельности |
Сроки выполнения | Ожидаемый результат``): then a row with one text across it is a section, and sections and
activities are numbered in order. Headings like «Приоритет 2.1. …» inside «Задача 2. …» are not sections of their
own: their activities stay in section 2. Cells copied from web pages keep HTML leftovers (``<p>``, ``<ul>``,
``<i>``, entities); :func:`clean_cell` turns them into plain text with list items on their own lines.

Problems are collected as ``RowError(row, column, message)`` with Russian messages: ``errors`` block the import,
``warnings`` are shown to the user. Rows are numbered as in the source: the Excel row, or the table row of the Word
document (the first row of the table is row 1).
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from portal.archives import (
    OLE_MAGIC,
    ArchiveError,
    check_archive,
    check_declared_sizes,
    declared_members,
    limits,
    ole_message,
)
from portal.spreadsheets import RowError, WorkbookError, normalize_header, read_workbook

MAX_ROWS = 2000
MAX_TITLE_LENGTH = 4000
MAX_SECTION_TITLE_LENGTH = 500
MAX_NUMBER_LENGTH = 20
MAX_DOCX_UNZIPPED = 200 * 1024 * 1024
MAX_XLSX_UNZIPPED = 100 * 1024 * 1024
HEADER_SEARCH_ROWS = 20
IMPLICIT_SECTION_TITLE = "Без раздела"

FIELDS = ("number", "title", "deadline", "responsible", "result")
FIELD_LABELS = {
    "number": "№ п/п",
    "title": "Мероприятие",
    "deadline": "Сроки исполнения",
    "responsible": "Ответственные",
    "result": "Ожидаемый результат",
}

_MB = 1024 * 1024
_FATAL = (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError)

# ---------------------------------------------------------------------------------------------------------------
# Data transfer objects


@dataclass
class ActivityRow:
    number: str
    title: str
    deadline_text: str = ""
    responsible_text: str = ""
    expected_result: str = ""
    row: int | None = None


@dataclass
class SectionRow:
    number: str
    title: str
    activities: list[ActivityRow] = field(default_factory=list)
    row: int | None = None


@dataclass
class RoadmapTable:
    sections: list[SectionRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)

    @property
    def activity_count(self) -> int:
        return sum(len(section.activities) for section in self.sections)

    @property
    def ok(self) -> bool:
        return not self.errors

    def iter_activities(self) -> Iterator[tuple[SectionRow, ActivityRow]]:
        for section in self.sections:
            for activity in section.activities:
                yield section, activity


def _failed(message: str, row: int | None = None, column: str = "") -> RoadmapTable:
    return RoadmapTable(errors=[RowError(row, column, message)])


# ---------------------------------------------------------------------------------------------------------------
# Cell text


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACE_CHARS = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});")
_KNOWN_TAG = re.compile(
    r"</?(?:p|br|ul|ol|li|i|b|u|s|em|strong|span|div|a|sup|sub|font|table|tbody|thead|tr|td|th|h[1-6])\b[^<>]*>",
    re.IGNORECASE,
)
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_TAG = re.compile(r"<(/?)([a-zA-Z][\w:.-]*)\b[^<>]*>")
_BLOCK_TAGS = {"p", "div", "ul", "ol", "table", "tbody", "thead", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
               "blockquote", "section", "article", "header", "footer", "pre", "dl", "dt", "dd"}
_CELL_TAGS = {"td", "th"}

# A list item marker at the start of a line, the start of a list after a colon, and the boundary between items.
_MARKERS = "-–—•·▪◦‣●*\uf0a7\uf0b7"
_LINE_MARKER = re.compile(rf"^[{re.escape(_MARKERS)}]\s+(?=\S)")
_COLON_LIST = re.compile(r":\s*[-–—•·▪◦‣●\uf0a7\uf0b7]\s+(?=\S)")
_ITEM_SPLIT = re.compile(r"\s+[-•·▪◦‣●\uf0a7\uf0b7]\s+(?=\S)|(?<=[;.:!?])\s+[–—]\s+(?=\S)")
LIST_PREFIX = "— "


def _scalar_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return f"{value:%d.%m.%Y}"
        return f"{value:%d.%m.%Y %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, dt.time):
        return f"{value:%H:%M}"
    return str(value)


def _strip_html(text: str) -> str:
    text = _COMMENT.sub("", text)

    def replace(match: re.Match) -> str:
        closing, name = match.group(1), match.group(2).lower()
        if name == "br":
            return "\n"
        if name == "li":
            return "\n" if closing else "\n" + LIST_PREFIX
        if name in _BLOCK_TAGS:
            return "\n"
        if name in _CELL_TAGS:
            return " " if closing else ""
        return ""

    return _TAG.sub(replace, text)


def _split_items(run: str) -> list[str]:
    return [LIST_PREFIX + part.strip() for part in _ITEM_SPLIT.split(run) if part.strip()]


def _list_lines(line: str) -> list[str]:
    marker = _LINE_MARKER.match(line)
    if marker:
        return _split_items(line[marker.end():])
    colon = _COLON_LIST.search(line)
    if colon:
        head = line[: colon.start() + 1].strip()
        return [head, *_split_items(line[colon.end():])]
    return [line]


def _clean_once(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = _CONTROL.sub("", text)
    for _ in range(5):  # entities encoded twice («&amp;quot;») are common in copied web text
        if "&" not in text:
            break
        decoded = _ENTITY.sub(lambda match: html.unescape(match.group(0)), text)
        if decoded == text:
            break
        text = decoded
    text = _CONTROL.sub("", text)
    if _KNOWN_TAG.search(text):
        text = _strip_html(text)
    lines: list[str] = []
    for raw_line in text.split("\n"):
        line = _SPACE_CHARS.sub(" ", raw_line).strip()
        if line:
            lines.extend(_list_lines(line))
    return "\n".join(line for line in lines if line)


def clean_cell(value) -> str:
    """Plain text of a table cell: HTML leftovers removed, list items on lines of their own («— пункт»),
    spaces normalised, one line per paragraph. Never raises; applying it twice changes nothing."""
    try:
        text = _scalar_text(value)
        for _ in range(10):  # stripping can uncover markup («&lt;p&gt;», «<<p>p>»): repeat until nothing changes
            if not text:
                return ""
            cleaned = _clean_once(text)
            if cleaned == text:
                break
            text = cleaned
        return text
    except Exception:  # a cleaner for display must not take the import down
        try:
            return " ".join(str(value).split())
        except Exception:
            return ""


# ---------------------------------------------------------------------------------------------------------------
# Headers

_HEADER_SYNONYMS = {
    "number": ["№", "№№", "№ п/п", "№№ п/п", "n п/п", "№ п\\п", "п/п", "№ пп", "номер", "n", "номер п/п", "no",
               "no п/п"],
    "title": ["мероприятие", "мероприятия", "наименование мероприятия", "наименование мероприятий",
              "содержание деятельности", "основные мероприятия", "содержание мероприятия", "содержание мероприятий",
              "перечень мероприятий", "название мероприятия", "направления и цели деятельности",
              "цели и направления деятельности", "направления деятельности", "направление деятельности"],
    "deadline": ["сроки", "сроки исполнения", "срок исполнения", "сроки реализации", "срок",
                 "срок реализации", "сроки выполнения", "срок выполнения", "сроки проведения", "срок проведения"],
    "responsible": ["ответственные", "ответственный", "ответственные исполнители", "исполнители",
                    "ответственный исполнитель", "исполнитель", "ответственные лица", "ответственные за исполнение"],
    "result": ["ожидаемый результат", "прогнозируемый результат", "результат", "форма отчёта",
               "планируемый результат", "показатели", "ожидаемые результаты", "прогнозируемые результаты",
               "планируемые результаты", "результаты", "форма отчетности", "показатель", "индикаторы"],
}
_PARENS = re.compile(r"\([^()]*\)")


def _header_key(text: str) -> str:
    text = normalize_header(_PARENS.sub(" ", text))
    return re.sub(r"[\s.,:;*]", "", text)


_EXACT_HEADERS = {_header_key(s): name for name, synonyms in _HEADER_SYNONYMS.items() for s in synonyms}
_PREFIX_HEADERS = sorted(((key, name) for key, name in _EXACT_HEADERS.items() if len(key) >= 5),
                         key=lambda item: -len(item[0]))


def header_field(text: str) -> str | None:
    """Which roadmap field a header cell names, or None."""
    if not text or len(text) > 120:
        return None
    key = _header_key(text)
    if not key:
        return None
    if key in _EXACT_HEADERS:
        return _EXACT_HEADERS[key]
    for prefix, name in _PREFIX_HEADERS:
        if key.startswith(prefix):
            return name
    return None


def _expected_headers() -> str:
    return ("не найдена таблица дорожной карты: нужна строка заголовков со столбцом «Мероприятие» (подходят также "
            "«Наименование мероприятия», «Содержание деятельности», «Направления деятельности») и хотя бы одним "
            "из столбцов «№ п/п», «Сроки исполнения», «Ответственные», «Ожидаемый результат»")


_DETAIL_FIELDS = ("deadline", "responsible", "result")


def _is_roadmap_header(columns: dict[str, list[int]], unknown: int) -> bool:
    """A title column plus the number column, or plus a deadline, responsible or result column. Without the number
    column the recognised cells must outnumber the others, so that a table of marks is not taken for a roadmap."""
    if "title" not in columns:
        return False
    if "number" in columns:
        return not set(columns["number"]) & set(columns["title"])
    return any(name in columns for name in _DETAIL_FIELDS) and unknown < len(columns)


# ---------------------------------------------------------------------------------------------------------------
# Numbers


_KEYWORDS = r"(?:раздел|задача|направление|блок|этап|приоритет|часть|модуль|глава)"
_ROMAN = r"(?-i:(?=[IVXLC])(?:C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3}))"
_SECTION_NUMBER = re.compile(rf"^(?:{_KEYWORDS}\.?\s*)?(?:№\s*)?(?P<num>\d{{1,3}}|{_ROMAN})\s*[.)]?$", re.I)
_HEADING = re.compile(
    rf"^(?:(?P<kw>{_KEYWORDS})\.?\s*)?(?:№\s*)?(?P<num>\d{{1,3}}(?:\.\d{{1,3}}){{0,4}}|{_ROMAN})"
    rf"(?P<sep>\s*[.)]\s*|\s*[:–—-]\s+|\s+|$)(?P<rest>.*)$",
    re.I | re.DOTALL,
)
_STARTS_WITH_KEYWORD = re.compile(rf"^{_KEYWORDS}\b", re.I)
# «Задача 2. Создать условия…», «Приоритет 2.1. Тьюторское сопровождение»: a heading even when other cells are filled
_TASK_HEADING = re.compile(
    r"^(?:задача|приоритет)\s*(?:№\s*)?(?P<num>\d{1,3}(?:\.\d{1,3}){0,3})(?:\s*[.:)]\s*|\s+|$)(?P<rest>.*)$",
    re.I | re.DOTALL,
)
_ACTIVITY_NUMBER = re.compile(r"\d{1,4}(?:\.\d{1,4}){0,5}")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def _roman_to_int(text: str) -> int:
    total = 0
    previous = 0
    for char in reversed(text):
        value = _ROMAN_VALUES[char]
        total = total - value if value < previous else total + value
        previous = max(previous, value)
    return total


def _arabic(num: str) -> str:
    if num and num[0] in _ROMAN_VALUES:
        return str(_roman_to_int(num))
    return ".".join(str(int(part)) for part in num.split("."))


def parse_section_number(text: str) -> str | None:
    """«1», «1.», «I.», «Раздел 2» → "1", "1", "1", "2"; anything else → None."""
    match = _SECTION_NUMBER.match(text.strip())
    if not match or not match.group("num"):
        return None
    return _arabic(match.group("num"))


def parse_activity_number(text: str) -> list[str] | None:
    """«1.1.», «5.10», «2.1.1», «3)» → list of parts; «а)» → None."""
    value = text.strip()
    value = re.sub(r"^(?:№|N)\s*", "", value)
    value = value.replace(",", ".")
    value = re.sub(r"\s+", "", value)
    value = value.rstrip(".)")
    if not _ACTIVITY_NUMBER.fullmatch(value):
        return None
    return [str(int(part)) for part in value.split(".")]


def _parse_heading(text: str) -> tuple[str, str, bool] | None:
    """«1. Общесистемные мероприятия» → ("1", "Общесистемные мероприятия", has_keyword)."""
    match = _HEADING.match(text.strip())
    if not match or not match.group("num"):
        return None
    rest = match.group("rest").strip()
    title = rest
    if _STARTS_WITH_KEYWORD.match(rest) and not match.group("kw") and not match.group("sep").strip():
        title = text.strip()  # «I этап – подготовительный»: the number is a part of the name
    return _arabic(match.group("num")), title, bool(match.group("kw"))


# ---------------------------------------------------------------------------------------------------------------
# The grid both formats are reduced to


@dataclass
class _Row:
    number: int  # the row number shown to the user
    cells: list[str]  # cleaned text per grid column
    keys: list[object]  # identity of the source cell per column: merged cells share a key
    raw: list | None = None  # original values (xlsx), to recover numbers Excel turned into floats or dates

    def text(self, columns: list[int]) -> str:
        for column in columns:
            if column < len(self.cells) and self.cells[column]:
                return self.cells[column]
        return ""

    def key(self, columns: list[int]) -> object:
        for column in columns:
            if column < len(self.cells) and self.cells[column]:
                return self.keys[column]
        return None

    def raw_value(self, columns: list[int]):
        if self.raw is None:
            return None
        for column in columns:
            if column < len(self.raw) and self.cells[column]:
                return self.raw[column]
        return None

    def distinct(self) -> dict[object, str]:
        """Non-empty cells, each merged cell once, in column order."""
        result: dict[object, str] = {}
        for text, key in zip(self.cells, self.keys, strict=True):
            if text and key not in result:
                result[key] = text
        return result

    def span(self, key: object) -> int:
        return sum(1 for other in self.keys if other == key)

    @property
    def empty(self) -> bool:
        return not any(self.cells)


@dataclass
class _Header:
    columns: dict[str, list[int]]  # field → grid columns under its header cell
    names: dict[str, str]  # field → header text as written
    rows: int  # how many grid rows the header takes
    unknown: list[str]  # header cells that name no field


def _map_header_row(row: _Row) -> tuple[dict[str, list[int]], dict[str, str], dict[object, str]]:
    columns: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    keys: dict[str, object] = {}
    unknown: dict[object, str] = {}
    for index, (text, key) in enumerate(zip(row.cells, row.keys, strict=True)):
        if not text:
            continue
        name = header_field(text)
        if name is None:
            unknown.setdefault(key, text)
            continue
        if name not in columns:
            columns[name] = [index]
            names[name] = " ".join(text.split())
            keys[name] = key
        elif keys[name] == key:
            columns[name].append(index)
    return columns, names, unknown


def _is_column_number_row(row: _Row) -> bool:
    """The «1 | 2 | 3 | 4» row under a header."""
    texts = list(row.distinct().values())
    return len(texts) >= 3 and texts == [str(index) for index in range(1, len(texts) + 1)]


def _find_header(rows: list[_Row], limit: int) -> tuple[int, _Header] | None:
    for index, row in enumerate(rows[:limit]):
        if row.empty:
            continue
        columns, names, unknown = _map_header_row(row)
        used = 1
        following = rows[index + 1] if index + 1 < len(rows) else None
        if following is not None and not following.empty:
            extra_columns, extra_names, extra_unknown = _map_header_row(following)
            own_keys = set(row.keys)
            extra_unknown = {key: text for key, text in extra_unknown.items() if key not in own_keys}
            taken = {column for cols in columns.values() for column in cols}
            new = {name: cols for name, cols in extra_columns.items()
                   if name not in columns and not taken.intersection(cols)}
            if columns and new and not extra_unknown:
                columns.update(new)
                names.update({name: extra_names[name] for name in new})
                for name in new:
                    unknown = {key: text for key, text in unknown.items()
                               if not any(row.keys[column] == key for column in new[name])}
                used = 2
        if _is_roadmap_header(columns, len(unknown)):
            return index, _Header(columns=columns, names=names, rows=used, unknown=list(unknown.values()))
    return None


# ---------------------------------------------------------------------------------------------------------------
# Building sections and activities from the grid


class _Builder:
    def __init__(self, header: _Header, header_row: int):
        self.header = header
        self.header_row = header_row
        self.table = RoadmapTable(columns=dict(header.names))
        self.section: SectionRow | None = None
        self.activity: ActivityRow | None = None
        self.seen_numbers: dict[str, int | None] = {}
        self.seen_sections: dict[str, int | None] = {}
        self.auto_sections: set[int] = set()
        self.numbered = "number" in header.columns
        self.number_columns = header.columns.get("number", [])
        self.source_numbers: dict[int, str] = {}  # id(section) → its number in the source, for «Приоритет N.M»
        for text in header.unknown:
            self.warn(header_row, text, "столбец не распознан и не загружен")
        if not self.numbered:
            self.warn(header_row, "", "в таблице нет столбца с номерами: разделы и мероприятия пронумерованы "
                                      "автоматически по порядку (1, 1.1, 1.2…)")

    # -- helpers

    def label(self, name: str) -> str:
        return self.header.names.get(name, FIELD_LABELS[name])

    def error(self, row: int | None, column: str, message: str) -> None:
        self.table.errors.append(RowError(row, column, message))

    def warn(self, row: int | None, column: str, message: str) -> None:
        self.table.warnings.append(RowError(row, column, message))

    def text(self, row: _Row, name: str) -> str:
        columns = self.header.columns.get(name)
        return row.text(columns) if columns else ""

    def next_section_number(self) -> str:
        for section in reversed(self.table.sections):
            head = section.number.split(".")[0]
            if head.isdigit():
                return str(int(head) + 1)
        return "1"

    # -- rows

    def add(self, row: _Row) -> None:
        if row.empty or _is_column_number_row(row):
            return
        distinct = row.distinct()
        columns, _names, unknown = _map_header_row(row)
        if _is_roadmap_header(columns, len(unknown)) and all(header_field(text) for text in distinct.values()):
            return  # the header repeated on a new page
        number_text = self.text(row, "number")
        title_text = self.text(row, "title")
        number_key = row.key(self.number_columns)
        title_key = row.key(self.header.columns["title"])

        if len(set(distinct.values())) == 1:
            text, key = next(iter(distinct.values())), next(iter(distinct))
            if not self.numbered:
                if len(distinct) > 1 or row.span(key) > 1 or key == row.keys[0]:
                    self.unnumbered_section(row, text)
                elif key == title_key:
                    self.add_activity(row, "", text)
                else:
                    self.continue_activity(row)
                return
            if self.single_text_row(row, text, key, number_key):
                return
        else:
            section_number = parse_section_number(number_text) if number_text else None
            others = {text for key, text in distinct.items() if key not in (number_key, title_key)}
            if section_number is not None and title_text and others <= {title_text}:
                self.add_section(row, section_number, title_text)
                return
            if self.task_row(row, number_text, title_text):
                return
        self.add_activity(row, number_text, title_text)

    def task_row(self, row: _Row, number_text: str, title_text: str) -> bool:
        """«Задача 2.» in the number cell or «Задача 2. Создать условия…» as the title: a section even when other
        cells are filled; «Приоритет 2.1. …» inside section 2 is kept in it."""
        for text in (number_text, title_text):
            match = _TASK_HEADING.match(text) if text else None
            if match is None:
                continue
            number = _arabic(match.group("num"))
            if text is title_text and number_text and parse_section_number(number_text) != number:
                continue  # «1.1. | Задача 1: анализ…» is an activity
            rest = match.group("rest").strip()
            title = rest or (title_text if text is number_text else "")
            if self.fold_subsection(row, number, " ".join(filter(None, [number_text, title_text]))):
                return True
            if self.numbered:
                self.add_section(row, number, title)
            else:
                self.unnumbered_section(row, " ".join(filter(None, [number_text, title_text])))
            return True
        return False

    def fold_subsection(self, row: _Row, number: str, text: str) -> bool:
        """A heading «Приоритет 2.1. …» right inside section 2 is noted in the warnings and not made a section."""
        section = self.section
        if section is None or "." not in number or not section.number:
            return False
        if self.source_numbers.get(id(section), section.number) != number.split(".")[0]:
            return False
        self.warn(row.number, self.label("title"), f"подраздел «{' '.join(text.split())}» учтён в разделе "
                                                   f"{section.number}")
        self.activity = None
        return True

    def unnumbered_section(self, row: _Row, text: str) -> None:
        """A section of a table without the number column: numbered in order; a heading right after another
        heading with no activities between them («III этап…», then «Подготовка кадров…») adds to its title,
        unless it has a number of its own («Задача 2. …»)."""
        heading = _parse_heading(text)
        source = heading[0] if heading is not None else None
        if heading is not None and "." in heading[0] and heading[2] and self.fold_subsection(row, heading[0], text):
            return
        section = self.section
        if (source is None and section is not None and section.number and not section.activities
                and id(section) in self.auto_sections):
            section.title = f"{section.title}\n{text}"
            if len(section.title) > MAX_SECTION_TITLE_LENGTH:
                self.error(row.number, self.label("title"),
                           f"наименование раздела слишком длинное: {len(section.title)} символов, "
                           f"допускается не больше {MAX_SECTION_TITLE_LENGTH}")
            return
        number = str(sum(1 for other in self.table.sections if other.number) + 1)
        title = text
        if source == number and heading[1]:
            title = heading[1]  # «Задача 1. Разработать…» as the first section: the number is not repeated
        self.add_section(row, number, title)
        self.auto_sections.add(id(self.section))
        if source is not None and "." not in source:
            self.source_numbers[id(self.section)] = source

    def single_text_row(self, row: _Row, text: str, key: object, number_key: object) -> bool:
        """A row with one text (one cell, or one merged cell): a section heading, or a lone activity number.
        Returns False when the row is to be read as an activity."""
        in_number = key == number_key
        title_columns = self.header.columns["title"]
        in_title = any(row.keys[column] == key for column in title_columns if column < len(row.keys))
        merged = row.span(key) > 1
        if in_number and parse_activity_number(text) is not None:
            section_number = parse_section_number(text)
            if section_number is not None:
                self.add_section(row, section_number, "")
                return True
            return False  # «1.1.» without a title: reported as an activity without a name
        if in_number and parse_section_number(text) is not None:
            self.add_section(row, parse_section_number(text), "")  # «Раздел 2», «II.»
            return True
        if not (in_number or in_title or merged):
            self.continue_activity(row)
            return True
        heading = _parse_heading(text)
        if heading is not None:
            number, title, keyword = heading
            if "." in number and not keyword and not merged and in_number:
                return False  # «1.1. Создание рабочей группы» typed in the number cell
            if keyword and self.fold_subsection(row, number, text):
                return True
            self.add_section(row, number, title)
            return True
        number = self.next_section_number()
        self.warn(row.number, self.label("title"), f"у раздела «{_short(text)}» нет номера, присвоен номер {number}")
        self.add_section(row, number, text)
        self.auto_sections.add(id(self.section))
        return True

    def add_section(self, row: _Row, number: str, title: str) -> None:
        column = self.label("title")
        if not title:
            self.warn(row.number, column, f"не указано наименование раздела {number}")
        if len(title) > MAX_SECTION_TITLE_LENGTH:
            self.error(row.number, column, f"наименование раздела слишком длинное: {len(title)} символов, "
                                           f"допускается не больше {MAX_SECTION_TITLE_LENGTH}")
        if number in self.seen_sections:
            self.warn(row.number, self.label("number"),
                      f"номер раздела «{number}» повторяется{_first_seen(self.seen_sections[number])}")
        else:
            self.seen_sections[number] = row.number
        self.section = SectionRow(number=number, title=title, activities=[], row=row.number)
        self.table.sections.append(self.section)
        self.activity = None

    def current_section(self, row: _Row) -> SectionRow:
        if self.section is None:
            self.warn(row.number, self.label("number" if self.numbered else "title"),
                      f"мероприятие указано до первого раздела и отнесено к разделу «{IMPLICIT_SECTION_TITLE}»")
            self.section = SectionRow(number="", title=IMPLICIT_SECTION_TITLE, activities=[], row=None)
            self.table.sections.append(self.section)
        return self.section

    def number_text(self, row: _Row, text: str, section: SectionRow) -> str:
        """Numbers Excel stored as floats (5.1 for «5.10») or dates (1 февраля for «1.2»)."""
        value = row.raw_value(self.number_columns)
        if isinstance(value, (dt.date, dt.datetime)):
            recovered = f"{value.day}.{value.month}"
            self.warn(row.number, self.label("number"),
                      f"номер сохранён в Excel как дата {value:%d.%m.%Y} и прочитан как «{recovered}»; "
                      "проверьте его")
            return recovered
        if isinstance(value, float) and not value.is_integer():
            expected = self.expected_next(section)
            for candidate in (text, text + "0", text + "00"):
                if candidate == expected:
                    return candidate
        return text

    def expected_next(self, section: SectionRow) -> str | None:
        if not section.activities:
            return None
        parts = section.activities[-1].number.split(".")
        if not parts[-1].isdigit():
            return None
        return ".".join([*parts[:-1], str(int(parts[-1]) + 1)])

    def add_activity(self, row: _Row, number_text: str, title: str) -> None:
        number_column, title_column = self.label("number"), self.label("title")
        if not number_text and not title:
            self.continue_activity(row)
            return
        section = self.current_section(row)
        if number_text:
            number_text = self.number_text(row, number_text, section)
            parts = parse_activity_number(number_text)
            if parts is None:
                self.error(row.number, number_column,
                           f"номер «{_short(number_text)}» не распознан: ожидается номер вида «1», «1.2» или «1.2.»")
                return
            if len(parts) == 1 and section.number:
                full = f"{section.number}.{parts[0]}"
            else:
                full = ".".join(parts)
                if section.number and not full.startswith(section.number + ".") and len(parts) > 1:
                    self.warn(row.number, number_column,
                              f"номер «{full}» не относится к разделу «{section.number}»")
        else:
            full = self.auto_number(section)
            if self.numbered:
                self.warn(row.number, number_column, f"у мероприятия нет номера, присвоен номер «{full}»")
        if len(full) > MAX_NUMBER_LENGTH:
            self.error(row.number, number_column,
                       f"номер «{_short(full)}» слишком длинный: допускается не больше {MAX_NUMBER_LENGTH} символов")
            return
        if not title:
            self.error(row.number, title_column, "не указано наименование мероприятия")
            return
        if len(title) > MAX_TITLE_LENGTH:
            self.error(row.number, title_column, f"наименование мероприятия слишком длинное: {len(title)} символов, "
                                                 f"допускается не больше {MAX_TITLE_LENGTH}")
            return
        if full in self.seen_numbers:
            self.warn(row.number, number_column, f"номер «{full}» повторяется{_first_seen(self.seen_numbers[full])}")
        else:
            self.seen_numbers[full] = row.number
        self.activity = ActivityRow(
            number=full,
            title=title,
            deadline_text=self.text(row, "deadline"),
            responsible_text=self.text(row, "responsible"),
            expected_result=self.text(row, "result"),
            row=row.number,
        )
        section.activities.append(self.activity)

    def auto_number(self, section: SectionRow) -> str:
        expected = self.expected_next(section)
        if expected:
            return expected
        return f"{section.number}.1" if section.number else "1"

    def continue_activity(self, row: _Row) -> None:
        """A row with neither number nor name: the rest of the previous activity split over two rows."""
        if self.activity is None:
            self.error(row.number, self.label("title"), "не указано наименование мероприятия")
            return
        appended = False
        for name, attribute in (("title", "title"), ("deadline", "deadline_text"),
                                ("responsible", "responsible_text"), ("result", "expected_result")):
            text = self.text(row, name)
            if text:
                current = getattr(self.activity, attribute)
                setattr(self.activity, attribute, f"{current}\n{text}" if current else text)
                appended = True
        if appended:
            self.warn(row.number, "", f"строка без номера и наименования присоединена к мероприятию "
                                      f"«{self.activity.number}»")

    def finish(self) -> RoadmapTable:
        table = self.table
        while table.sections and id(table.sections[-1]) in self.auto_sections and not table.sections[-1].activities:
            dropped = table.sections.pop()
            table.warnings = [w for w in table.warnings if w.row != dropped.row]
            self.warn(dropped.row, "", f"текст «{_short(dropped.title)}» после таблицы не загружен")
        for section in table.sections:
            if not section.activities:
                self.warn(section.row, "", f"в разделе «{section.number}» нет мероприятий")
        if not table.activity_count and not table.errors:
            self.error(self.header_row, "", "в таблице дорожной карты нет ни одного мероприятия")
        return table


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _first_seen(row: int | None) -> str:
    return f" (впервые — в строке {row})" if row else ""


def _build(rows: list[_Row], header_index: int, header: _Header) -> RoadmapTable:
    data = rows[header_index + header.rows:]
    filled = sum(1 for row in data if not row.empty)
    if filled > MAX_ROWS:
        return _failed(f"в таблице дорожной карты {filled} строк, допускается не больше {MAX_ROWS}: "
                       "разделите её на несколько файлов")
    builder = _Builder(header, rows[header_index].number)
    for row in data:
        builder.add(row)
    return builder.finish()


# ---------------------------------------------------------------------------------------------------------------
# .docx


class DocumentError(ValueError):
    """The file as a whole cannot be read as a Word document."""


_NOT_DOCX = ("Файл не является документом Word (.docx): возможно, это PDF, RTF или файл с изменённым расширением; "
             "откройте его в Word и сохраните как «Документ Word (*.docx)»")
_DOCX_TYPES = (b"wordprocessingml.document.main", b"ms-word.document.macroenabled.main",
               b"wordprocessingml.template.main", b"ms-word.template.macroenabledtemplate.main")


def check_docx_container(data: bytes, *, max_unzipped: int = MAX_DOCX_UNZIPPED) -> None:
    """Reject what is not a readable .docx before python-docx sees it (fake extension, encryption, zip bomb).

    The archive is checked by its central directory only (``portal.archives``: sizes, compression ratio, number of
    parts), so a zip bomb is refused before anything is decompressed."""
    if not data:
        raise DocumentError("файл пустой")
    if data.startswith(OLE_MAGIC):
        raise DocumentError(ole_message(data, word=True))
    if not data.startswith(b"PK"):
        raise DocumentError(_NOT_DOCX)
    try:
        names = check_archive(data, kind="docx", max_unzipped=max_unzipped)
        check_declared_sizes(data, kind="docx")  # python-docx reads parts with zipfile, which trusts no size
    except ArchiveError as exc:
        raise DocumentError(str(exc)) from exc
    if "[Content_Types].xml" not in names:
        raise DocumentError(_NOT_DOCX)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            types_info = archive.getinfo("[Content_Types].xml")
            if types_info.file_size > _MB:
                raise DocumentError(_NOT_DOCX)
            content_types = archive.read(types_info).lower()
    except DocumentError:
        raise
    except Exception as exc:  # a broken part: bad CRC, truncated data
        raise DocumentError("файл .docx повреждён и не открывается") from exc
    if "xl/workbook.xml" in names:
        raise DocumentError("это книга Excel, а не документ Word: загрузите её как файл .xlsx")
    if not any(kind in content_types for kind in _DOCX_TYPES):
        raise DocumentError(_NOT_DOCX)


def _w(tag: str) -> str:
    return "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}" + tag


_W_TBL, _W_TR, _W_TC, _W_P, _W_T = _w("tbl"), _w("tr"), _w("tc"), _w("p"), _w("t")
_W_TAB, _W_BR, _W_CR, _W_NBH = _w("tab"), _w("br"), _w("cr"), _w("noBreakHyphen")
_W_VAL = _w("val")
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_SKIP_TAGS = {_w("pPr"), _w("rPr"), _w("tcPr"), _w("trPr"), _w("tblPr"), _w("delText"), _w("instrText"),
              _w("del"), _w("moveFrom"), _MC_FALLBACK, _w("footnoteReference"), _w("commentReference")}
_WRAPPERS = {_w("sdt"), _w("sdtContent"), _w("customXml"), _w("smartTag")}


class _Paragraph:
    __slots__ = ("numbered", "parts")

    def __init__(self, numbered: bool):
        self.parts: list[str] = []
        self.numbered = numbered


def _collect(element, current: _Paragraph | None, paragraphs: list[_Paragraph]) -> None:
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP_TAGS:
            continue
        if tag == _W_P:
            properties = child.find(_w("pPr"))
            numbered = properties is not None and properties.find(_w("numPr")) is not None
            paragraph = _Paragraph(numbered)
            paragraphs.append(paragraph)
            _collect(child, paragraph, paragraphs)
        elif current is None:
            _collect(child, current, paragraphs)
        elif tag == _W_T:
            current.parts.append(child.text or "")
        elif tag == _W_TAB:
            current.parts.append(" ")
        elif tag in (_W_BR, _W_CR):
            current.parts.append("\n")
        elif tag == _W_NBH:
            current.parts.append("-")
        else:
            _collect(child, current, paragraphs)


def _cell_text(tc) -> str:
    paragraphs: list[_Paragraph] = []
    _collect(tc, None, paragraphs)
    texts = [("".join(p.parts), p.numbered) for p in paragraphs]
    filled = [(text, numbered) for text, numbered in texts if text.strip()]
    lines = [LIST_PREFIX + text.strip() if numbered and len(filled) > 1 else text for text, numbered in filled]
    return clean_cell("\n".join(lines))


def _children(element, tag: str) -> Iterator:
    """Direct children with ``tag``, looking through content controls and custom XML wrappers."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _children(child, tag)


def _int_property(properties, tag: str, default: int = 0, maximum: int = 64) -> int:
    if properties is None:
        return default
    element = properties.find(_w(tag))
    if element is None:
        return default
    try:
        return max(0, min(int(element.get(_W_VAL, default)), maximum))
    except (TypeError, ValueError):
        return default


def _docx_rows(tbl, first_number: int = 1, limit: int | None = None) -> list[_Row]:
    rows: list[_Row] = []
    above: dict[int, tuple[str, object]] = {}
    for offset, tr in enumerate(_children(tbl, _W_TR)):
        if limit is not None and offset >= limit:
            break
        number = first_number + offset
        cells: list[str] = []
        keys: list[object] = []
        row_properties = tr.find(_w("trPr"))
        for _ in range(_int_property(row_properties, "gridBefore")):
            keys.append(("empty", number, len(cells)))
            cells.append("")
        for tc in _children(tr, _W_TC):
            properties = tc.find(_w("tcPr"))
            span = max(1, _int_property(properties, "gridSpan", 1))
            column = len(cells)
            vmerge = properties.find(_w("vMerge")) if properties is not None else None
            hmerge = properties.find(_w("hMerge")) if properties is not None else None
            if vmerge is not None and vmerge.get(_W_VAL, "continue") != "restart" and column in above:
                text, key = above[column]
            elif hmerge is not None and hmerge.get(_W_VAL, "continue") != "restart" and cells:
                text, key = cells[-1], keys[-1]
            else:
                text, key = _cell_text(tc), ("cell", number, column)
            for _ in range(span):
                above[len(cells)] = (text, key)
                cells.append(text)
                keys.append(key)
        rows.append(_Row(number=number, cells=cells, keys=keys))
    return rows


def _only_blank_between(first, second) -> bool:
    """True when nothing but empty paragraphs separates two sibling tables (a table split over pages)."""
    for sibling in first.itersiblings():
        if sibling is second:
            return True
        if sibling.tag == _W_TBL:
            return False
        if "".join(text.text or "" for text in sibling.iter(_W_T)).strip():
            return False
    return False


def _continues(rows: list[_Row], header: _Header) -> bool:
    """Whether a table that follows the roadmap table carries on with it: it opens with the repeated header,
    the «1 | 2 | 3» row, or a numbered row."""
    for row in rows:
        if row.empty:
            continue
        if _is_column_number_row(row):
            return True
        columns, _names, unknown = _map_header_row(row)
        if _is_roadmap_header(columns, len(unknown)):
            return True
        if "number" not in header.columns:
            return False  # without numbers only the repeated header tells a continuation from the next table
        text = row.text(header.columns["number"]) or next(iter(row.distinct().values()))
        return (parse_activity_number(text) is not None or parse_section_number(text) is not None
                or _parse_heading(text) is not None)
    return False


def _docx_table(document) -> RoadmapTable:
    body = document.element.body
    tables = list(body.iter(_W_TBL))
    for tbl in tables:
        preview = _docx_rows(tbl, limit=8)
        found = _find_header(preview, limit=6)
        if found is None:
            continue
        header_index, header = found
        parts = [tbl]
        for sibling in tbl.itersiblings(_W_TBL):
            if not _only_blank_between(parts[-1], sibling) or not _continues(_docx_rows(sibling, limit=8), header):
                break
            parts.append(sibling)
        total = sum(sum(1 for _ in _children(part, _W_TR)) for part in parts)
        if total - header_index - header.rows > MAX_ROWS:
            return _failed(f"в таблице дорожной карты {total - header_index - header.rows} строк, допускается "
                           f"не больше {MAX_ROWS}: разделите её на несколько файлов")
        rows = _docx_rows(tbl)
        width = max((len(row.cells) for row in rows), default=0)
        for part in parts[1:]:
            more = _docx_rows(part, first_number=rows[-1].number + 1 if rows else 1)
            if max((len(row.cells) for row in more), default=0) != width:
                break
            rows.extend(more)
        return _build(rows, header_index, header)
    return _failed(_expected_headers())


def parse_docx(data: bytes) -> RoadmapTable:
    """The roadmap table of a Word document: the first table whose header names the activity column and the number,
    deadline, responsible or result column (with the tables right after it when the table is split over pages)."""
    try:
        check_docx_container(data, max_unzipped=MAX_DOCX_UNZIPPED)
    except DocumentError as exc:
        return _failed(str(exc))
    try:
        from docx import Document

        document = Document(io.BytesIO(data))
    except Exception:  # python-docx raises KeyError, ValueError, lxml errors… for broken packages
        return _failed("документ Word повреждён и не открывается: откройте его в Word и сохраните заново "
                       "как «Документ Word (*.docx)»")
    try:
        return _docx_table(document)
    except RecursionError:
        return _failed("документ Word слишком сложно устроен и не читается: сохраните таблицу в новый документ")
    except Exception:
        return _failed("таблицу документа Word не удалось прочитать: откройте документ в Word и сохраните заново "
                       "как «Документ Word (*.docx)»")


# ---------------------------------------------------------------------------------------------------------------
# .xlsx


def _merged_ranges(data: bytes, sheet_index: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    try:
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return list(workbook.get_sheet_by_index(sheet_index).merged_cell_ranges or [])
    except BaseException as exc:  # merges only refine the reading; calamine may even panic on a broken file
        if isinstance(exc, _FATAL):
            raise
        return []


def _xlsx_rows(values: list[list], merges: Iterable) -> list[_Row]:
    width = max((len(row) for row in values), default=0)
    raw = [list(row) + [""] * (width - len(row)) for row in values]
    keys: list[list[object]] = [[("cell", r, c) for c in range(width)] for r in range(len(raw))]
    for (top, left), (bottom, right) in merges:
        if top >= len(raw) or left >= width:
            continue
        bottom, right = min(bottom, len(raw) - 1), min(right, width - 1)
        value = raw[top][left]
        for r in range(top, bottom + 1):
            for c in range(left, right + 1):
                raw[r][c] = value
                keys[r][c] = ("merge", top, left)
    cleaned: dict[object, str] = {}
    rows = []
    for index, values_row in enumerate(raw):
        cells = []
        for column, value in enumerate(values_row):
            key = keys[index][column]
            if key not in cleaned:
                cleaned[key] = clean_cell(value)
            cells.append(cleaned[key])
        rows.append(_Row(number=index + 1, cells=cells, keys=keys[index], raw=values_row))
    return rows


def parse_xlsx(data: bytes) -> RoadmapTable:
    """The roadmap table of an Excel workbook: the first sheet with a roadmap header in its first 20 rows."""
    try:
        sheets = read_workbook(data, max_unzipped=MAX_XLSX_UNZIPPED)
    except WorkbookError as exc:
        return _failed(str(exc))
    except BaseException as exc:  # a panic inside calamine is not an Exception
        if isinstance(exc, _FATAL):
            raise
        return _failed("книга Excel повреждена и не читается: откройте её в Excel и сохраните заново "
                       "как «Книга Excel (*.xlsx)»")
    try:
        for index, sheet in enumerate(sheets):
            preview = _xlsx_rows(sheet.rows[: HEADER_SEARCH_ROWS + 1], [])
            found = _find_header(preview, limit=HEADER_SEARCH_ROWS)
            if found is None:
                continue
            header_index = found[0]
            filled = sum(1 for row in sheet.rows[header_index + 1:] if any(not _blank(v) for v in row))
            if filled > MAX_ROWS + 1:
                return _failed(f"в таблице дорожной карты {filled} строк, допускается не больше {MAX_ROWS}: "
                               "разделите её на несколько файлов")
            rows = _xlsx_rows(sheet.rows, _merged_ranges(data, index))
            found = _find_header(rows, limit=HEADER_SEARCH_ROWS)
            if found is None:
                continue
            table = _build(rows, *found)
            return table
        return _failed(_expected_headers())
    except Exception:
        return _failed("таблицу книги Excel не удалось прочитать: откройте её в Excel и сохраните заново "
                       "как «Книга Excel (*.xlsx)»")


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# ---------------------------------------------------------------------------------------------------------------
# Dispatch


def _zip_names(data: bytes) -> set[str]:
    members = declared_members(data)
    if members is not None and members > limits().max_members:
        return set()  # the format is then judged by the name, and the parser refuses the archive
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return set(archive.namelist())
    except Exception:
        return set()


def parse_table(data: bytes, filename: str) -> RoadmapTable:
    """Read a roadmap table from an uploaded .docx or .xlsx, judging by the content first and the name second."""
    extension = PurePath(filename or "").suffix.lower()
    if not data:
        return _failed("файл пустой")
    if data.startswith(b"PK"):
        names = _zip_names(data)
        if "word/document.xml" in names:
            return parse_docx(data)
        if "xl/workbook.xml" in names:
            return parse_xlsx(data)
    if extension in (".docx", ".docm", ".doc", ".dotx"):
        return parse_docx(data)
    if extension in (".xlsx", ".xlsm", ".xls"):
        return parse_xlsx(data)
    shown = extension or "без расширения"
    return _failed(f"формат файла «{shown}» не поддерживается: загрузите дорожную карту в формате "
                   "документа Word (.docx) или книги Excel (.xlsx)")
