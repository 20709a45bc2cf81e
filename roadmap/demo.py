"""Demo roadmaps (fixtures/demo/roadmaps/*.json, extracted from the source programmes) with some progress."""

import json
from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model

from portal.choices import Role
from schools.models import Municipality, School

from . import selectors, services
from .models import Activity, ActivityReport, ReportStatus, Roadmap, Section
from .schedule import due_dates, quarter_bounds, quarter_of

DEMO_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "demo" / "roadmaps"
DEMO_FILES = ("tuapse.json", "choya.json", "tutaev.json")


def _load_one(raw: dict, user) -> Roadmap | None:
    municipality = Municipality.objects.get(name=raw["municipality"])
    if Roadmap.objects.filter(municipality=municipality, title=raw["title"]).exists():
        return None
    roadmap = services.roadmap_create(user=user, data=services.RoadmapHeaderData(
        title=raw["title"], municipality=municipality, period_start=raw["period_start"],
        period_end=raw["period_end"], order_number=raw.get("order_number", ""),
        order_date=date.fromisoformat(raw["order_date"]) if raw.get("order_date") else None,
        status=raw.get("status", "approved"), source=raw.get("source", "")))
    schools = {s.name: s for s in School.objects.filter(municipality=municipality)}
    schools |= {s.short_name: s for s in schools.values()}
    for s_pos, raw_section in enumerate(raw["sections"], start=1):
        section = Section.objects.create(roadmap=roadmap, number=raw_section["number"], title=raw_section["title"],
                                         position=s_pos)
        for a_pos, item in enumerate(raw_section["activities"], start=1):
            activity = Activity(roadmap=roadmap, section=section, number=item["number"], title=item["title"],
                                position=a_pos, deadline_text=item.get("deadline_text", ""),
                                responsible_text=item.get("responsible_text", ""),
                                expected_result=item.get("expected_result", ""),
                                target_scope=item.get("target_scope", ""))
            activity._history_user = user
            activity.save()
            names = item.get("responsible") or services.split_responsible(activity.responsible_text)
            services.set_responsible(activity, municipality, names)
            if item.get("target_schools"):
                activity.target_schools.set([schools[name] for name in item["target_schools"]])
    return roadmap


def _progress(roadmap: Roadmap, staff, principals: dict[int, object]) -> int:
    """Deterministic progress for every past quarter of the period: most due activities done, some in progress,
    some postponed, a few left without a report (they show up as overdue)."""
    count = 0
    last = quarter_of(selectors.today())
    shnor = selectors.shnor_ids(roadmap.municipality_id)
    activities = roadmap.activities.select_related("roadmap").order_by("section__position", "position")
    periods = [(y, q) for y in range(roadmap.period_start, roadmap.period_end + 1) for q in range(1, 5)
               if (y, q) <= last]
    for index, activity in enumerate(activities):
        schedule = activity.parsed_schedule
        for year, quarter in periods:
            start, end = quarter_bounds(year, quarter)
            due = due_dates(schedule, start, end, active_from=date(roadmap.period_start, 1, 1),
                            active_to=date(roadmap.period_end, 12, 31))
            if not due:
                continue
            status = (ReportStatus.POSTPONED if index % 11 == 5 else ReportStatus.IN_PROGRESS if index % 7 == 3
                      else None if (index + year) % 9 == 4 else ReportStatus.DONE)
            if status is None:
                continue
            ActivityReport.objects.get_or_create(
                activity=activity, school=None, year=year, quarter=quarter,
                defaults={"status": status, "author": staff,
                          "comment": "Выполнено в срок." if status == ReportStatus.DONE else ""})
            count += 1
            for school_id in sorted(selectors.target_school_ids(activity, shnor=shnor))[:3]:
                author = principals.get(school_id, staff)
                ActivityReport.objects.get_or_create(
                    activity=activity, school_id=school_id, year=year, quarter=quarter,
                    defaults={"status": ReportStatus.DONE if (school_id + index) % 3 else ReportStatus.IN_PROGRESS,
                              "author": author})
                count += 1
    return count


def load(report: dict) -> None:
    user_model = get_user_model()
    staff = user_model.objects.filter(role=Role.STAFF, is_demo=True).first()
    principals = {u.school_id: u for u in user_model.objects.filter(role=Role.PRINCIPAL, is_demo=True)}
    loaded = []
    for name in DEMO_FILES:
        path = DEMO_DIR / name
        if not path.exists():
            continue
        roadmap = _load_one(json.loads(path.read_text(encoding="utf-8")), staff)
        if roadmap is not None:
            reports = _progress(roadmap, staff, principals)
            loaded.append((roadmap.title, roadmap.activities.count(), reports))
    report["roadmaps"] = loaded
