"""Signs of biased ВПР results: the pure checks at the edges of their limits, and the selector on the database."""

from dataclasses import replace

import pytest

from indicators.choices import Assessment, UploadKind
from indicators.models import GradingScale, ParticipantResult, ResultUpload, Subject
from indicators.objectivity import (
    DEFAULT_LIMITS,
    JOURNAL_GAP2,
    JOURNAL_INCOMPLETE,
    JOURNAL_LOWERED_RARE,
    JOURNAL_RAISED,
    SCORE_PEAK,
    SHARE2_FAR,
    SHARE5_FAR,
    SMALL_SAMPLE,
    GroupInput,
    MunicipalShares,
    ObjectivityFlag,
    ObjectivityLimits,
    ParticipantMarks,
    boundary_peaks,
    check_all,
    check_group,
    check_school,
    is_biased,
    municipal_shares,
    summarise,
)
from indicators.objectivity_inputs import objectivity_groups
from tests.factories import AcademicYearFactory, MunicipalityFactory, SchoolFactory, make_user

MATH8 = {3: 8, 4: 15, 5: 21}  # ВПР математика 8 кл. 2022/2023, max 25


def pairs(*spec: tuple[int, int, int]) -> list[ParticipantMarks]:
    """(count, ВПР mark, journal mark) → participants without scores."""
    return [ParticipantMarks(None, mark, journal) for count, mark, journal in spec for _ in range(count)]


def group(participants, thresholds=None, max_score=None, school_id=1, subject="Математика", grade=8) -> GroupInput:
    return GroupInput(school_id, subject, grade, participants, thresholds, max_score)


def by_histogram(histogram: dict[int, int], thresholds=MATH8) -> list[ParticipantMarks]:
    """Participants with these scores, marks by the scale and journal marks equal to them."""
    def mark(score):
        return max([2] + [m for m, t in thresholds.items() if score >= t])
    return [ParticipantMarks(s, mark(s), mark(s)) for s, n in histogram.items() for _ in range(n)]


def codes(flags) -> set[str]:
    return {f.code for f in flags}


# --- journal comparison -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("people", "municipal", "code", "expected"), [
    # «Повысили» > 15 %: 3 of 20 is exactly 15 % (allowed), 4 of 20 is 20 %.
    (pairs((3, 4, 3), (17, 3, 3)), None, JOURNAL_RAISED, False),
    (pairs((4, 4, 3), (16, 3, 3)), None, JOURNAL_RAISED, True),
    # |ВПР − журнал| ≥ 2 in more than 5 %: 2 of 40 is 5 %, 3 of 40 is 7.5 % (both directions count).
    (pairs((1, 5, 3), (1, 2, 4), (38, 3, 3)), None, JOURNAL_GAP2, False),
    (pairs((2, 5, 3), (1, 2, 4), (37, 3, 3)), None, JOURNAL_GAP2, True),
    (pairs((3, 4, 3), (37, 3, 3)), None, JOURNAL_GAP2, False),  # one-mark differences are not gaps
    # «Понизили» below 5 % while the municipality has ≥ 20 %.
    (pairs((1, 3, 4), (19, 3, 3)), MunicipalShares(100, 10, 10, 100, 30, 5, 3), JOURNAL_LOWERED_RARE, False),
    (pairs((20, 3, 3)), MunicipalShares(100, 10, 10, 100, 30, 5, 3), JOURNAL_LOWERED_RARE, True),
    (pairs((20, 3, 3)), MunicipalShares(100, 10, 10, 100, 19, 5, 3), JOURNAL_LOWERED_RARE, False),
    (pairs((20, 3, 3)), MunicipalShares(100, 10, 10, 100, 20, 5, 3), JOURNAL_LOWERED_RARE, True),
    (pairs((20, 3, 3)), None, JOURNAL_LOWERED_RARE, False),
])
def test_journal_checks_at_their_edges(people, municipal, code, expected):
    assert (code in codes(check_group(group(people), municipal))) is expected


def test_journal_raised_explanation_has_the_numbers():
    [flag] = check_group(group(pairs((9, 4, 3), (15, 3, 3))))
    assert flag.code == JOURNAL_RAISED and flag.value == pytest.approx(0.375) and flag.limit == 0.15
    assert flag.explanation.startswith(
        "ВПР выше отметки по журналу у 9 из 24 участников (37,5 %), допустимо не более 15 %.")
    assert "меньше 50" in flag.explanation  # 20–49 participants: an approximate conclusion


