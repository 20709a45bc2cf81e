"""The open pages: no login, aggregates only, figures equal to the database, downloads equal to the page."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from indicators.choices import RunStatus
from indicators.models import ClassificationRun, SchoolStatus
from monitoring.models import IndicatorValue
from public.cache import version

pytestmark = pytest.mark.django_db


def page(client, open_data):
    return client.get(reverse("public:municipality", args=[open_data["municipality"].pk]))


def download(client, municipality, dataset, fmt):
    response = client.get(reverse("public:download", args=[municipality.pk, dataset, fmt]))
    assert response.status_code == 200, response.content[:200]
    return response


def read_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff"), "CSV для Excel начинается с BOM"
    return list(csv.reader(io.StringIO(text[1:])))


def test_index_lists_municipalities_with_latest_shnor_count(client, open_data):
    response = client.get(reverse("public:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "Тутаевский муниципальный район" in html and "Хасанский муниципальный район" in html
    # the latest year of Тутаев (2023/2024) has one ШНОР: school B
    assert "ШНОР (2023/2024)" in html


def test_municipality_page_shows_indicator_values_targets_and_classification_by_year(client, open_data):
    response = page(client, open_data)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "Доля школ-участников с ОИП не ниже регионального порога (36)" in html
    assert "66,7\u00a0%" in html  # the indicator value as the database holds it
    assert "достигнуто" in html  # 66.7 ≥ 50 for 2023
    rows = {row[0]: row for row in read_csv(download(client, open_data["municipality"], "classification", "csv"))}
    assert rows["2022/2023"][1:4] == ["3", "2", "1"]   # schools, ШНОР, ШНСУ
    assert rows["2023/2024"][1:4] == ["3", "1", "1"]
    assert rows["2023/2024"][6] == "1"                  # resilient


def test_every_chart_has_a_text_alternative_and_a_data_table(client, open_data):
    html = page(client, open_data).content.decode()
    charts = html.count("<svg")
    assert charts >= 3  # indicator, ШНОР/ШНСУ by year, ОИП × ИСБШ
    assert html.count("<title id=") == charts and html.count("<desc id=") == charts
    assert html.count('role="img"') == charts
    assert html.count('class="chart-data"') == charts


def test_published_school_cards_link_from_the_page_and_show_only_aggregates(client, open_data):
    school = open_data["schools"]["A"]
    html = page(client, open_data).content.decode()
    card_url = reverse("public:school", args=[open_data["municipality"].pk, school.pk])
    assert card_url in html
    card = client.get(card_url)
    assert card.status_code == 200
    text = card.content.decode()
    assert "Школа A" in text and "37,25" in text and "ОИП ниже порога 36" in text
    assert "Математика" in text and "25,0" in text  # 3 of 12 got «2»
    # 3 participants in Russian: below the publication threshold, so withheld
    assert "меньше 5 участников — не публикуется" in text


def test_unpublished_municipality_shows_no_school_names_and_no_cards(client, open_data):
    hidden, school = open_data["hidden"], open_data["hidden_school"]
    response = client.get(reverse("public:municipality", args=[hidden.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Скрытая школа" not in html
    assert 'data-testid="cards-not-published"' in html
    assert client.get(reverse("public:school", args=[hidden.pk, school.pk])).status_code == 404
    assert client.get(reverse("public:download", args=[hidden.pk, "schools", "csv"])).status_code == 404
    # a school of another municipality is not reachable through a publishing one
    published = open_data["municipality"]
    assert client.get(reverse("public:school", args=[published.pk, school.pk])).status_code == 404


def test_csv_matches_the_page_table(client, open_data):
    municipality = open_data["municipality"]
    html = page(client, open_data).content.decode()
    rows = read_csv(download(client, municipality, "schools", "csv"))
    assert rows[0] == ["Учебный год", "Школа", "ОИП", "ИСБШ", "Статус"]
    assert sorted(r[1] for r in rows[1:]) == ["Школа A", "Школа B", "Школа C"]
    for row in rows[1:]:
        shown = row[2].replace(".", ",")
        assert f'<td class="num">{shown}</td>' in html, row


def test_downloads_neutralise_formulas_and_keep_numbers(client, open_data):
    municipality = open_data["municipality"]
    rows = read_csv(download(client, municipality, "indicators", "csv"))
    formula_rows = [r for r in rows if "HYPERLINK" in r[1]]
    assert formula_rows and formula_rows[0][0] == "'=2" and formula_rows[0][1].startswith("'=HYPERLINK")
    assert formula_rows[0][6] == "-3"  # a negative number stays a number
    workbook = load_workbook(io.BytesIO(download(client, municipality, "all", "xlsx").content))
    sheet = workbook["Целевые показатели по периодам"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert {"ШНОР и ШНСУ по учебным годам", "Индексы и статусы школ"} <= set(workbook.sheetnames)
    document = json.loads(download(client, municipality, "all", "json").content)
    indicators = next(d for d in document["datasets"] if d["name"] == "indicators")
    value_rows = [r for r in indicators["rows"] if r["code"] == "1.4" and r["period"] == "2023"]
    assert value_rows[0]["value"] == 66.7 and value_rows[0]["target"] == 50
    assert client.get(reverse("public:download", args=[municipality.pk, "all", "csv"])).status_code == 404
    assert client.get(reverse("public:download", args=[municipality.pk, "nothing", "csv"])).status_code == 404


def test_no_personal_data_or_uploads_reachable(client, open_data):
    html = page(client, open_data).content.decode()
    for forbidden in ("/results/", "/admin/", "uploads/", "participant"):
        assert forbidden not in html


def test_cached_page_runs_no_query_and_answers_304_for_its_etag(client, open_data):
    first = page(client, open_data)
    with CaptureQueriesContext(connection) as queries:
        second = page(client, open_data)
    assert second.content == first.content
    assert len(queries) == 0
    again = client.get(reverse("public:municipality", args=[open_data["municipality"].pk]),
                       HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_an_edit_invalidates_the_page(client, open_data, django_capture_on_commit_callbacks):
    municipality = open_data["municipality"]
    before = version(municipality.pk)
    assert "66,7\u00a0%" in page(client, open_data).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        value = IndicatorValue.objects.get(indicator=open_data["indicator"], year=2023)
        value.value = Decimal("41.2")
        value.save()
    assert version(municipality.pk) != before
    html = page(client, open_data).content.decode()
    assert "41,2\u00a0%" in html and "66,7\u00a0%" not in html
    assert "41.2" in download(client, municipality, "indicators", "csv").content.decode()


def test_a_finished_recompute_invalidates_the_page(client, open_data):
    municipality, (_, y23) = open_data["municipality"], open_data["years"]
    assert "Школа A" in page(client, open_data).content.decode()
    run = ClassificationRun.objects.create(municipality=municipality, academic_year=y23, trigger="manual")
    SchoolStatus.objects.create(run=run, school=open_data["schools"]["C"], oip=Decimal("12.5"), isbs=Decimal("50"),
                                is_shnor=True, reasons=[])
    assert "12,5" not in page(client, open_data).content.decode()  # pending: the published figures stay
    run.status = RunStatus.DONE
    run.save()
    html = page(client, open_data).content.decode()
    assert "12,5" in html


def test_publishing_setting_takes_effect_at_once(client, open_data):
    municipality = open_data["municipality"]
    assert "Школа A" in page(client, open_data).content.decode()
    municipality.publish_school_cards = False
    municipality.save()
    assert "Школа A" not in page(client, open_data).content.decode()


def test_unknown_municipality_is_404(client, open_data):
    assert client.get(reverse("public:municipality", args=[999999])).status_code == 404


def test_open_pages_need_no_login_and_set_no_session(client, open_data):
    response = page(client, open_data)
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert response["Cache-Control"].startswith("public")


def test_a_process_trusts_the_version_it_read_for_the_configured_time(settings, open_data):
    from django.core.cache import cache as shared

    from public.cache import VERSION_KEY, bump

    settings.PUBLIC_VERSION_CHECK_SECONDS = 60
    pk = open_data["municipality"].pk
    seen = version(pk)
    shared.incr(VERSION_KEY.format(pk))  # another server process changed the data
    assert version(pk) == seen  # not read again within the interval
    bump(pk)  # a change made through this process is seen at once
    assert version(pk) == seen + 2
    settings.PUBLIC_VERSION_CHECK_SECONDS = 0
    shared.incr(VERSION_KEY.format(pk))
    assert version(pk) == seen + 3
