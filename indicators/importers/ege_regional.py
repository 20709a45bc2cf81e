"""Regional per-school ЕГЭ form «Информация о результатах ЕГЭ выпускников школ в <год> году» (layout "ege_regional").

The form is a workbook with one sheet per exam year. A results sheet has a two-row merged header: fixed columns
«Муниципальное образование», «Образовательная организация (школа)», «Профиль (при наличии)», «Всего выпускников …»,
then one group of columns per subject (the subject name merged over its columns) with the sub-headers
«приняло участие», «не преодолен min порог», «высокобалльники (80-99 баллов)», «получили 100 баллов», «средний балл».
Columns are found by their header text, never by position (a sheet may start with an empty column).

Rules of this importer (pure: sheets in, ``ImportResult`` out, no ORM):

* Year. The exam year is taken from the sheet title («… в 2023 году»), else from the sheet name («2023»); the
  academic year is the one ending with it («2022/2023»). A different year in the «Всего выпускников в … году»
  header is a known slip of the form: the title wins and the discrepancy is noted in ``meta["notes"]``.
  ``parse(year=...)`` chooses the sheet; without ``year`` the file must hold exactly one results sheet.
* Applications. A sheet titled «Информация о поданных … заявлениях на участие в ЕГЭ» lists applications, not
  results; it is never imported and choosing its year is an error.
* Blank cells. In this form a blank count means 0. A blank mean with participants is kept as ``None`` with a
  warning. Subjects with no participants produce no aggregate.
* Basic maths («Математика базовая») is marked on the 5-point scale: «приняло участие» → ``participants``,
  «не преодолен min порог» → ``below_minimum`` and ``mark2`` (failing the minimum of basic maths is the mark «2»),
  «средний балл» → ``mean_mark`` (2..5). The form gives no counts of the marks «3», «4», «5» (left ``None``), and
  the 80-99 / 100-point columns do not apply (``None``; a non-zero value there is a warning).
* Checks. Text or a fraction in a count, a negative number, a mean outside 0..100 (basic maths: outside 2..5) are
  errors. A count larger than the participants is a warning and that value is not loaded (``None``);
  «не преодолен» + «80-99» + «100» larger than the participants is a warning (values kept); more subject
  participants than graduates of the school is a warning. When a whole count column of a subject equals the sum
  of the other columns of the group in every row (a broken formula: in the real 2023 sheet «Химия: получили
  100 баллов» = participants + below minimum + 80-99), one warning is given for the column and it is not loaded.
* Total rows. Rows whose municipality or school cell starts with «Итого»/«Всего», and rows with numbers but no
  school name, are totals, not schools. The regional total (the row naming the region — «краю», «области»,
  «республике» — or else the last total row after all schools) is compared with the sum of the school rows; the
  comparison of every subject and count (and of the mean against the participant-weighted mean of the schools)
  is in ``meta["totals"]`` as ``{subject, field, total_row, sum_of_schools, matches}`` (field «mean_score», or
  «mean_mark» for basic maths, compares means; «graduates» the «Всего выпускников» column); count differences and
  mean differences over 10 points (0.5 of a mark for basic maths) are warnings. Other total rows are municipal
  subtotals, compared with the schools of their municipality (differences in ``meta["subtotals"]`` and as warnings).
* Profiles. «Профиль (при наличии)» («X» = none) is kept in ``meta["profiles"]`` when filled. A school named on
  several rows (same municipality and name, e.g. one row per profile) gives one aggregate per subject: counts
  are summed, means weighted by participants (``None`` if a contributing mean is missing), the first row number
  is kept; the merge is listed in ``meta["merged"]`` and is a warning unless the rows have different profiles.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from portal.cells import formula_message, looks_like_formula
from portal.spreadsheets import MAX_DIGITS, CellError, is_blank, normalize_header, to_int, to_text

from .base import AggregateRow, ImportResult, RowError, SchoolRef, Sheet

__all__ = ["LAYOUT", "detect", "parse", "result_years"]

LAYOUT = "ege_regional"
ASSESSMENT = "ege"
GRADE = 11

COUNT_FIELDS = ("participants", "below_minimum", "score_80_99", "score_100")
CHECKED_FIELDS = ("below_minimum", "score_80_99", "score_100")
MEAN = "mean"
FIELD_TITLES = {
    "participants": "приняло участие",
    "below_minimum": "не преодолен min порог",
    "score_80_99": "высокобалльники (80-99 баллов)",
    "score_100": "получили 100 баллов",
    MEAN: "средний балл",
}

_HEADER_SCAN_ROWS = 40
_TWO_PLACES = Decimal("0.01")
_FORMULA_MIN_ROWS = 3
_MEAN_TOLERANCE = Decimal("10")        # 100-point scale: a regional mean further off than this is a warning
_MEAN_TOLERANCE_BASIC = Decimal("0.5")  # 5-point scale
_NO_PROFILE = {"", "x", "х", "-", "нет"}  # latin and cyrillic «X»

_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
_ACADEMIC_YEAR = re.compile(r"^\s*(\d{4})\s*[/\-–—]\s*(\d{4})\s*$")
_RULE = re.compile(r"_{3,}")  # «Забайкальский край\n______» — a line to write the region on
_SPACES = re.compile(r"\s+")
_TOTAL_LABEL = re.compile(r"^(итого|всего)\b")
_REGION_LABEL = re.compile(r"\b(кра[йюяе]|област[ьи]|республик[аеиу]|регион[ау]?)\b")


@dataclass
class _Subject:
    name: str
    basic: bool
    columns: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


@dataclass
class _Layout:
    sheet: Sheet
    kind: str                      # "results" | "applications" | "unknown"
    title: str = ""
    exam_year: int | None = None
    academic_year: str = ""
    notes: list[str] = field(default_factory=list)
    header_row: int = -1           # 0-based index of the header row
    municipality_col: int | None = None
    school_col: int | None = None
    profile_col: int | None = None
    graduates_col: int | None = None
    labels: dict[str, str] = field(default_factory=dict)   # fixed column key -> header as written
    subjects: list[_Subject] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)      # header problems: file-level errors on parse


@dataclass
class _Record:
    row: int
    municipality: str
    name: str
    profile: str
    graduates: int | None
    values: dict[int, dict] = field(default_factory=dict)  # subject index -> cells of the group as read
    loaded: dict[int, dict] = field(default_factory=dict)  # the same after the checks: what is imported


@dataclass
class _TotalRow:
    row: int
    label: str
    municipality: str              # municipality of a subtotal ("" for the regional total)
    values: dict[int, dict] = field(default_factory=dict)
    graduates: int | None = None


# --------------------------------------------------------------------------------------------------- public API


def detect(sheets: Sequence[Sheet]) -> bool:
    """True when a sheet looks like the regional per-school ЕГЭ results form."""
    return any(_inspect(sheet).kind == "results" for sheet in sheets)


def result_years(sheets: Sequence[Sheet]) -> list[str]:
    """Academic years («2022/2023») for which the file holds per-school results, in ascending order."""
    years = {layout.academic_year for layout in _results(sheets) if layout.academic_year}
    return sorted(years)


def parse(sheets: Sequence[Sheet], *, year: str | None = None) -> ImportResult:
    """Per-school, per-subject ЕГЭ aggregates of one academic year of the form."""
    layouts = [_inspect(sheet) for sheet in sheets]
    results = [layout for layout in layouts if layout.kind == "results"]
    applications = [layout for layout in layouts if layout.kind == "applications"]
    available = sorted({layout.academic_year for layout in results if layout.academic_year})
    result = ImportResult(layout=LAYOUT)
    result.meta["available_years"] = available
    result.meta["other_sheets"] = [
        {"sheet": layout.sheet.name, "kind": layout.kind, "year": layout.academic_year}
        for layout in layouts
        if layout.kind != "results"
    ]

    chosen = _choose(results, applications, available, year, result)
    if chosen is None:
        return result
    result.year = chosen.academic_year
    if chosen.problems:
        result.errors.extend(RowError(None, "", problem) for problem in chosen.problems)
        return result
    _Parser(chosen, result).run()
    if applications:
        names = ", ".join(f"«{layout.sheet.name}»" for layout in applications)
        result.meta["notes"].append(
            f"Лист {names} содержит заявления на участие в ЕГЭ, а не результаты, и не загружается."
        )
    return result


# ------------------------------------------------------------------------------------------------ sheet layout


def _results(sheets: Sequence[Sheet]) -> list[_Layout]:
    return [layout for layout in map(_inspect, sheets) if layout.kind == "results"]


def _academic(exam_year: int) -> str:
    return f"{exam_year - 1}/{exam_year}"


def _row_texts(row: list) -> list[str]:
    return [normalize_header(value) for value in row]


def _inspect(sheet: Sheet) -> _Layout:
    layout = _Layout(sheet=sheet, kind="unknown")
    rows = sheet.rows
    header = None
    title_parts: list[str] = []
    for index, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        texts = _row_texts(row)
        if any(text.startswith("образовательная организация") for text in texts):
            header = index
            break
        title_parts.extend(to_text(value) for value in row if not is_blank(value))
    layout.title = _SPACES.sub(" ", _RULE.sub(" ", " ".join(title_parts))).strip()
    title = normalize_header(layout.title)
    if "заявлени" in title:
        layout.kind = "applications"
    elif "результат" in title and "егэ" in title:
        layout.kind = "results"
    if header is None:
        if layout.kind == "results":
            layout.problems.append(
                f"На листе «{sheet.name}» не найдена строка заголовка "
                "со столбцом «Образовательная организация (школа)»."
            )
        _set_year(layout, None)
        return layout
    layout.header_row = header
    head = rows[header]
    sub = rows[header + 1] if header + 1 < len(rows) else []
    sub_texts = _row_texts(sub)
    if layout.kind == "unknown" and any(text == "приняло участие" for text in sub_texts):
        layout.kind = "results"
    graduates_header = _locate_fixed(layout, head)
    _set_year(layout, graduates_header)
    if layout.kind == "results":
        _locate_subjects(layout, head, sub)
    return layout


def _locate_fixed(layout: _Layout, head: list) -> str:
    graduates_header = ""
    for col, value in enumerate(head):
        text = normalize_header(value)
        if not text:
            continue
        if "муниципальн" in text and layout.municipality_col is None:
            layout.municipality_col, layout.labels["municipality"] = col, to_text(value)
        elif text.startswith("образовательная организация") and layout.school_col is None:
            layout.school_col, layout.labels["school"] = col, to_text(value)
        elif text.startswith("профиль") and layout.profile_col is None:
            layout.profile_col, layout.labels["profile"] = col, to_text(value)
        elif text.startswith("всего выпускников") and layout.graduates_col is None:
            layout.graduates_col, layout.labels["graduates"] = col, to_text(value)
            graduates_header = to_text(value)
    return graduates_header


def _set_year(layout: _Layout, graduates_header: str | None) -> None:
    title_year = _first_year(layout.title)
    name_year = _first_year(layout.sheet.name)
    header_year = _first_year(graduates_header or "")
    exam_year = title_year or name_year or header_year
    if exam_year is None:
        return
    layout.exam_year = exam_year
    layout.academic_year = _academic(exam_year)
    if title_year and name_year and title_year != name_year:
        layout.notes.append(
            f"Лист называется «{layout.sheet.name}», а в заголовке таблицы указан {title_year} год; "
            f"принят год из заголовка ({layout.academic_year})."
        )
    if header_year and header_year != exam_year:
        layout.notes.append(
            f"В заголовке столбца «{graduates_header}» указан {header_year} год, а лист «{layout.sheet.name}» "
            f"и его заголовок относятся к {exam_year} году; принят {exam_year} год "
            f"(учебный год {layout.academic_year})."
        )


def _first_year(text: str) -> int | None:
    match = _YEAR.search(text or "")
    return int(match.group(1)) if match else None


def _locate_subjects(layout: _Layout, head: list, sub: list) -> None:
    fixed = [col for col in (layout.municipality_col, layout.school_col, layout.profile_col, layout.graduates_col)
             if col is not None]
    if layout.municipality_col is None:
        layout.problems.append(f"На листе «{layout.sheet.name}» не найден столбец «Муниципальное образование».")
    first = max(fixed) + 1 if fixed else 0
    starts = [col for col in range(first, len(head)) if not is_blank(head[col])]
    width = max(len(head), len(sub))
    seen: set[str] = set()
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else width
        name = to_text(head[start])
        key = normalize_header(name)
        subject = _Subject(name=name, basic="математ" in key and "базов" in key)
        for col in range(start, end):
            raw = sub[col] if col < len(sub) else None
            if is_blank(raw):
                continue
            kind = _sub_kind(normalize_header(raw))
            if kind == MEAN and "отметк" in normalize_header(raw):
                subject.basic = True
            if kind is None or kind in subject.columns:
                layout.ignored_columns.append(f"{name}: {to_text(raw)}")
                continue
            subject.columns[kind] = col
            subject.labels[kind] = f"{name}: {to_text(raw)}"
        if "participants" not in subject.columns:
            layout.problems.append(
                f"На листе «{layout.sheet.name}» для предмета «{name}» не найден столбец «приняло участие»."
            )
            continue
        if key in seen:
            layout.problems.append(f"На листе «{layout.sheet.name}» предмет «{name}» указан дважды.")
            continue
        seen.add(key)
        layout.subjects.append(subject)
    if not layout.subjects and not layout.problems:
        layout.problems.append(f"На листе «{layout.sheet.name}» не найдены столбцы предметов.")


def _sub_kind(text: str) -> str | None:
    if "порог" in text:
        return "below_minimum"
    if "80" in text:
        return "score_80_99"
    if "100" in text:
        return "score_100"
    if "средн" in text:
        return MEAN
    if "участ" in text:
        return "participants"
    return None


def _choose(
    results: list[_Layout], applications: list[_Layout], available: list[str], year: str | None,
    result: ImportResult,
) -> _Layout | None:
    listed = ", ".join(available) if available else "нет"
    if not results:
        if applications:
            names = ", ".join(f"«{layout.sheet.name}»" for layout in applications)
            result.errors.append(RowError(None, "", (
                f"В файле нет результатов ЕГЭ по школам: лист {names} содержит заявления на участие в ЕГЭ, "
                "а не результаты экзаменов."
            )))
        else:
            result.errors.append(RowError(None, "", (
                "В файле не найден лист «Информация о результатах ЕГЭ выпускников школ» "
                "с заголовком «Образовательная организация (школа)» и столбцами «приняло участие»."
            )))
        return None
    if year is None:
        if len(results) == 1:
            return results[0]
        result.errors.append(RowError(None, "", (
            f"В файле результаты ЕГЭ за несколько учебных лет: {listed}. Укажите, за какой год загружать."
        )))
        return None
    match = _ACADEMIC_YEAR.match(str(year))
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        result.errors.append(RowError(None, "", (
            f"Учебный год «{year}» указан неверно: нужен вид «2022/2023». Результаты в файле есть за: {listed}."
        )))
        return None
    wanted = f"{match.group(1)}/{match.group(2)}"
    found = [layout for layout in results if layout.academic_year == wanted]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        names = ", ".join(f"«{layout.sheet.name}»" for layout in found)
        result.errors.append(RowError(None, "", (
            f"Результаты за {wanted} есть на нескольких листах ({names}); оставьте в файле один лист за этот год."
        )))
        return None
    requests = [layout for layout in applications if layout.academic_year == wanted]
    if requests:
        result.errors.append(RowError(None, "", (
            f"Лист «{requests[0].sheet.name}» за {wanted} содержит заявления выпускников на участие в ЕГЭ "
            f"{requests[0].exam_year} года, а не результаты экзаменов; загрузить его как результаты нельзя. "
            f"Результаты в файле есть за: {listed}."
        )))
    else:
        result.errors.append(RowError(None, "", (
            f"Результатов ЕГЭ за {wanted} в файле нет. Результаты в файле есть за: {listed}."
        )))
    return None


# ----------------------------------------------------------------------------------------------------- cells


def _count(value) -> int:
    """A count cell of the form: blank is 0, text, fractions and negatives are refused."""
    if is_blank(value):
        return 0
    if isinstance(value, bool):
        raise CellError(f"ожидается целое число, получено «{value}»")
    number = to_int(value, minimum=None)
    if number < 0:
        raise CellError(f"отрицательное значение {number}: количество не может быть меньше нуля")
    return number


def _mean(value) -> Decimal | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(f"ожидается число, получено «{value}»")
    text = str(value).strip().replace(",", ".").replace("\u00a0", "").replace(" ", "")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise CellError(f"ожидается число (средний балл), получено «{value}»") from exc
    if not number.is_finite():
        raise CellError(f"ожидается число (средний балл), получено «{value}»")
    if number and number.adjusted() >= MAX_DIGITS:  # quantize() would fail: more digits than the context holds
        raise CellError(f"число «{value}» слишком большое для среднего балла")
    return number.quantize(_TWO_PLACES, rounding=ROUND_HALF_UP)


def _cell(row: list, col: int | None):
    if col is None or col >= len(row):
        return None
    return row[col]


def _plain(number: Decimal | int | None):
    if isinstance(number, Decimal):
        return float(number)
    return number


# ---------------------------------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, layout: _Layout, result: ImportResult) -> None:
        self.layout = layout
        self.result = result
        self.records: list[_Record] = []
        self.totals: list[_TotalRow] = []
        self.dropped: dict[int, set[str]] = {}   # subject index -> count fields not loaded (broken formula)
        self.value_cols = sorted(
            [col for subject in layout.subjects for col in subject.columns.values()]
            + ([layout.graduates_col] if layout.graduates_col is not None else [])
        )

    # -- pass 1: read rows ----------------------------------------------------------------------------------

    def run(self) -> None:
        layout, result = self.layout, self.result
        self._read_rows()
        self._find_broken_columns()
        merged = self._check_and_merge()
        self._compare_totals()
        result.errors.sort(key=lambda error: (error.row or 0))
        result.warnings.sort(key=lambda warning: (warning.row or 0))
        keys = {(normalize_header(r.municipality), normalize_header(r.name)) for r in self.records}
        municipalities = {key[0] for key in keys}
        notes = list(layout.notes)
        notes.append("Пустые ячейки с количествами считаются нулями (правило формы).")
        basic = [subject.name for subject in layout.subjects if subject.basic]
        if basic:
            notes.append(
                f"{', '.join(f'«{name}»' for name in basic)}: пятибалльная шкала. «приняло участие» — участники, "
                "«не преодолен min порог» — количество отметок «2», «средний балл» — средняя отметка; количество "
                "отметок «3», «4», «5» в форме не приводится; столбцы 80-99 и 100 баллов не применяются."
            )
        result.meta.update({
            "sheet": layout.sheet.name,
            "title": layout.title,
            "exam_year": layout.exam_year,
            "assessment": ASSESSMENT,
            "grade": GRADE,
            "subjects": [subject.name for subject in layout.subjects],
            "basic_maths_subjects": basic,
            "school_rows": len(self.records),
            "schools": len(keys),
            "municipalities": len(municipalities),
            "graduates": sum(record.graduates or 0 for record in self.records),
            "merged": merged,
            "profiles": [
                {"row": r.row, "school": r.name, "profile": r.profile}
                for r in self.records
                if normalize_header(r.profile) not in _NO_PROFILE
            ],
            "ignored_columns": list(layout.ignored_columns),
            "not_loaded_columns": [
                layout.subjects[index].labels[name] for index, names in self.dropped.items() for name in sorted(names)
            ],
            "notes": notes,
        })

    def _read_rows(self) -> None:
        layout = self.layout
        rows = layout.sheet.rows
        last_municipality = ""
        for index in range(layout.header_row + 2, len(rows)):
            row = rows[index]
            excel_row = index + 1
            municipality = to_text(_cell(row, layout.municipality_col))
            school = to_text(_cell(row, layout.school_col))
            has_numbers = any(not is_blank(_cell(row, col)) for col in self.value_cols)
            if not municipality and not school and not has_numbers:
                continue
            municipality_key, school_key = normalize_header(municipality), normalize_header(school)
            if _TOTAL_LABEL.match(municipality_key) or _TOTAL_LABEL.match(school_key) or (not school and has_numbers):
                self._read_total(row, excel_row, municipality, school, last_municipality)
                continue
            if not school:
                continue  # a caption row (e.g. a municipality name above its schools)
            formula = next(((label, text) for label, text in (("municipality", municipality), ("school", school))
                            if looks_like_formula(text)), None)
            if formula is not None:
                self._error(excel_row, layout.labels.get(formula[0], ""), formula_message(formula[1]))
                continue
            if municipality:
                last_municipality = municipality
            elif last_municipality:
                municipality = last_municipality  # merged municipality cell
            else:
                self._error(excel_row, layout.labels.get("municipality", ""), "не указано муниципальное образование")
            record = _Record(
                row=excel_row, municipality=municipality, name=school,
                profile=to_text(_cell(row, layout.profile_col)), graduates=None,
            )
            if layout.graduates_col is not None and not is_blank(_cell(row, layout.graduates_col)):
                try:
                    record.graduates = _count(_cell(row, layout.graduates_col))
                except CellError as exc:
                    self._error(excel_row, layout.labels["graduates"], str(exc))
            for number, subject in enumerate(layout.subjects):
                values = self._read_group(row, excel_row, subject, strict=True)
                if values is not None:
                    record.values[number] = values
            self.records.append(record)

    def _read_group(self, row: list, excel_row: int, subject: _Subject, *, strict: bool) -> dict | None:
        values: dict = {}
        failed = False
        for name in COUNT_FIELDS:
            col = subject.columns.get(name)
            if col is None:
                values[name] = None
                continue
            try:
                values[name] = _count(_cell(row, col))
            except CellError as exc:
                failed = True
                self._problem(strict, excel_row, subject.labels[name], str(exc))
        col = subject.columns.get(MEAN)
        values[MEAN] = None
        if col is not None:
            try:
                values[MEAN] = _mean(_cell(row, col))
            except CellError as exc:
                failed = True
                self._problem(strict, excel_row, subject.labels[MEAN], str(exc))
        if failed:
            return None
        mean = values[MEAN]
        if strict and mean is not None:
            participants = values["participants"] or 0
            label = subject.labels[MEAN]
            if subject.basic:
                if mean > 5 or mean < 0 or (participants > 0 and mean < 2):
                    self._error(excel_row, label, f"средняя отметка {mean} вне допустимого диапазона от 2 до 5")
                    return None
            elif mean < 0 or mean > 100:
                self._error(excel_row, label, f"средний балл {mean} вне допустимого диапазона от 0 до 100")
                return None
        return values

    def _read_total(self, row: list, excel_row: int, municipality: str, school: str, last: str) -> None:
        label = " ".join(part for part in (municipality, school) if part)
        own = municipality if municipality and not _TOTAL_LABEL.match(normalize_header(municipality)) else ""
        total = _TotalRow(row=excel_row, label=label, municipality=own or last)
        if self.layout.graduates_col is not None:
            try:
                total.graduates = _count(_cell(row, self.layout.graduates_col))
            except CellError as exc:
                self._warning(excel_row, self.layout.labels["graduates"], f"итоговая строка не сверяется: {exc}")
        for number, subject in enumerate(self.layout.subjects):
            values = self._read_group(row, excel_row, subject, strict=False)
            if values is not None:
                total.values[number] = values
        self.totals.append(total)

    # -- pass 2: columns filled by a wrong formula -------------------------------------------------------------

    def _find_broken_columns(self) -> None:
        for number, subject in enumerate(self.layout.subjects):
            for name in CHECKED_FIELDS:
                if name not in subject.columns:
                    continue
                others = [other for other in COUNT_FIELDS if other != name and other in subject.columns]
                rows = 0
                exceeding = 0
                for record in self.records:
                    values = record.values.get(number)
                    if values is None or not values["participants"]:
                        continue
                    if values[name] != sum(values[other] for other in others):
                        break
                    rows += 1
                    exceeding += values[name] > values["participants"]
                else:
                    if rows >= _FORMULA_MIN_ROWS and exceeding:
                        self.dropped.setdefault(number, set()).add(name)
                        self._warning(
                            self.layout.header_row + 2, subject.labels[name],
                            f"во всех {rows} строках с участниками значение равно сумме остальных столбцов предмета "
                            f"(в {exceeding} строках оно больше числа участников) — столбец заполнен ошибочной "
                            "формулой и не загружается",
                        )

    # -- pass 3: per-row checks, merging of repeated schools, aggregates --------------------------------------

    def _check_and_merge(self) -> list[dict]:
        groups: dict[tuple[str, str], list[_Record]] = {}
        for record in self.records:
            self._check_record(record)
            key = (normalize_header(record.municipality), normalize_header(record.name))
            groups.setdefault(key, []).append(record)
        merged = []
        for records in groups.values():
            if len(records) > 1:
                merged.append(self._note_merge(records))
            for number, subject in enumerate(self.layout.subjects):
                aggregate = self._aggregate(records, number, subject)
                if aggregate is not None:
                    self.result.aggregates.append(aggregate)
        return merged

    def _check_record(self, record: _Record) -> None:
        for number, subject in enumerate(self.layout.subjects):
            if number not in record.values:
                continue
            values = record.loaded[number] = dict(record.values[number])
            participants = values["participants"]
            for name in self.dropped.get(number, ()):
                values[name] = None
            if not participants:
                extra = [subject.labels[name] for name in CHECKED_FIELDS if values.get(name)]
                if extra:
                    self._warning(record.row, subject.labels["participants"], (
                        f"участников нет, но заполнены столбцы {', '.join(f'«{label}»' for label in extra)}; "
                        "данные по предмету не загружаются"
                    ))
                continue
            if subject.basic:
                for name in ("score_80_99", "score_100"):
                    if values.get(name):
                        self._warning(record.row, subject.labels[name], (
                            f"для предмета на пятибалльной шкале столбец не применяется; значение {values[name]} "
                            "не загружается"
                        ))
                    values[name] = None
            exceeded = False
            for name in CHECKED_FIELDS:
                if values.get(name) is not None and values[name] > participants:
                    exceeded = True
                    self._warning(record.row, subject.labels[name], (
                        f"значение {values[name]} больше числа участников ({participants}); значение не загружается"
                    ))
                    values[name] = None
            present = [name for name in CHECKED_FIELDS if values.get(name) is not None]
            if not exceeded and sum(values[name] for name in present) > participants:
                parts = " + ".join(str(values[name]) for name in present)
                self._warning(record.row, subject.labels["participants"], (
                    f"не преодолевших минимум, высокобалльников и стобалльников вместе ({parts}) больше, "
                    f"чем участников ({participants})"
                ))
            if values[MEAN] is None:
                what = "не указана средняя отметка" if subject.basic else "не указан средний балл"
                self._warning(record.row, subject.labels.get(MEAN, subject.name), (
                    f"{what} при {participants} участниках; загружается без среднего"
                ))
            if record.graduates is not None and participants > record.graduates:
                self._warning(record.row, subject.labels["participants"], (
                    f"участников по предмету ({participants}) больше, чем выпускников школы, принявших участие "
                    f"в ЕГЭ ({record.graduates})"
                ))

    def _note_merge(self, records: list[_Record]) -> dict:
        profiles = [normalize_header(record.profile) for record in records]
        distinct = len(set(profiles)) == len(profiles) and not any(p in _NO_PROFILE for p in profiles)
        rows = [record.row for record in records]
        if not distinct:
            self._warning(rows[0], self.layout.labels.get("school", ""), (
                f"школа «{records[0].name}» указана в нескольких строках ({', '.join(map(str, rows))}) "
                "без различающегося профиля; результаты сложены"
            ))
        return {
            "school": records[0].name, "municipality": records[0].municipality, "rows": rows,
            "profiles": [record.profile for record in records],
        }

    def _aggregate(self, records: list[_Record], number: int, subject: _Subject) -> AggregateRow | None:
        parts = [r.loaded[number] for r in records if number in r.loaded and r.loaded[number]["participants"]]
        if not parts:
            return None
        participants = sum(part["participants"] for part in parts)
        counts = {}
        for name in CHECKED_FIELDS:
            items = [part.get(name) for part in parts]
            counts[name] = None if any(item is None for item in items) else sum(items)
        means = [part[MEAN] for part in parts]
        mean = None
        if all(value is not None for value in means):
            mean = (sum(part[MEAN] * part["participants"] for part in parts) / participants).quantize(
                _TWO_PLACES, rounding=ROUND_HALF_UP
            )
        first = records[0]
        aggregate = AggregateRow(
            row=first.row,
            school=SchoolRef(login="", municipality=first.municipality, name=first.name),
            assessment=ASSESSMENT, subject=subject.name, grade=GRADE, participants=participants,
            below_minimum=counts["below_minimum"],
        )
        if subject.basic:
            aggregate.mark2 = counts["below_minimum"]
            aggregate.mean_mark = mean
        else:
            aggregate.score_80_99 = counts["score_80_99"]
            aggregate.score_100 = counts["score_100"]
            aggregate.mean_score = mean
        return aggregate

    # -- total rows --------------------------------------------------------------------------------------------

    def _compare_totals(self) -> None:
        regional = [t for t in self.totals if _REGION_LABEL.search(normalize_header(t.label))]
        if not regional and self.totals:
            last = self.totals[-1]
            if not self.records or last.row > self.records[-1].row:
                regional = [last]
        comparisons: list[dict] = []
        subtotal_diffs: list[dict] = []
        for total in regional:
            comparisons.extend(self._compare(total, self.records, regional=True))
        by_municipality: dict[str, list[_Record]] = {}
        for record in self.records:
            by_municipality.setdefault(normalize_header(record.municipality), []).append(record)
        for total in self.totals:
            if total in regional:
                continue
            schools = by_municipality.get(normalize_header(total.municipality), [])
            for item in self._compare(total, schools, regional=False):
                if not item["matches"]:
                    subtotal_diffs.append({"row": total.row, "municipality": total.municipality, **item})
        self.result.meta["totals"] = comparisons
        self.result.meta["total_rows"] = [t.row for t in regional]
        self.result.meta["subtotal_rows"] = [t.row for t in self.totals if t not in regional]
        self.result.meta["subtotals"] = subtotal_diffs

    def _compare(self, total: _TotalRow, records: list[_Record], *, regional: bool) -> list[dict]:
        what = "в итоговой строке по региону" if regional else f"в итоговой строке «{total.label}»"
        items: list[dict] = []
        if self.layout.graduates_col is not None and total.graduates is not None:
            summed = sum(record.graduates or 0 for record in records)
            items.append(self._item(total, "Всего выпускников", "graduates", total.graduates, summed,
                                    self.layout.labels["graduates"], what))
        for number, subject in enumerate(self.layout.subjects):
            given = total.values.get(number)
            if given is None:
                continue
            rows = [record.values[number] for record in records if number in record.values]
            for name in COUNT_FIELDS:
                if given.get(name) is None:
                    continue
                summed = sum(values[name] for values in rows if values.get(name) is not None)
                items.append(self._item(total, subject.name, name, given[name], summed, subject.labels[name], what))
            if given.get(MEAN) is not None:
                weight = sum(values["participants"] for values in rows if values[MEAN] is not None)
                weighted = (
                    (sum(values[MEAN] * values["participants"] for values in rows if values[MEAN] is not None)
                     / weight).quantize(_TWO_PLACES, rounding=ROUND_HALF_UP)
                    if weight else Decimal("0.00")
                )
                tolerance = _MEAN_TOLERANCE_BASIC if subject.basic else _MEAN_TOLERANCE
                matches = abs(given[MEAN] - weighted) <= tolerance
                mean_field = "mean_mark" if subject.basic else "mean_score"
                items.append({"subject": subject.name, "field": mean_field, "total_row": _plain(given[MEAN]),
                              "sum_of_schools": _plain(weighted), "matches": matches})
                if not matches and weight:
                    self._warning(total.row, subject.labels[MEAN], (
                        f"{what} {given[MEAN]}, а среднее по школам (взвешенное по числу участников) {weighted}"
                    ))
        return items

    def _item(self, total: _TotalRow, subject: str, name: str, given: int, summed: int, label: str,
              what: str) -> dict:
        matches = given == summed
        if not matches:
            self._warning(total.row, label, f"{what} {given}, а сумма по школам {summed}")
        return {"subject": subject, "field": name, "total_row": given, "sum_of_schools": summed, "matches": matches}

    # -- problems ----------------------------------------------------------------------------------------------

    def _error(self, row: int, column: str, message: str) -> None:
        self.result.errors.append(RowError(row, column, message))

    def _warning(self, row: int, column: str, message: str) -> None:
        self.result.warnings.append(RowError(row, column, message))

    def _problem(self, strict: bool, row: int, column: str, message: str) -> None:
        if strict:
            self._error(row, column, message)
        else:
            self._warning(row, column, f"итоговая строка не сверяется: {message}")
