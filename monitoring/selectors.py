"""Reads for the target-indicator pages: visibility, the list with statuses and charts, the detail with history.

Every page runs a fixed number of queries whatever the number of indicators, targets and values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from portal.charts import format_number, line_chart, line_table
from schools.models import AcademicYear, Municipality
from schools.selectors import municipality_list_for

from .computations import COMPUTATIONS, fraction_text
from .models import (
    COMPARISON_SIGNS,
    Comparison,
    IndicatorValue,
    Kind,
    TargetIndicator,
    TargetValue,
    Unit,
    display_value,
)
from .status import BADGES, Status, status_of


def municipalities_for(user) -> QuerySet[Municipality]:
    """Staff see every municipality; principals and curators those of their schools."""
    return municipality_list_for(user)


def access_municipality(user, raw) -> Municipality | None:
    """The municipality of ``?municipality=`` if the user may see it (Http404 otherwise); without the parameter
    the first visible one that has indicators."""
    visible = municipalities_for(user)
    if raw in (None, ""):
        return (visible.filter(target_indicators__isnull=False).distinct().first() or visible.first())
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        raise Http404("Муниципалитет не найден.") from None
    municipality = visible.filter(pk=pk).first()
    if municipality is None:
        raise Http404("Муниципалитет не найден.")
    return municipality


def access_indicator(user, pk: int) -> TargetIndicator:
    indicator = (TargetIndicator.objects.select_related("municipality")
                 .filter(pk=pk, municipality__in=municipalities_for(user)).first())
    if indicator is None:
        raise Http404("Показатель не найден.")
    return indicator


def current_academic_year() -> AcademicYear | None:
    """The academic year of today, or the latest one before it that the portal knows."""
    today = timezone.localdate()
    start = today.year if today.month >= 9 else today.year - 1
    return (AcademicYear.objects.filter(start_year__lte=start).order_by("-start_year").first()
            or AcademicYear.objects.order_by("start_year").first())


# --- rows -------------------------------------------------------------------------------------------------------------

@dataclass
class ValueRow:
    """One period of an indicator: its target, its value and the status."""

    key: int
    label: str
    target: TargetValue | None = None
    value: IndicatorValue | None = None
    status: str = Status.NO_DATA
    value_text: str = ""
    explanation: str = ""

    @property
    def badge(self) -> str:
        return BADGES[self.status]

    @property
    def status_label(self) -> str:
        return Status(self.status).label


@dataclass
class IndicatorRow:
    indicator: TargetIndicator
    periods: list[ValueRow] = field(default_factory=list)
    chart: dict | None = None

    @property
    def latest_target(self) -> TargetValue | None:
        targets = [p.target for p in self.periods if p.target is not None]
        return targets[-1] if targets else None

    @property
    def latest(self) -> ValueRow | None:
        """The latest period with a value; failing that, the latest period with a (empty) value row."""
        filled = [p for p in self.periods if p.value is not None and p.value.value is not None]
        rows = filled or [p for p in self.periods if p.value is not None]
        return rows[-1] if rows else None

    @property
    def status(self) -> str:
        return self.latest.status if self.latest else Status.NO_DATA

    @property
    def badge(self) -> str:
        return BADGES[self.status]

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def target_label(self) -> str:
        target = self.latest_target
        if target is not None:
            return target.label
        return "= да" if self.indicator.unit == Unit.YES_NO else "не задана"

    @property
    def value_label(self) -> str:
        latest = self.latest
        return display_value(self.indicator, latest.value.value) if latest else "нет данных"


def _periods(indicator: TargetIndicator, targets: list[TargetValue], values: list[IndicatorValue]) -> list[ValueRow]:
    rows: dict[int, ValueRow] = {}
    for row in (*targets, *values):
        row.indicator = indicator  # labels read the unit; no query per row
    for target in targets:
        rows.setdefault(target.period_key, ValueRow(target.period_key, target.period_label)).target = target
    for value in values:
        rows.setdefault(value.period_key, ValueRow(value.period_key, value.period_label)).value = value
    for row in rows.values():
        row.status = status_of(indicator, row.value, row.target)
        row.value_text = display_value(indicator, row.value.value) if row.value is not None else ""
    return [rows[key] for key in sorted(rows)]


UNIT_AXIS = {Unit.PERCENT: "%", Unit.COUNT: "количество", Unit.SCORE: "балл", Unit.YES_NO: "1 — да, 0 — нет",
             Unit.LEVEL: "уровень"}


def indicator_chart(indicator: TargetIndicator, periods: list[ValueRow], *, small: bool = True) -> dict | None:
    """Value against target by period: the SVG and the data table (its text alternative)."""
    values = [p.value.value if p.value is not None else None for p in periods]
    targets = [p.target.target if p.target is not None else None for p in periods]
    has_values, has_targets = any(v is not None for v in values), any(t is not None for t in targets)
    if not has_values and (small or not has_targets):
        return None
    categories = [p.label for p in periods]
    if has_values:
        series = [{"name": "Значение", "values": values}]
        target = {"label": "Цель", "values": targets} if has_targets else None
    else:  # targets only: the planned trajectory
        series, target = [{"name": "Цель (значений пока нет)", "values": targets}], None
    y_range = {Unit.PERCENT: (0, 100), Unit.YES_NO: (0, 1)}.get(indicator.unit)
    title = f"Показатель {indicator.code}: значение и цель по периодам"
    svg = line_chart(series, chart_id=f"indicator-{indicator.pk}{'-small' if small else ''}", title=title,
                     y_label=UNIT_AXIS.get(indicator.unit, ""), categories=categories, target=target,
                     y_range=y_range, width=420 if small else 760, height=220 if small else 320,
                     unit="%" if indicator.unit == Unit.PERCENT else "")
    table = line_table(series, categories=categories, target=target)
    return {"svg": svg, "headers": table["headers"], "rows": table["rows"], "caption": title, "small": small}


def _by_indicator(model, indicators) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for row in model.objects.filter(indicator__in=indicators).select_related("academic_year"):
        grouped.setdefault(row.indicator_id, []).append(row)
    return grouped


def indicator_rows(municipality: Municipality, *, charts: bool = True) -> list[IndicatorRow]:
    """Every indicator of the municipality with its periods (target, value, status); three queries in all."""
    indicators = list(TargetIndicator.objects.filter(municipality=municipality).order_by("position", "code"))
    targets = _by_indicator(TargetValue, indicators)
    values = _by_indicator(IndicatorValue, indicators)
    rows = []
    for indicator in indicators:
        indicator.municipality = municipality
        periods = _periods(indicator, targets.get(indicator.pk, []), values.get(indicator.pk, []))
        rows.append(IndicatorRow(indicator, periods, indicator_chart(indicator, periods) if charts else None))
    return rows


def list_page(user, municipality: Municipality | None) -> dict:
    rows = indicator_rows(municipality) if municipality else []
    counts = {status: sum(1 for r in rows if r.status == status) for status in Status.values}
    return {"municipality": municipality, "municipalities": list(municipalities_for(user)), "rows": rows,
            "counts": counts, "statuses": Status, "years": list(AcademicYear.objects.order_by("-start_year")),
            "current_year": current_academic_year(),
            "can_edit": user.has_perm("monitoring.change_indicatorvalue")}


# --- detail -----------------------------------------------------------------------------------------------------------

def explanation(indicator: TargetIndicator, value: IndicatorValue | None) -> str:
    """«7 из 20 школ» for a computed value, «7 из 20» for a manual one."""
    if value is None:
        return ""
    computation = COMPUTATIONS.get(indicator.computation) if value.source == "computed" else None
    return fraction_text(value.numerator, value.denominator, computation.noun if computation else None)


HISTORY_FIELDS = {
    IndicatorValue: (("value", "значение"), ("numerator", "числитель"), ("denominator", "знаменатель"),
                     ("source", "источник")),
    TargetValue: (("target", "цель"), ("comparison", "сравнение"), ("text", "формулировка")),
    TargetIndicator: (("code", "номер"), ("name", "показатель"), ("unit", "единица"), ("direction", "направление"),
                      ("kind", "способ получения"), ("computation", "расчёт"), ("params", "параметры")),
}


def _shown(indicator: TargetIndicator, name: str, value) -> str:
    if value in (None, ""):
        return "—"
    if name in ("value", "target"):
        return display_value(indicator, value)
    if name in ("numerator", "denominator"):
        return format_number(value, 2, strip_zeros=True)
    if name == "params":
        return json.dumps(value, ensure_ascii=False)
    if name == "comparison":
        return Comparison(value).label
    if name in ("source", "unit", "direction", "kind"):
        model_field = {"source": IndicatorValue, "unit": TargetIndicator, "direction": TargetIndicator,
                       "kind": TargetIndicator}[name]._meta.get_field(name)
        return dict(model_field.choices).get(value, str(value))
    return str(value)


def _record_period(record) -> str:
    if record.year is not None:
        return str(record.year)
    return record.academic_year.label if record.academic_year_id else ""


def indicator_history(indicator: TargetIndicator, limit: int = 100) -> list[dict]:
    """Who changed what and when: the indicator, its targets and its values, newest first."""
    entries = []
    sources = [(IndicatorValue, "значение", IndicatorValue.history.filter(indicator_id=indicator.pk)
                .select_related("history_user", "academic_year")),
               (TargetValue, "цель", TargetValue.history.filter(indicator_id=indicator.pk)
                .select_related("history_user", "academic_year")),
               (TargetIndicator, "показатель", TargetIndicator.history.filter(id=indicator.pk)
                .select_related("history_user"))]
    for model, what, records in sources:
        previous: dict[int, object] = {}
        for record in records.order_by("history_date", "history_id"):
            older = previous.get(record.id)
            changes = []
            for name, label in HISTORY_FIELDS[model]:
                new = getattr(record, name)
                old = getattr(older, name) if older is not None else None
                if older is None and new in (None, "", {}):
                    continue
                if older is None or old != new:
                    changes.append({"field": label, "old": _shown(indicator, name, old) if older else "",
                                    "new": _shown(indicator, name, new)})
            previous[record.id] = record
            if record.history_type == "~" and not changes:
                continue
            period = _record_period(record) if model is not TargetIndicator else ""
            entries.append({"when": record.history_date, "who": record.history_user,
                            "what": f"{what} {period}".strip(),
                            "kind": {"+": "создано", "~": "изменено", "-": "удалено"}[record.history_type],
                            "changes": changes})
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries[:limit]


def visible_activities(user, indicator: TargetIndicator) -> list:
    from roadmap.models import Roadmap

    return list(indicator.activities.filter(roadmap__in=Roadmap.objects.visible_to(user))
                .select_related("roadmap", "section").order_by("roadmap_id", "section__position", "position"))


def detail_page(user, indicator: TargetIndicator) -> dict:
    targets = list(indicator.targets.select_related("academic_year"))
    values = list(indicator.values.select_related("academic_year", "author"))
    periods = _periods(indicator, targets, values)
    for period in periods:
        period.explanation = explanation(indicator, period.value)
    return {
        "indicator": indicator, "periods": periods,
        "row": IndicatorRow(indicator, periods),
        "chart": indicator_chart(indicator, periods, small=False),
        "computation": COMPUTATIONS.get(indicator.computation) if indicator.kind == Kind.COMPUTED else None,
        "history": indicator_history(indicator), "activities": visible_activities(user, indicator),
        "years": list(AcademicYear.objects.order_by("-start_year")), "current_year": current_academic_year(),
        "can_edit": user.has_perm("monitoring.change_indicatorvalue"), "signs": COMPARISON_SIGNS,
    }
