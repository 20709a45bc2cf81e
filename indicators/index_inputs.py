"""Selectors that build the inputs of the portal's municipal indices (``indicators.indices``) from the database.

A fixed number of queries per call, whatever the number of schools: ``oip_inputs`` 2, ``isbs_inputs`` 2 (3 with an
outcome). Only active schools of the municipality take part.

ОИП components (per school, one academic year):
    ege          Σ(mean_score × participants) / Σ participants over ЕГЭ rows of «rus» and «math_prof» with a mean
                 score; None for a school without grades 10–11 (``has_senior_grades`` = False), even if rows exist.
    oge          100 × Σ mark2 / Σ participants over ОГЭ rows of «rus» and «math» with mark2 filled in.
    vpr          100 × Σ mark2 / Σ participants over all ВПР rows with mark2 filled in.
    objectivity  100 × Σ journal_confirmed / Σ (journal_lowered + journal_confirmed + journal_raised) over ВПР rows
                 with all three filled in.
    retention, olympiads
                 None: the portal has no data source for them yet (the ОИП drops them while fewer than
                 ``min_schools`` schools have a value).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

from schools.choices import Locality
from schools.models import School, SchoolYearProfile

from .choices import Assessment, IndexKind, IndexSource
from .indices import IsbsInput, OipInput
from .models import IndexValue, SchoolResult

EGE_SUBJECTS = ("rus", "math_prof")
OGE_SUBJECTS = ("rus", "math")
OIP_COMPONENTS = ("ege", "oge", "vpr", "retention", "olympiads", "objectivity")
ISBS_SHARE_FIELDS = SchoolYearProfile.COUNT_FIELDS
ISBS_VARIABLES = (*ISBS_SHARE_FIELDS, "rural", "small")
OUTCOME_SOURCES = {"oip_computed": IndexSource.COMPUTED, "oip_imported": IndexSource.IMPORTED}

NO_SOURCE = "в портале пока нет источника данных"


def _pk(obj) -> int:
    return getattr(obj, "pk", obj)


def _schools(municipality) -> list[School]:
    return list(School.objects.filter(municipality_id=_pk(municipality), is_active=True)
                .only("id", "short_name", "name", "has_senior_grades", "locality", "is_small")
                .order_by("short_name", "id"))


class _Sums:
    __slots__ = ("ege_score", "ege_n", "oge_2", "oge_n", "vpr_2", "vpr_n", "journal_ok", "journal_n")

    def __init__(self) -> None:
        for name in self.__slots__:
            setattr(self, name, 0.0)


def _ratio(numerator: float, denominator: float, scale: float = 1.0) -> float | None:
    return scale * numerator / denominator if denominator else None


def oip_inputs(municipality, academic_year) -> list[OipInput]:
    """ОИП inputs of every active school of ``municipality`` (instance or id) in ``academic_year`` (instance or id)."""
    schools = _schools(municipality)
    rows = (SchoolResult.objects
            .filter(school__municipality_id=_pk(municipality), school__is_active=True,
                    academic_year_id=_pk(academic_year))
            .values_list("school_id", "assessment", "subject__code", "participants", "mark2", "mean_score",
                         "journal_lowered", "journal_confirmed", "journal_raised"))
    sums: dict[int, _Sums] = defaultdict(_Sums)
    for school_id, assessment, code, participants, mark2, mean_score, lowered, confirmed, raised in rows:
        s = sums[school_id]
        if assessment == Assessment.EGE and code in EGE_SUBJECTS and mean_score is not None and participants:
            s.ege_score += float(mean_score) * participants
            s.ege_n += participants
        elif assessment == Assessment.OGE and code in OGE_SUBJECTS and mark2 is not None and participants:
            s.oge_2 += mark2
            s.oge_n += participants
        elif assessment == Assessment.VPR:
            if mark2 is not None and participants:
                s.vpr_2 += mark2
                s.vpr_n += participants
            if None not in (lowered, confirmed, raised):
                s.journal_ok += confirmed
                s.journal_n += lowered + confirmed + raised

    result = []
    for school in schools:
        s = sums.get(school.pk) or _Sums()
        components = {
            "ege": _ratio(s.ege_score, s.ege_n),
            "oge": _ratio(s.oge_2, s.oge_n, 100.0),
            "vpr": _ratio(s.vpr_2, s.vpr_n, 100.0),
            "retention": None,
            "olympiads": None,
            "objectivity": _ratio(s.journal_ok, s.journal_n, 100.0),
        }
        reasons = {
            "ege": "нет результатов ЕГЭ по русскому языку и профильной математике",
            "oge": "нет результатов ОГЭ по русскому языку и математике",
            "vpr": "нет результатов ВПР",
            "retention": NO_SOURCE,
            "olympiads": NO_SOURCE,
            "objectivity": "нет сравнения отметок ВПР с журналом",
        }
        if not school.has_senior_grades:
            components["ege"] = None
            reasons["ege"] = "нет 10–11 классов, ЕГЭ не применяется"
        missing = {k: reasons[k] for k, v in components.items() if v is None}
        result.append(OipInput(school.pk, str(school), components, missing))
    return result


def isbs_inputs(municipality, academic_year,
                outcome: Literal["oip_computed", "oip_imported"] | None = None) -> list[IsbsInput]:
    """ИСБШ inputs: social-passport shares (% of ``students``) and the rural/small flags of every active school.

    A share is None when the count or the number of students is missing; ``rural`` is None when the locality is
    not filled in. ``outcome``: the school's ОИП of the same year (computed by the portal or imported), else None.
    """
    if outcome is not None and outcome not in OUTCOME_SOURCES:
        raise ValueError(f"неизвестный результат «{outcome}»: ожидается oip_computed, oip_imported или None")
    schools = _schools(municipality)
    profiles = {p.school_id: p for p in SchoolYearProfile.objects.filter(
        school__municipality_id=_pk(municipality), school__is_active=True, academic_year_id=_pk(academic_year))
        .only("school_id", "students", *ISBS_SHARE_FIELDS)}
    outcomes = {}
    if outcome is not None:
        outcomes = dict(IndexValue.objects.filter(
            school__municipality_id=_pk(municipality), academic_year_id=_pk(academic_year), kind=IndexKind.OIP,
            source=OUTCOME_SOURCES[outcome]).values_list("school_id", "value"))

    result = []
    for school in schools:
        profile = profiles.get(school.pk)
        variables: dict[str, float | None] = {}
        for name in ISBS_SHARE_FIELDS:
            count = getattr(profile, name) if profile else None
            students = profile.students if profile else None
            variables[name] = 100.0 * count / students if count is not None and students else None
        variables["rural"] = {Locality.RURAL: 1.0, Locality.URBAN: 0.0}.get(school.locality)
        variables["small"] = 1.0 if school.is_small else 0.0
        value = outcomes.get(school.pk)
        result.append(IsbsInput(school.pk, str(school), variables, None if value is None else float(value)))
    return result
