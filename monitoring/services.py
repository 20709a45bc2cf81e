"""Writes of target indicators: computed values, manual values, targets."""

from __future__ import annotations

import json
from decimal import Decimal

from django.db import transaction

from schools.models import AcademicYear, Municipality

from .computations import COMPUTATIONS, Result, calendar_year, share
from .models import (
    IndicatorValue,
    Kind,
    PeriodKind,
    TargetIndicator,
    TargetValue,
    Unit,
    ValueSource,
)


def period_for(indicator: TargetIndicator, academic_year: AcademicYear) -> dict:
    """The period an academic year's result is stored under: the year itself, or the calendar year it ends in."""
    if indicator.period_kind == PeriodKind.ACADEMIC_YEAR:
        return {"year": None, "academic_year": academic_year}
    return {"year": calendar_year(academic_year), "academic_year": None}


def _json(data: dict) -> dict:
    return json.loads(json.dumps(data, default=str, ensure_ascii=False))


def _changed(row: IndicatorValue, fields: dict) -> bool:
    return row.pk is None or any(getattr(row, name) != value for name, value in fields.items())


def _locked_value(indicator: TargetIndicator, *, year, academic_year) -> IndicatorValue | None:
    """The stored value of the period, locked for the rest of the transaction (no ordering: PostgreSQL refuses
    FOR UPDATE over the outer join the default ordering needs)."""
    return (IndicatorValue.objects.select_for_update(of=("self",)).order_by()
            .filter(indicator=indicator, year=year, academic_year=academic_year).first())


def run_computation(indicator: TargetIndicator, academic_year: AcademicYear) -> Result:
    computation = COMPUTATIONS.get(indicator.computation)
    if computation is None:
        return Result(None, details={"message": f"расчёт «{indicator.computation}» не найден"})
    return computation(indicator.municipality, academic_year, indicator.params)


@transaction.atomic
def compute_indicator(*, indicator: TargetIndicator, academic_year: AcademicYear,
                      user=None) -> IndicatorValue | None:
    """Compute a computed indicator for an academic year and store the value (source «рассчитано»).

    A value entered by hand is kept when the computation has no data for the period; a computed value replaces it
    otherwise. Nothing is saved (and no history row is written) when the result has not changed.
    """
    if indicator.kind != Kind.COMPUTED:
        return None
    result = run_computation(indicator, academic_year)
    period = period_for(indicator, academic_year)
    row = _locked_value(indicator, **period)
    if row is not None and row.source == ValueSource.MANUAL and result.value is None:
        return row
    fields = {"value": result.value, "numerator": result.numerator, "denominator": result.denominator,
              "details": _json({**result.details, "academic_year": academic_year.label}),
              "source": ValueSource.COMPUTED}
    row = row or IndicatorValue(indicator=indicator, **period)
    if not _changed(row, fields):
        return row
    for name, value in fields.items():
        setattr(row, name, value)
    row.author = user
    row.full_clean()
    row._history_user = user
    row.save()
    return row


def compute_all(*, municipality: Municipality, academic_year: AcademicYear, user=None) -> list[IndicatorValue]:
    """Every computed indicator of the municipality for the academic year."""
    indicators = (TargetIndicator.objects.filter(municipality=municipality, kind=Kind.COMPUTED)
                  .select_related("municipality").order_by("position", "code"))
    values = [compute_indicator(indicator=i, academic_year=academic_year, user=user) for i in indicators]
    return [v for v in values if v is not None]


@transaction.atomic
def value_save(*, indicator: TargetIndicator, user, value: Decimal | None, year: int | None = None,
               academic_year: AcademicYear | None = None, numerator: Decimal | None = None,
               denominator: Decimal | None = None, comment: str = "") -> IndicatorValue:
    """Enter (or correct) the value of an indicator for a period by hand. Raises ValidationError, saving nothing."""
    if value is None and indicator.unit == Unit.PERCENT and numerator is not None and denominator:
        value = share(numerator, denominator)
    row = (_locked_value(indicator, year=year, academic_year=academic_year)
           or IndicatorValue(indicator=indicator, year=year, academic_year=academic_year))
    row.value, row.numerator, row.denominator = value, numerator, denominator
    row.details = {"comment": comment} if comment else {}
    row.source, row.author = ValueSource.MANUAL, user
    row.full_clean()
    row._history_user = user
    row.save()
    return row


def target_save(*, indicator: TargetIndicator, target: Decimal, comparison: str, text: str = "",
                year: int | None = None, academic_year: AcademicYear | None = None, user=None) -> TargetValue:
    """Set the target of a period (created or updated; unchanged targets are not saved again)."""
    row = (TargetValue.objects.filter(indicator=indicator, year=year, academic_year=academic_year).first()
           or TargetValue(indicator=indicator, year=year, academic_year=academic_year))
    fields = {"target": Decimal(str(target)), "comparison": comparison, "text": text}
    if row.pk is not None and all(getattr(row, k) == v for k, v in fields.items()):
        return row
    for name, value in fields.items():
        setattr(row, name, value)
    row.full_clean()
    row._history_user = user
    row.save()
    return row
