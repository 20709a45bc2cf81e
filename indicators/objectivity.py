"""Signs of biased (необъективные) ВПР results of a school: pure checks, no Django.

The checks follow the ФИОКО 2026 recommendations on analysing ВПР results (methodology §1.4): compare the ВПР mark
with the journal mark and look at gaps of two marks and more; look for peaks of the primary-score histogram at the
mark boundaries; do not draw conclusions from fewer than 20 participants (50 and more is informative). The numeric
limits the recommendations do not give are the portal's defaults, all kept in ``ObjectivityLimits``.

A flag is a reason to look at the school's results, never a verdict.

Vocabulary of the ФИС ОКО «сравнение с журналом» report, used throughout:
«Понизили» — ВПР mark < journal mark, «Подтвердили» — equal, «Повысили» — ВПР mark > journal mark.

Units: shares are fractions (0.15 = 15 %), deviations of shares are percentage points, ratios are plain numbers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# Flag codes. The serious ones (by default) count towards ``is_biased``; the others are context and notes.
JOURNAL_RAISED = "journal_raised"
JOURNAL_GAP2 = "journal_gap2"
JOURNAL_LOWERED_RARE = "journal_lowered_rare"
JOURNAL_INCOMPLETE = "journal_incomplete"
SCORE_PEAK = "score_peak"
SHARE2_FAR = "share2_far"
SHARE5_FAR = "share5_far"
SMALL_SAMPLE = "small_sample"

SERIOUS_CODES = frozenset({JOURNAL_RAISED, JOURNAL_GAP2, SCORE_PEAK, SHARE5_FAR})

_EPS = 1e-9  # shares are compared with a tolerance, so that 3 of 20 is exactly «15 %» and not above it


@dataclass(frozen=True)
class ParticipantMarks:
    """One participant: primary score, ВПР mark and journal mark (any of them may be missing)."""

    primary_score: int | None
    mark: int | None
    journal_mark: int | None


@dataclass(frozen=True)
class GroupInput:
    """The participants of one school in one subject and grade of a year.

    ``subject`` is a label shown to people (the selector passes ``Subject.name``); ``thresholds`` are the lowest
    primary scores of the marks {3: 8, 4: 15, 5: 21}, None when the portal has no scale.
    """

    school_id: int
    subject: str
    grade: int
    participants: list[ParticipantMarks]
    thresholds: dict[int, int] | None = None
    max_score: int | None = None
    subject_id: int | None = None


@dataclass(frozen=True)
class ObjectivityLimits:
    """Limits of the checks. ФИОКО 2026 gives the sample sizes; the other numbers are the portal's defaults."""

    # Sample size (ФИОКО 2026, p. 13): < 20 — of limited use, 20–30 — approximate minimum, ≥ 50 — informative.
    min_participants: int = 20
    informative_participants: int = 50
    # «Повысили»: the share of participants whose ВПР mark is above the journal mark must not exceed this.
    raised_share_max: float = 0.15
    # |ВПР − журнал| ≥ gap (ФИОКО 2026 §3: analyse gaps of two marks and more); their share must not exceed this.
    gap: int = 2
    gap2_share_max: float = 0.05
    # «Понизили» almost never while it is common in the municipality: school share < lowered_share_min while the
    # municipal share ≥ lowered_municipal_min.
    lowered_share_min: float = 0.05
    lowered_municipal_min: float = 0.20
    # Histogram peak at a boundary t (ФИОКО 2026 §4): mean count at scores t..t+peak_width−1 against the mean
    # count at the peak_width scores just below t; flagged at ratio ≥ peak_ratio when at least peak_min_count
    # participants have scores in that window.
    peak_ratio: float = 2.0
    peak_width: int = 2
    peak_min_count: int = 10
    # Share of «2» / «5» farther from the municipality's than this many percentage points. By default only the
    # direction that inflated results produce counts: fewer «2», more «5».
    deviation_pp: float = 20.0
    share_both_directions: bool = False
    # A school is «flagged for biased results» with this many distinct serious flag codes.
    flags_for_bias: int = 2
    serious_codes: frozenset[str] = field(default=SERIOUS_CODES)

    def __post_init__(self) -> None:
        for name in ("raised_share_max", "gap2_share_max", "lowered_share_min", "lowered_municipal_min"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name}: доля задаётся числом от 0 до 1")
        if self.min_participants < 1 or self.informative_participants < self.min_participants:
            raise ValueError("min_participants ≥ 1 и informative_participants ≥ min_participants")
        if self.gap < 1 or self.peak_width < 1 or self.peak_min_count < 0 or self.flags_for_bias < 1:
            raise ValueError("gap, peak_width и flags_for_bias — не меньше 1, peak_min_count — не меньше 0")
        if self.peak_ratio <= 1:
            raise ValueError("peak_ratio должно быть больше 1")
        if self.deviation_pp < 0:
            raise ValueError("deviation_pp не может быть отрицательным")


