"""Per-school aggregates derived from ВПР participant rows (pure: plain data in, plain data out)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

TWO_PLACES = Decimal("0.01")


@dataclass
class Aggregate:
    participants: int = 0
    mark2: int = 0
    mark3: int = 0
    mark4: int = 0
    mark5: int = 0
    mark_sum: int = 0
    marked: int = 0
    score_sum: int = 0
    scored: int = 0
    journal_lowered: int = 0
    journal_confirmed: int = 0
    journal_raised: int = 0

    def add(self, primary_score: int | None, mark: int | None, journal_mark: int | None) -> None:
        self.participants += 1
        if mark is not None:
            setattr(self, f"mark{mark}", getattr(self, f"mark{mark}") + 1)
            self.mark_sum += mark
            self.marked += 1
            if journal_mark is not None:
                if mark < journal_mark:
                    self.journal_lowered += 1
                elif mark == journal_mark:
                    self.journal_confirmed += 1
                else:
                    self.journal_raised += 1
        if primary_score is not None:
            self.score_sum += primary_score
            self.scored += 1

    @property
    def mean_mark(self) -> Decimal | None:
        return _mean(self.mark_sum, self.marked)

    @property
    def mean_score(self) -> Decimal | None:
        return _mean(self.score_sum, self.scored)


def _mean(total: int, count: int) -> Decimal | None:
    if not count:
        return None
    return (Decimal(total) / count).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def aggregate_participants(rows) -> dict[tuple, Aggregate]:
    """rows: iterable of (key, primary_score, mark, journal_mark) → {key: Aggregate}.

    «ВПР ниже журнала» (понизили) = the ВПР mark is lower than the journal mark, «подтвердили» = equal,
    «повысили» = higher; participants without either mark are not compared.
    """
    result: dict[tuple, Aggregate] = defaultdict(Aggregate)
    for key, primary_score, mark, journal_mark in rows:
        result[key].add(primary_score, mark, journal_mark)
    return dict(result)
