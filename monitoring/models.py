"""Target indicators (целевые показатели) of a municipality's programme, their targets and their values by period."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from portal.models import TimeStampedModel


class Unit(models.TextChoices):
    PERCENT = "percent", "%"
    COUNT = "count", "количество"
    SCORE = "score", "балл"
    YES_NO = "yes_no", "да/нет"
    LEVEL = "level", "уровень"


class Direction(models.TextChoices):
    HIGHER_BETTER = "higher_better", "чем больше, тем лучше"
    LOWER_BETTER = "lower_better", "чем меньше, тем лучше"
    ACHIEVE = "achieve", "достичь значения"


class Kind(models.TextChoices):
    MANUAL = "manual", "вводится вручную"
    COMPUTED = "computed", "рассчитывается порталом"


class PeriodKind(models.TextChoices):
    YEAR = "year", "календарный год"
    ACADEMIC_YEAR = "academic_year", "учебный год"


class Comparison(models.TextChoices):
    GTE = "gte", "не менее"
    LTE = "lte", "не более"
    EQ = "eq", "равно"


class ValueSource(models.TextChoices):
    COMPUTED = "computed", "рассчитано порталом"
    MANUAL = "manual", "введено вручную"


COMPARISON_SIGNS = {Comparison.GTE: "≥", Comparison.LTE: "≤", Comparison.EQ: "="}


class TargetIndicator(TimeStampedModel):
    municipality = models.ForeignKey("schools.Municipality", verbose_name="муниципалитет", on_delete=models.PROTECT,
                                     related_name="target_indicators")
    code = models.CharField("номер", max_length=20)
    name = models.TextField("показатель")
    unit = models.CharField("единица", max_length=10, choices=Unit.choices, default=Unit.PERCENT)
    direction = models.CharField("направление", max_length=15, choices=Direction.choices,
                                 default=Direction.HIGHER_BETTER)
    kind = models.CharField("способ получения", max_length=10, choices=Kind.choices, default=Kind.MANUAL)
    computation = models.CharField("расчёт", max_length=50, blank=True,
                                   help_text="Ключ расчёта из monitoring/computations.py; пусто — вводится вручную.")
    params = models.JSONField("параметры расчёта", default=dict, blank=True,
                              help_text="Например, {\"subject\": \"math\", \"assessment\": \"oge\"}.")
    period_kind = models.CharField("период", max_length=15, choices=PeriodKind.choices, default=PeriodKind.YEAR,
                                   help_text="По каким периодам заданы цели и значения показателя.")
    source = models.TextField("источник", blank=True, help_text="Программа и её раздел.")
    note = models.TextField("примечание", blank=True)
    position = models.PositiveIntegerField("порядок", default=0)
    activities = models.ManyToManyField("roadmap.Activity", verbose_name="мероприятия дорожной карты",
                                        related_name="indicators", blank=True)
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = "целевой показатель"
        verbose_name_plural = "целевые показатели"
        ordering = ["municipality__name", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="target_indicator_unique_code",
                                    violation_error_message="В этом муниципалитете уже есть показатель с таким "
                                                            "номером."),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.name[:100]}"

    def get_absolute_url(self) -> str:
        return reverse("monitoring:indicator_detail", args=[self.pk])

    @property
    def levels(self) -> dict[str, str]:
        """For «уровень» indicators: value → wording, e.g. {"3": "системы представлены…"}."""
        raw = (self.params or {}).get("levels") or {}
        return {str(k): str(v) for k, v in raw.items()}

    def clean(self) -> None:
        from .computations import COMPUTATIONS

        super().clean()
        if self.kind == Kind.COMPUTED and self.computation not in COMPUTATIONS:
            raise ValidationError({"computation": "Выберите расчёт из списка: " + ", ".join(sorted(COMPUTATIONS))})
        if self.kind == Kind.MANUAL and self.computation:
            raise ValidationError({"computation": "У показателя, который вводится вручную, расчёта нет."})
        if not isinstance(self.params, dict):
            raise ValidationError({"params": "Параметры — словарь JSON, например {\"subject\": \"math\"}."})


class PeriodMixin(models.Model):
    """A period: a calendar year or an academic year, exactly one of them."""

    year = models.PositiveSmallIntegerField("год", null=True, blank=True)
    academic_year = models.ForeignKey("schools.AcademicYear", verbose_name="учебный год", on_delete=models.PROTECT,
                                      null=True, blank=True, related_name="+")

    class Meta:
        abstract = True

    @property
    def period_label(self) -> str:
        if self.year is not None:
            return str(self.year)
        return self.academic_year.label if self.academic_year_id else "—"

    @property
    def period_key(self) -> int:
        """A sortable number: the calendar year, or the first year of the academic year."""
        if self.year is not None:
            return self.year
        return self.academic_year.start_year if self.academic_year_id else 0

    def _clean_period(self) -> None:
        if (self.year is None) == (self.academic_year_id is None):
            raise ValidationError("Укажите период: год или учебный год (одно из двух).")
        if self.year is not None and not 2000 <= self.year <= 2100:
            raise ValidationError({"year": "Укажите год от 2000 до 2100."})
        indicator = getattr(self, "indicator", None)
        if indicator is None:
            return
        if indicator.period_kind == PeriodKind.YEAR and self.year is None:
            raise ValidationError({"year": "Цели и значения этого показателя задаются по календарным годам."})
        if indicator.period_kind == PeriodKind.ACADEMIC_YEAR and self.academic_year_id is None:
            raise ValidationError({"academic_year": "Цели и значения этого показателя задаются по учебным годам."})


def _period_constraints(prefix: str) -> list:
    return [
        models.CheckConstraint(
            name=f"{prefix}_one_period",
            condition=Q(year__isnull=False, academic_year__isnull=True) | Q(year__isnull=True,
                                                                             academic_year__isnull=False),
            violation_error_message="Укажите период: год или учебный год (одно из двух).",
        ),
        models.UniqueConstraint(fields=["indicator", "year"], condition=Q(year__isnull=False),
                                name=f"{prefix}_unique_year",
                                violation_error_message="За этот год у показателя уже есть запись."),
        models.UniqueConstraint(fields=["indicator", "academic_year"], condition=Q(academic_year__isnull=False),
                                name=f"{prefix}_unique_academic_year",
                                violation_error_message="За этот учебный год у показателя уже есть запись."),
    ]


class TargetValue(PeriodMixin):
    """The target of an indicator for one period, with the wording of the source («не менее 40 %»)."""

    indicator = models.ForeignKey(TargetIndicator, verbose_name="показатель", on_delete=models.CASCADE,
                                  related_name="targets")
    target = models.DecimalField("целевое значение", max_digits=12, decimal_places=2)
    comparison = models.CharField("сравнение", max_length=3, choices=Comparison.choices, default=Comparison.GTE)
    text = models.CharField("формулировка", max_length=300, blank=True,
                            help_text="Как в документе: «2023 год – не менее 2».")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "целевое значение"
        verbose_name_plural = "целевые значения"
        ordering = ["indicator", "year", "academic_year__start_year"]
        constraints = _period_constraints("target_value")

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.period_label}: {self.label}"

    @property
    def label(self) -> str:
        """«≥ 40 %», «= да»."""
        return f"{COMPARISON_SIGNS[self.comparison]} {display_value(self.indicator, self.target)}"

    def clean(self) -> None:
        super().clean()
        self._clean_period()
        if self.indicator_id:
            check_value(self.indicator, self.target, field="target")


class IndicatorValue(PeriodMixin, TimeStampedModel):
    """The actual value of an indicator for one period: computed by the portal or entered by staff."""

    indicator = models.ForeignKey(TargetIndicator, verbose_name="показатель", on_delete=models.CASCADE,
                                  related_name="values")
    value = models.DecimalField("значение", max_digits=12, decimal_places=2, null=True, blank=True,
                                help_text="Пусто — данных нет (причина в пояснении).")
    numerator = models.DecimalField("числитель", max_digits=14, decimal_places=2, null=True, blank=True)
    denominator = models.DecimalField("знаменатель", max_digits=14, decimal_places=2, null=True, blank=True)
    details = models.JSONField("пояснение", default=dict, blank=True)
    source = models.CharField("источник", max_length=10, choices=ValueSource.choices, default=ValueSource.MANUAL)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="автор", on_delete=models.SET_NULL,
                               null=True, blank=True, related_name="+")
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = "значение показателя"
        verbose_name_plural = "значения показателей"
        ordering = ["indicator", "year", "academic_year__start_year"]
        constraints = _period_constraints("indicator_value")

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.period_label}: {display_value(self.indicator, self.value)}"

    def clean(self) -> None:
        super().clean()
        self._clean_period()
        if not self.indicator_id:
            return
        errors = {}
        for field in ("value", "numerator", "denominator"):
            try:
                if field == "value":
                    check_value(self.indicator, self.value, field="value")
                elif getattr(self, field) is not None and getattr(self, field) < 0:
                    raise ValidationError({field: "Числитель и знаменатель не могут быть отрицательными."})
            except ValidationError as exc:
                errors.update(exc.message_dict)
        if self.denominator is not None and self.denominator == 0:
            errors.setdefault("denominator", ["Знаменатель не может быть равен нулю."])
        if (self.numerator is not None and self.denominator is not None and self.denominator > 0
                and self.numerator > self.denominator and self.indicator.unit == Unit.PERCENT):
            errors.setdefault("numerator", ["Числитель доли не может быть больше знаменателя."])
        if errors:
            raise ValidationError(errors)


def check_value(indicator: TargetIndicator, value, *, field: str) -> None:
    """The unit's rules for a value or a target; raises ValidationError with a Russian message."""
    if value is None:
        return
    value = Decimal(value)
    if indicator.unit == Unit.PERCENT and not 0 <= value <= 100:
        raise ValidationError({field: "Значение в процентах должно быть от 0 до 100."})
    if indicator.unit == Unit.YES_NO and value not in (0, 1):
        raise ValidationError({field: "Для показателя «да/нет» значение — 1 (да) или 0 (нет)."})
    if indicator.unit in (Unit.COUNT, Unit.SCORE) and value < 0:
        raise ValidationError({field: "Значение не может быть отрицательным."})
    if indicator.unit == Unit.COUNT and value != value.to_integral_value():
        raise ValidationError({field: "Количество — целое число."})
    if indicator.unit == Unit.LEVEL and indicator.levels and _level_key(value) not in indicator.levels:
        allowed = ", ".join(f"{k} — {v}" for k, v in sorted(indicator.levels.items()))
        raise ValidationError({field: f"Допустимые уровни: {allowed}."})


def _level_key(value) -> str:
    value = Decimal(value)
    return str(int(value)) if value == value.to_integral_value() else str(value)


def display_value(indicator: TargetIndicator, value) -> str:
    """A value as people read it: «62,5 %», «да», «3», «уровень 2»."""
    from portal.charts import format_number

    if value is None:
        return "нет данных"
    if indicator.unit == Unit.YES_NO:
        return "да" if Decimal(value) == 1 else "нет"
    text = format_number(value, 2, strip_zeros=True)
    if indicator.unit == Unit.PERCENT:
        return f"{text}\u00a0%"
    if indicator.unit == Unit.LEVEL and indicator.levels.get(_level_key(value)):
        return f"{text} — {indicator.levels[_level_key(value)]}"
    return text


from .report_models import QuarterlyReport, ReportStatus, ReportTrigger  # noqa: E402,F401 — the app's models
