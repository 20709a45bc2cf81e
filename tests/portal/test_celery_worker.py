"""A real Celery worker process executes portal tasks through Redis (and the test database)."""

import os
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from portal.celery import app
from portal.tasks import count_schools_task, ping_task
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
def worker(broker_url, tmp_path):
    queue = f"test-{os.getpid()}-{time.monotonic_ns()}"
    env = {**os.environ, "CELERY_BROKER_URL": broker_url, "CELERY_RESULT_BACKEND": broker_url,
           "DJANGO_SETTINGS_MODULE": "portal.settings.test", "PORTAL_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    if db_url := _database_url():
        env["DATABASE_URL"] = db_url
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool", "solo", "-Q", queue,
         "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel", "INFO",
         "-n", f"{queue}@%h"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    previous = (app.conf.task_always_eager, app.conf.broker_url, app.conf.result_backend)
    app.conf.update(task_always_eager=False, broker_url=broker_url, result_backend=broker_url)
    try:
        yield queue
    finally:
        app.conf.update(task_always_eager=previous[0], broker_url=previous[1], result_backend=previous[2])
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output[-3000:])


def test_worker_runs_a_task_through_redis(worker):
    result = ping_task.apply_async(args=["проверка"], queue=worker)
    value = result.get(timeout=60)
    assert value["payload"] == "проверка"
    assert value["ok"] is True
    assert value["db"] == connection.vendor


def test_worker_reads_the_same_database(worker):
    if connection.vendor != "postgresql":
        pytest.skip("нужна общая с воркером база PostgreSQL")
    SchoolFactory.create_batch(3)
    assert count_schools_task.apply_async(queue=worker).get(timeout=60) == 3


def test_eager_mode_without_a_broker(db):
    """Without CELERY_BROKER_URL (make run) tasks run in-process."""
    assert app.conf.task_always_eager is True
    assert ping_task.delay("локально").get()["payload"] == "локально"
