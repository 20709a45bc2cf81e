"""Inputs of the objectivity checks (``indicators.objectivity``) from the ВПР participant results.

Two queries whatever the number of schools: the participants' values and the grading scales.
"""

from collections import defaultdict

from schools.models import AcademicYear, Municipality

from .choices import Assessment
from .models import GradingScale, ParticipantResult
from .objectivity import GroupInput, ParticipantMarks


def objectivity_groups(municipality: Municipality | int, academic_year: AcademicYear | int) -> list[GroupInput]:
    """One group per school, subject and grade of the municipality's ВПР participants in the academic year.

    ``municipality`` is a Municipality or its pk; ``academic_year`` an AcademicYear or its start year (2023 for
    2023/2024). Thresholds come from the scale in force: the newest one of this year or earlier (as
    ``services.scale_for``); without a scale ``thresholds`` and ``max_score`` are None.
    """
    municipality_id = getattr(municipality, "pk", municipality)
    start_year = academic_year.start_year if isinstance(academic_year, AcademicYear) else int(academic_year)
    rows = (ParticipantResult.objects
            .filter(assessment=Assessment.VPR, school__municipality_id=municipality_id,
                    academic_year__start_year=start_year)
            .order_by("school_id", "subject__name", "grade", "pk")
            .values_list("school_id", "subject_id", "subject__name", "grade", "primary_score", "mark", "journal_mark"))
    participants: dict[tuple[int, int, str, int], list[ParticipantMarks]] = defaultdict(list)
    for school_id, subject_id, subject_name, grade, score, mark, journal in rows:
        participants[(school_id, subject_id, subject_name, grade)].append(ParticipantMarks(score, mark, journal))
    if not participants:
        return []
    scales = _scales({k[1] for k in participants}, {k[3] for k in participants}, start_year)
    groups = []
    for (school_id, subject_id, subject_name, grade), people in participants.items():
        thresholds, max_score = scales.get((subject_id, grade), (None, None))
        groups.append(GroupInput(school_id=school_id, subject=subject_name, grade=grade, participants=people,
                                 thresholds=thresholds, max_score=max_score, subject_id=subject_id))
    return groups


def _scales(subject_ids: set[int], grades: set[int], start_year: int) -> dict[tuple[int, int], tuple]:
    """(subject_id, grade) → (thresholds {3: n, 4: n, 5: n} or None, max_score) of the newest scale ≤ the year."""
    rows = (GradingScale.objects
            .filter(assessment=Assessment.VPR, subject_id__in=subject_ids, grade__in=grades,
                    academic_year__start_year__lte=start_year)
            .order_by("academic_year__start_year")
            .values_list("subject_id", "grade", "thresholds", "max_score"))
    scales = {}
    for subject_id, grade, thresholds, max_score in rows:  # later years overwrite earlier ones
        scales[(subject_id, grade)] = (_thresholds(thresholds), max_score)
    return scales


def _thresholds(raw: dict | None) -> dict[int, int] | None:
    try:
        values = {mark: int(raw[str(mark)]) for mark in (3, 4, 5)}
    except (KeyError, TypeError, ValueError):
        return None
    return values
