"""Roadmaps (дорожные карты): sections, activities with structured schedules, progress reports and evidence."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from portal.models import TimeStampedModel

from .schedule import Schedule, parse_schedule


class RoadmapScope(models.TextChoices):
    MUNICIPAL = "municipal", "муниципальная"
    SCHOOL = "school", "школьная"


class RoadmapStatus(models.TextChoices):
    DRAFT = "draft", "черновик"
    APPROVED = "approved", "утверждена"
    ARCHIVED = "archived", "в архиве"


class TargetScope(models.TextChoices):
    NONE = "", "муниципальный уровень (без школ)"
    SHNOR = "shnor", "все ШНОР"
    LISTED = "listed", "перечисленные школы"
    ALL = "all", "все школы муниципалитета"


class ReportStatus(models.TextChoices):
    NOT_STARTED = "not_started", "не начато"
    IN_PROGRESS = "in_progress", "в работе"
    DONE = "done", "выполнено"
    FAILED = "failed", "не выполнено"
    POSTPONED = "postponed", "перенесено"


class RoadmapQuerySet(models.QuerySet):
    def visible_to(self, user) -> "RoadmapQuerySet":
        """Staff see every roadmap; principals their school's and the municipal ones of their municipality;
        curators those of their schools and of their schools' municipalities."""
        from portal.choices import Role

        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.role == Role.STAFF:
            return self
        if user.role == Role.PRINCIPAL and user.school_id:
            return self.filter(Q(school_id=user.school_id)
                               | Q(scope=RoadmapScope.MUNICIPAL, municipality__schools=user.school_id)).distinct()
        if user.role == Role.CURATOR:
            return self.filter(Q(school__curators=user)
                               | Q(scope=RoadmapScope.MUNICIPAL, municipality__schools__curators=user)).distinct()
        return self.none()


