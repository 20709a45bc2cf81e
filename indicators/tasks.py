"""Celery tasks of the results app: thin wrappers that load by id and call one service."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

DATABASE_GONE = (OperationalError, InterfaceError)


def _run_failed(self, exc, task_id, args, kwargs, einfo):
    from .runs import run_mark_failed

    run_mark_failed(run_id=args[0], error=f"{type(exc).__name__}: {exc}")


@shared_task(name="indicators.classification_run", bind=True, acks_late=True, max_retries=3,
             autoretry_for=(ConnectionError, *DATABASE_GONE), retry_backoff=True, on_failure=_run_failed)
def classification_run_task(self, run_id: int) -> dict:
    """Compute a pending classification run (a finished run is left as it is, so a repeat is harmless). A database
    connection lost mid-way (its transaction rolled back) is retried: Celery opens a new one for each attempt."""
    from .models import ClassificationRun
    from .runs import run_execute

    run = run_execute(run=ClassificationRun.objects.select_related("municipality", "academic_year").get(pk=run_id))
    return {"run": run.pk, "status": run.status}


@shared_task(name="indicators.classification_nightly")
def classification_nightly_task() -> int:
    from .runs import nightly_requests

    return nightly_requests()


@shared_task(name="indicators.sweep_pending_runs")
def sweep_pending_runs_task() -> int:
    """Beat, every two minutes: send again the runs that still wait for the queue (see portal.queueing)."""
    from .runs import sweep_pending_runs

    return sweep_pending_runs()
