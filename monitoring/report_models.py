"""The quarterly report model (imported by ``monitoring.models``)."""

import uuid

from django.conf import settings
from django.db import models


class ReportStatus(models.TextChoices):
    PENDING = "pending", "в очереди"
    RUNNING = "running", "формируется"
    READY = "ready", "готов"
    FAILED = "failed", "ошибка"


class ReportTrigger(models.TextChoices):
    MANUAL = "manual", "по запросу"
    SCHEDULE = "schedule", "по расписанию"
    COMMAND = "command", "командой render_report"


def report_path(instance: "QuarterlyReport", filename: str) -> str:
    return (f"reports/{instance.municipality_id}/{instance.year}-Q{instance.quarter}-v{instance.version}-"
            f"{uuid.uuid4().hex[:8]}.pdf")


class QuarterlyReport(models.Model):
    municipality = models.ForeignKey("schools.Municipality", verbose_name="муниципалитет", on_delete=models.PROTECT,
                                     related_name="quarterly_reports")
    year = models.PositiveSmallIntegerField("год")
    quarter = models.PositiveSmallIntegerField("квартал")
    version = models.PositiveIntegerField("версия", default=1)
    status = models.CharField("состояние", max_length=10, choices=ReportStatus.choices, default=ReportStatus.PENDING)
    trigger = models.CharField("повод", max_length=10, choices=ReportTrigger.choices, default=ReportTrigger.MANUAL)
    file = models.FileField("файл", upload_to=report_path, blank=True, max_length=255)
    size = models.PositiveIntegerField("размер, байт", null=True, blank=True)
    shnor_count = models.PositiveIntegerField("ШНОР в отчёте", null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="заказал", on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    task_id = models.CharField("задача Celery", max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField("попыток", default=0)
    error = models.TextField("причина ошибки", blank=True)
    created_at = models.DateTimeField("заказан", auto_now_add=True)
    queued_at = models.DateTimeField("отправлен в очередь", null=True, blank=True)
    started_at = models.DateTimeField("начат", null=True, blank=True)
    finished_at = models.DateTimeField("готов", null=True, blank=True)
    duration_ms = models.PositiveIntegerField("длительность, мс", null=True, blank=True)

    class Meta:
        verbose_name = "квартальный отчёт"
        verbose_name_plural = "квартальные отчёты"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year", "quarter", "version"],
                                    name="quarterly_report_unique_version"),
            models.CheckConstraint(condition=models.Q(quarter__gte=1, quarter__lte=4),
                                   name="quarterly_report_quarter_range"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality}: {self.period_code}, версия {self.version}"

    @property
    def period_code(self) -> str:
        return f"{self.year}-Q{self.quarter}"

    @property
    def download_name(self) -> str:
        return f"Отчёт {self.municipality} {self.period_code} v{self.version}.pdf"
