"""Result uploads: receive → validate (preview) → import, atomically, with derived aggregates.

The file is parsed twice: once to validate and show the preview, once more when the import is confirmed (so
nothing half-checked is kept between the two steps and the register may have changed in between). The importing
parse writes ВПР participant rows while it reads them (``streaming``), inside the import's transaction: a file that
does not pass is rolled back whole.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from operator import attrgetter

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.spreadsheets import RowError, collector_paused
from schools.models import AcademicYear, Municipality, School, SchoolYearProfile

from . import importers
from .choices import UploadStatus
from .importers.base import ImportResult, SchoolRef
from .models import GradingScale, ResultUpload, Subject
from .recompute import queue_classification
from .resolution import Resolution, scale_for
from .streaming import ParticipantStream
from .writes import replace_participants, replace_school_results

__all__ = ["prepare", "scale_for", "upload_import", "upload_receive", "upload_validate"]

MAX_STORED_PROBLEMS = 500
PREVIEW_ROWS = 10


@dataclass
class Prepared:
    result: ImportResult
    year: AcademicYear | None = None
    school_for_row: dict[int, School] = field(default_factory=dict)
    subject_for_label: dict[str, Subject] = field(default_factory=dict)
    new_schools: dict[tuple[str, str], School] = field(default_factory=dict)
    new_municipalities: dict[str, Municipality] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    unmatched: list[dict] = field(default_factory=list)
    resolution: Resolution | None = None

    @property
    def rows(self) -> list:
        return self.result.participants or self.result.aggregates or self.result.meta.get("profiles", [])


def _row_number(row) -> int:
    return row["row"] if isinstance(row, dict) else row.row


def _resolve_year(upload: ResultUpload, prepared: Prepared) -> None:
    year, error = prepared.resolution.year(prepared.result.year)
    if error:
        prepared.errors.append(RowError(None, "", error))
    prepared.year = year


def _row_schools(prepared: Prepared) -> tuple[list, list, list, bool]:
    """(row numbers, SchoolRefs, Schools or None, whether every row has a school) of all rows; each distinct ref
    object is looked up once (100 000 rows name 400 schools) and the rest is done in C."""
    rows = prepared.rows
    if prepared.result.participants or prepared.result.aggregates:
        numbers, refs = list(map(attrgetter("row"), rows)), list(map(attrgetter("school"), rows))
    else:
        numbers, refs = [row["row"] for row in rows], [row["school"] for row in rows]
    found = {key: prepared.resolution.school(ref) for key, ref in {id(ref): ref for ref in refs}.items()}
    return numbers, refs, list(map(found.__getitem__, map(id, refs))), None not in found.values()


def _resolve_for_principal(upload, prepared) -> None:
    own = upload.school
    for number, ref, school in zip(*_row_schools(prepared)[:3], strict=True):
        if school is None:
            prepared.errors.append(RowError(number, "Школа", f"строка относится к другой школе («{ref}»); "
                                            f"директор загружает результаты только своей школы «{own}»"))
        else:
            prepared.school_for_row[number] = own


def _resolve_for_staff(upload, prepared) -> None:
    numbers, refs, schools, complete = _row_schools(prepared)
    if complete:  # every row found: one update in C
        prepared.school_for_row.update(zip(numbers, schools, strict=True))
        return
    for number, ref, school in zip(numbers, refs, schools, strict=True):
        if school is None:
            prepared.unmatched.append({"row": number, "municipality": ref.municipality, "name": ref.name,
                                       "login": ref.login})
            continue
        prepared.school_for_row[number] = school
    if prepared.unmatched and not prepared.school_for_row:
        first = prepared.unmatched[0]
        prepared.errors.append(RowError(first["row"], "Школа", f"ни одна школа файла не найдена в реестре портала "
                                                               f"(например, «{first['name'] or first['login']}»): "
                                                               f"проверьте логины ФИС ОКО и наименования школ"))
    elif prepared.unmatched:
        prepared.warnings.append(RowError(None, "Школа", f"строк, не сопоставленных с реестром: "
                                                         f"{len(prepared.unmatched)}; они не будут загружены "
                                                         f"(список — в сводке ниже)"))


def _resolve_subjects(prepared: Prepared) -> None:
    first_row = {}
    for row in prepared.result.participants or prepared.result.aggregates:
        first_row.setdefault(row.subject, row.row)
    for label, row_number in first_row.items():
        subject = prepared.resolution.subject(label)
        if subject is None:
            prepared.errors.append(RowError(row_number, "Предмет", f"предмет «{label}» не найден в справочнике "
                                                                   f"предметов портала"))
        else:
            prepared.subject_for_label[label] = subject


def _participants_by_subject(prepared: Prepared) -> dict[tuple[Subject, int], list]:
    """{(subject, grade): rows}; grouped by label first (a Subject hashes in Python, a label in C)."""
    by_label = defaultdict(list)
    for p in prepared.result.participants:
        by_label[(p.subject, p.grade)].append(p)
    groups = defaultdict(list)
    for (label, grade), rows in by_label.items():
        if label in prepared.subject_for_label:
            groups[(prepared.subject_for_label[label], grade)].append(rows)
    return {key: parts[0] if len(parts) == 1 else sorted((p for part in parts for p in part), key=_row_of)
            for key, parts in groups.items()}


def _row_of(p) -> int:
    return p.row


def _check_marks_against_scales(prepared: Prepared) -> None:
    for (subject, grade), rows in _participants_by_subject(prepared).items():
        scale = prepared.resolution.scale(subject, grade, prepared.year)
        if scale is None or not scale.thresholds:
            prepared.warnings.append(RowError(None, "Отметка", f"для ВПР «{subject}», {grade} класс, {prepared.year} "
                                                               f"в портале нет шкалы: отметки не проверены"))
            continue
        _compare_with_scale(prepared, scale, rows)


def _compare_with_scale(prepared: Prepared, scale: GradingScale, rows) -> None:
    conditional = bool(scale.conditions)  # extra conditions may only lower a mark
    mismatched, marks = [], {}  # marks: primary score → the scale's mark, computed once per score
    for p in rows:
        if p.primary_score is None:
            continue
        if p.primary_score > scale.max_score:
            prepared.errors.append(RowError(p.row, "Первичный балл", f"{p.primary_score} больше максимума "
                                                                     f"{scale.max_score} по шкале «{scale}»"))
            continue
        expected = marks.get(p.primary_score)
        if expected is None:
            expected = marks[p.primary_score] = scale.mark_for(p.primary_score)
        if p.mark is not None and p.mark != expected and not (conditional and p.mark < expected):
            mismatched.append((p, expected))
    for p, expected in mismatched[:20]:
        prepared.warnings.append(RowError(p.row, "Отметка", f"отметка «{p.mark}» не совпадает со шкалой: за "
                                                            f"{p.primary_score} баллов полагается «{expected}»"))
    if len(mismatched) > 20:
        prepared.warnings.append(RowError(None, "Отметка", f"ещё {len(mismatched) - 20} отметок не совпадают со "
                                                           f"шкалой «{scale}»"))


def _check_duplicate_aggregates(prepared: Prepared) -> None:
    seen = {}
    for row in prepared.result.aggregates:
        school = prepared.school_for_row.get(row.row)
        if school is None:
            continue
        key = (id(school), row.subject, row.grade, row.assessment)
        if key in seen:
            prepared.errors.append(RowError(row.row, "Предмет", f"результат этой школы по предмету «{row.subject}» "
                                                                f"уже указан в строке {seen[key]}"))
        seen.setdefault(key, row.row)


def prepare(upload: ResultUpload, data: bytes, *, resolution: Resolution | None = None,
            stream: ParticipantStream | None = None) -> Prepared:
    """Parse the file and check it against the register, subjects and scales. Reads the database only, unless a
    ``stream`` (of the same ``resolution``) writes the participant rows as they are parsed."""
    resolution = resolution or Resolution(upload)
    options = upload.options
    own = upload.school
    school_ref = SchoolRef(login=own.fis_oko_login or "", municipality=own.municipality.name, name=own.name) \
        if own else None
    result = importers.parse(
        data, kind=upload.kind, year=upload.academic_year.label if upload.academic_year else "",
        subject=options.get("subject", ""), grade=options.get("grade"), school=school_ref,
        allowed=(tuple(options["allowed_layouts"]), options.get("allowed_label", "другой формат"))
        if options.get("allowed_layouts") else None,
        max_unzipped=settings.PORTAL_UPLOAD_MAX_UNZIPPED_BYTES, on_rows=stream)
    if stream is not None:
        stream(result)  # the rows after the parser's last call
    prepared = Prepared(result=result, errors=list(result.errors), warnings=list(result.warnings),
                        resolution=resolution, new_schools=resolution.new_schools,
                        new_municipalities=resolution.new_municipalities)
    if not prepared.rows:
        return prepared
    _resolve_year(upload, prepared)
    (_resolve_for_principal if own else _resolve_for_staff)(upload, prepared)
    _resolve_subjects(prepared)
    _check_duplicate_aggregates(prepared)
    if prepared.year and result.participants:
        _check_marks_against_scales(prepared)
    return prepared


def _summary_counts(prepared: Prepared) -> tuple[Counter, dict]:
    """({(id(school), subject, grade): rows or participants}, {id(school): label})."""
    per_key, labels, get = Counter(), {}, prepared.school_for_row.get
    if prepared.result.participants:  # 100 000 rows: counted in C, then per (school, subject, grade)
        rows = prepared.result.participants
        counted = Counter(zip(map(id, map(get, map(attrgetter("row"), rows))), map(attrgetter("subject"), rows),
                              map(attrgetter("grade"), rows), strict=True))
        for (school_id, subject, grade), count in counted.items():
            if school_id != id(None):
                per_key[(school_id, subject, grade or "")] += count
        schools = {id(school): school for school in prepared.school_for_row.values()}
        return per_key, {key: school.short_name or school.name for key, school in schools.items()}
    for row in prepared.rows:
        school = get(_row_number(row))
        if school is None:
            continue
        labels[id(school)] = school.short_name or school.name
        if isinstance(row, dict):
            per_key[(id(school), "социальный паспорт", "")] += 1
        else:
            per_key[(id(school), row.subject, row.grade or "")] += row.participants
    return per_key, labels


def _summary(prepared: Prepared) -> dict:
    per_key, labels = _summary_counts(prepared)
    counts = sorted(({"school": labels[k[0]], "subject": k[1], "grade": k[2], "count": v} for k, v in per_key.items()),
                    key=lambda c: (c["school"], c["subject"], str(c["grade"])))
    return {
        "layout": prepared.result.layout,
        "layout_name": importers.LAYOUT_NAMES.get(prepared.result.layout, prepared.result.layout),
        "year": prepared.year.label if prepared.year else prepared.result.year,
        "counts": counts,
        "schools": len(labels),
        "new_schools": sorted(f"{s.municipality.name}: {s.name}" for s in prepared.new_schools.values()),
        "unmatched": prepared.unmatched[:MAX_STORED_PROBLEMS],
        "preview": [_preview_row(row) for row in prepared.rows[:PREVIEW_ROWS]],
        "meta": {k: v for k, v in prepared.result.meta.items() if k != "profiles" and _jsonable(v)},
    }


def _jsonable(value) -> bool:
    return isinstance(value, (str, int, float, bool, list, dict, type(None)))


def _preview_row(row) -> dict:
    if isinstance(row, dict):
        return {"Строка": row["row"], "Школа": str(row["school"]), "Обучающихся": row["students"]}
    if hasattr(row, "participant_code"):
        return {"Строка": row.row, "Школа": str(row.school) or "—", "Код": row.participant_code,
                "Класс": row.class_name, "Первичный балл": row.primary_score, "Отметка": row.mark,
                "По журналу": row.journal_mark}
    return {"Строка": row.row, "Школа": str(row.school), "Предмет": row.subject, "Участников": row.participants}


def _problems(items: list[RowError]) -> list[dict]:
    return [e.as_dict() for e in items[:MAX_STORED_PROBLEMS]]


# An upload holds a million small objects until it ends (the sheet, the rows, the checks); with the collector running,
# its allocations alone set off full collections that walk all of them, up to half a second per 100 000 rows.
# Nothing here forms reference cycles: reference counting frees everything when the call returns.
@collector_paused()
def upload_receive(*, user, file, kind: str, academic_year: AcademicYear | None, school: School | None,
                   options: dict, import_now: bool = False, confirm_warnings: bool = False) -> ResultUpload:
    """Keep the original file and validate it; the upload ends «validated» or «rejected».

    With ``import_now`` (the command line) a file that passes is imported at once from the same parse; one with
    unconfirmed warnings is left «validated» (and ``ValidationError`` raised).
    """
    data = file.read()
    upload = ResultUpload(original_name=file.name[:255], checksum=hashlib.sha256(data).hexdigest(), size=len(data),
                          kind=kind, academic_year=academic_year, school=school, options=options, uploaded_by=user)
    upload.file.save(f"{upload.checksum[:16]}.xlsx", _content(data), save=False)
    upload.save()
    if not import_now:
        _store_validation(upload, prepare(upload, data))
        return upload
    prepared = _import(upload, data, user, store_validation=True,
                       accept=lambda p: not p.errors and (confirm_warnings or not p.warnings))
    if upload.status != UploadStatus.IMPORTED:
        _store_validation(upload, prepared)
        if upload.status == UploadStatus.VALIDATED:
            _check_confirmation(upload, confirm_warnings)
    return upload


def _content(data: bytes):
    from django.core.files.base import ContentFile

    return ContentFile(data)


@collector_paused()
def upload_validate(*, upload: ResultUpload) -> ResultUpload:
    with upload.file.open("rb") as handle:
        prepared = prepare(upload, handle.read())
    _store_validation(upload, prepared)
    return upload


def _store_validation(upload: ResultUpload, prepared: Prepared, *, summary: dict | None = None) -> None:
    upload.errors = _problems(prepared.errors)
    upload.warnings = _problems(prepared.warnings)
    upload.summary = (summary or _summary(prepared)) if prepared.rows else {}
    upload.row_count = len(prepared.rows)
    if prepared.year and prepared.year.pk is None and not prepared.errors:  # a rejected file creates no year
        prepared.year, _ = AcademicYear.objects.get_or_create(start_year=prepared.year.start_year)
    if prepared.year and prepared.year.pk and not upload.academic_year:
        upload.academic_year = prepared.year
    if upload.kind == "auto" and prepared.result.layout != "auto":
        upload.kind = prepared.result.layout
    upload.status = UploadStatus.REJECTED if prepared.errors else UploadStatus.VALIDATED
    upload.save()


def _check_confirmation(upload: ResultUpload, confirm_warnings: bool) -> None:
    if upload.warnings and not confirm_warnings:
        raise ValidationError("В файле есть предупреждения: подтвердите, что данные верны.")


@collector_paused()
def upload_import(*, upload: ResultUpload, user, confirm_warnings: bool = False) -> ResultUpload:
    """Replace the upload's scope with its rows in one transaction; queue the year's recompute after commit
    (``upload.recompute_runs``: the runs asked for; their ``error`` says whether the queue took them)."""
    if upload.status != UploadStatus.VALIDATED:
        raise ValidationError("Загрузить можно только проверенный файл без ошибок.")
    _check_confirmation(upload, confirm_warnings)
    with upload.file.open("rb") as handle:
        data = handle.read()
    prepared = _import(upload, data, user, accept=lambda p: not p.errors)
    if upload.status != UploadStatus.IMPORTED:
        upload.errors, upload.status = _problems(prepared.errors), UploadStatus.REJECTED
        upload.save(update_fields=["errors", "status", "updated_at"])
        raise ValidationError("Файл больше не проходит проверку (реестр или справочники изменились).")
    return upload


class _NotImported(Exception):
    """Leaves the import's transaction: what was written in it is rolled back."""


