"""Reads over roadmaps: visibility, target schools, what is due and overdue, the progress matrix."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.http import Http404
from django.utils import timezone

from indicators.choices import RunStatus
from indicators.models import ClassificationRun, SchoolStatus
from schools.models import School

from .models import (
    Activity,
    ActivityReport,
    ReportStatus,
    ResponsibleParty,
    Roadmap,
    RoadmapScope,
    Section,
    TargetScope,
)
from .schedule import due_dates, is_ongoing, quarter_bounds, quarter_of

QUARTERS = (1, 2, 3, 4)


def today() -> date:
    return timezone.localdate()


def access_roadmap(user, pk: int) -> Roadmap:
    roadmap = Roadmap.objects.visible_to(user).select_related("municipality", "school").filter(pk=pk).first()
    if roadmap is None:
        raise Http404("Дорожная карта не найдена.")
    return roadmap


def access_activity(user, pk: int) -> Activity:
    activity = Activity.objects.select_related("roadmap", "roadmap__municipality", "roadmap__school", "section") \
        .filter(pk=pk, roadmap__in=Roadmap.objects.visible_to(user)).first()
    if activity is None:
        raise Http404("Мероприятие не найдено.")
    return activity


def can_edit(user, roadmap: Roadmap) -> bool:
    """Staff edit every roadmap that is not archived; a principal edits the draft of their own school roadmap."""
    if roadmap.status == "archived":
        return False
    if user.is_department_staff:
        return True
    return (user.is_principal and roadmap.scope == RoadmapScope.SCHOOL and roadmap.school_id == user.school_id
            and roadmap.status == "draft")


def shnor_ids(municipality_id: int) -> set[int]:
    """Schools marked ШНОР in the municipality's latest finished classification run (of its latest year)."""
    run = (ClassificationRun.objects.filter(municipality_id=municipality_id, status=RunStatus.DONE)
           .order_by("-academic_year__start_year", "-finished_at", "-pk").first())
    if run is None:
        return set()
    return set(SchoolStatus.objects.filter(run=run, is_shnor=True).values_list("school_id", flat=True))


def active_school_ids(municipality_id: int) -> set[int]:
    return set(School.objects.filter(municipality_id=municipality_id, is_active=True).values_list("pk", flat=True))


def target_school_ids(activity: Activity, *, shnor: set[int] | None = None,
                      all_ids: set[int] | None = None) -> set[int]:
    """The schools an activity is aimed at. Callers going over many activities pass the municipality's ШНОР and
    active schools, read once."""
    if activity.target_scope == TargetScope.SHNOR:
        return shnor if shnor is not None else shnor_ids(activity.roadmap.municipality_id)
    if activity.target_scope == TargetScope.ALL:
        return all_ids if all_ids is not None else active_school_ids(activity.roadmap.municipality_id)
    if activity.target_scope == TargetScope.LISTED:
        return {s.pk for s in activity.target_schools.all()}
    return set()


def reporting_school(activity: Activity) -> int | None:
    """The school whose report is the activity's own: the school of a school roadmap, else none (municipal)."""
    return activity.roadmap.school_id if activity.roadmap.scope == RoadmapScope.SCHOOL else None


@dataclass
class Cell:
    year: int
    quarter: int
    due: list[date] = field(default_factory=list)
    ongoing: bool = False
    status: str = ""           # the municipal (or school-roadmap) report's status
    status_label: str = ""
    school_done: int = 0       # school reports «выполнено» for this quarter
    school_total: int = 0      # schools the activity is aimed at
    overdue: bool = False
    report_id: int | None = None

    @property
    def is_due(self) -> bool:
        return bool(self.due) or self.ongoing

    @property
    def css(self) -> str:
        if self.overdue:
            return "table-danger"
        return {ReportStatus.DONE: "table-success", ReportStatus.IN_PROGRESS: "table-info",
                ReportStatus.POSTPONED: "table-warning", ReportStatus.FAILED: "table-danger"}.get(self.status, "")


def _period(roadmap: Roadmap) -> tuple[date, date]:
    return date(roadmap.period_start, 1, 1), date(roadmap.period_end, 12, 31)


