"""Celery tasks of the target indicators: thin wrappers that load by id and call one service."""

from celery import shared_task


@shared_task(name="monitoring.compute_indicators", acks_late=True, max_retries=3, autoretry_for=(ConnectionError,),
             retry_backoff=True)
def compute_indicators_task(municipality_id: int, year_id: int) -> dict:
    """Recompute every computed indicator of a municipality for an academic year (idempotent: a repeat is harmless).

    Meant to follow a finished classification run, whose lists (ШНОР, участники) several computations read.
    """
    from schools.models import AcademicYear, Municipality

    from .services import compute_all

    values = compute_all(municipality=Municipality.objects.get(pk=municipality_id),
                         academic_year=AcademicYear.objects.get(pk=year_id))
    return {"municipality": municipality_id, "year": year_id, "values": len(values),
            "with_data": sum(1 for v in values if v.value is not None)}
