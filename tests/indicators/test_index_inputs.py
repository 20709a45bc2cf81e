"""Inputs of the portal's municipal ОИП and ИСБШ built from the database."""

from decimal import Decimal

import pytest

from indicators.index_inputs import isbs_inputs, oip_inputs
from indicators.indices import IsbsParams, OipParams, compute_isbs, compute_oip
from indicators.models import IndexValue, SchoolResult, Subject
from schools.choices import Locality, SchoolKind
from tests.factories import AcademicYearFactory, MunicipalityFactory, SchoolFactory, SchoolYearProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def year():
    return AcademicYearFactory(start_year=2024)


@pytest.fixture
def mr():
    return MunicipalityFactory(name="Тутаевский муниципальный район")


def result(school, year, assessment, code, grade, participants, **fields):
    return SchoolResult.objects.create(school=school, academic_year=year, assessment=assessment,
                                       subject=Subject.objects.get(code=code), grade=grade,
                                       participants=participants, source="imported", **fields)


def by_id(items):
    return {i.school_id: i for i in items}


def test_oip_inputs_components(mr, year):
    senior = SchoolFactory(municipality=mr, short_name="СШ № 3")
    basic = SchoolFactory(municipality=mr, short_name="Никольская ОШ", kind=SchoolKind.OOSH,
                          has_senior_grades=False, locality=Locality.RURAL)
    empty = SchoolFactory(municipality=mr, short_name="СШ № 6")
    SchoolFactory(municipality=mr, short_name="закрытая", is_active=False)
    SchoolFactory(short_name="чужая")  # another municipality
    result(senior, year, "ege", "rus", 11, 20, mean_score=Decimal("70.00"), below_minimum=0)
    result(senior, year, "ege", "math_prof", 11, 10, mean_score=Decimal("55.00"), below_minimum=1)
    result(senior, year, "ege", "hist", 11, 5, mean_score=Decimal("90.00"))  # not a component subject
    result(senior, year, "oge", "rus", 9, 40, mark2=2, mark3=10, mark4=20, mark5=8)
    result(senior, year, "oge", "math", 9, 40, mark2=6, mark3=20, mark4=10, mark5=4)
    result(senior, year, "oge", "phys", 9, 10, mark2=5, mark3=5, mark4=0, mark5=0)  # ignored
    result(senior, year, "vpr", "rus", 5, 30, mark2=3, journal_lowered=6, journal_confirmed=21, journal_raised=3)
    result(senior, year, "vpr", "math", 6, 20, mark2=7, journal_lowered=None, journal_confirmed=None,
           journal_raised=None)
    result(senior, year, "vpr", "bio", 7, 10, mark2=None)  # no «2» count: not in the share
    result(senior, AcademicYearFactory(start_year=2023), "vpr", "rus", 5, 30, mark2=30)  # another year
    # a basic school with ЕГЭ rows (e.g. a data-entry error) still has no ЕГЭ component
    result(basic, year, "ege", "rus", 11, 3, mean_score=Decimal("40.00"))
    result(basic, year, "oge", "rus", 9, 8, mark2=1)
    result(basic, year, "vpr", "world", 4, 12, mark2=0, journal_lowered=0, journal_confirmed=12, journal_raised=0)

    inputs = by_id(oip_inputs(mr, year))
    assert set(inputs) == {senior.pk, basic.pk, empty.pk}

    s = inputs[senior.pk]
    assert s.name == "СШ № 3"
    assert s.components["ege"] == pytest.approx((70 * 20 + 55 * 10) / 30)
    assert s.components["oge"] == pytest.approx(100 * 8 / 80)
    assert s.components["vpr"] == pytest.approx(100 * 10 / 50)
    assert s.components["objectivity"] == pytest.approx(100 * 21 / 30)
    assert s.components["retention"] is None and s.components["olympiads"] is None
    assert set(s.missing_reasons) == {"retention", "olympiads"}

    b = inputs[basic.pk]
    assert b.components["ege"] is None
    assert b.missing_reasons["ege"] == "нет 10–11 классов, ЕГЭ не применяется"
    assert b.components["oge"] == pytest.approx(12.5) and b.components["vpr"] == 0.0
    assert b.components["objectivity"] == 100.0

    e = inputs[empty.pk]
    assert all(v is None for v in e.components.values())
    assert "нет результатов ОГЭ" in e.missing_reasons["oge"]

    results = by_id(compute_oip(list(inputs.values()), OipParams(min_schools=1)))
    assert results[empty.pk].value is None
    assert "нет 10–11 классов" in results[basic.pk].explanation


