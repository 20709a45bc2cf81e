"""Per-school aggregates derived from ВПР participant rows (pure: plain data in, plain data out)."""

from __future__ import annotations

from collections import Counter, defaultdict
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

    def add(self, primary_score: int | None, mark: int | None, journal_mark: int | None, count: int = 1) -> None:
        """Count ``count`` participants with these scores."""
        self.participants += count
        if mark is not None:
            setattr(self, f"mark{mark}", getattr(self, f"mark{mark}") + count)
            self.mark_sum += mark * count
            self.marked += count
            if journal_mark is not None:
                if mark < journal_mark:
                    self.journal_lowered += count
                elif mark == journal_mark:
                    self.journal_confirmed += count
                else:
                    self.journal_raised += count
        if primary_score is not None:
            self.score_sum += primary_score * count
            self.scored += count

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
    # 100 000 rows carry a few thousand distinct combinations: count them in C, then add each once
    for (key, primary_score, mark, journal_mark), count in Counter(rows).items():
        result[key].add(primary_score, mark, journal_mark, count)
    return dict(result)
