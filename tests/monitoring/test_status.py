"""The status rule of a period (METHODOLOGY §8.3): a table of cases, the pure function only."""

from decimal import Decimal

import pytest

from monitoring.status import Status, status

A, M, N = Status.ACHIEVED, Status.NOT_ACHIEVED, Status.NO_DATA
HI, LO, EXACT = "higher_better", "lower_better", "achieve"

CASES = [
    # value, target, comparison, direction, unit, expected
    (50, 40, "gte", HI, "percent", A),
    (40, 40, "gte", HI, "percent", A),                  # «не менее» includes the target itself
    (Decimal("39.99"), 40, "gte", HI, "percent", M),
    (Decimal("62.50"), 60, "gte", HI, "percent", A),
    (4, 5, "lte", LO, "percent", A),                     # «не более 5 %»
    (5, 5, "lte", LO, "percent", A),
    (Decimal("5.01"), 5, "lte", LO, "percent", M),
    (None, 40, "gte", HI, "percent", N),                 # no value
    (50, None, None, HI, "percent", N),                  # no target
    (1, None, None, EXACT, "yes_no", A),                 # «да/нет» without a target: «да» is the target
    (0, None, None, EXACT, "yes_no", M),
    (1, 1, "eq", EXACT, "yes_no", A),
    (0, 1, "eq", EXACT, "yes_no", M),
    (None, 1, "eq", EXACT, "yes_no", N),
    (2, 2, "eq", EXACT, "level", A),
    (3, 2, "eq", EXACT, "level", M),                     # «достичь значения» is exact
    (100, 100, "eq", HI, "percent", A),                  # «100 % ежегодно»
    (99, 100, "eq", HI, "percent", M),
    (8, 10, "eq", LO, "count", A),                       # «равно» for «чем меньше, тем лучше»: below is fine
    (11, 10, "eq", LO, "count", M),
    (10, 7, "", LO, "percent", M),                       # no comparison: the direction decides (≤)
    (7, 7, "", LO, "percent", A),
    (3, 4, None, HI, "count", M),                        # … (≥)
    (4, 4, None, HI, "count", A),
]


@pytest.mark.parametrize(("value", "target", "comparison", "direction", "unit", "expected"), CASES)
def test_status_table(value, target, comparison, direction, unit, expected):
    assert status(value=value, target=target, comparison=comparison, direction=direction, unit=unit) == expected


def test_labels_are_russian():
    assert [s.label for s in Status] == ["достигнуто", "не достигнуто", "нет данных"]
