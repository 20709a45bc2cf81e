"""Quarterly reports: request (a new version, queued on commit), render (WeasyPrint, in a Celery worker), schedule.

A report is never overwritten: each request makes a new version, so what was sent to the ministry stays as it was.
"""

from __future__ import annotations

import time
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.utils import timezone

from indicators.choices import RunStatus
from indicators.models import ClassificationRun
from portal.queueing import QUEUE_DOWN_NOTE, SWEEP_BATCH, send, send_each, sweep_cutoff, waiting_since
from roadmap.models import Roadmap, RoadmapStatus
from schools.models import Municipality

from .pdf_book import Book, compose
from .report_data import Period, report_data
from .report_indicators import indicator_rows_for_report
from .report_models import QuarterlyReport, ReportStatus, ReportTrigger

QUARTER_END_TASK = "Квартальные отчёты по окончании квартала"
SWEEP_TASK = "Повторная отправка ожидающих квартальных отчётов"


def request_report(*, municipality: Municipality, period: Period, user=None, trigger: str = ReportTrigger.MANUAL,
                   enqueue: bool = True) -> QuarterlyReport:
    """A new pending version of the report; the rendering task is sent when the transaction commits (unless the
    caller renders it itself: ``enqueue=False``). A broker that is down leaves it pending, for the sweep."""
    with transaction.atomic():
        # lock the municipality row so that two requests at once get different version numbers
        Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
        last = (QuarterlyReport.objects.filter(municipality=municipality, year=period.year, quarter=period.quarter)
                .aggregate(v=Max("version"))["v"] or 0)
        report = QuarterlyReport.objects.create(municipality=municipality, year=period.year, quarter=period.quarter,
                                                version=last + 1, requested_by=user, trigger=trigger)
        if enqueue:
            transaction.on_commit(partial(report_send, report))
    return report


def report_send(report: QuarterlyReport) -> bool:
    """Queue the rendering; the row (and the instance) records the task, or that the broker did not take it."""
    from .report_tasks import render_report_task

    task_id = send(render_report_task, report.pk)
    if task_id is None:
        report.error = QUEUE_DOWN_NOTE
        QuarterlyReport.objects.filter(pk=report.pk, status=ReportStatus.PENDING).update(error=report.error)
        return False
    report.task_id, report.queued_at = task_id, timezone.now()
    QuarterlyReport.objects.filter(pk=report.pk).update(task_id=task_id, queued_at=report.queued_at)
    if report.error == QUEUE_DOWN_NOTE:  # sent by the sweep: the note is no longer true
        report.error = ""
        QuarterlyReport.objects.filter(pk=report.pk, error=QUEUE_DOWN_NOTE).update(error="")
    return True


def sweep_pending_reports() -> int:
    """Send again the reports that wait: pending for PORTAL_PENDING_SWEEP_MINUTES without a start (the broker was
    down at the request or lost the message), or «формируется» for longer than the task time limit (the worker died
    with it). ``render_report`` leaves a ready report as it is, so a copy that arrives late changes nothing."""
    cutoff = sweep_cutoff()
    dead = cutoff - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    not_started = Q(started_at__isnull=True) | Q(started_at__lt=cutoff)
    stale = (QuarterlyReport.objects.filter(waiting_since(cutoff))
             .filter((Q(status=ReportStatus.PENDING) & not_started)
                     | Q(status=ReportStatus.RUNNING, started_at__lt=dead))
             .order_by("created_at")[:SWEEP_BATCH])
    return send_each(stale, report_send)


def render_report(report: QuarterlyReport) -> QuarterlyReport:
    """Render the PDF and store it. Idempotent: a ready report is returned as it is."""
    report = QuarterlyReport.objects.select_related("municipality").get(pk=report.pk)
    if report.status == ReportStatus.READY and report.file:
        return report
    started = time.perf_counter()
    QuarterlyReport.objects.filter(pk=report.pk).update(status=ReportStatus.RUNNING, started_at=timezone.now(),
                                                        attempts=report.attempts + 1, error="")
    period = Period(report.year, report.quarter)
    context = report_data(report.municipality, period) | {"version": report.version}
    context |= indicator_section(report.municipality, period)
    pdf = render_report_pdf(context)
    if report.file:
        report.file.delete(save=False)
    report.file.save("report.pdf", ContentFile(pdf), save=False)
    report.size = len(pdf)
    report.status = ReportStatus.READY
    report.error = ""
    report.finished_at = timezone.now()
    report.duration_ms = int((time.perf_counter() - started) * 1000)
    report.shnor_count = context["counts"]["shnor"]
    report.save(update_fields=["file", "size", "status", "error", "finished_at", "duration_ms", "shnor_count"])
    return report


