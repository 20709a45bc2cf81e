"""Sending background tasks so that a broker that is down never breaks the request that asked for them.

The row that a task computes (a classification run, a quarterly report) is saved first and waits «в очереди»; if the
broker cannot take the task, the row keeps waiting and the periodic sweep of its app sends it again later
(``indicators.sweep_pending_runs``, ``monitoring.sweep_pending_reports``; see docs/OPERATIONS.md).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

QUEUE_DOWN_NOTE = ("Очередь задач сейчас недоступна: запрос сохранён и начнёт выполняться автоматически, "
                   "когда очередь заработает.")
SWEEP_EVERY_MINUTES = 2
SWEEP_BATCH = 200  # rows sent again by one sweep at most
# what publishing raises when the broker is down or unreachable (kombu wraps most of it in OperationalError)
BROKER_ERRORS = (KombuError, RedisError, OSError)


def send(task, *args) -> str | None:
    """Queue ``task(*args)``; the task id, or None (logged) when the broker cannot take it.

    The sender never waits for the result (``ignore_result``): the row is the result, and a result backend that is
    down would otherwise hold the request for its own reconnection attempts.
    """
    try:
        return task.apply_async(args=args, ignore_result=True).id
    except BROKER_ERRORS:
        logger.exception("задача %s%r не поставлена в очередь", task.name, args)
        return None


def waiting_since(cutoff: datetime) -> Q:
    """Rows last sent to the queue before ``cutoff``, or never sent and created before it."""
    return Q(queued_at__lt=cutoff) | Q(queued_at__isnull=True, created_at__lt=cutoff)


def sweep_cutoff() -> datetime:
    return timezone.now() - timedelta(minutes=settings.PORTAL_PENDING_SWEEP_MINUTES)


def send_each(rows, send_one) -> int:
    """The sweep: ``send_one(row)`` for each row until the broker refuses one; how many were sent."""
    sent = 0
    for row in rows:
        if not send_one(row):
            break  # the broker is down (again): the next sweep tries the rest
        sent += 1
    return sent


def ensure_sweep_schedule(apps, *, name: str, task: str) -> None:
    """A beat entry running ``task`` every SWEEP_EVERY_MINUTES minutes (used by the apps' data migrations)."""
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = interval_model.objects.get_or_create(every=SWEEP_EVERY_MINUTES, period="minutes")
    task_model.objects.get_or_create(name=name, defaults={"task": task, "interval": every, "enabled": True})


def queued_text(items, queued: str) -> str:
    """What to tell the user of the work just asked for (``items``: its rows — runs, reports — after the commit that
    sent them): ``queued``, or that the queue is down and the work waits for it (``send`` left the note on a row)."""
    return QUEUE_DOWN_NOTE if any(getattr(item, "error", "") == QUEUE_DOWN_NOTE for item in items) else queued


def tell_queued(request, items, done: str, queued: str) -> None:
    """A message: ``done``, then ``queued`` (success) or the note that the queue is down (warning)."""
    from django.contrib import messages

    text = queued_text(items, queued)
    (messages.success if text == queued else messages.warning)(request, f"{done} {text}".strip())

