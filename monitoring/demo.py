"""Demo target indicators (fixtures/demo/indicators/*.json): the real indicator sets and targets of the programmes.

Idempotent: indicators are matched by (municipality, code), targets and values by period; nothing unchanged is saved
again, and a value already in the database (entered or computed since) is left as it is.
"""

import json
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model

from indicators.choices import RunStatus
from indicators.models import ClassificationRun
from portal.choices import Role
from roadmap.models import Activity, RoadmapScope
from schools.models import AcademicYear, Municipality

from . import services
from .models import IndicatorValue, Kind, TargetIndicator

DEMO_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo" / "indicators"
DEMO_FILES = ("choya.json", "tutaev.json", "khasan.json", "kumarey.json")
FIELDS = ("name", "unit", "direction", "kind", "computation", "params", "period_kind", "source", "note", "position")


def _academic_year(label: str | None) -> AcademicYear | None:
    if not label:
        return None
    year, _ = AcademicYear.objects.get_or_create(start_year=AcademicYear.parse_label(label))
    return year


def _indicator(municipality: Municipality, raw: dict, position: int, default_period: str, user) -> TargetIndicator:
    fields = {"name": raw["name"], "unit": raw["unit"], "direction": raw["direction"],
              "kind": raw.get("kind", Kind.MANUAL), "computation": raw.get("computation", ""),
              "params": raw.get("params", {}), "period_kind": raw.get("period_kind", default_period),
              "source": raw.get("source", ""), "note": raw.get("note", ""), "position": position}
    indicator = (TargetIndicator.objects.filter(municipality=municipality, code=raw["code"]).first()
                 or TargetIndicator(municipality=municipality, code=raw["code"]))
    if indicator.pk is None or any(getattr(indicator, name) != value for name, value in fields.items()):
        for name, value in fields.items():
            setattr(indicator, name, value)
        indicator.full_clean()
        indicator._history_user = user
        indicator.save()
    return indicator


def _link(indicator: TargetIndicator, numbers: list[str]) -> None:
    if not numbers:
        return
    activities = Activity.objects.filter(roadmap__municipality_id=indicator.municipality_id,
                                         roadmap__scope=RoadmapScope.MUNICIPAL, number__in=numbers)
    indicator.activities.add(*activities)


def _values(indicator: TargetIndicator, raw_values: list[dict], user) -> None:
    for raw in raw_values:
        year, academic_year = raw.get("year"), _academic_year(raw.get("academic_year"))
        if IndicatorValue.objects.filter(indicator=indicator, year=year, academic_year=academic_year).exists():
            continue
        services.value_save(indicator=indicator, user=user, value=Decimal(str(raw["value"])), year=year,
                            academic_year=academic_year, numerator=_decimal(raw.get("numerator")),
                            denominator=_decimal(raw.get("denominator")), comment=raw.get("comment", ""))


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _load_file(raw: dict, user) -> tuple[Municipality, int]:
    municipality = Municipality.objects.get(name=raw["municipality"])
    for position, item in enumerate(raw["indicators"], start=1):
        indicator = _indicator(municipality, item, position, raw.get("period_kind", "year"), user)
        for target in item.get("targets", []):
            services.target_save(indicator=indicator, target=Decimal(str(target["target"])),
                                 comparison=target["comparison"], text=target.get("text", ""),
                                 year=target.get("year"), academic_year=_academic_year(target.get("academic_year")),
                                 user=user)
        _link(indicator, item.get("activities", []))
        _values(indicator, item.get("values", []), user)
    return municipality, len(raw["indicators"])


def _compute(municipalities: list[Municipality]) -> int:
    """Computed indicators for every academic year that has a finished classification run."""
    count = 0
    for municipality in municipalities:
        if not municipality.target_indicators.filter(kind=Kind.COMPUTED).exists():
            continue
        year_ids = (ClassificationRun.objects.filter(municipality=municipality, status=RunStatus.DONE)
                    .values_list("academic_year_id", flat=True).distinct())
        for year in AcademicYear.objects.filter(pk__in=year_ids).order_by("start_year"):
            values = services.compute_all(municipality=municipality, academic_year=year)
            count += sum(1 for v in values if v.value is not None)
    return count


def load(report: dict) -> None:
    user = get_user_model().objects.filter(role=Role.STAFF, is_demo=True).first()
    counts, municipalities = {}, []
    for name in DEMO_FILES:
        path = DEMO_DIR / name
        if not path.exists():
            continue
        municipality, count = _load_file(json.loads(path.read_text(encoding="utf-8")), user)
        counts[str(municipality)] = count
        municipalities.append(municipality)
    report["indicators"] = counts
    report["indicator_values"] = _compute(municipalities)
