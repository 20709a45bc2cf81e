"""Celery tasks of the quarterly reports: thin wrappers that load by id and call one service."""

from celery import shared_task

RETRIES = 2


@shared_task(name="monitoring.render_report", bind=True, acks_late=True, max_retries=RETRIES)
def render_report_task(self, report_id: int) -> dict:
    """Render one report. A failure is retried (the report waits as «в очереди» with the reason); after the last
    attempt the report is marked failed with the reason shown on the list page."""
    from .report_models import QuarterlyReport
    from .reports import mark_failed, render_report

    try:
        report = render_report(QuarterlyReport.objects.get(pk=report_id))
    except QuarterlyReport.DoesNotExist:
        return {"report": report_id, "status": "deleted"}
    except Exception as exc:  # noqa: BLE001 — any failure is recorded for the user, then retried or final
        final = self.request.retries >= RETRIES
        mark_failed(report_id, f"{type(exc).__name__}: {exc}", final=final)
        if final:
            raise
        if self.request.is_eager:  # in-process (no broker): retry at once, in the same call
            return render_report_task.apply(args=[report_id], retries=self.request.retries + 1, throw=True).get()
        raise self.retry(exc=exc, countdown=5 * (self.request.retries + 1)) from exc
    return {"report": report.pk, "status": report.status, "size": report.size}


@shared_task(name="monitoring.quarter_end_reports")
def quarter_end_reports_task() -> int:
    from .reports import quarter_end_requests

    return quarter_end_requests()


@shared_task(name="monitoring.sweep_pending_reports")
def sweep_pending_reports_task() -> int:
    """Beat, every two minutes: send again the reports that still wait for the queue (see portal.queueing)."""
    from .reports import sweep_pending_reports

    return sweep_pending_reports()
