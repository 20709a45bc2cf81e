"""Computed ОИП/ИСБШ are stored apart from published ones, explained, and used when nothing is published."""

from decimal import Decimal

import pytest

from indicators.models import IndexValue, SchoolResult, Subject
from indicators.runs import run_now
from schools.models import AcademicYear
from tests.factories import MunicipalityFactory, SchoolFactory, SchoolYearProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def district():
    municipality = MunicipalityFactory(name="Район для расчёта")
    year, _ = AcademicYear.objects.get_or_create(start_year=2024)
    subjects = {s.code: s for s in Subject.objects.filter(code__in=["rus", "math", "math_prof"])}
    schools = []
    for i, twos in enumerate([1, 3, 6, 9, 12]):
        school = SchoolFactory(municipality=municipality, has_senior_grades=i != 4,
                               locality="rural" if i > 2 else "urban")
        schools.append(school)
        for code, grade in (("rus", 9), ("math", 9)):
            SchoolResult.objects.create(school=school, academic_year=year, assessment="oge", subject=subjects[code],
                                        grade=grade, participants=20, mark2=twos, mark3=20 - twos, mark4=0, mark5=0,
                                        source="imported")
        for code in ("rus", "math_prof"):
            SchoolResult.objects.create(school=school, academic_year=year, assessment="ege", subject=subjects[code],
                                        grade=11, participants=10, below_minimum=0, mean_score=80 - 5 * i,
                                        source="imported")
        SchoolYearProfileFactory(school=school, academic_year=year, students=100, parents_higher_education=40 - 5 * i,
                                 single_parent_families=10 + 5 * i, unemployed_parents=5 + i, russian_not_native=i,
                                 disabilities_ovz=2, preventive_registration=i)
    return municipality, year, schools


def test_run_computes_and_stores_explained_indices(district):
    municipality, year, schools = district
    run = run_now(municipality=municipality, academic_year=year)
    computed = IndexValue.objects.filter(source="computed", kind="oip").order_by("-value")
    assert computed.count() == 5
    assert [v.school for v in computed] == schools  # fewer «2» and higher ЕГЭ → higher ОИП
    basic = IndexValue.objects.get(school=schools[4], kind="oip")
    assert "ЕГЭ" in basic.components["explanation"] and "ege" in basic.components["missing"]
    assert IndexValue.objects.filter(source="computed", kind="isbs").count() == 5
    assert run.context["computed_indices"]["oip"] == 5
    assert run.context["computed_indices"]["isbs_model"]["mode"] == "weights"
    statuses = {s.school_id: s for s in run.statuses.all()}
    assert all(statuses[s.pk].oip == IndexValue.objects.get(school=s, kind="oip").value for s in schools)


def test_published_values_win_and_are_never_overwritten(district):
    municipality, year, schools = district
    IndexValue.objects.create(school=schools[0], academic_year=year, kind="oip", source="imported",
                              value=Decimal("12.34"))
    run = run_now(municipality=municipality, academic_year=year)
    assert run.statuses.get(school=schools[0]).oip == Decimal("12.34")
    assert IndexValue.objects.get(school=schools[0], kind="oip", source="imported").value == Decimal("12.34")
    assert IndexValue.objects.filter(school=schools[0], kind="oip", source="computed").exists()


def test_fitted_isbs_reports_the_model(district):
    municipality, year, _ = district
    run = run_now(municipality=municipality, academic_year=year, overrides={"computed_isbs_mode": "fitted"},
                  persist=False)
    model = run.context["computed_indices"]["isbs_model"]
    # 5 schools: dependent and constant variables are dropped with notes, the rest fitted by least squares
    assert model["mode"] == "fitted" and model["n"] == 5 and 0 <= model["r2"] <= 1
    assert model["notes"] and len(model["coefficients"]) < 8


def test_a_second_run_rewrites_nothing(district):
    municipality, year, _ = district
    run_now(municipality=municipality, academic_year=year)
    before = dict(IndexValue.objects.filter(source="computed").values_list("pk", "updated_at"))
    run_now(municipality=municipality, academic_year=year)
    assert dict(IndexValue.objects.filter(source="computed").values_list("pk", "updated_at")) == before