DEFAULT_LIMITS = ObjectivityLimits()


@dataclass(frozen=True)
class ObjectivityFlag:
    """One sign found in one group. ``value`` and ``limit`` share a unit (see the module docstring)."""

    code: str
    school_id: int
    subject: str
    grade: int
    value: float
    limit: float
    explanation: str


@dataclass(frozen=True)
class MunicipalShares:
    """Counts of the whole municipality (every school, the checked one included) in one subject and grade."""

    participants: int = 0  # with a ВПР mark
    mark2: int = 0
    mark5: int = 0
    pairs: int = 0  # with both a ВПР mark and a journal mark
    lowered: int = 0
    raised: int = 0
    schools: int = 0

    @property
    def share2(self) -> float | None:
        return self.mark2 / self.participants if self.participants else None

    @property
    def share5(self) -> float | None:
        return self.mark5 / self.participants if self.participants else None

    @property
    def lowered_share(self) -> float | None:
        return self.lowered / self.pairs if self.pairs else None

    @property
    def raised_share(self) -> float | None:
        return self.raised / self.pairs if self.pairs else None


# --- formatting --------------------------------------------------------------------------------------------------

def _number(value: float, digits: int = 1) -> str:
    """6.0 → «6», 37.45 → «37,5» (Russian decimal comma)."""
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _pct(fraction: float) -> str:
    return f"{_number(100 * fraction)} %"


def _plural(n: int, one: str, few: str, many: str) -> str:
    """The Russian noun form after the number n: 1 балл, 2 балла, 5 баллов."""
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def _points(n: int) -> str:
    return f"{n} {_plural(n, 'балл', 'балла', 'баллов')}"


def _of(count: int, total: int, who: str = "участник") -> str:
    """«9 из 24 участников», «9 из 21 участника» (after «из» the noun agrees with the total)."""
    return f"{count} из {total} {who}{'а' if total % 10 == 1 and total % 100 != 11 else 'ов'}"


# --- counting ----------------------------------------------------------------------------------------------------

def _mark(p: ParticipantMarks, thresholds: Mapping[int, int] | None) -> int | None:
    """The ВПР mark; when the file has none but the score and the scale are known, the mark by the scale."""
    if p.mark is not None:
        return p.mark
    if p.primary_score is None or not thresholds:
        return None
    mark = 2
    for candidate in (3, 4, 5):
        if candidate in thresholds and p.primary_score >= thresholds[candidate]:
            mark = candidate
    return mark


@dataclass
class _Counts:
    marked: int = 0
    mark2: int = 0
    mark5: int = 0
    pairs: int = 0
    lowered: int = 0
    raised: int = 0
    gap_up: int = 0
    gap_down: int = 0


def _count(group: GroupInput, gap: int) -> _Counts:
    c = _Counts()
    for p in group.participants:
        mark = _mark(p, group.thresholds)
        if mark is None:
            continue
        c.marked += 1
        c.mark2 += mark == 2
        c.mark5 += mark == 5
        if p.journal_mark is None:
            continue
        c.pairs += 1
        c.lowered += mark < p.journal_mark
        c.raised += mark > p.journal_mark
        c.gap_up += mark - p.journal_mark >= gap
        c.gap_down += p.journal_mark - mark >= gap
    return c


def municipal_shares(groups: Iterable[GroupInput]) -> dict[tuple[str, int], MunicipalShares]:
    """Totals of every (subject, grade) over all the groups given (pass every school of the municipality)."""
    totals: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0] * 6)
    schools: dict[tuple[str, int], set[int]] = defaultdict(set)
    for group in groups:
        key = (group.subject, group.grade)
        c = _count(group, DEFAULT_LIMITS.gap)
        for i, value in enumerate((c.marked, c.mark2, c.mark5, c.pairs, c.lowered, c.raised)):
            totals[key][i] += value
        schools[key].add(group.school_id)
    return {key: MunicipalShares(*values, schools=len(schools[key])) for key, values in totals.items()}


# --- checks ------------------------------------------------------------------------------------------------------

