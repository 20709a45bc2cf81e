"""Storing computed and manual values: periods, history, manual values kept when there is nothing to compute."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from indicators.choices import Assessment
from monitoring import services
from monitoring.models import IndicatorValue
from monitoring.tasks import compute_indicators_task
from schools.models import AcademicYear

from .conftest import make_run, result

pytestmark = pytest.mark.django_db


@pytest.fixture
def oge_data(municipality, years, schools):
    a, b = schools["A"], schools["B"]
    make_run(municipality, years[2023], {a: {"is_shnor": True}, b: {"is_shnor": True}})
    for school, before, now in ((a, 4, 2), (b, 1, 3)):
        result(school, years[2022], Assessment.OGE, "math", 20, mark2=before)
        result(school, years[2023], Assessment.OGE, "math", 20, mark2=now)


def test_compute_indicator_stores_the_value_under_the_calendar_year(make_indicator, years, oge_data, staff_user):
    indicator = make_indicator("7.2", kind="computed", computation="shnor_positive_dynamics",
                               params={"assessment": "oge", "subject": "math"})
    value = services.compute_indicator(indicator=indicator, academic_year=years[2023], user=staff_user)
    assert (value.year, value.academic_year, value.value, value.numerator, value.denominator, value.source) == (
        2024, None, Decimal("50.00"), 1, 2, "computed")
    assert value.details["academic_year"] == "2023/2024" and value.author == staff_user
    again = services.compute_indicator(indicator=indicator, academic_year=years[2023])
    assert again.pk == value.pk and IndicatorValue.history.filter(id=value.pk).count() == 1  # unchanged: no new row


def test_compute_indicator_for_academic_year_indicators(make_indicator, years, oge_data):
    indicator = make_indicator("1.3", kind="computed", computation="shnor_positive_dynamics",
                               period_kind="academic_year")
    value = services.compute_indicator(indicator=indicator, academic_year=years[2023])
    assert value.year is None and value.academic_year == years[2023] and value.period_label == "2023/2024"


def test_missing_data_is_stored_as_none_with_the_reason(make_indicator, years):
    indicator = make_indicator(kind="computed", computation="oge_fail_share")
    value = services.compute_indicator(indicator=indicator, academic_year=years[2023])
    assert value.value is None and value.details["message"] == "в муниципалитете нет действующих школ"


def test_missing_results_are_explained(make_indicator, years, schools):
    indicator = make_indicator(kind="computed", computation="oge_fail_share")
    value = services.compute_indicator(indicator=indicator, academic_year=years[2023])
    assert value.value is None and value.details["message"] == "нет результатов ОГЭ за 2023/2024"


def test_a_manual_value_is_kept_when_there_is_nothing_to_compute(make_indicator, years, staff_user, oge_data):
    indicator = make_indicator(kind="computed", computation="shnor_positive_dynamics")
    manual = services.value_save(indicator=indicator, user=staff_user, value=Decimal(40), year=2020,
                                 comment="исходное значение из программы")
    year_2019 = AcademicYear.objects.create(start_year=2019)  # 2019/2020 → 2020: no run, nothing to compute
    kept = services.compute_indicator(indicator=indicator, academic_year=year_2019)
    assert kept.pk == manual.pk and kept.value == 40 and kept.source == "manual"
    services.value_save(indicator=indicator, user=staff_user, value=Decimal(10), year=2024)
    replaced = services.compute_indicator(indicator=indicator, academic_year=years[2023])  # with data: replaced
    assert (replaced.value, replaced.source) == (50, "computed")
    assert IndicatorValue.objects.filter(indicator=indicator).count() == 2


def test_compute_all_and_the_task(municipality, make_indicator, years, oge_data):
    make_indicator("1", kind="computed", computation="shnor_positive_dynamics")
    make_indicator("2", kind="computed", computation="oge_fail_share")
    make_indicator("3")  # manual: not computed
    assert len(services.compute_all(municipality=municipality, academic_year=years[2023])) == 2
    outcome = compute_indicators_task.delay(municipality.pk, years[2023].pk).get()
    assert outcome == {"municipality": municipality.pk, "year": years[2023].pk, "values": 2, "with_data": 2}
    assert IndicatorValue.objects.count() == 2


@pytest.mark.parametrize(("unit", "value", "message"), [
    ("percent", Decimal(120), "Значение в процентах должно быть от 0 до 100."),
    ("percent", Decimal(-1), "Значение в процентах должно быть от 0 до 100."),
    ("yes_no", Decimal(2), "Для показателя «да/нет» значение — 1 (да) или 0 (нет)."),
    ("count", Decimal("2.5"), "Количество — целое число."),
    ("count", Decimal(-3), "Значение не может быть отрицательным."),
])
def test_manual_values_are_checked_by_unit(make_indicator, staff_user, unit, value, message):
    indicator = make_indicator(unit=unit)
    with pytest.raises(ValidationError) as caught:
        services.value_save(indicator=indicator, user=staff_user, value=value, year=2024)
    assert message in caught.value.messages
    assert not IndicatorValue.objects.exists()


def test_manual_period_rules(make_indicator, staff_user, years):
    indicator = make_indicator()
    with pytest.raises(ValidationError) as caught:
        services.value_save(indicator=indicator, user=staff_user, value=Decimal(5))
    assert "Укажите период: год или учебный год (одно из двух)." in caught.value.messages
    with pytest.raises(ValidationError) as caught:
        services.value_save(indicator=indicator, user=staff_user, value=Decimal(5), academic_year=years[2023])
    assert "Цели и значения этого показателя задаются по календарным годам." in caught.value.messages
    with pytest.raises(ValidationError) as caught:
        services.value_save(indicator=indicator, user=staff_user, value=None, year=2024, numerator=Decimal(7),
                            denominator=Decimal(5))
    assert "Значение в процентах должно быть от 0 до 100." in caught.value.messages
    derived = services.value_save(indicator=indicator, user=staff_user, value=None, year=2024, numerator=Decimal(7),
                                  denominator=Decimal(20))
    assert derived.value == Decimal("35.00")


def test_levels_are_checked_against_the_scale(make_indicator, staff_user):
    indicator = make_indicator(unit="level", direction="higher_better",
                               params={"levels": {"3": "представлены", "2": "в процессе", "1": "отсутствуют"}})
    with pytest.raises(ValidationError) as caught:
        services.value_save(indicator=indicator, user=staff_user, value=Decimal(4), year=2024)
    assert caught.value.messages == ["Допустимые уровни: 1 — отсутствуют, 2 — в процессе, 3 — представлены."]
    assert services.value_save(indicator=indicator, user=staff_user, value=Decimal(2), year=2024).value == 2


def test_targets_are_saved_once(make_indicator, staff_user):
    indicator = make_indicator()
    first = services.target_save(indicator=indicator, target=Decimal(40), comparison="gte", text="не менее 40%",
                                 year=2025, user=staff_user)
    services.target_save(indicator=indicator, target=Decimal(40), comparison="gte", text="не менее 40%", year=2025)
    assert first.label == "≥ 40\u00a0%" and indicator.targets.count() == 1 and first.history.count() == 1
    with pytest.raises(ValidationError):
        services.target_save(indicator=indicator, target=Decimal(140), comparison="gte", year=2026)


def test_an_unknown_computation_is_refused(make_indicator):
    indicator = make_indicator(kind="computed", computation="nonexistent")
    with pytest.raises(ValidationError) as caught:
        indicator.full_clean()
    assert "computation" in caught.value.message_dict
