"""Target indicator pages: list, detail, manual entry, recompute; visibility by role and municipality."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.choices import Assessment
from monitoring import services
from monitoring.models import IndicatorValue, TargetIndicator
from tests.factories import MunicipalityFactory

from .conftest import make_run, result

pytestmark = pytest.mark.django_db
LIST = reverse("monitoring:indicator_list")


@pytest.fixture
def share_indicator(make_indicator, staff_user):
    indicator = make_indicator("4.8", name="Доля ШНОР, в которых реализуется работа по ликвидации дефицитов",
                               unit="percent")
    services.target_save(indicator=indicator, target=Decimal(60), comparison="gte", year=2024,
                         text="2024 год – не менее 60%")
    services.target_save(indicator=indicator, target=Decimal(70), comparison="gte", year=2025,
                         text="2025 год – не менее 70%")
    services.value_save(indicator=indicator, user=staff_user, value=Decimal(50), year=2024, numerator=Decimal(1),
                        denominator=Decimal(2))
    return indicator


def test_list_shows_target_value_status_and_chart(client_as, staff_user, share_indicator, make_indicator):
    make_indicator("1.1", name="Наличие аналитической справки", unit="yes_no", direction="achieve")
    response = client_as(staff_user).get(LIST, {"municipality": share_indicator.municipality_id})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Доля ШНОР, в которых реализуется работа" in html and "4.8" in html
    assert "≥ 70\u00a0%" in html and "50\u00a0%" in html and "не достигнуто" in html  # 50 % against ≥ 60 % in 2024
    assert "<svg" in html and 'role="img"' in html and "Данные диаграммы" in html  # chart + its data table
    assert "= да" in html  # a yes/no indicator without a target aims at «да»


def test_list_query_count_does_not_grow_with_rows(client_as, staff_user, municipality, make_indicator):
    client = client_as(staff_user)

    def add(n):
        for i in range(n):
            indicator = make_indicator(f"{TargetIndicator.objects.count() + 1}")
            services.target_save(indicator=indicator, target=Decimal(10 + i), comparison="gte", year=2025)
            services.value_save(indicator=indicator, user=staff_user, value=Decimal(i), year=2025)

    add(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST, {"municipality": municipality.pk}).status_code == 200
    add(6)
    with CaptureQueriesContext(connection) as many:
        assert client.get(LIST, {"municipality": municipality.pk}).status_code == 200
    assert len(few) == len(many)


def test_principal_sees_own_municipality_only(client_as, principal_user, share_indicator):
    client = client_as(principal_user)
    assert "4.8" in client.get(LIST).content.decode()  # the default is the principal's municipality
    foreign = MunicipalityFactory(name="Хасанский муниципальный район")
    TargetIndicator.objects.create(municipality=foreign, code="2", name="Чужой показатель")
    assert client.get(LIST, {"municipality": foreign.pk}).status_code == 404
    assert client.get(LIST, {"municipality": "abc"}).status_code == 404
    response = client.get(reverse("monitoring:indicator_detail", args=[share_indicator.pk]))
    assert response.status_code == 200 and "Ввести значение" not in response.content.decode()


def test_curator_reads_but_cannot_enter(client_as, curator_user, share_indicator):
    client = client_as(curator_user)
    assert client.get(LIST).status_code == 200
    response = client.post(reverse("monitoring:value_entry", args=[share_indicator.pk]), {"year": 2025, "value": "5"})
    assert response.status_code == 403 and IndicatorValue.objects.count() == 1


def test_detail_of_a_computed_indicator_explains_the_formula(client_as, staff_user, municipality, years, schools,
                                                             make_indicator):
    a, b = schools["A"], schools["B"]
    make_run(municipality, years[2023], {a: {"is_shnor": True}, b: {"is_shnor": True}})
    for school, before, now in ((a, 4, 2), (b, 1, 3)):
        result(school, years[2022], Assessment.OGE, "math", 20, mark2=before)
        result(school, years[2023], Assessment.OGE, "math", 20, mark2=now)
    indicator = make_indicator("7.2", kind="computed", computation="shnor_positive_dynamics",
                               params={"assessment": "oge", "subject": "math"})
    services.target_save(indicator=indicator, target=Decimal(30), comparison="gte", year=2024, text="2024г.: 30%")
    client = client_as(staff_user)
    response = client.post(reverse("monitoring:recompute"), {"indicator": indicator.pk, "year": years[2023].pk})
    assert response.status_code == 302
    html = client.get(reverse("monitoring:indicator_detail", args=[indicator.pk])).content.decode()
    assert "Доля ШНОР с положительной динамикой результатов" in html
    assert "Числитель: ШНОР, у которых доля «2»" in html and "Знаменатель:" in html
    assert "1 из 2 школ" in html and "достигнуто" in html and "2024г.: 30%" in html
    assert "Школа A: 20\u00a0% → 10\u00a0%" in html
    assert "значение 2024: создано" in html  # history


def test_recompute_all_for_a_municipality(client_as, staff_user, municipality, years, schools, make_indicator):
    make_indicator("1", kind="computed", computation="oge_fail_share")
    make_indicator("2", kind="computed", computation="shnor_left")
    result(schools["A"], years[2023], Assessment.OGE, "math", 20, mark2=5)
    response = client_as(staff_user).post(reverse("monitoring:recompute"), {"municipality": municipality.pk,
                                                                            "year": years[2023].pk}, follow=True)
    text = response.content.decode()
    assert "Пересчитано за 2023/2024: показателей 2, со значением 1." in text
    assert "2 — нет завершённого расчёта классификации за 2023/2024" in text
    assert IndicatorValue.objects.get(indicator__code="1").value == Decimal("25.00")


def test_recompute_is_post_only_and_for_staff(client_as, principal_user, municipality, years):
    client = client_as(principal_user)
    assert client.get(reverse("monitoring:recompute")).status_code == 405
    assert client.post(reverse("monitoring:recompute"), {"municipality": municipality.pk,
                                                         "year": years[2023].pk}).status_code == 403


def test_manual_entry_saves_with_history(client_as, staff_user, share_indicator):
    client = client_as(staff_user)
    url = reverse("monitoring:value_entry", args=[share_indicator.pk])
    response = client.post(url, {"year": "2025", "value": "72,5", "numerator": "", "denominator": "",
                                 "comment": "по отчётам школ"})
    assert response.status_code == 302
    value = IndicatorValue.objects.get(indicator=share_indicator, year=2025)
    assert (value.value, value.source, value.author, value.details["comment"]) == (
        Decimal("72.5"), "manual", staff_user, "по отчётам школ")
    html = client.get(reverse("monitoring:indicator_detail", args=[share_indicator.pk])).content.decode()
    assert "72,5\u00a0%" in html and "достигнуто" in html and "по отчётам школ" in html
    # correcting the 2024 value: the form is prefilled, the old value stays in the history
    form = client.get(url, {"year": 2024}).content.decode()
    assert 'value="2024"' in form and "уже есть значение" in form
    client.post(url, {"year": "2024", "value": "65"})
    assert IndicatorValue.objects.get(indicator=share_indicator, year=2024).value == 65
    html = client.get(reverse("monitoring:indicator_detail", args=[share_indicator.pk])).content.decode()
    assert "значение 2024: изменено" in html and "<del>50\u00a0%</del>" in html


@pytest.mark.parametrize(("post", "message"), [
    ({"year": "2025", "value": "120"}, "Значение в процентах должно быть от 0 до 100."),
    ({"year": "2025", "value": "много"}, "«много» — не число. Введите число, например 12,5."),
    ({"year": "", "value": "50"}, "Укажите период: год."),
    ({"year": "2025", "value": ""}, "Укажите значение или числитель и знаменатель."),
    ({"year": "2025", "value": "", "numerator": "30", "denominator": "20"},
     "Значение в процентах должно быть от 0 до 100."),
])
def test_bad_manual_value_gives_a_russian_message_and_stores_nothing(client_as, staff_user, share_indicator, post,
                                                                     message):
    before = list(IndicatorValue.objects.values_list("pk", "value"))
    response = client_as(staff_user).post(reverse("monitoring:value_entry", args=[share_indicator.pk]), post)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert list(IndicatorValue.objects.values_list("pk", "value")) == before


def test_yes_no_entry(client_as, staff_user, make_indicator):
    indicator = make_indicator("1.1", unit="yes_no", direction="achieve")
    client = client_as(staff_user)
    url = reverse("monitoring:value_entry", args=[indicator.pk])
    bad = client.post(url, {"year": "2025", "value": "2"})
    assert "Для показателя «да/нет» значение — да или нет." in bad.content.decode()
    assert client.post(url, {"year": "2025", "value": "1"}).status_code == 302
    html = client.get(reverse("monitoring:indicator_detail", args=[indicator.pk])).content.decode()
    assert 'data-testid="period-value">да</td>' in html
    assert "достигнуто" in html


def test_academic_year_indicator_entry_requires_an_academic_year(client_as, staff_user, make_indicator, years):
    indicator = make_indicator("4.7", unit="count", period_kind="academic_year")
    client = client_as(staff_user)
    url = reverse("monitoring:value_entry", args=[indicator.pk])
    assert "Укажите период: учебный год." in client.post(url, {"value": "3"}).content.decode()
    assert client.post(url, {"academic_year": years[2024].pk, "value": "3"}).status_code == 302
    assert IndicatorValue.objects.get(indicator=indicator).period_label == "2024/2025"
