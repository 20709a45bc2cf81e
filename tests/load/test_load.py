"""The load test (benchmarks/load_test.py), shortened to 15 s and 20 users: it must end without a single error.

Needs PostgreSQL and Redis on 127.0.0.1 (skipped without them, failing in CI). The script runs in its own process
group with gunicorn and the Celery worker it starts; the whole group is stopped whatever happens. The database
«portal_load_test» is dropped afterwards; its template (``portal_load_test_tpl_<digest>``) is kept, so that the next
run on the same tree skips the migrations and the demo data.
"""

import os
import re
import signal
import subprocess
import sys
import time

import psycopg2
import pytest
from django.conf import settings

from tests.conftest import port_open, require_service

pytestmark = pytest.mark.load

DATABASE = "portal_load_test"
COMMAND = [sys.executable, "benchmarks/load_test.py", "--seconds", "15", "--users", "20", "--database", DATABASE,
           "--drain", "20"]


def stop_group(process: subprocess.Popen) -> None:
    """SIGTERM to the script's process group (the script stops its servers), SIGKILL to whatever is left."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        deadline = time.monotonic() + 30
        try:
            os.killpg(process.pid, sig)
            while time.monotonic() < deadline:
                process.poll()  # reap the script itself, so that an empty group is gone
                os.killpg(process.pid, 0)
                time.sleep(0.2)
        except ProcessLookupError:
            return


def drop_database() -> None:
    connection = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    finally:
        connection.close()


def test_a_short_mixed_load_ends_without_errors():
    require_service(port_open("127.0.0.1", 5432), "PostgreSQL (127.0.0.1:5432)")
    require_service(port_open("127.0.0.1", 6379), "Redis (127.0.0.1:6379)")
    process = subprocess.Popen(COMMAND, cwd=settings.BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=300)
    finally:
        stop_group(process)
        drop_database()
    print(output)
    assert process.returncode == 0, output[-5000:]
    assert re.search(r"^RESULT: PASS requests=\d+ .*5xx=0 connection_errors=0 unexpected=0 ", output, re.M), output
    assert "ИТОГ: УСПЕХ" in output
