"""Redis is down when a classification run and a report are asked for: the requests succeed at once and the rows
wait «в очереди»; when Redis is back (empty: it keeps nothing on disk), the sweep sends them again and a real
worker computes them, with the same result as a run made without any fault."""

import time
from pathlib import Path

import pytest
from django.urls import reverse

from indicators.choices import RunTrigger
from indicators.models import ClassificationRun
from indicators.runs import run_now, run_request
from monitoring.report_data import Period
from monitoring.report_models import QuarterlyReport
from portal.models import User
from portal.queueing import QUEUE_DOWN_NOTE

from .conftest import sending_to, statuses, wait_until

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres")]

PERIOD = Period(2021, 2)


def test_requests_survive_a_broker_outage_and_the_sweep_sends_them_later(tutaev, redis_server, start_worker,
                                                                         client_as, tmp_path):
    municipality, year = tutaev
    client = client_as(User.objects.get(username="staff"))
    with sending_to(redis_server.url):
        # sent while Redis is up, then lost with it: only the sweep can bring it back
        lost = run_request(municipality=municipality, academic_year=year, trigger=RunTrigger.NIGHTLY)
        assert lost.queued_at is not None and lost.error == ""
        redis_server.kill()
        started = time.monotonic()
        response = client.post(reverse("indicators:run_create"), {"municipality": municipality.pk, "year": year.pk})
        run_seconds = time.monotonic() - started
        report_response = client.post(reverse("reports:report_create"),
                                      {"municipality": municipality.pk, "period": PERIOD.code})
    assert response.status_code == report_response.status_code == 302
    assert run_seconds < 5  # a refused connection is not waited for
    run = ClassificationRun.objects.get(trigger=RunTrigger.MANUAL)
    report = QuarterlyReport.objects.get()
    assert (run.status, run.queued_at, run.error) == ("pending", None, QUEUE_DOWN_NOTE)
    assert (report.status, report.queued_at, report.error) == ("pending", None, QUEUE_DOWN_NOTE)
    assert QUEUE_DOWN_NOTE in client.get(response.url).content.decode()  # the message on the next page

    redis_server.start()  # the same port, nothing in it
    start_worker(redis_server.url)
    with sending_to(redis_server.url) as app:  # what beat does every two minutes
        assert app.send_task("indicators.sweep_pending_runs").get(timeout=30) == 2
        assert app.send_task("monitoring.sweep_pending_reports").get(timeout=30) == 1

    def finished():
        rows = [ClassificationRun.objects.get(pk=lost.pk), ClassificationRun.objects.get(pk=run.pk),
                QuarterlyReport.objects.get(pk=report.pk)]
        return rows if all(r.status in ("done", "ready", "failed") for r in rows) else None

    lost, run, report = wait_until(finished, 60, "расчёты и отчёт после возвращения Redis", interval=0.5)
    expected = run_now(municipality=municipality, academic_year=year, persist=False)  # no queue, no fault
    for computed in (lost, run):
        assert (computed.status, computed.error) == ("done", "")
        assert computed.fingerprint == expected.fingerprint
        assert statuses(computed) == statuses(expected)
    assert sum(row[1] for row in statuses(run)) == 7  # ШНОР of the demo municipality
    assert (report.status, report.error, report.shnor_count) == ("ready", "", 7)
    assert (Path(tmp_path, "media", report.file.name).read_bytes()[:4]) == b"%PDF"
