"""Result uploads: receive → validate (preview) → import, atomically, with derived aggregates.

The file is parsed twice: once to validate and show the preview, once more when the import is confirmed (so
nothing half-checked is kept between the two steps and the register may have changed in between).
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.spreadsheets import RowError
from schools.models import AcademicYear, Municipality, School, SchoolYearProfile

from . import importers
from .choices import Assessment, UploadStatus
from .importers.base import ImportResult, SchoolRef
from .matching import SchoolMatcher, SubjectMatcher, name_key
from .models import GradingScale, ResultUpload, Subject
from .recompute import queue_classification
from .writes import replace_participants, replace_school_results

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

    @property
    def rows(self) -> list:
        return self.result.participants or self.result.aggregates or self.result.meta.get("profiles", [])


def _row_school_ref(row):
    return row["school"] if isinstance(row, dict) else row.school


def _row_number(row) -> int:
    return row["row"] if isinstance(row, dict) else row.row


def _resolve_year(upload: ResultUpload, prepared: Prepared) -> None:
    file_year = prepared.result.year
    chosen = upload.academic_year
    if chosen and file_year and chosen.label != file_year:
        prepared.errors.append(RowError(None, "", f"в файле учебный год {file_year}, а при загрузке выбран "
                                                  f"{chosen.label}"))
        return
    if chosen:
        prepared.year = chosen
    elif file_year:
        prepared.year, _ = AcademicYear.objects.get_or_create(start_year=AcademicYear.parse_label(file_year))
    else:
        prepared.errors.append(RowError(None, "", "в файле не указан учебный год: выберите его в форме загрузки"))


def _resolve_for_principal(upload, prepared, matcher) -> None:
    own = upload.school
    for row in prepared.rows:
        ref = _row_school_ref(row)
        found = matcher.find(ref) if (ref.login or ref.name) else own
        if found is None or found.pk != own.pk:
            prepared.errors.append(RowError(_row_number(row), "Школа", f"строка относится к другой школе («{ref}»); "
                                            f"директор загружает результаты только своей школы «{own}»"))
        else:
            prepared.school_for_row[_row_number(row)] = own


def _new_school(ref: SchoolRef, prepared: Prepared, matcher: SchoolMatcher) -> School:
    key = (name_key(ref.municipality), name_key(ref.name))
    if key not in prepared.new_schools:
        municipality = matcher.municipality(ref.municipality) or prepared.new_municipalities.setdefault(
            key[0], Municipality(name=ref.municipality[:255]))
        prepared.new_schools[key] = School(municipality=municipality, name=ref.name[:500], short_name=ref.name[:200],
                                           fis_oko_login=ref.login or None, aliases=[])
    return prepared.new_schools[key]


def _resolve_for_staff(upload, prepared, matcher) -> None:
    create = bool(upload.options.get("create_missing_schools"))
    for row in prepared.rows:
        ref = _row_school_ref(row)
        school = matcher.find(ref)
        if school is None and create and ref.name and ref.municipality:
            school = _new_school(ref, prepared, matcher)
        if school is None:
            prepared.unmatched.append({"row": _row_number(row), "municipality": ref.municipality, "name": ref.name,
                                       "login": ref.login})
            continue
        prepared.school_for_row[_row_number(row)] = school
    if prepared.unmatched:
        prepared.warnings.append(RowError(None, "Школа", f"строк, не сопоставленных с реестром: "
                                                         f"{len(prepared.unmatched)}; они не будут загружены "
                                                         f"(список — в сводке ниже)"))


def _resolve_subjects(prepared: Prepared) -> None:
    matcher = SubjectMatcher()
    first_row = {}
    for row in prepared.result.participants or prepared.result.aggregates:
        first_row.setdefault(row.subject, row.row)
    for label, row_number in first_row.items():
        subject = matcher.find(label)
        if subject is None:
            prepared.errors.append(RowError(row_number, "Предмет", f"предмет «{label}» не найден в справочнике "
                                                                   f"предметов портала"))
        else:
            prepared.subject_for_label[label] = subject


def scale_for(assessment: str, subject: Subject, grade: int, year: AcademicYear) -> GradingScale | None:
    """The scale in force: the newest one of this year or earlier."""
    return (GradingScale.objects.filter(assessment=assessment, subject=subject, grade=grade,
                                        academic_year__start_year__lte=year.start_year)
            .select_related("academic_year").order_by("-academic_year__start_year").first())


def _check_marks_against_scales(prepared: Prepared) -> None:
    groups = defaultdict(list)
    for p in prepared.result.participants:
        if p.subject in prepared.subject_for_label:
            groups[(prepared.subject_for_label[p.subject], p.grade)].append(p)
    for (subject, grade), rows in groups.items():
        scale = scale_for(Assessment.VPR, subject, grade, prepared.year)
        if scale is None or not scale.thresholds:
            prepared.warnings.append(RowError(None, "Отметка", f"для ВПР «{subject}», {grade} класс, {prepared.year} "
                                                               f"в портале нет шкалы: отметки не проверены"))
            continue
        _compare_with_scale(prepared, scale, rows)


def _compare_with_scale(prepared: Prepared, scale: GradingScale, rows) -> None:
    conditional = bool(scale.conditions)  # extra conditions may only lower a mark
    mismatched = []
    for p in rows:
        if p.primary_score is None:
            continue
        if p.primary_score > scale.max_score:
            prepared.errors.append(RowError(p.row, "Первичный балл", f"{p.primary_score} больше максимума "
                                                                     f"{scale.max_score} по шкале «{scale}»"))
            continue
        expected = scale.mark_for(p.primary_score)
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


def prepare(upload: ResultUpload, data: bytes) -> Prepared:
    """Parse the file and check it against the register, subjects and scales. Reads the database only."""
    options = upload.options
    own = upload.school
    school_ref = SchoolRef(login=own.fis_oko_login or "", municipality=own.municipality.name, name=own.name) \
        if own else None
    result = importers.parse(
        data, kind=upload.kind, year=upload.academic_year.label if upload.academic_year else "",
        subject=options.get("subject", ""), grade=options.get("grade"), school=school_ref,
        allowed=(tuple(options["allowed_layouts"]), options.get("allowed_label", "другой формат"))
        if options.get("allowed_layouts") else None,
        max_unzipped=settings.PORTAL_UPLOAD_MAX_UNZIPPED_BYTES)
    prepared = Prepared(result=result, errors=list(result.errors), warnings=list(result.warnings))
    if not prepared.rows:
        return prepared
    _resolve_year(upload, prepared)
    matcher = SchoolMatcher()
    (_resolve_for_principal if own else _resolve_for_staff)(upload, prepared, matcher)
    _resolve_subjects(prepared)
    _check_duplicate_aggregates(prepared)
    if prepared.year and result.participants:
        _check_marks_against_scales(prepared)
    return prepared


def _summary(prepared: Prepared) -> dict:
    per_key, labels = Counter(), {}
    for row in prepared.rows:
        school = prepared.school_for_row.get(_row_number(row))
        if school is None:
            continue
        labels[id(school)] = school.short_name or school.name
        if isinstance(row, dict):
            per_key[(id(school), "социальный паспорт", "")] += 1
        else:
            weight = 1 if prepared.result.participants else row.participants
            per_key[(id(school), row.subject, row.grade or "")] += weight
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


def upload_receive(*, user, file, kind: str, academic_year: AcademicYear | None, school: School | None,
                   options: dict, import_now: bool = False, confirm_warnings: bool = False) -> ResultUpload:
    """Keep the original file and validate it; the upload ends «validated» or «rejected».

    With ``import_now`` (the command line) a file that passes is imported at once from the same parse.
    """
    data = file.read()
    upload = ResultUpload(original_name=file.name[:255], checksum=hashlib.sha256(data).hexdigest(), size=len(data),
                          kind=kind, academic_year=academic_year, school=school, options=options, uploaded_by=user)
    upload.file.save(f"{upload.checksum[:16]}.xlsx", _content(data), save=False)
    upload.save()
    prepared = prepare(upload, data)
    _store_validation(upload, prepared)
    if import_now and upload.status == UploadStatus.VALIDATED:
        _check_confirmation(upload, confirm_warnings)
        _import_prepared(upload, prepared, user)
    return upload


def _content(data: bytes):
    from django.core.files.base import ContentFile

    return ContentFile(data)


def upload_validate(*, upload: ResultUpload) -> ResultUpload:
    with upload.file.open("rb") as handle:
        prepared = prepare(upload, handle.read())
    _store_validation(upload, prepared)
    return upload


def _store_validation(upload: ResultUpload, prepared: Prepared) -> None:
    upload.errors = _problems(prepared.errors)
    upload.warnings = _problems(prepared.warnings)
    upload.summary = _summary(prepared) if prepared.rows else {}
    upload.row_count = len(prepared.rows)
    if prepared.year and not upload.academic_year:
        upload.academic_year = prepared.year
    if upload.kind == "auto" and prepared.result.layout != "auto":
        upload.kind = prepared.result.layout
    upload.status = UploadStatus.REJECTED if prepared.errors else UploadStatus.VALIDATED
    upload.save()


def _check_confirmation(upload: ResultUpload, confirm_warnings: bool) -> None:
    if upload.warnings and not confirm_warnings:
        raise ValidationError("В файле есть предупреждения: подтвердите, что данные верны.")


def upload_import(*, upload: ResultUpload, user, confirm_warnings: bool = False) -> ResultUpload:
    """Replace the upload's scope with its rows in one transaction; queue the year's recompute after commit."""
    if upload.status != UploadStatus.VALIDATED:
        raise ValidationError("Загрузить можно только проверенный файл без ошибок.")
    _check_confirmation(upload, confirm_warnings)
    with upload.file.open("rb") as handle:
        prepared = prepare(upload, handle.read())
    if prepared.errors:
        upload.errors, upload.status = _problems(prepared.errors), UploadStatus.REJECTED
        upload.save(update_fields=["errors", "status", "updated_at"])
        raise ValidationError("Файл больше не проходит проверку (реестр или справочники изменились).")
    return _import_prepared(upload, prepared, user)


def _import_prepared(upload: ResultUpload, prepared: Prepared, user) -> ResultUpload:
    try:
        with transaction.atomic():
            _write(upload, prepared)
            upload.status, upload.imported_at, upload.confirmed_by = UploadStatus.IMPORTED, timezone.now(), user
            upload.save(update_fields=["status", "imported_at", "confirmed_by", "updated_at"])
            queue_classification(municipality_ids={s.municipality_id for s in prepared.school_for_row.values()},
                                 academic_year_id=prepared.year.pk, user=user)
    except IntegrityError as exc:  # a race with another import or an edit of the register: nothing was written
        raise ValidationError(f"Данные не записаны: конфликт с уже сохранёнными данными ({exc}). "
                              f"Проверьте файл ещё раз.") from exc
    return upload


def _save_new_schools(prepared: Prepared) -> None:
    for municipality in prepared.new_municipalities.values():
        municipality.save()
    for school in prepared.new_schools.values():
        school.save()


def _write(upload: ResultUpload, prepared: Prepared) -> None:
    _save_new_schools(prepared)
    result = prepared.result
    if result.participants:
        replace_participants(upload, prepared)
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
