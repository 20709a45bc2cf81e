"""Writes to roadmaps: creation, import, in-place editing with optimistic locking, reordering, progress reports.

Every function here runs in one transaction and leaves history records (django-simple-history) with the user.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from simple_history.utils import update_change_reason

from portal.archives import ArchiveError, check_archive
from schools.models import Municipality, School

from .models import (
    Activity,
    ActivityReport,
    Evidence,
    ReportStatus,
    ResponsibleParty,
    Roadmap,
    RoadmapScope,
    RoadmapStatus,
    Section,
    TargetScope,
)
from .tables import ActivityRow, RoadmapTable, SectionRow


class ConflictError(Exception):
    """Somebody else saved the same record since the form was opened."""

    def __init__(self, message: str, current=None):
        super().__init__(message)
        self.current = current


# Organisations that appear in the «Ответственные» columns of the source programmes. Names found in a
# municipality's earlier roadmaps are added to this list when its documents are split into parties.
DEFAULT_PARTIES = (
    "Управление образования", "Отдел образования", "Отдел общего образования", "МКУ КРО", "Администрация ОО",
    "Руководители ОО", "руководители РМО", "ММС", "РМО", "ШМО", "ОО",
)
_PERSON = re.compile(r"^[А-ЯЁ][а-яё-]+\s+[А-ЯЁ]\.\s?[А-ЯЁ]\.?")
_SPLIT = re.compile(r"[\n;,]+")


def split_responsible(text: str, vocabulary: Iterable[str] = ()) -> list[str]:
    """«Управление образования МКУ КРО Администрация ОО» → three parties; «Отдел образования Казакова О.Б., ОО»
    → «Отдел образования Казакова О.Б.», «ОО». Known names are matched longest first at word boundaries; a person's
    surname with initials right after an organisation stays with it; unknown text is kept as one party."""
    names = sorted({*DEFAULT_PARTIES, *vocabulary}, key=len, reverse=True)
    parties: list[str] = []
    for chunk in _SPLIT.split(text or ""):
        rest = " ".join(chunk.split())
        while rest:
            for name in names:
                if rest.lower().startswith(name.lower()) and (len(rest) == len(name) or not rest[len(name)].isalnum()):
                    taken, rest = rest[: len(name)], rest[len(name):].strip()
                    person = _PERSON.match(rest)
                    if person:
                        taken, rest = f"{taken} {person.group(0)}", rest[person.end():].strip()
                    break
            else:
                # no known name at the start: take up to the next known name (or everything)
                cut = len(rest)
                for name in names:
                    found = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", rest[1:], flags=re.IGNORECASE)
                    if found:
                        cut = min(cut, found.start() + 1)
                taken, rest = rest[:cut].strip(), rest[cut:].strip()
            taken = re.sub(r"\.{2,}$", ".", taken.strip(" "))
            if taken.endswith(".") and not re.search(r"(?<![А-ЯЁа-яё])[А-ЯЁ]\.$", taken):
                taken = taken[:-1]  # a sentence full stop, not an initial
            if taken and taken not in parties:
                parties.append(taken)
    return parties


def set_responsible(activity: Activity, municipality: Municipality, names: Iterable[str]) -> None:
    parties = []
    for name in names:
        party, _ = ResponsibleParty.objects.get_or_create(municipality=municipality, name=name[:255])
        parties.append(party)
    activity.responsible.set(parties)


def _vocabulary(municipality: Municipality) -> list[str]:
    return list(ResponsibleParty.objects.filter(municipality=municipality).values_list("name", flat=True))


# --- roadmaps -----------------------------------------------------------------------------------------------------

@dataclass
class RoadmapHeaderData:
    title: str
    municipality: Municipality
    period_start: int
    period_end: int
    school: School | None = None
    order_number: str = ""
    order_date: object = None
    status: str = RoadmapStatus.DRAFT
    source: str = ""


def roadmap_create(*, user, data: RoadmapHeaderData) -> Roadmap:
    roadmap = Roadmap(
        scope=RoadmapScope.SCHOOL if data.school else RoadmapScope.MUNICIPAL,
        municipality=data.school.municipality if data.school else data.municipality,
        school=data.school, title=data.title, period_start=data.period_start, period_end=data.period_end,
        order_number=data.order_number, order_date=data.order_date, status=data.status, source=data.source,
        created_by=user)
    roadmap.full_clean()
    roadmap._history_user = user
    roadmap.save()
    return roadmap


def roadmap_update(*, roadmap: Roadmap, user, **fields) -> Roadmap:
    for name, value in fields.items():
        setattr(roadmap, name, value)
    roadmap.full_clean()
    roadmap._history_user = user
    roadmap.save()
    return roadmap


@transaction.atomic
def roadmap_import(*, user, header: RoadmapHeaderData, table: RoadmapTable,
                   target_scope: str = TargetScope.NONE) -> Roadmap:
    """Create a roadmap with the sections and activities of a parsed table. Refuses a table with errors."""
    if not table.ok:
        raise ValidationError([str(e) for e in table.errors])
    roadmap = roadmap_create(user=user, data=header)
    vocabulary = _vocabulary(roadmap.municipality)
    for s_pos, section_row in enumerate(table.sections, start=1):
        section = Section(roadmap=roadmap, number=section_row.number[:20], title=section_row.title[:500],
                          position=s_pos)
        section._history_user = user
        section.save()
        for a_pos, row in enumerate(section_row.activities, start=1):
            activity = Activity(roadmap=roadmap, section=section, number=row.number[:20], title=row.title,
                                position=a_pos, deadline_text=row.deadline_text,
                                responsible_text=row.responsible_text, expected_result=row.expected_result,
                                target_scope=target_scope)
            activity._history_user = user
            activity.save()
            set_responsible(activity, roadmap.municipality, split_responsible(row.responsible_text, vocabulary))
    return roadmap


def roadmap_table(roadmap: Roadmap) -> RoadmapTable:
    """The roadmap as the plain table the exporters and the importer share."""
    sections = []
    activities_by_section: dict[int, list[ActivityRow]] = {}
    for activity in Activity.objects.filter(roadmap=roadmap).order_by("position", "pk"):
        activities_by_section.setdefault(activity.section_id, []).append(ActivityRow(
            number=activity.number, title=activity.title, deadline_text=activity.deadline_text,
            responsible_text=activity.responsible_text, expected_result=activity.expected_result))
    for section in roadmap.sections.order_by("position", "pk"):
        sections.append(SectionRow(number=section.number, title=section.title,
                                   activities=activities_by_section.get(section.pk, [])))
    return RoadmapTable(sections=sections, errors=[], warnings=[], columns={})


# --- sections -----------------------------------------------------------------------------------------------------

def _next_position(qs) -> int:
    return (qs.aggregate(m=Max("position"))["m"] or 0) + 1


def section_create(*, roadmap: Roadmap, user, number: str, title: str) -> Section:
    section = Section(roadmap=roadmap, number=number, title=title,
                      position=_next_position(roadmap.sections.all()))
    section.full_clean()
    section._history_user = user
    section.save()
    return section


@transaction.atomic
def section_update(*, section: Section, user, version: int, number: str, title: str) -> Section:
    current = Section.objects.select_for_update().get(pk=section.pk)
    if current.version != version:
        raise ConflictError("Раздел уже изменил другой пользователь. Обновите страницу, чтобы увидеть его правку.",
                            current)
    current.number, current.title, current.version = number, title, current.version + 1
    current.full_clean()
    current._history_user = user
    current.save()
    return current


@transaction.atomic
def section_delete(*, section: Section, user) -> None:
    if section.activities.filter(reports__isnull=False).exists():
        raise ValidationError("В разделе есть мероприятия с отчётами о выполнении: сначала перенесите их "
                              "в другой раздел.")
    for activity in section.activities.all():
        activity._history_user = user
        activity.delete()
    section._history_user = user
    section.delete()


@transaction.atomic
def section_move(*, section: Section, user, direction: int) -> None:
    siblings = list(Section.objects.select_for_update().filter(roadmap_id=section.roadmap_id)
                    .order_by("position", "pk"))
    _swap(siblings, section.pk, direction, user)


def _swap(items: list, pk: int, direction: int, user) -> bool:
    """Move the item with ``pk`` one place up (-1) or down (+1) and renumber positions 1..n."""
    index = next(i for i, item in enumerate(items) if item.pk == pk)
    target = index + direction
    if not 0 <= target < len(items):
        return False
    items[index], items[target] = items[target], items[index]
    for position, item in enumerate(items, start=1):
        if item.position != position:
            item.position = position
            item._history_user = user
            item.save(update_fields=["position"])
    return True


# --- activities ---------------------------------------------------------------------------------------------------

ACTIVITY_FIELDS = ("number", "title", "deadline_text", "responsible_text", "expected_result", "target_scope")


def _apply_activity(activity: Activity, user, fields: dict, target_schools, risk_factors) -> Activity:
    for name in ACTIVITY_FIELDS:
        if name in fields:
            setattr(activity, name, fields[name])
    if activity.target_scope != TargetScope.LISTED:
        target_schools = []
    activity.full_clean(exclude=["roadmap", "section"])
    activity._history_user = user
    activity.save()
    if target_schools is not None:
        foreign = [s for s in target_schools if s.municipality_id != activity.roadmap.municipality_id]
        if foreign:
            raise ValidationError({"target_schools": "Школы другого муниципалитета: "
                                   + ", ".join(str(s) for s in foreign)})
        activity.target_schools.set(target_schools)
    if risk_factors is not None:
        activity.risk_factors.set(risk_factors)
    set_responsible(activity, activity.roadmap.municipality,
                     split_responsible(activity.responsible_text, _vocabulary(activity.roadmap.municipality)))
    return activity


@transaction.atomic
def activity_create(*, section: Section, user, fields: dict, target_schools=None, risk_factors=None) -> Activity:
    activity = Activity(roadmap_id=section.roadmap_id, section=section,
                        position=_next_position(section.activities.all()))
    activity.roadmap = section.roadmap
    return _apply_activity(activity, user, fields, target_schools, risk_factors)


@transaction.atomic
def activity_update(*, activity: Activity, user, version: int, fields: dict, target_schools=None,
                    risk_factors=None) -> Activity:
    current = Activity.objects.select_for_update().select_related("roadmap").get(pk=activity.pk)
    if current.version != version:
        who = current.history.first()
        by = f" ({who.history_user.display_name}, {who.history_date:%d.%m.%Y %H:%M})" if who and who.history_user \
            else ""
        raise ConflictError(f"Мероприятие {current.number} уже изменил другой пользователь{by}. Ваши правки не "
                            "сохранены: обновите строку и внесите их снова.", current)
    current.version += 1
    return _apply_activity(current, user, fields, target_schools, risk_factors)


@transaction.atomic
def activity_delete(*, activity: Activity, user) -> None:
    if activity.reports.exists():
        raise ValidationError(f"По мероприятию {activity.number} уже есть отчёты о выполнении; удалить его "
                              "нельзя. Отметьте его статусом «перенесено» или «не выполнено».")
    activity._history_user = user
    activity.delete()


@transaction.atomic
def activity_move(*, activity: Activity, user, direction: int) -> bool:
    """Move one place up or down inside the section; at the edge, into the neighbouring section."""
    siblings = list(Activity.objects.select_for_update().filter(section_id=activity.section_id)
                    .order_by("position", "pk"))
    if _swap(siblings, activity.pk, direction, user):
        return True
    sections = list(Section.objects.filter(roadmap_id=activity.roadmap_id).order_by("position", "pk"))
    index = next(i for i, s in enumerate(sections) if s.pk == activity.section_id)
    if not 0 <= index + direction < len(sections):
        return False
    target = sections[index + direction]
    moved = Activity.objects.get(pk=activity.pk)
    moved.section = target
    if direction > 0:
        Activity.objects.filter(section=target).update(position=F("position") + 1)
        moved.position = 1
    else:
        moved.position = _next_position(target.activities.all())
    moved._history_user = user
    moved.save(update_fields=["section", "position"])
    update_change_reason(moved, f"перенесено в раздел {target}")
    return True


@transaction.atomic
def section_renumber(*, section: Section, user) -> int:
    """Number the section's activities «<section>.1», «<section>.2»… in their current order."""
    changed = 0
    for position, activity in enumerate(section.activities.order_by("position", "pk"), start=1):
        number = f"{section.number}.{position}" if section.number else str(position)
        if activity.number != number:
            activity.number = number
            activity.version += 1
            activity._history_user = user
            activity.save(update_fields=["number", "version"])
            changed += 1
    return changed


