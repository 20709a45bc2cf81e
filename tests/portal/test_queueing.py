"""Sending without breaking the request, and which rows the sweep sends again (the same with real processes:
tests/faults)."""

import logging
import socket
import time
from datetime import timedelta

import pytest
from celery import Celery
from django.utils import timezone

from indicators import runs
from indicators.models import ClassificationRun
from monitoring import reports
from monitoring.report_models import QuarterlyReport
from portal.queueing import QUEUE_DOWN_NOTE, send
from tests.factories import AcademicYearFactory

MINUTE = timedelta(minutes=1)


def test_an_unreachable_broker_is_not_waited_for(caplog):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"redis://127.0.0.1:{sock.getsockname()[1]}/0"  # nothing listens there
    app = Celery("portal-down", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_read_url=url, broker_write_url=url, task_always_eager=False)

    @app.task(name="portal.test_unsent")
    def task():
        pass

    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="portal.queueing"):
        assert send(task) is None
    assert time.monotonic() - started < 3
    assert "portal.test_unsent() не поставлена в очередь" in caplog.text


class Sent(list):
    """Ids of the rows sent, in order; the broker refuses the ids in ``refuse``."""

    def __init__(self):
        super().__init__()
        self.refuse = set()


@pytest.fixture
def sent(monkeypatch):
    ids = Sent()

    def fake_send(task, row_id):
        if row_id in ids.refuse:
            return None
        ids.append(row_id)
        return f"task-{row_id}"

    monkeypatch.setattr(runs, "send", fake_send)
    monkeypatch.setattr(reports, "send", fake_send)
    return ids


@pytest.fixture
def year(db):
    return AcademicYearFactory()


def make_run(municipality, year, *, age: timedelta, queued: timedelta | None = None, status="pending", error=""):
    run = ClassificationRun.objects.create(municipality=municipality, academic_year=year, trigger="import",
                                           status=status, error=error)
    now = timezone.now()
    ClassificationRun.objects.filter(pk=run.pk).update(created_at=now - age,
                                                       queued_at=None if queued is None else now - queued)
    return run.pk


def test_the_sweep_sends_runs_that_wait_too_long(municipality, year, sent, settings):
    settings.PORTAL_PENDING_SWEEP_MINUTES = 5
    never_sent = make_run(municipality, year, age=10 * MINUTE, error=QUEUE_DOWN_NOTE)
    lost = make_run(municipality, year, age=10 * MINUTE, queued=10 * MINUTE)
    make_run(municipality, year, age=10 * MINUTE, queued=MINUTE)  # sent again a minute ago
    make_run(municipality, year, age=MINUTE)  # just requested: its own sending may still be under way
    make_run(municipality, year, age=10 * MINUTE, status="done")
    assert runs.sweep_pending_runs() == 2
    assert sent == [never_sent, lost]
    run = ClassificationRun.objects.get(pk=never_sent)
    assert run.error == "" and timezone.now() - run.queued_at < MINUTE
    assert runs.sweep_pending_runs() == 0  # sent a moment ago: left alone for another five minutes


def test_the_sweep_stops_when_the_broker_refuses(municipality, year, sent, settings):
    settings.PORTAL_PENDING_SWEEP_MINUTES = 5
    first = make_run(municipality, year, age=20 * MINUTE)
    make_run(municipality, year, age=10 * MINUTE)
    sent.refuse.add(first)
    assert runs.sweep_pending_runs() == 0 and sent == []
    run = ClassificationRun.objects.get(pk=first)
    assert (run.status, run.queued_at, run.error) == ("pending", None, QUEUE_DOWN_NOTE)


def make_report(municipality, *, version, age, status="pending", started=None):
    report = QuarterlyReport.objects.create(municipality=municipality, year=2021, quarter=2, version=version,
                                            status=status)
    now = timezone.now()
    QuarterlyReport.objects.filter(pk=report.pk).update(created_at=now - age,
                                                        started_at=None if started is None else now - started)
    return report.pk


def test_the_sweep_sends_reports_that_wait_or_were_abandoned(municipality, sent, settings):
    settings.PORTAL_PENDING_SWEEP_MINUTES = 5
    settings.CELERY_TASK_TIME_LIMIT = 15 * 60
    waiting = make_report(municipality, version=1, age=10 * MINUTE)
    abandoned = make_report(municipality, version=2, age=60 * MINUTE, status="running", started=30 * MINUTE)
    make_report(municipality, version=3, age=10 * MINUTE, status="running", started=MINUTE)  # being rendered
    make_report(municipality, version=4, age=10 * MINUTE, started=MINUTE)  # failed a minute ago, retry coming
    make_report(municipality, version=5, age=10 * MINUTE, status="ready")
    assert reports.sweep_pending_reports() == 2
    assert sent == [abandoned, waiting]
    assert QuarterlyReport.objects.get(pk=waiting).task_id == f"task-{waiting}"


def test_a_late_copy_of_a_finished_run_changes_nothing(municipality, year):
    """A copy of the task (redelivered, or sent by the sweep) that waited on the run's lock finds it done."""
    stale = ClassificationRun.objects.get(pk=make_run(municipality, year, age=MINUTE, status="done"))
    stale.status = "pending"  # as loaded by the copy before the first one finished
    assert runs.run_execute(run=stale).status == "done"
    assert not stale.statuses.exists()
