"""Computed indicators follow the classification: a finished run queues their recompute for its year."""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def run_finished(sender, instance, **kwargs) -> None:
    """post_save of ClassificationRun: when a run is saved as done, recompute the municipality's indicators for the
    run's academic year once the transaction commits (nothing happens for a rolled-back dry run)."""
    from indicators.choices import RunStatus

    if instance.status != RunStatus.DONE:
        return
    municipality_id, year_id = instance.municipality_id, instance.academic_year_id
    transaction.on_commit(lambda: _send(municipality_id, year_id))


def _send(municipality_id: int, year_id: int) -> None:
    from .tasks import compute_indicators_task

    try:
        compute_indicators_task.delay(municipality_id, year_id)
    except Exception:  # noqa: BLE001 — the run itself is saved; indicators can be recomputed from their page
        logger.exception("indicators of municipality %s were not recomputed", municipality_id)
