"""The quarterly PDF report: rendered from the demo municipality, its text checked against the database."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from pypdf import PdfReader

from monitoring import pdf_book, reports
from monitoring.report_data import Period, report_data
from monitoring.report_models import QuarterlyReport
from portal.models import User
from schools.models import Municipality, School
from tests.portal.test_celery_worker import broker_url, worker  # noqa: F401 — fixtures

TUTAEV = "Тутаевский муниципальный район"
PERIOD = Period(2021, 2)


def pdf_text(data: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages), reader


def _embedded_fonts(reader: PdfReader) -> set[str]:
    """Names of the fonts whose glyphs are embedded in the file."""
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            obj = font.get_object()
            descendants = obj.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else obj).get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            if any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                fonts.add(str(obj["/BaseFont"]))
    return fonts


def flat(text: str) -> str:
    """Undo line breaks and the soft hyphens of Russian hyphenation."""
    return text.replace("\u2010\n", "").replace("-\n", "").replace("\n", " ")


@pytest.fixture
def demo(db):
    call_command("load_demo", verbosity=0)
    return Municipality.objects.get(name=TUTAEV)


def _contents(reader: PdfReader) -> dict[str, tuple[int, int]]:
    """{entry of the table of contents: (the page it names, the page its link leads to)}, 1-based. The cover's
    pages are those with links; an entry is a line «label page» (the dotted leader is drawn, not text)."""
    entries, pages = {}, {id(page.indirect_reference.get_object()): number for number, page in
                          enumerate(reader.pages, start=1)}
    for page in reader.pages[1:]:
        links = [annot.get_object() for annot in page.get("/Annots") or []]
        if not links:
            break
        lines = [match.groups() for line in page.extract_text().splitlines()
                 if (match := re.match(r"^(\d[\d.]*\. .*?) (\d+)$", line))]
        for (label, number), link in zip(lines, links, strict=True):  # the links come in the order of the entries
            entries[label] = (int(number), pages[id(link["/Dest"][0].get_object())])
    return entries


def _check_contents(reader: PdfReader, data: dict) -> None:
    """Every chapter and school of the table of contents names the page its heading opens, and links to it."""
    contents = _contents(reader)
    labels = ["1. Сводка", "2. Классификация школ и её основания", "3. Целевые показатели",
              "4. Выполнение дорожной карты", "5. Школы с низкими образовательными результатами",
              *(f"5.{n}. {page.school.short_name}" for n, page in enumerate(data["school_pages"], start=1))]
    assert list(contents) == labels
    for label, (named, linked) in contents.items():
        assert named == linked, label
        heading = label if not label.startswith("5. ") else "5.1."
        assert flat(reader.pages[named - 1].extract_text()).startswith(heading), label


def _check_report_text(text: str, municipality: Municipality, reader: PdfReader) -> None:
    data = report_data(municipality, PERIOD)
    for heading in ("Содержание", "1. Сводка", "2. Классификация школ и её основания", "3. Целевые показатели",
                    "4. Выполнение дорожной карты", "II квартал 2021 года"):
        assert heading in text, heading
    shnor = data["counts"]["shnor"]
    assert shnor == 7
    assert f"(ШНОР) — {shnor}" in flat(text)
    for page in data["school_pages"]:
        assert page.school.short_name in text
    # one page per ШНОР after the chapters, numbered pages
    assert len(reader.pages) >= 4 + shnor
    total = len(reader.pages)
    assert f"/ {total}" not in reader.pages[0].extract_text()  # the title page has no number
    assert reader.pages[2].extract_text().strip().endswith(f"3 / {total}")
    assert any("DejaVu" in f for f in _embedded_fonts(reader))
    _check_contents(reader, data)
    reasons = [reason for page in data["school_pages"] for reason in page.status.reasons]
    assert reasons and all(reason[:25] in flat(text) for reason in reasons[:5])


def test_report_renders_with_the_figures_of_the_database(demo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = reports.request_report(municipality=demo, period=PERIOD)  # the task runs eagerly in tests
    report.refresh_from_db()
    assert report.status == "ready", report.error
    assert report.version == 1 and report.shnor_count == 7
    text, reader = pdf_text(report.file.read())
    _check_report_text(text, demo, reader)


def test_each_request_is_a_new_version(demo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = reports.request_report(municipality=demo, period=PERIOD)
        second = reports.request_report(municipality=demo, period=PERIOD)
    assert (first.version, second.version) == (1, 2)
    assert QuarterlyReport.objects.filter(status="ready").count() == 2


def test_a_failure_is_retried_then_reported(demo, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("шрифт не найден")

    monkeypatch.setattr(pdf_book, "render", broken)  # WeasyPrint fails, here and in the forked children
    report = reports.request_report(municipality=demo, period=PERIOD, enqueue=False)
    from monitoring.report_tasks import render_report_task

    result = render_report_task.apply(args=[report.pk], throw=False)  # retries run at once in eager mode
    assert result.failed()
    report.refresh_from_db()
    assert report.status == "failed"
    assert report.attempts == 3  # the first run and two retries
    assert "шрифт не найден" in report.error


def test_report_pages(client_as, demo, django_capture_on_commit_callbacks):
    staff = User.objects.get(username="staff")
    client = client_as(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:report_create"), {"municipality": demo.pk, "period": PERIOD.code})
    assert response.status_code == 302
    report = QuarterlyReport.objects.get()
    page = client.get(reverse("reports:report_list")).content.decode()
    assert "готов" in page and reverse("reports:report_download", args=[report.pk]) in page
    download = client.get(reverse("reports:report_download", args=[report.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    principal = User.objects.get(username="principal")
    assert client_as(principal).get(reverse("reports:report_list")).status_code == 403


def test_pending_list_polls(client_as, demo):
    QuarterlyReport.objects.create(municipality=demo, year=2021, quarter=2)
    page = client_as(User.objects.get(username="staff")).get(reverse("reports:report_list")).content.decode()
    assert 'hx-trigger="every 2s"' in page and "в очереди" in page


def test_render_report_command(demo, tmp_path, capsys):
    out = tmp_path / "отчёт.pdf"
    call_command("render_report", "--municipality", "Тутаевский", "--period", "2021-Q2", "--out", str(out))
    text, reader = pdf_text(out.read_bytes())
    _check_report_text(text, demo, reader)
    assert "версия 1" in capsys.readouterr().out


def test_quarter_end_schedule_requests_the_previous_quarter(demo, django_capture_on_commit_callbacks):
    from datetime import date

    with django_capture_on_commit_callbacks(execute=False) as queued:
        count = reports.quarter_end_requests(today=date(2021, 7, 1))
    assert count >= 3 and len(queued) == count  # one rendering task per municipality
    report = QuarterlyReport.objects.get(municipality=demo)
    assert (report.year, report.quarter, report.trigger, report.status) == (2021, 2, "schedule", "pending")


def test_school_card_page_and_pdf(client_as, demo):
    principal = User.objects.get(username="principal")
    client = client_as(principal)
    school = principal.school
    page = client.get(reverse("reports:school_card", args=[school.pk]), {"period": PERIOD.code})
    assert page.status_code == 200 and school.short_name in page.content.decode()
    pdf = client.get(reverse("reports:school_card_pdf", args=[school.pk]), {"period": PERIOD.code})
    text, _ = pdf_text(pdf.content)
    assert "Информационно-аналитический отчёт" in text and school.short_name in text
    other = School.objects.filter(municipality=school.municipality).exclude(pk=school.pk).first()
    assert client.get(reverse("reports:school_card", args=[other.pk])).status_code == 404


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("worker_pool", ["prefork"])  # as in production: the task runs in a daemonic child
def test_a_real_worker_renders_the_report(worker, tmp_path, worker_pool):  # noqa: F811
    if connection.vendor != "postgresql":
        pytest.skip("нужна общая с воркером база PostgreSQL")
    call_command("load_demo", verbosity=0)
    municipality = Municipality.objects.get(name=TUTAEV)
    report = reports.request_report(municipality=municipality, period=PERIOD, enqueue=False)
    result = worker("monitoring.render_report", report.pk).get(timeout=180)
    assert result["status"] == "ready"
    report.refresh_from_db()
    data = (tmp_path / "media" / report.file.name).read_bytes()
    text, reader = pdf_text(data)
    _check_report_text(text, municipality, reader)


def test_a_finished_classification_run_recomputes_the_indicators(demo, django_capture_on_commit_callbacks):
    from indicators.runs import run_now
    from monitoring.models import IndicatorValue
    from schools.models import AcademicYear

    IndicatorValue.objects.filter(indicator__municipality=demo, source="computed").delete()
    with django_capture_on_commit_callbacks(execute=True):
        run_now(municipality=demo, academic_year=AcademicYear.objects.get(start_year=2019))
    values = IndicatorValue.objects.filter(indicator__municipality=demo, source="computed")
    assert values.filter(value__isnull=False).exists()
