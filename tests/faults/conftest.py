"""Real processes for the fault tests: a private Redis, Celery workers and gunicorn, all on the test database.

Each process runs in its own process group, logs to a file under ``tmp_path`` and is stopped (SIGKILL if need be)
when the test ends, whatever happened; the log tails are printed so that a failure shows what the processes did.
Without PostgreSQL or redis-server the tests are skipped, and fail in CI (tests.conftest.require_service).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest
from celery import Celery, current_app
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from indicators.models import ClassificationRun
from indicators.runs import lock_key
from schools.models import AcademicYear, Municipality
from tests.conftest import require_service
from tests.portal.test_celery_worker import _database_url

STARTUP_TIMEOUT = 60
STATUS_FIELDS = ("school_id", "is_shnor", "is_shnsu", "is_participant", "is_resilient", "reasons")
# a message left unacknowledged by a killed worker comes back after seconds, not after an hour
FAST_REDELIVERY = {"visibility_timeout": 5, "unacked_restore_interval": 1, "unacked_restore_throttle": 1}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(interval)
    raise AssertionError(f"не дождались: {what}")


class Process:
    """A subprocess in its own process group with its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict, log: Path):
        self.name, self.log = name, log
        with open(log, "ab") as out:
            self.popen = subprocess.Popen(argv, cwd=settings.BASE_DIR, env=env, stdout=out,
                                          stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for_output(self, text: str, timeout: float = STARTUP_TIMEOUT) -> None:
        def seen():
            if not self.alive:
                raise AssertionError(f"{self.name} завершился:\n{self.output()[-3000:]}")
            return text in self.output()

        wait_until(seen, timeout, f"«{text}» в выводе {self.name}")

    def kill(self) -> None:
        """SIGKILL to the whole process group: no shutdown handlers, no acknowledgements."""
        if self.alive:
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=20)

    def stop(self, grace: float = 10) -> None:
        if self.alive:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)  # children left behind by the group, if any
        except ProcessLookupError:
            pass
        self.popen.wait(timeout=20)


class RedisServer:
    """A private redis-server without persistence on a fixed port, so that it can be stopped and started again."""

    def __init__(self, spawn):
        self.spawn, self.port, self.process = spawn, free_port(), None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = self.spawn(f"redis-{self.port}", [
            shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--daemonize", "no"], os.environ.copy())
        self.process.wait_for_output("Ready to accept connections", timeout=20)

    def kill(self) -> None:
        self.process.kill()


@pytest.fixture
def spawn(tmp_path):
    processes: list[Process] = []

    def start(name: str, argv: list[str], env: dict) -> Process:
        process = Process(name, argv, env, tmp_path / f"{name}.log")
        processes.append(process)
        return process

    yield start
    for process in reversed(processes):
        process.stop(grace=5)
        print(f"--- {process.name} (код {process.popen.returncode})\n{process.output()[-3000:]}")


@pytest.fixture
def postgres():
    require_service(connection.vendor == "postgresql", "PostgreSQL (общая с процессами база)")


@pytest.fixture
def redis_server(spawn):
    require_service(shutil.which("redis-server") is not None, "redis-server")
    server = RedisServer(spawn)
    server.start()
    return server


def database_url(application_name: str) -> str:
    """The test database for another process; its connections are named so that the tests can find them."""
    return f"{_database_url()}?application_name={application_name}"


def process_env(tmp_path: Path, *, broker_url: str | None, application_name: str) -> dict:
    """The environment of a process started by a test: its settings, the test database, the broker (none: eager)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test",
           "DATABASE_URL": database_url(application_name),
           "PORTAL_TEST_BROKER_TRANSPORT_OPTIONS": json.dumps(FAST_REDELIVERY),
           "PORTAL_PENDING_SWEEP_MINUTES": "0",
           "PORTAL_VAR_DIR": str(tmp_path), "PORTAL_TEST_FILE_STORAGE": "1",
           "DJANGO_MEDIA_ROOT": str(tmp_path / "media")}
    env.pop("CELERY_BROKER_URL", None)
    env.pop("CELERY_RESULT_BACKEND", None)
    if broker_url:
        env["CELERY_BROKER_URL"] = env["CELERY_RESULT_BACKEND"] = broker_url
    return env


@pytest.fixture
def start_worker(spawn, tmp_path):
    """A Celery worker like the production one (prefork), on the given broker's default queue."""
    count = 0

    def start(broker_url: str) -> Process:
        nonlocal count
        count += 1
        name = f"worker{count}"
        worker = spawn(name, [
            sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool", "prefork", "--concurrency", "1",
            "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel", "INFO",
            "-n", f"{name}-{os.getpid()}@%h"],
            process_env(tmp_path, broker_url=broker_url, application_name=f"fault-{name}"))
        worker.wait_for_output(" ready.")
        return worker

    return start


@contextmanager
def sending_to(broker_url: str):
    """Tasks sent by the portal's code in this process go to ``broker_url`` for real instead of running eagerly:
    an app configured like portal/celery.py becomes the current app, which the tasks' proxies resolve to."""
    client = Celery("portal", task_cls="celery.contrib.django.task:DjangoTask", backend=broker_url,
                    set_as_current=False)
    client.config_from_object("django.conf:settings", namespace="CELERY")
    # the read and write URLs, unlike broker_url, are not overridden by a CELERY_BROKER_URL in the environment
    client.conf.update(broker_read_url=broker_url, broker_write_url=broker_url, task_always_eager=False)
    previous = current_app._get_current_object()  # the portal's app, eager in tests
    client.set_current()
    try:
        yield client
    finally:
        previous.set_current()
        client.close()


def backends(application_name: str) -> set[int]:
    """PostgreSQL backends of the test database opened by a process started with that name."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
                       [application_name])
        return {pid for (pid,) in cursor.fetchall()}


def terminate_other_backends() -> set[int]:
    """What an administrator or a PostgreSQL restart does: end every other connection to the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return {pid for pid, terminated in cursor.fetchall() if terminated}


@pytest.fixture
def tutaev(db):
    """The demo data; the municipality and year whose run gives 7 ШНОР."""
    call_command("load_demo", verbosity=0)
    return (Municipality.objects.get(name="Тутаевский муниципальный район"),
            AcademicYear.objects.get(start_year=2019))


def statuses(run: ClassificationRun) -> list[tuple]:
    rows = run._statuses if hasattr(run, "_statuses") else run.statuses.all()  # run_now(persist=False) keeps a list
    return sorted(tuple(getattr(s, f) for f in STATUS_FIELDS) for s in rows)


def finished_run(run_id: int) -> ClassificationRun | None:
    run = ClassificationRun.objects.get(pk=run_id)
    return run if run.status != "pending" else None


@pytest.fixture
def held_lock(tutaev):
    """The advisory lock a run takes first, held by another connection: a run that starts waits on it, mid-task
    (its transaction open), until the lock is released (this connection closed or terminated)."""
    municipality, year = tutaev
    params = {k: v for k, v in connection.get_connection_params().items() if k != "cursor_factory"}
    holder = psycopg2.connect(**params)
    holder.autocommit = True
    with holder.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [lock_key(municipality.pk, year.pk)])
    yield holder
    holder.close()


def waiting_on_the_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0] > 0
