"""Replacing a scope's results when two imports of the same school run at once (PostgreSQL only)."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from indicators import services
from indicators.models import SchoolResult
from schools.models import AcademicYear
from tests.conftest import require_service

from .helpers import filled_template, mark_row

pytestmark = pytest.mark.django_db(transaction=True)

@pytest.fixture(autouse=True)
def _restore_celery_join_flag():
    """Eager tasks in two threads at once can leave Celery's process-wide «inside a task» flag set (each restores
    what it saw), which would make every later ``result.get()`` in this process fail."""
    from celery._state import _set_task_join_will_block, task_join_will_block

    before = task_join_will_block()
    yield
    _set_task_join_will_block(before)


SCOPES = [("Математика", 5), ("Математика", 6), ("Русский язык", 5), ("Русский язык", 6)]


def validated(user, school, year, scopes, marks):
    data = filled_template("template_vpr", [mark_row(school, subject, grade, marks) for subject, grade in scopes])
    upload = services.upload_receive(user=user, file=SimpleUploadedFile("vpr.xlsx", data), kind="template_vpr",
                                     academic_year=year, school=None, options={})
    assert upload.status == "validated", upload.errors
    return upload


def test_a_concurrent_import_of_the_same_school_waits_and_replaces(staff_user, school):
    """Found by benchmarks/load_test.py: two imports of one school with rows in opposite orders deadlocked in
    PostgreSQL (a 500), or the later one failed on the unique constraint. Now the later one waits for the earlier
    one's commit and replaces its rows."""
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    year, _ = AcademicYear.objects.get_or_create(start_year=2024)
    first = validated(staff_user, school, year, SCOPES, (1, 2, 3, 4))
    second = validated(staff_user, school, year, SCOPES[::-1], (4, 3, 2, 1))
    outcome = {}

    def import_second():
        try:
            outcome["upload"] = services.upload_import(upload=second, user=staff_user)
        except Exception as exc:  # reported by the assertion below
            outcome["error"] = exc
        finally:
            connection.close()

    with transaction.atomic():  # the first import is written, not yet committed, when the second one starts
        services.upload_import(upload=first, user=staff_user)
        thread = threading.Thread(target=import_second)
        thread.start()
        thread.join(timeout=1)
        assert thread.is_alive(), outcome  # it waits for the commit
    thread.join(timeout=30)
    assert not thread.is_alive() and "error" not in outcome, outcome
    assert outcome["upload"].status == "imported"
    results = SchoolResult.objects.filter(school=school, academic_year=year)
    assert results.count() == 4 and set(results.values_list("upload_id", "mark2")) == {(second.pk, 4)}