def test_gap_explanation_counts_both_directions_and_participants_agree_with_21():
    [flag] = check_group(group(pairs((2, 5, 3), (1, 2, 4), (18, 3, 3))))
    assert flag.code == JOURNAL_GAP2
    assert "у 3 из 21 участника (14,3 %; ВПР выше — 2, ниже — 1), допустимо не более 5 %" in flag.explanation


def test_no_informative_note_from_50_participants():
    [flag] = check_group(group(pairs((10, 4, 3), (40, 3, 3))))
    assert flag.code == JOURNAL_RAISED and "меньше 50" not in flag.explanation


def test_missing_journal_marks_skip_the_comparison_with_a_note():
    people = pairs((25, 4, 3)) + [ParticipantMarks(None, 4, None)] * 10
    flags = check_group(group(people[:19] + people[25:]))  # 19 with a journal mark, 29 in all
    assert codes(flags) == {JOURNAL_INCOMPLETE}
    assert "Отметка по журналу есть только у 19 из 29 участников" in flags[0].explanation
    flags = check_group(group(people))  # 25 of 35 with a journal mark: compared over those 25
    assert codes(flags) == {JOURNAL_RAISED}
    assert "у 25 из 25 участников с отметкой по журналу (100 %)" in flags[0].explanation


# --- sample size ------------------------------------------------------------------------------------------------

def test_fewer_than_20_participants_get_no_verdict_only_a_note():
    everything_raised = pairs((19, 5, 2))
    [flag] = check_group(group(everything_raised), MunicipalShares(100, 30, 5, 100, 30, 5, 4))
    assert flag.code == SMALL_SAMPLE and flag.value == 19 and flag.limit == 20
    assert "Мало участников с отметкой ВПР: 19, нужно не меньше 20" in flag.explanation
    assert JOURNAL_RAISED in codes(check_group(group(pairs((20, 5, 2)))))


def test_participants_without_a_mark_do_not_count_but_a_score_gives_the_mark_by_the_scale():
    absent = [ParticipantMarks(None, None, 4)] * 5
    assert codes(check_group(group(pairs((19, 3, 3)) + absent))) == {SMALL_SAMPLE}
    scored = [ParticipantMarks(22, None, 3)] * 2  # 22 points → «5» by the scale, two marks above the journal
    flags = check_group(group(pairs((19, 3, 3)) + scored, thresholds=MATH8, max_score=25))  # 2 of 21
    assert codes(flags) == {JOURNAL_GAP2}


def test_min_participants_is_configurable():
    people = pairs((30, 5, 2))
    assert codes(check_group(group(people), None, ObjectivityLimits(min_participants=40,
                                                                    informative_participants=50))) == {SMALL_SAMPLE}


# --- shares against the municipality ----------------------------------------------------------------------------

MUNI_5 = MunicipalShares(participants=100, mark2=30, mark5=10, pairs=100, lowered=10, raised=5, schools=5)


@pytest.mark.parametrize(("people", "limits", "code", "expected"), [
    # «5»: 10 % in the municipality; 6 of 20 (30 %) is 20 п.п. above — allowed; 7 of 20 (35 %) is not.
    (pairs((6, 5, 5), (14, 3, 3)), DEFAULT_LIMITS, SHARE5_FAR, False),
    (pairs((7, 5, 5), (13, 3, 3)), DEFAULT_LIMITS, SHARE5_FAR, True),
    # «2»: 30 % in the municipality; 2 of 20 (10 %) is 20 п.п. below — allowed; 1 of 20 (5 %) is not.
    (pairs((2, 2, 2), (18, 3, 3)), DEFAULT_LIMITS, SHARE2_FAR, False),
    (pairs((1, 2, 2), (19, 3, 3)), DEFAULT_LIMITS, SHARE2_FAR, True),
    # Many «2» is not a sign of inflated results — unless both directions are asked for.
    (pairs((12, 2, 2), (8, 3, 3)), DEFAULT_LIMITS, SHARE2_FAR, False),
    (pairs((12, 2, 2), (8, 3, 3)), ObjectivityLimits(share_both_directions=True), SHARE2_FAR, True),
    # A wider tolerance changes the verdict.
    (pairs((7, 5, 5), (13, 3, 3)), ObjectivityLimits(deviation_pp=25), SHARE5_FAR, False),
])
def test_shares_far_from_the_municipality(people, limits, code, expected):
    assert (code in codes(check_group(group(people), MUNI_5, limits))) is expected