def check_group(group: GroupInput, municipal: MunicipalShares | None = None,
                limits: ObjectivityLimits | None = None) -> list[ObjectivityFlag]:
    """The signs found in one group. ``municipal`` None skips the comparisons with the municipality."""
    limits = limits or DEFAULT_LIMITS
    c = _count(group, limits.gap)

    def flag(code: str, value: float, limit: float, explanation: str) -> ObjectivityFlag:
        if code != SMALL_SAMPLE and c.marked < limits.informative_participants:
            explanation += (f" Участников {c.marked} — меньше {limits.informative_participants}, по рекомендациям "
                            f"ФИОКО вывод приблизительный.")
        return ObjectivityFlag(code, group.school_id, group.subject, group.grade, value, limit, explanation)

    if c.marked < limits.min_participants:
        return [flag(SMALL_SAMPLE, c.marked, limits.min_participants,
                     f"Мало участников с отметкой ВПР: {c.marked}, нужно не меньше {limits.min_participants}. "
                     f"По рекомендациям ФИОКО такая выборка малоинформативна — признаки необъективности "
                     f"не проверялись.")]
    flags = _journal_flags(c, municipal, limits, flag)
    flags += _peak_flags(group, limits, flag)
    if municipal is not None:
        flags += _share_flags(c, municipal, limits, flag)
    return flags


def _journal_flags(c: _Counts, municipal: MunicipalShares | None, limits: ObjectivityLimits, flag) -> list:
    if c.pairs < limits.min_participants:
        return [flag(JOURNAL_INCOMPLETE, c.pairs, limits.min_participants,
                     f"Отметка по журналу есть только у {_of(c.pairs, c.marked)} — сравнение с журналом "
                     f"не проводилось (нужно не меньше {limits.min_participants}).")]
    who = "" if c.pairs == c.marked else " с отметкой по журналу"
    flags = []
    raised = c.raised / c.pairs
    if raised > limits.raised_share_max + _EPS:
        flags.append(flag(JOURNAL_RAISED, raised, limits.raised_share_max,
                          f"ВПР выше отметки по журналу у {_of(c.raised, c.pairs)}{who} ({_pct(raised)}), "
                          f"допустимо не более {_pct(limits.raised_share_max)}."))
    gaps = c.gap_up + c.gap_down
    gap_share = gaps / c.pairs
    if gap_share > limits.gap2_share_max + _EPS:
        flags.append(flag(JOURNAL_GAP2, gap_share, limits.gap2_share_max,
                          f"Отметка ВПР и отметка по журналу расходятся на {_points(limits.gap)} и больше у "
                          f"{_of(gaps, c.pairs)}{who} ({_pct(gap_share)}; ВПР выше — {c.gap_up}, ниже — "
                          f"{c.gap_down}), допустимо не более {_pct(limits.gap2_share_max)}."))
    lowered = c.lowered / c.pairs
    municipal_lowered = municipal.lowered_share if municipal is not None else None
    if (municipal_lowered is not None and municipal_lowered >= limits.lowered_municipal_min - _EPS
            and lowered < limits.lowered_share_min - _EPS):
        flags.append(flag(JOURNAL_LOWERED_RARE, lowered, limits.lowered_share_min,
                          f"ВПР ниже отметки по журналу у {_of(c.lowered, c.pairs)}{who} ({_pct(lowered)}), "
                          f"хотя в муниципалитете — у {_pct(municipal_lowered)}; ожидается не меньше "
                          f"{_pct(limits.lowered_share_min)}."))
    return flags


def boundary_peaks(scores: Iterable[int], thresholds: Mapping[int, int], limits: ObjectivityLimits | None = None,
                   max_score: int | None = None) -> list[tuple[int, int, float, float, float]]:
    """Peaks at the mark boundaries: (mark, boundary, mean count above, mean count below, ratio).

    Above: the scores t..t+w−1 (not past ``max_score``); below: the w scores just under t (not under 0). With nobody
    below, the mean below is taken as 0.5, so the ratio stays finite. Boundaries whose window holds fewer than
    ``peak_min_count`` participants are not judged.
    """
    limits = limits or DEFAULT_LIMITS
    histogram: dict[int, int] = defaultdict(int)
    for score in scores:
        histogram[score] += 1
    top = max_score if max_score is not None else float("inf")
    peaks = []
    for mark in sorted(thresholds):
        t = thresholds[mark]
        above = [s for s in range(t, t + limits.peak_width) if s <= top]
        below = [s for s in range(t - limits.peak_width, t) if s >= 0]
        if not above or not below:
            continue
        count_above = sum(histogram[s] for s in above)
        count_below = sum(histogram[s] for s in below)
        if count_above + count_below < limits.peak_min_count or not count_above:
            continue
        mean_above, mean_below = count_above / len(above), count_below / len(below)
        ratio = mean_above / max(mean_below, 0.5)
        if ratio >= limits.peak_ratio - _EPS:
            peaks.append((mark, t, mean_above, mean_below, ratio))
    return peaks


