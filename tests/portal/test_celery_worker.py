"""A real Celery worker process executes portal tasks through Redis (and the test database)."""

import os
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from portal.celery import app
from portal.tasks import ping_task
from tests.conftest import port_open, require_service
from tests.factories import SchoolFactory

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _database_url() -> str | None:
    """URL of the test database the worker must use (PostgreSQL only: SQLite tests live in memory)."""
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        return None
    user = quote(db.get("USER") or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def broker_url():
    url = settings.TEST_CELERY_BROKER_URL or "redis://127.0.0.1:6379/0"
    require_service(url.startswith("redis://") and port_open("127.0.0.1", 6379), f"Redis ({url})")
    return url


@pytest.fixture
def worker(broker_url, tmp_path, worker_pool):
    queue = f"test-{os.getpid()}-{time.monotonic_ns()}"
    env = {**os.environ, "CELERY_BROKER_URL": broker_url, "CELERY_RESULT_BACKEND": broker_url,
           "DJANGO_SETTINGS_MODULE": "portal.settings.test", "PORTAL_VAR_DIR": str(tmp_path),
           "PORTAL_TEST_FILE_STORAGE": "1", "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
           "REPORT_PDF_PROCESSES": "2"}  # a report's parts laid out in a forked child, whatever the CPUs
    env.pop("DATABASE_URL", None)
    if db_url := _database_url():
        env["DATABASE_URL"] = db_url
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool", worker_pool, "--concurrency", "1",
         "-Q", queue, "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel", "INFO",
         "-n", f"{queue}@%h"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    # A separate client app: the portal's own app runs tasks eagerly in tests and keeps its connections cached.
    client = Celery("portal-test-client", broker=broker_url, backend=broker_url, set_as_current=False)
    try:
        yield lambda name, *args: client.send_task(name, args=list(args), queue=queue)
    finally:
        client.close()
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output[-3000:])


def test_worker_runs_a_task_through_redis(worker):
    result = worker("portal.ping", "проверка")
    value = result.get(timeout=60)
    assert value["payload"] == "проверка"
    assert value["ok"] is True
    assert value["db"] == connection.vendor


def test_worker_reads_the_same_database(worker):
    if connection.vendor != "postgresql":
        pytest.skip("нужна общая с воркером база PostgreSQL")
    SchoolFactory.create_batch(3)
    assert worker("portal.count_schools").get(timeout=60) == 3


def test_eager_mode_without_a_broker(db):
    """Without CELERY_BROKER_URL (make run) tasks run in-process."""
    assert app.conf.task_always_eager is True
    assert ping_task.delay("локально").get()["payload"] == "локально"


def test_worker_computes_a_classification_run(worker):
    """A pending run is computed by the real worker and both triggers of a race end in the same lists."""
    if connection.vendor != "postgresql":
        pytest.skip("нужна общая с воркером база PostgreSQL")
    from django.core.management import call_command

    from indicators.models import ClassificationRun
    from schools.models import AcademicYear, Municipality

    call_command("load_demo", verbosity=0)
    municipality = Municipality.objects.get(name="Тутаевский муниципальный район")
    year = AcademicYear.objects.get(start_year=2019)
    runs = [ClassificationRun.objects.create(municipality=municipality, academic_year=year, trigger="import")
            for _ in range(2)]
    results = [worker("indicators.classification_run", run.pk) for run in runs]
    for result in results:
        assert result.get(timeout=60)["status"] == "done"
    lists = []
    for run in runs:
        run.refresh_from_db()
        assert run.status == "done" and run.duration_ms is not None
        lists.append(sorted(run.statuses.filter(is_shnor=True).values_list("school__short_name", flat=True)))
    assert lists[0] == lists[1] and len(lists[0]) == 7