def test_share_explanation():
    [flag] = [f for f in check_group(group(pairs((1, 2, 2), (19, 3, 3))), MUNI_5) if f.code == SHARE2_FAR]
    assert flag.value == pytest.approx(25) and flag.limit == 20
    assert flag.explanation.startswith(
        "Доля «2» — 5 % (1 из 20), в муниципалитете — 30 %: ниже на 25 п.п., допустимое отклонение — 20 п.п.")


def test_municipal_shares_add_up_every_school():
    groups = [group(pairs((5, 2, 3), (15, 5, 4)), school_id=1), group(pairs((10, 3, 3)), school_id=2),
              group(pairs((20, 4, 4)), school_id=3, subject="Русский язык")]
    shares = municipal_shares(groups)
    math = shares[("Математика", 8)]
    assert (math.participants, math.mark2, math.mark5, math.pairs, math.lowered, math.raised, math.schools) == (
        30, 5, 15, 30, 5, 15, 2)
    assert math.share5 == 0.5 and math.lowered_share == pytest.approx(1 / 6)
    assert shares[("Русский язык", 8)].share2 == 0
    assert MunicipalShares().share2 is None and MunicipalShares().raised_share is None


# --- histogram peaks --------------------------------------------------------------------------------------------

SMOOTH = {4: 1, 5: 2, 6: 3, 7: 4, 8: 5, 9: 6, 10: 6, 11: 7, 12: 7, 13: 7, 14: 6, 15: 6, 16: 5, 17: 4, 18: 4,
          19: 3, 20: 2, 21: 2, 22: 1, 23: 1}
PEAKED = {**SMOOTH, 6: 1, 7: 1, 8: 8, 9: 6}  # crowding just above the «3» boundary (8 points)


def test_a_clear_peak_above_the_3_boundary_is_flagged_a_smooth_histogram_is_not():
    assert boundary_peaks([s for s, n in SMOOTH.items() for _ in range(n)], MATH8, max_score=25) == []
    assert SCORE_PEAK not in codes(check_group(group(by_histogram(SMOOTH), MATH8, 25)))
    [flag] = check_group(group(by_histogram(PEAKED), MATH8, 25))
    assert flag.code == SCORE_PEAK and flag.value == pytest.approx(7.0) and flag.limit == 2.0
    assert "у порога отметки «3» (8 баллов): на баллах 8–9 в среднем по 7 чел. на балл, на баллах 6–7 — по 1, " \
           "отношение 7" in flag.explanation


@pytest.mark.parametrize(("counts", "limits", "expected"), [
    ({6: 3, 7: 3, 8: 6, 9: 6}, DEFAULT_LIMITS, True),  # ratio exactly 2
    ({6: 3, 7: 3, 8: 6, 9: 5}, DEFAULT_LIMITS, False),  # 1.83
    ({6: 0, 7: 0, 8: 5, 9: 5}, DEFAULT_LIMITS, True),  # nobody below: the mean below counts as 0.5
    ({6: 1, 7: 1, 8: 3, 9: 3}, DEFAULT_LIMITS, False),  # ratio 3, but only 8 participants near the boundary
    ({6: 1, 7: 1, 8: 3, 9: 3}, ObjectivityLimits(peak_min_count=8), True),
    ({6: 3, 7: 3, 8: 6, 9: 6}, ObjectivityLimits(peak_ratio=2.5), False),
])
def test_peak_edges(counts, limits, expected):
    filler = {2: 10, 3: 10, 13: 5}  # away from every boundary's window
    people = by_histogram({**filler, **counts})
    assert (SCORE_PEAK in codes(check_group(group(people, MATH8, 25), None, limits))) is expected


def test_peaks_at_several_boundaries_make_one_flag_and_no_scale_no_peak_check():
    people = by_histogram({6: 1, 7: 1, 8: 8, 9: 6, 13: 2, 14: 1, 15: 6, 16: 6, 19: 1, 20: 1, 21: 5, 22: 5})
    [flag] = check_group(group(people, MATH8, 25))
    assert flag.code == SCORE_PEAK and "«3»" in flag.explanation and "«4»" in flag.explanation
    assert "«5» (21 балл)" in flag.explanation and "вместо 0 взято 0,5" not in flag.explanation
    [flag] = check_group(group(by_histogram({2: 10, 8: 5, 9: 5}), MATH8, 25))
    assert "на баллах 6–7 — по 0, отношение 10 (ниже порога никого нет, вместо 0 взято 0,5)" in flag.explanation
    assert check_group(group(people)) == []