def cell_for(activity: Activity, year: int, quarter: int, reports: dict, *, on: date, schools: set[int]) -> Cell:
    """The state of one activity in one quarter. ``reports`` maps (activity, school, year, quarter) → report."""
    start, end = quarter_bounds(year, quarter)
    active_from, active_to = _period(activity.roadmap)
    schedule = activity.parsed_schedule
    cell = Cell(year=year, quarter=quarter,
                due=due_dates(schedule, start, end, active_from=active_from, active_to=active_to),
                ongoing=is_ongoing(schedule, min(end, active_to), active_from=active_from, active_to=active_to)
                if start <= active_to and end >= active_from else False)
    own = reports.get((activity.pk, reporting_school(activity), year, quarter))
    if own is not None:
        cell.status, cell.status_label, cell.report_id = own.status, own.get_status_display(), own.pk
    if schools and activity.roadmap.scope == RoadmapScope.MUNICIPAL:
        cell.school_total = len(schools)
        school_reports = (reports.get((activity.pk, sid, year, quarter)) for sid in schools)
        cell.school_done = sum(1 for r in school_reports if r is not None and r.status == ReportStatus.DONE)
    done = cell.status == ReportStatus.DONE or (cell.school_total and cell.school_done == cell.school_total)
    settled = done or cell.status == ReportStatus.POSTPONED
    cell.overdue = bool(cell.due) and min(cell.due) < on and not settled
    return cell


def _reports_index(activities) -> dict:
    reports = ActivityReport.objects.filter(activity__in=activities)
    return {(r.activity_id, r.school_id, r.year, r.quarter): r for r in reports}


@dataclass
class MatrixRow:
    activity: Activity
    cells: list[Cell]
    section_start: bool = False

    @property
    def overdue(self) -> bool:
        return any(c.overdue for c in self.cells)


@dataclass
class Loaded:
    """A roadmap's activities with everything their cells need: their reports and the municipality's ШНОР."""

    activities: list[Activity]
    reports: dict
    shnor: set[int]
    all_ids: set[int]

    def targets(self, activity: Activity) -> set[int]:
        return target_school_ids(activity, shnor=self.shnor, all_ids=self.all_ids)


def load(roadmap: Roadmap) -> Loaded:
    activities = list(roadmap.activities.select_related("section", "roadmap").prefetch_related("target_schools")
                      .order_by("section__position", "position", "pk"))
    return Loaded(activities, _reports_index(activities), shnor_ids(roadmap.municipality_id),
                  active_school_ids(roadmap.municipality_id))


def progress_matrix(roadmap: Roadmap, year: int, *, on: date | None = None, loaded: Loaded | None = None) -> dict:
    on = on or today()
    loaded = loaded or load(roadmap)
    rows, previous_section = [], None
    for activity in loaded.activities:
        schools = loaded.targets(activity)
        cells = [cell_for(activity, year, q, loaded.reports, on=on, schools=schools) for q in QUARTERS]
        rows.append(MatrixRow(activity=activity, cells=cells, section_start=activity.section_id != previous_section))
        previous_section = activity.section_id
    years = list(range(roadmap.period_start, roadmap.period_end + 1))
    return {"rows": rows, "year": year, "years": years, "quarters": QUARTERS,
            "overdue_count": sum(1 for r in rows if r.overdue),
            "due_count": sum(1 for r in rows if any(c.is_due for c in r.cells)), "on": on}


def default_year(roadmap: Roadmap, on: date | None = None) -> int:
    on = on or today()
    return min(max(on.year, roadmap.period_start), roadmap.period_end)


def overdue_activities(roadmap: Roadmap, *, on: date | None = None,
                       loaded: Loaded | None = None) -> list[tuple[Activity, list[Cell]]]:
    """Activities with a due date before ``on`` in any quarter of the period that is not settled."""
    on = on or today()
    loaded = loaded or load(roadmap)
    last_year, last_quarter = quarter_of(on)
    result = []
    for activity in loaded.activities:
        schools = loaded.targets(activity)
        late = []
        for year in range(roadmap.period_start, min(roadmap.period_end, last_year) + 1):
            for quarter in QUARTERS:
                if (year, quarter) > (last_year, last_quarter):
                    break
                cell = cell_for(activity, year, quarter, loaded.reports, on=on, schools=schools)
                if cell.overdue:
                    late.append(cell)
        if late:
            result.append((activity, late))
    return result


def section_summary(roadmap: Roadmap, year: int, quarter: int, *, on: date | None = None,
                    loaded: Loaded | None = None) -> list[dict]:
    """Per section: activities due in the quarter, done, in progress, overdue."""
    matrix = progress_matrix(roadmap, year, on=on, loaded=loaded)
    summary: dict[int, dict] = {}
    for row in matrix["rows"]:
        cell = row.cells[quarter - 1]
        entry = summary.setdefault(row.activity.section_id, {
            "section": row.activity.section, "total": 0, "due": 0, "done": 0, "in_progress": 0, "overdue": 0})
        entry["total"] += 1
        entry["due"] += cell.is_due
        entry["done"] += cell.status == ReportStatus.DONE
        entry["in_progress"] += cell.status == ReportStatus.IN_PROGRESS
        entry["overdue"] += cell.overdue
    return list(summary.values())


