"""Service tasks of the portal itself: used by health checks and by the worker tests."""

from celery import shared_task
from django.db import connection


@shared_task(name="portal.ping")
def ping_task(payload: str) -> dict:
    """Round-trip through the broker and the database: returns the payload and the database vendor."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return {"payload": payload, "db": connection.vendor, "db_name": str(connection.settings_dict["NAME"]),
            "ok": one == 1}


@shared_task(name="portal.count_schools")
def count_schools_task() -> int:
    from schools.models import School

    return School.objects.count()
