"""Import of published ОИП / ИСБШ lists (Tutaev Tables 1–3 and lists laid out like them).

``index_list_import`` reads the workbook (``indicators.importers.index_lists``), matches every school row with the
register and, in one transaction, stores the values as ``IndexValue(source="imported")`` — never touching the
values the portal computes itself (``source="computed"``) — and the typology flags of Table 2 on
``SchoolYearProfile``. Rules:

* a parse error (a text where a number is required, a bad flag, a duplicated column, the same school twice)
  rejects the whole file: nothing is written;
* a row whose school is not in the register (or not in the chosen municipality) is listed and skipped;
* reference rows (means, thresholds, targets) are reported, never stored as schools;
* a value equal to the stored one is left as it is (its note and components too), so a repeated import
  changes nothing; a changed value replaces the stored one and its components;
* schools absent from the list keep what they had (a list may cover part of the schools, e.g. Table 2);
* after a real change a classification recompute is queued for the affected municipalities
  (``recompute.queue_classification`` inside the transaction; the task itself is sent after the commit).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from portal.queueing import queued_text
from portal.spreadsheets import RowError, WorkbookError, read_workbook
from schools.models import AcademicYear, Municipality, School, SchoolYearProfile

from . import recompute
from .choices import IndexKind, IndexSource
from .importers.index_lists import IndexListResult, IndexRow, ReferenceValue, parse_index_list
from .matching import SchoolMatcher, name_key
from .models import IndexValue

__all__ = ["IndexImportReport", "UnmatchedRow", "academic_year_by_label", "index_list_import", "index_list_upload",
           "municipality_lookup"]

_NOTE_LENGTH = IndexValue._meta.get_field("source_note").max_length
_KIND_TITLES = {IndexKind.OIP: "ОИП", IndexKind.ISBS: "ИСБШ"}


@dataclass(frozen=True)
class UnmatchedRow:
    row: int
    name: str
    reason: str = "не найдена в реестре"

    def __str__(self) -> str:
        return f"строка {self.row}: «{self.name}» — {self.reason}"


def _counter() -> dict[str, int]:
    return {"created": 0, "updated": 0, "unchanged": 0}


@dataclass
class IndexImportReport:
    layout: str = ""
    layout_name: str = ""
    sheet: str = ""
    file_name: str = ""
    academic_year: str = ""
    municipality: str = ""
    dry_run: bool = False
    rows: int = 0                       # school rows read from the list
    matched: int = 0
    unmatched: list[UnmatchedRow] = field(default_factory=list)
    values: dict[str, dict[str, int]] = field(default_factory=lambda: {"oip": _counter(), "isbs": _counter()})
    profiles: dict[str, int] = field(default_factory=_counter)
    reference_values: list[ReferenceValue] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    runs: list = field(default_factory=list)  # the classification runs asked for (after the commit: queued or not)
    municipality_ids: list[int] = field(default_factory=list)  # where something changed (recompute queued)
    stored: bool = False
    matching_done: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def created(self) -> int:
        return sum(c["created"] for c in self.values.values())

    @property
    def updated(self) -> int:
        return sum(c["updated"] for c in self.values.values())

    @property
    def unchanged(self) -> int:
        return sum(c["unchanged"] for c in self.values.values())

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.profiles["created"] or self.profiles["updated"])

    def lines(self) -> list[str]:
        """The summary in Russian, then every problem; the last line says what happened."""
        will = self.dry_run or not self.ok
        lines = [
            f"Формат: {self.layout_name or 'не распознан'}" + (f", лист «{self.sheet}»" if self.sheet else ""),
            f"Учебный год: {self.academic_year}; муниципалитет: {self.municipality or 'все'}",
            f"Строк со школами: {self.rows}; сопоставлено с реестром: {self.matched}; не найдено: {len(self.unmatched)}"
            if self.matching_done else f"Строк со школами: {self.rows} (со школами реестра не сопоставлялись: "
                                       f"в файле ошибки)",
        ]
        verbs = ("будет создано", "будет изменено") if will else ("создано", "изменено")
        for kind, counts in self.values.items():
            if any(counts.values()):
                lines.append(f"{_KIND_TITLES[kind]}: {verbs[0]} {counts['created']}, {verbs[1]} {counts['updated']}, "
                             f"без изменений {counts['unchanged']}")
        if any(self.profiles.values()):
            lines.append(f"Типологизация (профили школ за год): {verbs[0]} {self.profiles['created']}, "
                         f"{verbs[1]} {self.profiles['updated']}, без изменений {self.profiles['unchanged']}")
        if self.reference_values:
            lines.append("Справочные строки (средние, пороги, целевые значения — не школы):")
            lines += [f"  строка {ref.row}: {ref}" for ref in self.reference_values]
        if self.unmatched:
            lines.append("Не сопоставлены со школами реестра (пропущены):")
            lines += [f"  {item}" for item in self.unmatched]
        if self.errors:
            lines.append(f"Ошибки ({len(self.errors)}):")
            lines += [f"  {error}" for error in self.errors]
        if self.warnings:
            lines.append(f"Предупреждения ({len(self.warnings)}):")
            lines += [f"  {warning}" for warning in self.warnings]
        if not self.ok:
            lines.append(f"Файл отклонён: ошибок {len(self.errors)}, ничего не сохранено.")
        elif self.dry_run:
            lines.append("Проверка (без сохранения): ничего не сохранено.")
        elif self.changed:
            lines.append(f"Сохранено. {queued_text(self.runs, 'Пересчёт классификации поставлен в очередь.')}")
        else:
            lines.append("Изменений нет: все значения уже загружены.")
        return lines


@dataclass
class _Plan:
    values: list[tuple[School, str, IndexRow, IndexValue | None, Decimal, dict]] = field(default_factory=list)
    profiles: list[tuple[School, SchoolYearProfile | None, dict[str, bool]]] = field(default_factory=list)
    municipality_ids: set[int] = field(default_factory=set)


def _source_note(result: IndexListResult, file_name: str, user) -> str:
    note = f"{result.layout_name}, импорт"
    if file_name:
        note += f" файла «{file_name}»"
    note += f" {timezone.localdate():%d.%m.%Y}"
    if user is not None and getattr(user, "is_authenticated", False):
        note += f", загрузил {user.get_username()}"
    return note[:_NOTE_LENGTH]


def _match(rows: list[IndexRow], municipality: Municipality | None, report: IndexImportReport):
    """[(row, school)] for the rows found in the register; the others go to ``report.unmatched``."""
    queryset = School.objects.filter(municipality=municipality) if municipality else School.objects.all()
    matcher = SchoolMatcher(queryset=queryset)
    matched: list[tuple[IndexRow, School]] = []
    first_row: dict[int, int] = {}
    for row in rows:
        ref = row.school
        if municipality is not None:
            if ref.municipality and matcher.municipality(ref.municipality) not in (None, municipality):
                report.unmatched.append(UnmatchedRow(row.row, ref.name, f"другой муниципалитет ({ref.municipality})"))
                continue
            ref = type(ref)(login=ref.login, municipality=municipality.name, name=ref.name)
        school = matcher.find(ref)
        if school is None and not ref.municipality:
            # the same school under two spellings that normalise alike is one candidate, not an ambiguity
            candidates = {s.pk: s for s in matcher.by_name_only.get(name_key(ref.name), [])}
            if len(candidates) == 1:
                school = next(iter(candidates.values()))
            elif candidates:
                report.unmatched.append(UnmatchedRow(
                    row.row, ref.name, "такое наименование есть в нескольких муниципалитетах: укажите муниципалитет"))
                continue
        if school is None:
            where = f" муниципалитета «{municipality}»" if municipality else ""
            report.unmatched.append(UnmatchedRow(row.row, ref.name, f"не найдена в реестре{where}"))
            continue
        if school.pk in first_row:
            report.errors.append(RowError(row.row, "", f"школа «{school}» уже указана в строке {first_row[school.pk]}"))
            continue
        first_row[school.pk] = row.row
        matched.append((row, school))
    return matched


def _plan(matched, academic_year: AcademicYear, report: IndexImportReport) -> _Plan:
    plan = _Plan()
    school_ids = [school.pk for _, school in matched]
    existing = {(v.school_id, v.kind): v for v in IndexValue.objects.filter(
        school_id__in=school_ids, academic_year=academic_year, source=IndexSource.IMPORTED)}
    profiles = {p.school_id: p for p in SchoolYearProfile.objects.filter(
        school_id__in=school_ids, academic_year=academic_year)}
    for row, school in matched:
        for kind in (IndexKind.OIP, IndexKind.ISBS):
            value = getattr(row, kind)
            if value is None:
                continue
            components = row.components if kind == IndexKind.OIP else {}
            current = existing.get((school.pk, kind))
            counts = report.values[kind]
            if current is None:
                counts["created"] += 1
            elif current.value == value and (not components or current.components == components):
                counts["unchanged"] += 1  # a list without components keeps those of an earlier Table 1
                continue
            else:
                counts["updated"] += 1
            plan.values.append((school, kind, row, current, value, components))
            plan.municipality_ids.add(school.municipality_id)
        if row.flags is not None:
            profile = profiles.get(school.pk)
            if profile is None:
                report.profiles["created"] += 1
            elif all(getattr(profile, name) == flag for name, flag in row.flags.items()):
                report.profiles["unchanged"] += 1
                continue
            else:
                report.profiles["updated"] += 1
            plan.profiles.append((school, profile, row.flags))
            plan.municipality_ids.add(school.municipality_id)
    return plan


def _write(plan: _Plan, academic_year: AcademicYear, note: str) -> None:
    for school, kind, _row, current, value, components in plan.values:
        if current is None:
            IndexValue.objects.create(school=school, academic_year=academic_year, kind=kind,
                                      source=IndexSource.IMPORTED, value=value, components=components,
                                      source_note=note)
        else:
            current.value, current.components, current.source_note = value, components, note
            current.save(update_fields=["value", "components", "source_note", "updated_at"])
    for school, profile, flags in plan.profiles:
        if profile is None:
            SchoolYearProfile.objects.create(school=school, academic_year=academic_year, source=note[:300], **flags)
        else:
            for name, flag in flags.items():
                setattr(profile, name, flag)
            profile.save(update_fields=[*flags, "updated_at"])


def index_list_import(*, data: bytes, academic_year: AcademicYear, municipality: Municipality | None = None,
                      dry_run: bool = False, user=None, file_name: str = "") -> IndexImportReport:
    """Check a published ОИП/ИСБШ list and, unless ``dry_run`` or rejected, store it for ``academic_year``.

    With ``municipality`` only its schools are matched (by full or short name or an alias); without it a name
    must be unique across the register (or the list must have a municipality column).
    """
    report = IndexImportReport(academic_year=academic_year.label, municipality=str(municipality or ""),
                               dry_run=dry_run, file_name=file_name)
    try:
        sheets = read_workbook(data)
    except WorkbookError as exc:
        report.errors.append(RowError(None, "", str(exc)))
        return report
    result = parse_index_list(sheets)
    report.layout, report.layout_name, report.sheet = result.layout, result.layout_name, result.sheet
    report.reference_values = list(result.reference_values)
    report.errors += result.errors
    report.warnings += result.warnings
    report.rows = len(result.rows)
    if not result.ok:
        return report
    matched = _match(result.rows, municipality, report)
    report.matching_done = True
    report.matched = len(matched)
    if result.rows and not matched:
        report.errors.append(RowError(None, "", "ни одна школа списка не найдена в реестре"
                                      + (f" муниципалитета «{municipality}»" if municipality else "")
                                      + ": проверьте муниципалитет и наименования школ"))
    if not report.ok:
        return report
    with transaction.atomic():
        plan = _plan(matched, academic_year, report)
        report.municipality_ids = sorted(plan.municipality_ids)
        if dry_run or not (plan.values or plan.profiles):
            return report
        _write(plan, academic_year, _source_note(result, file_name, user))
        extra = {"user": user} if user is not None and getattr(user, "is_authenticated", False) else {}
        report.runs = recompute.queue_classification(municipality_ids=plan.municipality_ids,
                                                     academic_year_id=academic_year.pk, **extra)
        report.stored = True
    return report


def municipality_lookup(label: str) -> Municipality | None:
    """A municipality by its full or short name (case, «ё», quotes and spaces ignored)."""
    key = name_key(label)
    found = {m.pk: m for m in Municipality.objects.all() if key in (name_key(m.name), name_key(m.short_name or ""))}
    return next(iter(found.values())) if len(found) == 1 else None


def academic_year_by_label(label: str) -> AcademicYear:
    """«2019/2020» → the stored year (created when missing); ValueError with a Russian message otherwise."""
    return AcademicYear.objects.get_or_create(start_year=AcademicYear.parse_label(label))[0]


def index_list_upload(*, data: bytes, start_year: int, municipality: Municipality | None = None,
                      dry_run: bool = False, user=None, file_name: str = "") -> IndexImportReport:
    """``index_list_import`` for a year given by its start; a rejected file or a check leaves nothing behind,
    not even the academic year."""
    with transaction.atomic():
        academic_year = AcademicYear.objects.get_or_create(start_year=start_year)[0]
        report = index_list_import(data=data, academic_year=academic_year, municipality=municipality,
                                   dry_run=dry_run, user=user, file_name=file_name)
        if not report.ok or dry_run:
            transaction.set_rollback(True)
    return report
