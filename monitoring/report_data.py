"""What goes into the quarterly report: plain data gathered from the portal for one municipality and one quarter.

Every figure the report prints comes from here, so that a test can compare the PDF's text with the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from indicators.choices import RunStatus
from indicators.models import ClassificationRun, SchoolResult, SchoolStatus
from indicators.selectors_classification import quadrant
from roadmap import selectors as roadmap_selectors
from roadmap.models import Roadmap, RoadmapStatus
from roadmap.schedule import quarter_bounds
from schools.models import Municipality, School

QUARTER_NAMES = {1: "I квартал", 2: "II квартал", 3: "III квартал", 4: "IV квартал"}


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int

    @classmethod
    def parse(cls, text: str) -> Period:
        """«2025-Q1» → Period(2025, 1); raises ValueError with a Russian message."""
        raw = (text or "").strip().upper().replace("К", "Q")
        try:
            year_part, quarter_part = raw.split("-Q")
            period = cls(int(year_part), int(quarter_part))
        except ValueError:
            raise ValueError(f"период «{text}» не в формате ГГГГ-QN, например 2025-Q1") from None
        if not 1 <= period.quarter <= 4 or not 2000 <= period.year <= 2100:
            raise ValueError(f"период «{text}»: квартал от 1 до 4, год от 2000 до 2100")
        return period

    @property
    def code(self) -> str:
        return f"{self.year}-Q{self.quarter}"

    @property
    def label(self) -> str:
        return f"{QUARTER_NAMES[self.quarter]} {self.year} года"

    @property
    def bounds(self) -> tuple[date, date]:
        return quarter_bounds(self.year, self.quarter)

    @property
    def academic_start_year(self) -> int:
        """The academic year the quarter's last day belongs to (September starts a new one)."""
        end = self.bounds[1]
        return end.year if end.month >= 9 else end.year - 1

    def previous(self) -> Period:
        return Period(self.year, self.quarter - 1) if self.quarter > 1 else Period(self.year - 1, 4)


@dataclass
class SchoolPage:
    school: School
    status: SchoolStatus | None
    results: list[SchoolResult] = field(default_factory=list)
    results_year: str = ""
    activities: list[dict] = field(default_factory=list)
    activity_total: int = 0     # all activities aimed at the school (the list may show only those of the quarter)


def status_date(period: Period) -> date:
    """Overdue is judged as of the day after the quarter ends, or today for the current quarter."""
    return min(period.bounds[1] + timedelta(days=1), timezone.localdate())


def classification_for(municipality: Municipality, period: Period) -> ClassificationRun | None:
    """The latest finished run of the latest academic year not after the quarter."""
    return (ClassificationRun.objects.filter(municipality=municipality, status=RunStatus.DONE,
                                             academic_year__start_year__lte=period.academic_start_year)
            .select_related("academic_year", "methodology")
            .order_by("-academic_year__start_year", "-finished_at", "-pk").first())


def _previous_run(run: ClassificationRun) -> ClassificationRun | None:
    return (ClassificationRun.objects.filter(municipality_id=run.municipality_id, status=RunStatus.DONE,
                                             academic_year__start_year__lt=run.academic_year.start_year)
            .select_related("academic_year").order_by("-academic_year__start_year", "-finished_at", "-pk").first())


def _roadmaps(municipality: Municipality, period: Period) -> list[dict]:
    on = status_date(period)
    result = []
    roadmaps = Roadmap.objects.filter(municipality=municipality, status=RoadmapStatus.APPROVED,
                                      period_start__lte=period.year, period_end__gte=period.year)
    for roadmap in roadmaps.order_by("scope", "title"):
        loaded = roadmap_selectors.load(roadmap)
        sections = roadmap_selectors.section_summary(roadmap, period.year, period.quarter, on=on, loaded=loaded)
        overdue = roadmap_selectors.overdue_activities(roadmap, on=on, loaded=loaded)
        result.append({"roadmap": roadmap, "sections": sections, "overdue": overdue,
                       "totals": {key: sum(s[key] for s in sections)
                                  for key in ("total", "due", "done", "in_progress", "overdue")}})
    return result