def activities_for_schools(schools: list[School], *, on: date | None = None, year: int | None = None,
                           quarter: int | None = None) -> dict[int, list[dict]]:
    """For each school, what it reports on: its own school roadmap and the municipal activities aimed at it, grouped
    by roadmap, with their state in a quarter (by default the quarter of ``on``; overdue is judged as of ``on``).
    The activities and reports of each municipality are read once for all its schools."""
    on = on or today()
    if year is None or quarter is None:
        year, quarter = quarter_of(on)
    result: dict[int, list[dict]] = {school.pk: [] for school in schools}
    for municipality_id in {school.municipality_id for school in schools}:
        ids = [school.pk for school in schools if school.municipality_id == municipality_id]
        candidates = list(Activity.objects.select_related("roadmap", "section").prefetch_related("target_schools")
                          .filter(roadmap__status__in=["approved", "draft"], roadmap__municipality_id=municipality_id)
                          .order_by("roadmap_id", "section__position", "position"))
        shnor, all_ids = shnor_ids(municipality_id), active_school_ids(municipality_id)
        targets = {a.pk: target_school_ids(a, shnor=shnor, all_ids=all_ids) for a in candidates
                   if a.roadmap.scope != RoadmapScope.SCHOOL}
        reports = {(r.activity_id, r.school_id): r for r in ActivityReport.objects.filter(
            activity__in=candidates, school_id__in=ids, year=year, quarter=quarter)}
        for school_id in ids:
            by_roadmap = defaultdict(list)
            for activity in candidates:
                aimed = (activity.roadmap.school_id == school_id if activity.roadmap.scope == RoadmapScope.SCHOOL
                         else school_id in targets[activity.pk])
                if aimed:
                    by_roadmap[activity.roadmap].append(activity)
            for roadmap, activities in by_roadmap.items():
                rows = []
                for activity in activities:
                    # the school's own report is what counts here, on a school roadmap and a municipal one alike
                    report = reports.get((activity.pk, school_id))
                    own = {(activity.pk, reporting_school(activity), year, quarter): report} if report else {}
                    rows.append({"activity": activity,
                                 "cell": cell_for(activity, year, quarter, own, on=on, schools=set())})
                result[school_id].append({"roadmap": roadmap, "rows": rows})
    return result


def activities_for_school(school: School, **period) -> list[dict]:
    return activities_for_schools([school], **period)[school.pk]


def activity_history(activity: Activity) -> list[dict]:
    """Readable change list: who, when, what changed (old → new) per field."""
    records = list(activity.history.select_related("history_user").order_by("-history_date", "-history_id"))
    labels = {f.name: f.verbose_name for f in Activity._meta.fields}
    hidden = {"schedule", "schedule_kind", "schedule_parsed", "version", "position"}
    entries = []
    for newer, older in zip(records, records[1:] + [None], strict=False):
        changes = []
        if older is not None:
            delta = newer.diff_against(older)
            for change in delta.changes:
                if change.field in hidden:
                    continue
                if change.field in ("target_schools", "responsible"):
                    old = ", ".join(_m2m_names(change.field, change.old)) or "—"
                    new = ", ".join(_m2m_names(change.field, change.new)) or "—"
                    changes.append({"field": "школы" if change.field == "target_schools" else "ответственные",
                                    "old": old, "new": new})
                    continue
                changes.append({"field": labels.get(change.field, change.field),
                                "old": _display(change.field, change.old), "new": _display(change.field, change.new)})
            only_position = not changes and any(c.field in ("position", "section") for c in delta.changes)
            if not changes and not only_position:
                continue
            if only_position:
                changes.append({"field": "порядок", "old": "", "new": "мероприятие перемещено"})
        kind = {"+": "создано", "~": "изменено", "-": "удалено"}[newer.history_type]
        entries.append({"when": newer.history_date, "who": newer.history_user, "kind": kind, "changes": changes,
                        "reason": newer.history_change_reason or ""})
    return entries


def _display(field: str, value) -> str:
    if field == "target_scope":
        return dict(TargetScope.choices).get(value or "", value or "—")
    if field == "section":
        section = Section.objects.filter(pk=value).first()
        return str(section) if section else "—"
    return "—" if value in (None, "") else str(value)


def _m2m_names(field: str, rows) -> list[str]:
    if not rows:
        return []
    if field == "target_schools":
        ids = [r["school"] for r in rows]
        return [str(s) for s in School.objects.filter(pk__in=ids)]
    ids = [r["responsibleparty"] for r in rows]
    return [p.name for p in ResponsibleParty.objects.filter(pk__in=ids)]