# --- progress -----------------------------------------------------------------------------------------------------

EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
EVIDENCE_MAX_FILES = 10
EVIDENCE_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}
_MAGIC = {
    ".pdf": (b"%PDF",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".odt": (b"PK\x03\x04",),
    ".ods": (b"PK\x03\x04",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}


_ARCHIVE_KINDS = {".docx": "docx", ".xlsx": "xlsx", ".odt": "odt", ".ods": "ods"}


def check_evidence(upload) -> str:
    """Return the content type for an allowed file or raise ValidationError with a Russian message."""
    name = upload.name or ""
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if suffix not in EVIDENCE_TYPES:
        raise ValidationError(f"Файл «{name}»: допускаются только " + ", ".join(sorted(EVIDENCE_TYPES)) + ".")
    if upload.size > EVIDENCE_MAX_BYTES:
        raise ValidationError(f"Файл «{name}» больше {EVIDENCE_MAX_BYTES // (1024 * 1024)} МБ.")
    if upload.size == 0:
        raise ValidationError(f"Файл «{name}» пустой.")
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in _MAGIC[suffix]):
        raise ValidationError(f"Файл «{name}» не похож на {suffix}: содержимое не соответствует расширению.")
    if suffix in _ARCHIVE_KINDS:  # an Office file is a zip: no zip bomb is kept and offered for download
        data = upload.read()
        upload.seek(0)
        try:
            check_archive(data, kind=_ARCHIVE_KINDS[suffix])
        except ArchiveError as exc:
            raise ValidationError(f"Файл «{name}»: {exc}.") from exc
    return EVIDENCE_TYPES[suffix]


@transaction.atomic
def report_save(*, activity: Activity, user, year: int, quarter: int, status: str, comment: str = "",
                school: School | None = None, version: int | None = None, files=()) -> ActivityReport:
    """Create or update the progress report of an activity for a quarter (and a school, for school reports)."""
    if status not in ReportStatus.values:
        raise ValidationError({"status": "Выберите статус из списка."})
    if not 1 <= int(quarter) <= 4:
        raise ValidationError({"quarter": "Квартал — число от 1 до 4."})
    if not activity.roadmap.period_start - 1 <= int(year) <= activity.roadmap.period_end + 1:
        raise ValidationError({"year": f"Год вне периода дорожной карты ({activity.roadmap.period_label})."})
    report, created = ActivityReport.objects.select_for_update().get_or_create(
        activity=activity, school=school, year=year, quarter=quarter,
        defaults={"status": status, "comment": comment, "author": user})
    if not created:
        if version is not None and report.version != version:
            raise ConflictError(f"Отчёт за {report.period_label} уже изменил другой пользователь. Обновите форму.",
                                report)
        report.status, report.comment, report.author = status, comment, user
        report.version += 1
        report._history_user = user
        report.save()
    else:
        # the creation record of get_or_create has no user; add it now
        record = report.history.first()
        if record is not None:
            record.history_user = user
            record.save(update_fields=["history_user"])
    files = list(files)
    if report.evidence.count() + len(files) > EVIDENCE_MAX_FILES:
        raise ValidationError(f"К одному отчёту можно приложить не более {EVIDENCE_MAX_FILES} файлов.")
    for upload in files:
        content_type = check_evidence(upload)
        Evidence.objects.create(report=report, file=upload, original_name=upload.name[:255], size=upload.size,
                                content_type=content_type, uploaded_by=user)
    return report


def evidence_delete(*, evidence: Evidence, user) -> None:
    evidence.file.delete(save=False)
    evidence.delete()