def test_a_boundary_at_the_edge_of_the_scale():
    assert boundary_peaks([1] * 12, {3: 1, 4: 5, 5: 9}) == [(3, 1, 6.0, 0.0, 12.0)]  # only score 0 below
    assert boundary_peaks([25] * 12, {3: 8, 4: 15, 5: 25}, max_score=25) == [(5, 25, 12.0, 0.0, 24.0)]


# --- school verdict ---------------------------------------------------------------------------------------------

def flag_of(code, school_id=1, subject="Математика") -> ObjectivityFlag:
    return ObjectivityFlag(code, school_id, subject, 8, 1, 1, "")


@pytest.mark.parametrize(("flags", "limits", "expected"), [
    ([flag_of(JOURNAL_RAISED), flag_of(SCORE_PEAK)], DEFAULT_LIMITS, True),
    ([flag_of(JOURNAL_GAP2), flag_of(SHARE5_FAR)], DEFAULT_LIMITS, True),
    ([flag_of(JOURNAL_RAISED), flag_of(SHARE2_FAR), flag_of(JOURNAL_LOWERED_RARE)], DEFAULT_LIMITS, False),
    ([flag_of(JOURNAL_RAISED), flag_of(JOURNAL_RAISED, subject="Русский язык")], DEFAULT_LIMITS, False),
    ([flag_of(JOURNAL_RAISED)], ObjectivityLimits(flags_for_bias=1), True),
    ([flag_of(JOURNAL_RAISED), flag_of(SCORE_PEAK)], ObjectivityLimits(flags_for_bias=3), False),
    ([flag_of(SMALL_SAMPLE), flag_of(SHARE2_FAR)], ObjectivityLimits(serious_codes=frozenset({SHARE2_FAR}),
                                                                     flags_for_bias=1), True),
    ([], DEFAULT_LIMITS, False),
])
def test_is_biased(flags, limits, expected):
    assert is_biased(flags, limits) is expected


def test_is_biased_wants_one_school_and_summarise_groups_by_school():
    flags = [flag_of(JOURNAL_RAISED, 1), flag_of(SCORE_PEAK, 2), flag_of(SCORE_PEAK, 1)]
    with pytest.raises(ValueError):
        is_biased(flags)
    summary = summarise(flags)
    assert list(summary) == [1, 2] and [f.code for f in summary[1]] == [JOURNAL_RAISED, SCORE_PEAK]
    assert is_biased(summary[1]) and not is_biased(summary[2])


def test_check_school_runs_every_group_against_its_municipal_shares():
    math = group(pairs((1, 2, 2), (19, 3, 3)))
    russian = group(pairs((10, 5, 3), (10, 3, 3)), subject="Русский язык")
    municipal = {("Математика", 8): MUNI_5}
    flags = check_school([russian, math], municipal)
    assert [(f.subject, f.code) for f in flags] == [
        ("Математика", SHARE2_FAR), ("Русский язык", JOURNAL_RAISED), ("Русский язык", JOURNAL_GAP2)]
    with pytest.raises(ValueError):
        check_school([math, group(pairs((20, 3, 3)), school_id=2)], municipal)


def test_limits_are_validated():
    with pytest.raises(ValueError):
        ObjectivityLimits(raised_share_max=15)
    with pytest.raises(ValueError):
        ObjectivityLimits(peak_ratio=1)
    assert replace(DEFAULT_LIMITS, raised_share_max=0.3).raised_share_max == 0.3


# --- the selector on the database -------------------------------------------------------------------------------

HONEST = {3: 1, 4: 1, 5: 2, 6: 2, 7: 3, 8: 3, 9: 3, 10: 3, 11: 3, 12: 3, 13: 3, 14: 3, 15: 2, 16: 2, 17: 2,
          18: 2, 19: 1, 20: 1, 22: 1}
INFLATED = {2: 1, 5: 1, 8: 9, 9: 7, 10: 2, 12: 1, 13: 1, 15: 6, 16: 4, 17: 1, 21: 4, 22: 3}


def mark_2022(score: int) -> int:
    return max([2] + [m for m, t in MATH8.items() if score >= t])


def add_participants(upload, school, year, subject, histogram, journal_for, grade=8, assessment=Assessment.VPR):
    rows = []
    for i, score in enumerate(s for s, n in sorted(histogram.items()) for _ in range(n)):
        mark = mark_2022(score)
        rows.append(ParticipantResult(
            upload=upload, school=school, academic_year=year, assessment=assessment, subject=subject, grade=grade,
            participant_code=f"{school.pk}-{grade}-{i}", primary_score=score, mark=mark,
            journal_mark=journal_for(i, mark)))
    ParticipantResult.objects.bulk_create(rows)