def test_oip_inputs_accept_ids(mr, year):
    school = SchoolFactory(municipality=mr)
    result(school, year, "vpr", "rus", 5, 10, mark2=1)
    assert oip_inputs(mr.pk, year.pk)[0].components["vpr"] == pytest.approx(10.0)


def test_isbs_inputs_shares_flags_and_outcome(mr, year):
    urban = SchoolFactory(municipality=mr, short_name="СШ № 4", locality=Locality.URBAN)
    rural = SchoolFactory(municipality=mr, short_name="Столбищенская ОШ", locality=Locality.RURAL, is_small=True,
                          has_senior_grades=False)
    unknown = SchoolFactory(municipality=mr, short_name="без профиля", locality="")
    SchoolYearProfileFactory(school=urban, academic_year=year, students=400, parents_higher_education=100,
                             single_parent_families=80, unemployed_parents=20, russian_not_native=4,
                             disabilities_ovz=12, preventive_registration=8)
    SchoolYearProfileFactory(school=rural, academic_year=year, students=40, parents_higher_education=2,
                             single_parent_families=12, unemployed_parents=None, russian_not_native=0,
                             disabilities_ovz=3, preventive_registration=2)
    SchoolYearProfileFactory(school=unknown, academic_year=AcademicYearFactory(start_year=2023),
                             parents_higher_education=50)  # another year only
    IndexValue.objects.create(school=urban, academic_year=year, kind="oip", source="computed", value=Decimal("41.25"))
    IndexValue.objects.create(school=urban, academic_year=year, kind="oip", source="imported", value=Decimal("26.34"))
    IndexValue.objects.create(school=rural, academic_year=year, kind="isbs", source="computed", value=Decimal("30"))

    inputs = by_id(isbs_inputs(mr, year))
    u, r, x = inputs[urban.pk], inputs[rural.pk], inputs[unknown.pk]
    assert u.variables == pytest.approx({
        "parents_higher_education": 25.0, "single_parent_families": 20.0, "unemployed_parents": 5.0,
        "russian_not_native": 1.0, "disabilities_ovz": 3.0, "preventive_registration": 2.0, "rural": 0.0,
        "small": 0.0})
    assert r.variables["parents_higher_education"] == pytest.approx(5.0)
    assert r.variables["unemployed_parents"] is None and r.variables["russian_not_native"] == 0.0
    assert r.variables["rural"] == 1.0 and r.variables["small"] == 1.0
    assert x.variables["rural"] is None and x.variables["parents_higher_education"] is None
    assert all(i.outcome is None for i in inputs.values())

    assert by_id(isbs_inputs(mr, year, outcome="oip_computed"))[urban.pk].outcome == 41.25
    imported = by_id(isbs_inputs(mr, year, outcome="oip_imported"))
    assert imported[urban.pk].outcome == 26.34 and imported[rural.pk].outcome is None

    _, results = compute_isbs(list(inputs.values()), IsbsParams())
    assert by_id(results)[unknown.pk].value is None


def test_isbs_inputs_rejects_unknown_outcome(mr, year):
    with pytest.raises(ValueError, match="неизвестный результат"):
        isbs_inputs(mr, year, outcome="mean_score")


def populate(mr, year, count):
    for i in range(count):
        school = SchoolFactory(municipality=mr, has_senior_grades=i % 2 == 0)
        SchoolYearProfileFactory(school=school, academic_year=year, parents_higher_education=10 + i,
                                 single_parent_families=20, unemployed_parents=i)
        IndexValue.objects.create(school=school, academic_year=year, kind="oip", source="computed",
                                  value=Decimal(30 + i))
        result(school, year, "ege", "rus", 11, 10, mean_score=Decimal(60 + i))
        result(school, year, "oge", "math", 9, 10, mark2=i % 3)
        result(school, year, "vpr", "rus", 5, 10, mark2=1, journal_lowered=1, journal_confirmed=8, journal_raised=1)


@pytest.mark.parametrize("count", [1, 3, 12])
def test_query_count_does_not_depend_on_school_count(mr, year, count, django_assert_max_num_queries):
    populate(mr, year, count)
    with django_assert_max_num_queries(2):
        oip = oip_inputs(mr, year)
    with django_assert_max_num_queries(3):
        isbs = isbs_inputs(mr, year, outcome="oip_computed")
    assert len(oip) == len(isbs) == count
    assert all(i.outcome is not None for i in isbs)