def _import(upload: ResultUpload, data: bytes, user, *, accept, store_validation: bool = False) -> Prepared:
    """Parse, check and, when ``accept(prepared)``, write — all in one transaction, the participant rows while the
    file is read. Otherwise the transaction is rolled back and ``upload`` keeps its status."""
    resolution = Resolution(upload)
    try:
        with transaction.atomic(), ParticipantStream(upload, resolution) as stream:
            prepared = prepare(upload, data, resolution=resolution, stream=stream)
            if not accept(prepared):
                raise _NotImported
            summary = _summary(prepared) if store_validation else None  # while the last rows are being written
            stream.finish()  # the last rows are written and the connection is free again
            if store_validation:
                _store_validation(upload, prepared, summary=summary)
            _finish_import(upload, prepared, user, stream)
    except _NotImported:
        resolution.forget()
    except IntegrityError as exc:  # a race with another import or an edit of the register: nothing was written
        resolution.forget()
        upload.refresh_from_db()
        raise ValidationError(f"Данные не записаны: конфликт с уже сохранёнными данными ({exc}). "
                              f"Проверьте файл ещё раз.") from exc
    return prepared


def _finish_import(upload: ResultUpload, prepared: Prepared, user, stream: ParticipantStream) -> None:
    if prepared.year.pk is None:
        prepared.year, _ = AcademicYear.objects.get_or_create(start_year=prepared.year.start_year)
    upload.academic_year = upload.academic_year or prepared.year
    _write(upload, prepared, stream)
    upload.status, upload.imported_at, upload.confirmed_by = UploadStatus.IMPORTED, timezone.now(), user
    upload.save(update_fields=["status", "imported_at", "confirmed_by", "academic_year", "updated_at"])
    schools = {id(school): school for school in prepared.school_for_row.values()}.values()  # 400 of 100 000
    upload.recompute_runs = queue_classification(municipality_ids={school.municipality_id for school in schools},
                                                 academic_year_id=prepared.year.pk, user=user)


def _write(upload: ResultUpload, prepared: Prepared, stream: ParticipantStream) -> None:
    prepared.resolution.save_new_schools()
    result = prepared.result
    if result.participants:
        if stream.written != len(prepared.school_for_row):  # both follow the same decisions: a guard, not a check
            raise RuntimeError(f"записано строк участников {stream.written} из {len(prepared.school_for_row)}")
        replace_participants(upload, prepared, stream)
    elif result.aggregates:
        replace_school_results(upload, prepared)
    else:
        _write_profiles(prepared)


def _write_profiles(prepared: Prepared) -> None:
    for row in prepared.result.meta["profiles"]:
        school = prepared.school_for_row.get(row["row"])
        if school is None:
            continue
        values = {k: v for k, v in row.items() if k not in ("row", "school")}
        values["source"] = "загрузка шаблона «Социальный паспорт»"
        SchoolYearProfile.objects.update_or_create(school=school, academic_year=prepared.year, defaults=values)
