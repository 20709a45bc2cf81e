"""Whether an indicator reached its target in a period: a pure function over plain values (METHODOLOGY §8.3)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from .models import Comparison, Direction, Unit


class Status(models.TextChoices):
    ACHIEVED = "achieved", "достигнуто"
    NOT_ACHIEVED = "missed", "не достигнуто"
    NO_DATA = "no_data", "нет данных"


BADGES = {Status.ACHIEVED: "text-bg-success", Status.NOT_ACHIEVED: "text-bg-danger",
          Status.NO_DATA: "text-bg-secondary"}

DEFAULT_COMPARISON = {Direction.HIGHER_BETTER: Comparison.GTE, Direction.LOWER_BETTER: Comparison.LTE,
                      Direction.ACHIEVE: Comparison.EQ}


def status(*, value, target, comparison: str | None, direction: str, unit: str) -> Status:
    """«достигнуто» / «не достигнуто» / «нет данных» for one period.

    * no value → «нет данных»; no target → «нет данных», except a «да/нет» indicator, whose implied target is «да»;
    * ``comparison`` «не менее» / «не более» compares as ≥ / ≤; empty comparison follows the direction;
    * «равно» is exact for «достичь значения»; for «чем больше/меньше, тем лучше» overshooting counts as reached
      (a target of «100 %» or «0» written as «равно»).
    """
    if value is None:
        return Status.NO_DATA
    if target is None:
        if unit != Unit.YES_NO:
            return Status.NO_DATA
        target, comparison = Decimal(1), Comparison.EQ
    value, target = Decimal(str(value)), Decimal(str(target))
    comparison = comparison or DEFAULT_COMPARISON.get(direction, Comparison.EQ)
    if comparison == Comparison.GTE:
        reached = value >= target
    elif comparison == Comparison.LTE:
        reached = value <= target
    elif direction == Direction.HIGHER_BETTER:
        reached = value >= target
    elif direction == Direction.LOWER_BETTER:
        reached = value <= target
    else:
        reached = value == target
    return Status.ACHIEVED if reached else Status.NOT_ACHIEVED


def status_of(indicator, value_row, target_row) -> Status:
    """``status`` for model rows (either may be None)."""
    return status(value=value_row.value if value_row is not None else None,
                  target=target_row.target if target_row is not None else None,
                  comparison=target_row.comparison if target_row is not None else None,
                  direction=indicator.direction, unit=indicator.unit)
