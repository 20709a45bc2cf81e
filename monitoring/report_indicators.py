"""Target indicators for the quarterly report: for each indicator, the latest period not after the report's
quarter, its target, value and status, with a chart of the dynamics up to that period."""

from __future__ import annotations

from schools.models import Municipality

from .models import PeriodKind
from .report_data import Period
from .selectors import explanation, indicator_chart, indicator_rows


def _limit(indicator, period: Period) -> int:
    """The latest period key the report may show: the quarter's calendar year, or for indicators kept by academic
    year the academic year under way at the quarter's end (its key is its first calendar year)."""
    return period.academic_start_year if indicator.period_kind == PeriodKind.ACADEMIC_YEAR else period.year


def indicator_rows_for_report(municipality: Municipality, period: Period) -> list[dict]:
    result = []
    for row in indicator_rows(municipality, charts=False):
        periods = [p for p in row.periods if p.key <= _limit(row.indicator, period)]
        shown = [p for p in periods if p.value is not None and p.value.value is not None] or periods
        current = shown[-1] if shown else None
        chart = indicator_chart(row.indicator, periods, small=False) if periods else None
        result.append({
            "code": row.indicator.code, "name": row.indicator.name,
            "period": current.label if current else "",
            "target_text": current.target.label if current and current.target else "",
            "value_text": current.value_text if current else "",
            "status": current.status if current else "no_data",
            "status_label": current.status_label if current else "нет данных",
            "explanation": explanation(row.indicator, current.value) if current and current.value else "",
            "chart": chart["svg"] if chart else "",
        })
    return result

