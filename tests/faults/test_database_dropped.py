"""PostgreSQL ends the connections of the web server and of a worker (an administrator, a failover, a restart):
their next request and next task still succeed, because a kept connection is checked before it is reused
(CONN_HEALTH_CHECKS with CONN_MAX_AGE)."""

import sys
import urllib.error
import urllib.request

import pytest

from indicators.choices import RunTrigger
from indicators.runs import run_request
from schools.models import School

from .conftest import (
    backends,
    finished_run,
    free_port,
    process_env,
    sending_to,
    terminate_other_backends,
    wait_until,
    waiting_on_the_lock,
)

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres")]


def health(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/public/health/", timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:  # 503: the database did not answer
        return exc.code


def wait_for_health(port: int) -> int:
    def answer():
        try:
            return health(port)
        except OSError:  # not listening yet
            return None

    return wait_until(answer, 30, "ответ gunicorn", interval=0.2)


def test_the_web_server_reconnects_after_its_connection_was_terminated(spawn, tmp_path):
    port = free_port()
    spawn("gunicorn", [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{port}",
                       "--workers", "1", "--access-logfile", "-"],
          process_env(tmp_path, broker_url=None, application_name="fault-web"))
    assert wait_for_health(port) == 200
    kept = backends("fault-web")
    assert len(kept) == 1  # the connection outlives the request (CONN_MAX_AGE)

    assert kept <= terminate_other_backends()
    assert health(port) == 200
    assert health(port) == 200
    now = backends("fault-web")
    assert len(now) == 1 and not now & kept  # a new connection replaced the terminated one


def test_a_worker_survives_the_termination_of_its_connection(tutaev, held_lock, redis_server, start_worker):
    """Between tasks the worker holds no connection (Celery closes it around each task); during a task it does: the
    run that loses it mid-way is retried (autoretry on OperationalError) and completes, and the next task works."""
    municipality, year = tutaev
    schools = School.objects.count()
    start_worker(redis_server.url)
    with sending_to(redis_server.url) as app:
        run = run_request(municipality=municipality, academic_year=year, trigger=RunTrigger.MANUAL)
        wait_until(waiting_on_the_lock, 30, "расчёт начат и ждёт блокировки")
        in_task = backends("fault-worker1")
        assert in_task and in_task <= terminate_other_backends()  # the lock holder goes too: the lock is free
        run = wait_until(lambda: finished_run(run.pk), 60, "расчёт после обрыва соединения", interval=0.5)
        assert (run.status, run.error) == ("done", "")
        assert run.statuses.count() == municipality.schools.filter(is_active=True).count()
        assert app.send_task("portal.count_schools").get(timeout=30) == schools
        assert not backends("fault-worker1") & in_task