def _school_pages(municipality: Municipality, run: ClassificationRun | None, period: Period) -> list[SchoolPage]:
    if run is None:
        return []
    statuses = list(run.statuses.filter(is_shnor=True).select_related("school", "run__academic_year")
                    .order_by("school__short_name"))
    return _pages([(s.school, s) for s in statuses], period)


def _latest_results(school_ids: list[int], period: Period) -> dict[int, list[SchoolResult]]:
    """Each school's results of its latest academic year that started before the quarter ends."""
    results = (SchoolResult.objects.filter(school_id__in=school_ids, academic_year__start_year__lte=period.year)
               .select_related("subject", "academic_year").order_by("-academic_year__start_year", "assessment",
                                                                    "subject__name", "grade"))
    latest: dict[int, list[SchoolResult]] = {}
    for result in results:
        rows = latest.setdefault(result.school_id, [])
        if not rows or rows[0].academic_year_id == result.academic_year_id:
            rows.append(result)
    return latest


def _pages(pairs: list[tuple[School, SchoolStatus | None]], period: Period, *,
           only_due: bool = True) -> list[SchoolPage]:
    """``only_due``: list only the activities with a deadline in the quarter or overdue (the quarterly report, one
    page per school; the whole roadmap is in its own chapter). The card of one school lists all."""
    latest = _latest_results([school.pk for school, _ in pairs], period)
    activities = roadmap_selectors.activities_for_schools([school for school, _ in pairs], on=status_date(period),
                                                          year=period.year, quarter=period.quarter)
    pages = []
    for school, status in pairs:
        rows = latest.get(school.pk, [])
        every = [row for group in activities[school.pk] for row in group["rows"]]
        shown = [r for r in every if r["cell"].due or r["cell"].overdue] if only_due else every
        pages.append(SchoolPage(school=school, status=status, results=rows, activity_total=len(every),
                                results_year=rows[0].academic_year.label if rows else "", activities=shown))
    return pages


def school_card_data(school: School, period: Period) -> dict:
    """«Информационно-аналитический отчёт по ШНОР»: one school's status, reasons, results and activities."""
    run = classification_for(school.municipality, period)
    status = (SchoolStatus.objects.filter(run=run, school=school).select_related("run__academic_year").first()
              if run else None)
    history = list(SchoolStatus.objects.filter(school=school, run__status=RunStatus.DONE)
                   .select_related("run__academic_year").order_by("-run__academic_year__start_year",
                                                                  "-run__finished_at"))
    by_year = {}
    for item in history:
        by_year.setdefault(item.run.academic_year.label, item)  # the latest run of each year
    return {"school": school, "municipality": school.municipality, "period": period,
            "generated_at": timezone.localtime(), "status_date": status_date(period),
            "page": _pages([(school, status)], period, only_due=False)[0], "status_history": list(by_year.values())}


def report_data(municipality: Municipality, period: Period) -> dict:
    run = classification_for(municipality, period)
    previous = _previous_run(run) if run else None
    statuses = list(run.statuses.select_related("school").order_by("school__short_name")) if run else []
    counts = {"schools": len(statuses), "shnor": sum(s.is_shnor for s in statuses),
              "shnsu": sum(s.is_shnsu for s in statuses), "participants": sum(s.is_participant for s in statuses),
              "resilient": sum(s.is_resilient for s in statuses)}
    moves = {"entered": [], "left": []}
    if previous is not None:
        before = set(previous.statuses.filter(is_shnor=True).values_list("school_id", flat=True))
        now = {s.school_id for s in statuses if s.is_shnor}
        names = {s.school_id: s.school.short_name for s in statuses}
        moves = {"entered": sorted(names.get(i, str(i)) for i in now - before),
                 "left": sorted(names.get(i, str(i)) for i in before - now)}
    roadmaps = _roadmaps(municipality, period)
    chart = quadrant(run, statuses) if run else None
    return {
        "quadrant": chart["svg"] if chart else "",
        "municipality": municipality, "period": period, "generated_at": timezone.localtime(),
        "status_date": status_date(period), "run": run, "previous_run": previous, "statuses": statuses,
        "counts": counts, "moves": moves, "roadmaps": roadmaps,
        "overdue_total": sum(len(r["overdue"]) for r in roadmaps),
        "school_pages": _school_pages(municipality, run, period),
    }
