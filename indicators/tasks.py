"""Celery tasks of the results app: thin wrappers that load by id and call one service."""

from celery import shared_task

from schools.models import AcademicYear


@shared_task(name="indicators.year_recompute", acks_late=True, autoretry_for=(ConnectionError,),
             retry_backoff=True, max_retries=5)
def year_recompute_task(academic_year_id: int) -> dict:
    """Recompute what depends on a year's results after an import (idempotent, safe to run twice)."""
    from .services import year_recompute

    return year_recompute(academic_year=AcademicYear.objects.get(pk=academic_year_id))