CHAPTERS = [("summary", "1. Сводка"), ("classification", "2. Классификация школ и её основания"),
            ("indicators", "3. Целевые показатели"), ("roadmap", "4. Выполнение дорожной карты")]
SCHOOLS_CHAPTER = ("schools", "5. Школы с низкими образовательными результатами")  # then «5.N. school»


def render_report_pdf(context: dict, *, processes: int | None = None) -> bytes:
    """The report's PDF: the chapters and a page per ШНОР laid out in parts at once (``pdf_book``), then the cover
    with the table of contents, when every page is known. Each heading is written once, here: the chapter's page
    and its line in the contents show the same text."""
    units = [render_to_string(f"pdf/report/{anchor}.html", context | {"heading": heading})
             for anchor, heading in CHAPTERS]
    schools = []  # (heading, anchor)
    for number, page in enumerate(context["school_pages"], start=1):
        anchor, heading = f"school-{page.school.pk}", f"5.{number}. {page.school.short_name}"
        units.append(render_to_string("pdf/report/school.html", context | {"page": page, "anchor": anchor,
                                                                          "label": heading, "first": number == 1}))
        schools.append((heading, anchor))
    if not schools:
        units.append(render_to_string("pdf/report/no_schools.html", context | {"heading": SCHOOLS_CHAPTER[1]}))

    def cover(pages) -> str:
        contents = [{"label": heading, "anchor": anchor, "page": pages.get(anchor)} for anchor, heading in CHAPTERS]
        anchor, heading = SCHOOLS_CHAPTER  # the id of the chapter's first page, a school's or «no ШНОР»
        contents.append({"label": heading, "anchor": anchor, "page": pages.get(anchor),
                         "children": [{"label": label, "anchor": school, "page": pages.get(school)}
                                      for label, school in schools]})
        return render_to_string("pdf/report/cover.html", context | {"contents": contents})

    municipality, period = context["municipality"], context["period"]
    book = Book(title=f"Аналитический отчёт: {municipality.name}, {period.label}", stylesheet="css/report.css",
                numbers_stylesheet="css/report-page.css", base_url=str(settings.BASE_DIR / "static"))
    return compose(book, units, cover, processes=processes)


def mark_failed(report_id: int, error: str, *, final: bool) -> None:
    QuarterlyReport.objects.filter(pk=report_id).update(
        status=ReportStatus.FAILED if final else ReportStatus.PENDING, error=error[:2000],
        finished_at=timezone.now() if final else None)


def municipalities_to_report(period: Period) -> list[Municipality]:
    """Municipalities with something to report on: an approved roadmap for the year or a classification run."""
    with_roadmap = Roadmap.objects.filter(status=RoadmapStatus.APPROVED, period_start__lte=period.year,
                                          period_end__gte=period.year).values("municipality_id")
    with_run = ClassificationRun.objects.filter(status=RunStatus.DONE).values("municipality_id")
    return list(Municipality.objects.filter(Q(pk__in=with_roadmap) | Q(pk__in=with_run)).order_by("name"))


def quarter_end_requests(today=None) -> int:
    """Beat, on the first day of a quarter: a report on the quarter that has just ended, for each municipality."""
    from roadmap.schedule import quarter_of

    today = today or timezone.localdate()
    year, quarter = quarter_of(today)
    period = Period(year, quarter).previous()
    count = 0
    for municipality in municipalities_to_report(period):
        request_report(municipality=municipality, period=period, trigger=ReportTrigger.SCHEDULE)
        count += 1
    return count


def ensure_schedule(apps=None) -> None:
    """The beat entry: 06:00 on 1 January, April, July and October."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = crontab_model.objects.get_or_create(minute="0", hour="6", day_of_week="*", day_of_month="1",
                                                      month_of_year="1,4,7,10", timezone="Europe/Moscow")
    task_model.objects.get_or_create(name=QUARTER_END_TASK, defaults={
        "task": "monitoring.quarter_end_reports", "crontab": schedule, "enabled": True})


def indicator_section(municipality: Municipality, period: Period) -> dict:
    """Target indicators against their targets for the report, with the counts for the summary."""
    rows = indicator_rows_for_report(municipality, period)
    return {"indicators": rows, "indicator_counts": {
        "achieved": sum(1 for r in rows if r["status"] == "achieved"),
        "missed": sum(1 for r in rows if r["status"] == "missed"),
        "nodata": sum(1 for r in rows if r["status"] not in ("achieved", "missed"))}}
