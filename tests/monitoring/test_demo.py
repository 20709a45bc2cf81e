"""The demo indicator sets: real indicators and targets of the programmes, loaded idempotently."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from monitoring.computations import COMPUTATIONS
from monitoring.models import IndicatorValue, TargetIndicator, TargetValue

MAIN = Path(__file__).resolve().parents[2]
FIXTURES = MAIN / "fixtures" / "demo" / "indicators"
CHOYA = "муниципальное образование «Чойский район»"
TUTAEV = "Тутаевский муниципальный район"
KHASAN = "Хасанский муниципальный район"
KUMAREY = "Муниципалитет МБОУ Кумарейская СОШ (в документе не указан)"


def _files():
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(FIXTURES.glob("*.json"))}


def test_fixture_files_are_consistent():
    names = {m["name"] for m in json.loads((MAIN / "fixtures/demo/municipalities.json").read_text())["municipalities"]}
    files = _files()
    assert set(files) == {"choya", "tutaev", "khasan", "kumarey"}
    for data in files.values():
        assert data["municipality"] in names
        codes = [i["code"] for i in data["indicators"]]
        assert len(codes) == len(set(codes))
        for item in data["indicators"]:
            assert item.get("kind", "manual") == "manual" or item["computation"] in COMPUTATIONS
            for target in item.get("targets", []):
                assert ("year" in target) != ("academic_year" in target), (item["code"], target)
                assert target["comparison"] in ("gte", "lte", "eq")


@pytest.fixture
def demo(db, capsys):
    call_command("load_demo")
    return capsys.readouterr().out


def _target(municipality, code, **period):
    return TargetValue.objects.get(indicator__municipality__name=municipality, indicator__code=code, **period)


@pytest.mark.django_db
def test_demo_loads_the_four_indicator_sets(demo):
    counts = {name: TargetIndicator.objects.filter(municipality__name=name).count()
              for name in (CHOYA, TUTAEV, KHASAN, KUMAREY)}
    assert counts == {CHOYA: 32, TUTAEV: 6, KHASAN: 9, KUMAREY: 11}
    assert "целевых показателей: 58" in demo
    # real targets, as in the documents
    staging = _target(CHOYA, "4.7", academic_year__start_year=2024)
    assert (staging.target, staging.comparison, staging.text) == (7, "gte", "2024-2025 уч.г. – не менее 7")
    assert _target(CHOYA, "7.3", year=2025).target == 60
    assert _target(CHOYA, "4.3", year=2021).text == "2021г. –не менее 55%"
    fail_share = _target(KHASAN, "2", year=2023)
    assert (fail_share.target, fail_share.comparison) == (5, "lte")
    assert TargetIndicator.objects.get(municipality__name=KHASAN, code="2").computation == "gia_fail_share"
    ege_maths = TargetIndicator.objects.get(municipality__name=CHOYA, code="7.4")
    assert (ege_maths.computation, ege_maths.params["assessment"]) == ("shnor_positive_dynamics", "ege")
    staging_links = TargetIndicator.objects.get(municipality__name=CHOYA, code="4.7").activities
    assert sorted(staging_links.values_list("number", flat=True)) == ["1.4", "2.13", "4.1"]


@pytest.mark.django_db
def test_demo_computes_tutaev_from_its_classification(demo):
    """Tutaev 2019: 8 programme participants, ОИП ≥ 36 — Павловская and Никольская, ≥ 26 — three more."""
    regional = IndicatorValue.objects.get(indicator__municipality__name=TUTAEV, indicator__code="1.4")
    assert (regional.value, regional.numerator, regional.denominator) == (Decimal("25.00"), 2, 8)
    assert regional.period_label == "2019/2020" and regional.source == "computed"
    municipal = IndicatorValue.objects.get(indicator__municipality__name=TUTAEV, indicator__code="1.5")
    assert (municipal.value, municipal.numerator, municipal.denominator) == (Decimal("62.50"), 5, 8)
    growth = IndicatorValue.objects.get(indicator__municipality__name=TUTAEV, indicator__code="1.3")
    assert growth.value is None and growth.details["message"] == "нет ОИП школ за 2018/2019"
    baseline = IndicatorValue.objects.get(indicator__municipality__name=CHOYA, indicator__code="7.1", year=2019)
    assert (baseline.value, baseline.numerator, baseline.denominator) == (40, 2, 5)


@pytest.mark.django_db
def test_second_load_changes_nothing(demo):
    def counts():
        return (TargetIndicator.objects.count(), TargetValue.objects.count(), IndicatorValue.objects.count(),
                TargetIndicator.history.count(), TargetValue.history.count(), IndicatorValue.history.count())

    before = counts()
    call_command("load_demo")
    assert counts() == before


@pytest.mark.django_db
def test_demo_pages_render(demo, client):
    from portal.demo import DEMO_PASSWORD

    client.post("/login/", {"username": "staff", "password": DEMO_PASSWORD})
    for indicator in TargetIndicator.objects.all():
        assert client.get(indicator.get_absolute_url()).status_code == 200
    choya = TargetIndicator.objects.filter(municipality__name=CHOYA).first().municipality_id
    html = client.get(f"/indicators/?municipality={choya}").content.decode()
    assert html.count('data-testid="indicator-row"') == 32