def honest_journal(i, mark):
    """A quarter of the class has a higher journal mark than the ВПР one; one participant a lower one."""
    if i == 5:
        return mark - 1
    return min(mark + 1, 5) if i % 4 == 0 else mark


def inflated_journal(i, mark):
    """Most of the class wrote the ВПР above the marks they get all year, some by two marks."""
    if mark == 2:
        return 2
    return max(mark - 2, 2) if i % 4 == 0 else max(mark - 1, 2) if i % 3 else mark


@pytest.fixture
def vpr_2023(municipality):
    year = AcademicYearFactory(start_year=2023)
    upload = ResultUpload.objects.create(
        file="uploads/vpr.xlsx", original_name="vpr.xlsx", checksum="0" * 64, size=1, kind=UploadKind.VPR_FIS_OKO,
        academic_year=year, uploaded_by=make_user("staff"))
    return year, upload, Subject.objects.get(code="math")


@pytest.mark.django_db
def test_objectivity_groups_flag_the_inflated_school_not_the_honest_one(municipality, vpr_2023,
                                                                        django_assert_max_num_queries):
    year, upload, math = vpr_2023
    honest = SchoolFactory(municipality=municipality)
    inflated = SchoolFactory(municipality=municipality)
    add_participants(upload, honest, year, math, HONEST, honest_journal)
    add_participants(upload, inflated, year, math, INFLATED, inflated_journal)
    # Not part of the municipality's ВПР of 2023/2024: another municipality, ОГЭ, another year.
    elsewhere = SchoolFactory(municipality=MunicipalityFactory())
    add_participants(upload, elsewhere, year, math, INFLATED, inflated_journal)
    add_participants(upload, honest, year, math, INFLATED, inflated_journal, grade=9, assessment=Assessment.OGE)
    add_participants(upload, honest, AcademicYearFactory(start_year=2024), math, INFLATED, inflated_journal)
    # A newer scale must not apply to 2023/2024: the 2022/2023 one is in force.
    GradingScale.objects.create(assessment=Assessment.VPR, subject=math, grade=8, academic_year=AcademicYearFactory(
        start_year=2024), max_score=30, thresholds={"3": 10, "4": 18, "5": 25}, source="тест")

    with django_assert_max_num_queries(2):
        groups = objectivity_groups(municipality, year)

    assert sorted((g.school_id, g.subject, g.grade, len(g.participants)) for g in groups) == [
        (honest.pk, "Математика", 8, sum(HONEST.values())), (inflated.pk, "Математика", 8, sum(INFLATED.values()))]
    assert all(g.thresholds == MATH8 and g.max_score == 25 and g.subject_id == math.pk for g in groups)

    municipal = municipal_shares(groups)
    assert municipal[("Математика", 8)].schools == 2
    of_school = {g.school_id: [g] for g in groups}
    inflated_flags = check_school(of_school[inflated.pk], municipal)
    honest_flags = check_school(of_school[honest.pk], municipal)
    assert {JOURNAL_RAISED, JOURNAL_GAP2, SCORE_PEAK} <= codes(inflated_flags)
    assert is_biased(inflated_flags)
    assert honest_flags == [] and not is_biased(honest_flags)
    assert summarise(check_all(groups)) == {inflated.pk: inflated_flags}


@pytest.mark.django_db
def test_objectivity_groups_query_count_does_not_grow_with_schools(municipality, vpr_2023,
                                                                   django_assert_max_num_queries):
    year, upload, math = vpr_2023
    russian = Subject.objects.get(code="rus")
    for _ in range(6):
        school = SchoolFactory(municipality=municipality)
        add_participants(upload, school, year, math, HONEST, honest_journal)
        add_participants(upload, school, year, russian, {20: 3, 25: 3}, honest_journal, grade=4)
    with django_assert_max_num_queries(2):
        groups = objectivity_groups(municipality.pk, 2023)
    assert len(groups) == 12
    # ВПР русский язык 4 кл.: the only scale is of 2025/2026, none is in force in 2023/2024.
    assert {(g.subject, g.thresholds) for g in groups if g.grade == 4} == {("Русский язык", None)}
    assert objectivity_groups(MunicipalityFactory(), year) == []