class Roadmap(TimeStampedModel):
    scope = models.CharField("уровень", max_length=10, choices=RoadmapScope.choices, default=RoadmapScope.MUNICIPAL)
    municipality = models.ForeignKey("schools.Municipality", verbose_name="муниципалитет", on_delete=models.PROTECT,
                                     related_name="roadmaps")
    school = models.ForeignKey("schools.School", verbose_name="школа", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="roadmaps")
    title = models.CharField("наименование", max_length=500)
    period_start = models.PositiveSmallIntegerField("период: с года")
    period_end = models.PositiveSmallIntegerField("период: по год")
    order_number = models.CharField("номер приказа", max_length=50, blank=True)
    order_date = models.DateField("дата приказа", null=True, blank=True)
    status = models.CharField("статус", max_length=10, choices=RoadmapStatus.choices, default=RoadmapStatus.DRAFT)
    source = models.TextField("источник", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="создал", on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    objects = RoadmapQuerySet.as_manager()

    class Meta:
        verbose_name = "дорожная карта"
        verbose_name_plural = "дорожные карты"
        ordering = ["municipality__name", "scope", "-period_start", "title"]
        constraints = [
            models.CheckConstraint(
                name="roadmap_school_matches_scope",
                condition=Q(scope="municipal", school__isnull=True) | Q(scope="school", school__isnull=False),
                violation_error_message="У школьной дорожной карты должна быть школа, у муниципальной — не должно.",
            ),
            models.CheckConstraint(
                name="roadmap_period_ordered", condition=Q(period_end__gte=models.F("period_start")),
                violation_error_message="Год окончания периода не может быть раньше года начала.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("roadmap:roadmap_detail", args=[self.pk])

    @property
    def period_label(self) -> str:
        if self.period_start == self.period_end:
            return str(self.period_start)
        return f"{self.period_start}–{self.period_end}"

    @property
    def order_label(self) -> str:
        parts = []
        if self.order_date:
            parts.append(f"от {self.order_date:%d.%m.%Y}")
        if self.order_number:
            parts.append(f"№ {self.order_number}")
        return ("приказ " + " ".join(parts)) if parts else ""

    def clean(self) -> None:
        super().clean()
        if self.school_id and self.municipality_id and self.school.municipality_id != self.municipality_id:
            raise ValidationError({"school": "Школа относится к другому муниципалитету."})
        if self.period_start and not 2000 <= self.period_start <= 2100:
            raise ValidationError({"period_start": "Укажите год от 2000 до 2100."})


class Section(models.Model):
    roadmap = models.ForeignKey(Roadmap, verbose_name="дорожная карта", on_delete=models.CASCADE,
                                related_name="sections")
    number = models.CharField("номер", max_length=20, blank=True)
    title = models.CharField("наименование раздела", max_length=500)
    position = models.PositiveIntegerField("порядок", default=0)
    version = models.PositiveIntegerField("версия", default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "раздел дорожной карты"
        verbose_name_plural = "разделы дорожной карты"
        ordering = ["roadmap", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}" if self.number else self.title


class ResponsibleParty(models.Model):
    """An organisation or a person named in the «Ответственные» column of a municipality's roadmaps."""

    municipality = models.ForeignKey("schools.Municipality", verbose_name="муниципалитет", on_delete=models.CASCADE,
                                     related_name="responsible_parties")
    name = models.CharField("наименование или ФИО", max_length=255)

    class Meta:
        verbose_name = "ответственный исполнитель"
        verbose_name_plural = "ответственные исполнители"
        ordering = ["municipality", "name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="responsible_unique_name")]

    def __str__(self) -> str:
        return self.name


class Activity(models.Model):
    roadmap = models.ForeignKey(Roadmap, verbose_name="дорожная карта", on_delete=models.CASCADE,
                                related_name="activities")
    section = models.ForeignKey(Section, verbose_name="раздел", on_delete=models.CASCADE, related_name="activities")
    number = models.CharField("номер", max_length=20, blank=True)
    title = models.TextField("мероприятие")
    position = models.PositiveIntegerField("порядок", default=0)
    deadline_text = models.TextField("сроки (как в документе)", blank=True)
    schedule = models.JSONField("сроки (разобранные)", default=dict, editable=False)
    schedule_kind = models.CharField("вид срока", max_length=30, blank=True, editable=False, db_index=True)
    schedule_parsed = models.BooleanField("срок распознан", default=True, editable=False)
    responsible_text = models.TextField("ответственные (как в документе)", blank=True)
    responsible = models.ManyToManyField(ResponsibleParty, verbose_name="ответственные", blank=True,
                                         related_name="activities")
    expected_result = models.TextField("ожидаемый результат / форма отчёта", blank=True)
    target_scope = models.CharField("для каких школ", max_length=10, choices=TargetScope.choices, blank=True,
                                    default=TargetScope.NONE)
    target_schools = models.ManyToManyField("schools.School", verbose_name="школы", blank=True,
                                            related_name="roadmap_activities")
    risk_factors = models.ManyToManyField("schools.RiskFactor", verbose_name="факторы риска", blank=True,
                                          related_name="activities")
    version = models.PositiveIntegerField("версия", default=1)
    history = HistoricalRecords(m2m_fields=[target_schools, responsible])

    class Meta:
        verbose_name = "мероприятие"
        verbose_name_plural = "мероприятия"
        ordering = ["roadmap", "section__position", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.title[:80]}".strip()

    def save(self, *args, **kwargs):
        parsed = parse_schedule(self.deadline_text)
        self.schedule = parsed.to_json()
        self.schedule_kind = parsed.kind
        self.schedule_parsed = parsed.parsed
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "schedule", "schedule_kind", "schedule_parsed"}
        super().save(*args, **kwargs)

    @property
    def parsed_schedule(self) -> Schedule:
        """The stored schedule as an object, built once per instance (the progress pages ask for it in every
        quarter); rebuilt when the deadline text of the instance changes."""
        cached = self.__dict__.get("_parsed_schedule")
        if cached is None or cached.text != (self.deadline_text or ""):
            cached = Schedule.from_json(self.schedule) if self.schedule else parse_schedule(self.deadline_text)
            self.__dict__["_parsed_schedule"] = cached
        return cached


def evidence_path(instance: "Evidence", filename: str) -> str:
    # the stored name never comes from the user: a random folder plus a fixed, safe stem and the extension
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"roadmap/evidence/{uuid.uuid4().hex}/file{suffix}"


class ActivityReport(TimeStampedModel):
    """Progress on an activity in one calendar quarter, for the municipality (no school) or for one school."""

    activity = models.ForeignKey(Activity, verbose_name="мероприятие", on_delete=models.CASCADE,
                                 related_name="reports")
    school = models.ForeignKey("schools.School", verbose_name="школа", on_delete=models.CASCADE, null=True,
                               blank=True, related_name="activity_reports")
    year = models.PositiveSmallIntegerField("год")
    quarter = models.PositiveSmallIntegerField("квартал", choices=[(q, f"{q} квартал") for q in range(1, 5)])
    status = models.CharField("статус", max_length=15, choices=ReportStatus.choices,
                              default=ReportStatus.NOT_STARTED)
    comment = models.TextField("комментарий", blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="автор", on_delete=models.SET_NULL,
                               null=True, related_name="+")
    version = models.PositiveIntegerField("версия", default=1)
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = "отчёт о выполнении мероприятия"
        verbose_name_plural = "отчёты о выполнении мероприятий"
        ordering = ["activity", "year", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "year", "quarter"], condition=Q(school__isnull=True),
                                    name="report_unique_municipal_period"),
            models.UniqueConstraint(fields=["activity", "school", "year", "quarter"],
                                    condition=Q(school__isnull=False), name="report_unique_school_period"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="report_quarter_range"),
        ]

    def __str__(self) -> str:
        who = f", {self.school}" if self.school_id else ""
        return f"{self.activity.number}: {self.period_label}{who} — {self.get_status_display()}"

    @property
    def period_label(self) -> str:
        return f"{self.quarter} кв. {self.year}"


class Evidence(models.Model):
    report = models.ForeignKey(ActivityReport, verbose_name="отчёт", on_delete=models.CASCADE,
                               related_name="evidence")
    file = models.FileField("файл", upload_to=evidence_path, max_length=255)
    original_name = models.CharField("имя файла", max_length=255)
    size = models.PositiveIntegerField("размер, байт")
    content_type = models.CharField("тип", max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="загрузил", on_delete=models.SET_NULL,
                                    null=True, related_name="+")
    uploaded_at = models.DateTimeField("загружен", auto_now_add=True)

    class Meta:
        verbose_name = "подтверждающий документ"
        verbose_name_plural = "подтверждающие документы"
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name