def _score_range(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def _peak_flags(group: GroupInput, limits: ObjectivityLimits, flag) -> list:
    if not group.thresholds:
        return []
    scores = [p.primary_score for p in group.participants if p.primary_score is not None]
    peaks = boundary_peaks(scores, group.thresholds, limits, group.max_score)
    if not peaks:
        return []
    top = group.max_score if group.max_score is not None else float("inf")
    parts = []
    for mark, t, mean_above, mean_below, ratio in peaks:
        above = _score_range(t, int(min(t + limits.peak_width - 1, top)))
        below = _score_range(max(t - limits.peak_width, 0), t - 1)
        parts.append(f"у порога отметки «{mark}» ({_points(t)}): на баллах {above} в среднем по "
                     f"{_number(mean_above)} чел. на балл, на баллах {below} — по {_number(mean_below)}, "
                     f"отношение {_number(ratio)}" + (" (ниже порога никого нет, вместо 0 взято 0,5)"
                                                      if mean_below == 0 else ""))
    return [flag(SCORE_PEAK, max(p[4] for p in peaks), limits.peak_ratio,
                 f"Пик первичных баллов сразу над границей отметки — {'; '.join(parts)}. Пиком считается "
                 f"отношение не меньше {_number(limits.peak_ratio)}.")]


def _share_flags(c: _Counts, municipal: MunicipalShares, limits: ObjectivityLimits, flag) -> list:
    flags = []
    for code, mark, count, municipal_share, inflated_sign in (
            (SHARE2_FAR, 2, c.mark2, municipal.share2, -1), (SHARE5_FAR, 5, c.mark5, municipal.share5, 1)):
        if municipal_share is None:
            continue
        share = count / c.marked
        difference = 100 * (share - municipal_share)
        if not limits.share_both_directions and difference * inflated_sign <= 0:
            continue
        if abs(difference) > limits.deviation_pp + _EPS:
            direction = "выше" if difference > 0 else "ниже"
            flags.append(flag(code, abs(difference), limits.deviation_pp,
                              f"Доля «{mark}» — {_pct(share)} ({count} из {c.marked}), в муниципалитете — "
                              f"{_pct(municipal_share)}: {direction} на {_number(abs(difference))} п.п., допустимое "
                              f"отклонение — {_number(limits.deviation_pp)} п.п."))
    return flags


def check_school(groups_of_school: Iterable[GroupInput], municipal: Mapping[tuple[str, int], MunicipalShares],
                 limits: ObjectivityLimits | None = None) -> list[ObjectivityFlag]:
    """The signs of all groups of one school, ordered by subject and grade."""
    groups = sorted(groups_of_school, key=lambda g: (g.subject, g.grade))
    if len({g.school_id for g in groups}) > 1:
        raise ValueError("check_school: группы разных школ")
    flags = []
    for group in groups:
        flags += check_group(group, municipal.get((group.subject, group.grade)), limits)
    return flags


def check_all(groups: Iterable[GroupInput], limits: ObjectivityLimits | None = None) -> list[ObjectivityFlag]:
    """Every group of a municipality against the municipality's own totals."""
    groups = list(groups)
    municipal = municipal_shares(groups)
    flags = []
    for group in sorted(groups, key=lambda g: (g.school_id, g.subject, g.grade)):
        flags += check_group(group, municipal.get((group.subject, group.grade)), limits)
    return flags


def summarise(flags: Iterable[ObjectivityFlag]) -> dict[int, list[ObjectivityFlag]]:
    """Flags by school, in the order given."""
    by_school: dict[int, list[ObjectivityFlag]] = {}
    for f in flags:
        by_school.setdefault(f.school_id, []).append(f)
    return by_school


def serious_codes_of(flags: Iterable[ObjectivityFlag], limits: ObjectivityLimits | None = None) -> set[str]:
    limits = limits or DEFAULT_LIMITS
    return {f.code for f in flags if f.code in limits.serious_codes}


def is_biased(flags: Iterable[ObjectivityFlag], limits: ObjectivityLimits | None = None) -> bool:
    """Whether one school's flags hold at least ``flags_for_bias`` distinct serious codes (kinds of evidence).

    The same sign in several subjects counts once: the rule asks for different kinds of evidence.
    """
    limits = limits or DEFAULT_LIMITS
    flags = list(flags)
    if len({f.school_id for f in flags}) > 1:
        raise ValueError("is_biased: флаги разных школ — сначала summarise()")
    return len(serious_codes_of(flags, limits)) >= limits.flags_for_bias
