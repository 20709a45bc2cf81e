"""A municipality with indicators, two years of classification and results, for the open pages."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from indicators.choices import Assessment, RunStatus, RunTrigger
from indicators.models import ClassificationRun, SchoolResult, SchoolStatus, Subject
from monitoring.models import IndicatorValue, TargetIndicator, TargetValue
from schools.models import AcademicYear
from tests.factories import MunicipalityFactory, SchoolFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def make_run(municipality, year, flags: dict) -> ClassificationRun:
    run = ClassificationRun.objects.create(municipality=municipality, academic_year=year, trigger=RunTrigger.COMMAND,
                                           status=RunStatus.DONE, finished_at=timezone.now())
    for school, values in flags.items():
        SchoolStatus.objects.create(run=run, school=school, reasons=["ОИП ниже порога 36"], **values)
    return run


@pytest.fixture
def open_data(db):
    municipality = MunicipalityFactory(name="Тутаевский муниципальный район", region="Ярославская область",
                                       publish_school_cards=True)
    hidden = MunicipalityFactory(name="Хасанский муниципальный район", publish_school_cards=False)
    schools = {letter: SchoolFactory(municipality=municipality, short_name=f"Школа {letter}") for letter in "ABC"}
    hidden_school = SchoolFactory(municipality=hidden, short_name="Скрытая школа")
    y22, y23 = (AcademicYear.objects.get_or_create(start_year=y)[0] for y in (2022, 2023))
    make_run(municipality, y22, {
        schools["A"]: {"is_shnor": True, "oip": Decimal("30.50"), "isbs": Decimal("45.10")},
        schools["B"]: {"is_shnor": True, "is_shnsu": True, "oip": Decimal("25.00"), "isbs": Decimal("40.00")},
        schools["C"]: {"oip": Decimal("48.20"), "isbs": Decimal("55.00")}})
    make_run(municipality, y23, {
        schools["A"]: {"oip": Decimal("37.25"), "isbs": Decimal("46.00")},
        schools["B"]: {"is_shnor": True, "is_shnsu": True, "oip": Decimal("27.75"), "isbs": Decimal("41.00")},
        schools["C"]: {"oip": Decimal("49.00"), "isbs": Decimal("56.00"), "is_resilient": True}})
    make_run(hidden, y23, {hidden_school: {"is_shnor": True, "oip": Decimal("20"), "isbs": Decimal("30")}})
    indicator = TargetIndicator.objects.create(municipality=municipality, code="1.4", unit="percent",
                                               name="Доля школ-участников с ОИП не ниже регионального порога (36)")
    TargetValue.objects.create(indicator=indicator, year=2023, target=Decimal("50"))
    TargetValue.objects.create(indicator=indicator, year=2024, target=Decimal("60"))
    IndicatorValue.objects.create(indicator=indicator, year=2023, value=Decimal("66.7"))
    formula = TargetIndicator.objects.create(municipality=municipality, code="=2", unit="count",
                                             name="=HYPERLINK(\"http://example.com\",\"x\")")
    IndicatorValue.objects.create(indicator=formula, year=2023, value=Decimal("-3"))
    SchoolResult.objects.create(school=schools["A"], academic_year=y23, assessment=Assessment.OGE,
                                subject=Subject.objects.get(code="math"), grade=9, participants=12, mark2=3,
                                mark3=5, mark4=3, mark5=1, source="imported")
    SchoolResult.objects.create(school=schools["A"], academic_year=y23, assessment=Assessment.OGE,
                                subject=Subject.objects.get(code="rus"), grade=9, participants=3, mark2=1,
                                mark3=1, mark4=1, mark5=0, source="imported")
    return {"municipality": municipality, "hidden": hidden, "schools": schools, "hidden_school": hidden_school,
            "indicator": indicator, "formula": formula, "years": (y22, y23)}
