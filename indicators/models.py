from django.db import models
from simple_history.models import HistoricalRecords

from portal.models import TimeStampedModel
from schools.models import AcademicYear, School

from .choices import (
    Assessment,
    IndexKind,
    IndexSource,
    MethodologyPreset,
    ResultSource,
    RunStatus,
    RunTrigger,
    UploadKind,
    UploadStatus,
)


class IndexValue(TimeStampedModel):
    """ОИП or ИСБШ of a school in an academic year. Imported and computed values are kept apart."""

    school = models.ForeignKey(School, verbose_name="школа", on_delete=models.CASCADE, related_name="indices")
    academic_year = models.ForeignKey(AcademicYear, verbose_name="учебный год", on_delete=models.PROTECT)
    kind = models.CharField("индекс", max_length=10, choices=IndexKind.choices)
    source = models.CharField("источник", max_length=10, choices=IndexSource.choices)
    value = models.DecimalField("значение", max_digits=7, decimal_places=2)
    components = models.JSONField("составляющие", default=dict, blank=True)
    source_note = models.CharField("откуда взято", max_length=300, blank=True)
    # who changed which value, when, from what: imports of published lists and edits in the admin (the audit
    # reads it). Computed values are written in bulk (index_compute) and leave rows here only when deleted.
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = "значение индекса"
        verbose_name_plural = "значения индексов"
        ordering = ["-academic_year__start_year", "kind", "school"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "academic_year", "kind", "source"], name="index_unique_per_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.school} {self.academic_year}: {self.value}"


class Subject(models.Model):
    code = models.SlugField("код", max_length=20, unique=True)
    name = models.CharField("предмет", max_length=100, unique=True)
    aliases = models.JSONField("другие написания", default=list, blank=True)

    class Meta:
        verbose_name = "предмет"
        verbose_name_plural = "предметы"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class GradingScale(models.Model):
    """Primary score → mark thresholds and minimum scores of one assessment, subject, grade and year.

    A scale applies to its academic year and to later years until a newer one is entered.
    """

    assessment = models.CharField("процедура", max_length=10, choices=Assessment.choices)
    subject = models.ForeignKey(Subject, verbose_name="предмет", on_delete=models.PROTECT)
    grade = models.PositiveSmallIntegerField("класс")
    academic_year = models.ForeignKey(AcademicYear, verbose_name="учебный год", on_delete=models.PROTECT)
    max_score = models.PositiveSmallIntegerField("максимальный балл")
    thresholds = models.JSONField(
        "пороги отметок", default=dict, blank=True,
        help_text="Наименьший первичный балл для отметки: {\"3\": 15, \"4\": 23, \"5\": 29}.")
    min_score = models.PositiveSmallIntegerField("минимальный балл ЕГЭ", null=True, blank=True)
    min_mark = models.PositiveSmallIntegerField("минимальная отметка", null=True, blank=True,
                                                help_text="Для ЕГЭ по базовой математике: «3».")
    conditions = models.JSONField("дополнительные условия", default=list, blank=True,
                                  help_text="Например, баллы за геометрию или грамотность.")
    source = models.CharField("источник", max_length=300)

    class Meta:
        verbose_name = "шкала оценивания"
        verbose_name_plural = "шкалы оценивания"
        ordering = ["assessment", "subject__name", "grade", "-academic_year__start_year"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "subject", "grade", "academic_year"],
                                    name="scale_unique_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.get_assessment_display()} {self.subject} {self.grade} кл. ({self.academic_year})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        values = [self.thresholds.get(str(m)) for m in (3, 4, 5)] if self.thresholds else []
        if values and (None in values or values != sorted(values) or values[-1] > self.max_score):
            raise ValidationError({"thresholds": "Пороги «3» ≤ «4» ≤ «5» должны быть заданы и не превышать максимум."})

    def mark_for(self, primary_score: int) -> int | None:
        """The mark a primary score gets on this scale (without the extra conditions), None without thresholds."""
        if not self.thresholds:
            return None
        mark = 2
        for candidate in (3, 4, 5):
            if primary_score >= int(self.thresholds[str(candidate)]):
                mark = candidate
        return mark


class ResultUpload(TimeStampedModel):
    """A result spreadsheet as received: kept whole, validated, then imported or rejected."""

    file = models.FileField("файл", upload_to="uploads/%Y/%m/")
    original_name = models.CharField("имя файла", max_length=255)
    checksum = models.CharField("SHA-256", max_length=64, db_index=True)
    size = models.PositiveBigIntegerField("размер, байт")
    kind = models.CharField("формат", max_length=20, choices=UploadKind.choices)
    academic_year = models.ForeignKey(AcademicYear, verbose_name="учебный год", on_delete=models.PROTECT,
                                      null=True, blank=True)
    school = models.ForeignKey(School, verbose_name="школа", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="uploads", help_text="Для загрузки директором — его школа.")
    options = models.JSONField("параметры загрузки", default=dict, blank=True)
    status = models.CharField("статус", max_length=20, choices=UploadStatus.choices, default=UploadStatus.RECEIVED)
    errors = models.JSONField("ошибки", default=list, blank=True)
    warnings = models.JSONField("предупреждения", default=list, blank=True)
    summary = models.JSONField("сводка", default=dict, blank=True)
    row_count = models.PositiveIntegerField("строк", default=0)
    uploaded_by = models.ForeignKey("portal.User", verbose_name="загрузил", on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="uploads",
                                    help_text="Пусто — загружено командой import_results.")
    confirmed_by = models.ForeignKey("portal.User", verbose_name="подтвердил", on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    imported_at = models.DateTimeField("загружен", null=True, blank=True)

    class Meta:
        verbose_name = "загрузка результатов"
        verbose_name_plural = "загрузки результатов"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("indicators:upload_detail", args=[self.pk])


class ParticipantResult(models.Model):
    """One ВПР participant's result (ФИС ОКО individual results). No names: the code is anonymous."""

    # A bulk table (100 000 rows per regional file): only the keys that deletes and lookups use are indexed, and
    # the reference-table keys carry no database constraint (PROTECT still guards them in the ORM; the importer
    # resolves every key before writing). Each dropped index and constraint check was measured on COPY and commit.
    upload = models.ForeignKey(ResultUpload, on_delete=models.CASCADE, related_name="participants")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="participant_results")
    academic_year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, db_index=False, db_constraint=False)
    assessment = models.CharField(max_length=10, choices=Assessment.choices)
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, db_index=False, db_constraint=False)
    grade = models.PositiveSmallIntegerField()
    participant_code = models.CharField(max_length=40)
    class_name = models.CharField(max_length=20, blank=True)
    variant = models.CharField(max_length=20, blank=True)
    task_scores = models.JSONField(default=list)
    primary_score = models.PositiveSmallIntegerField(null=True)
    mark = models.PositiveSmallIntegerField(null=True)
    journal_mark = models.PositiveSmallIntegerField(null=True)

    class Meta:
        verbose_name = "результат участника"
        verbose_name_plural = "результаты участников"

    def __str__(self) -> str:
        return f"{self.participant_code} ({self.school_id}, {self.grade} кл.)"


class SchoolResult(models.Model):
    """Results of one school in one assessment, subject and grade of a year: derived or imported."""

    school = models.ForeignKey(School, verbose_name="школа", on_delete=models.CASCADE, related_name="results")
    academic_year = models.ForeignKey(AcademicYear, verbose_name="учебный год", on_delete=models.PROTECT)
    assessment = models.CharField("процедура", max_length=10, choices=Assessment.choices)
    subject = models.ForeignKey(Subject, verbose_name="предмет", on_delete=models.PROTECT)
    grade = models.PositiveSmallIntegerField("класс")
    participants = models.PositiveIntegerField("участников")
    mark2 = models.PositiveIntegerField("«2»", null=True, blank=True)
    mark3 = models.PositiveIntegerField("«3»", null=True, blank=True)
    mark4 = models.PositiveIntegerField("«4»", null=True, blank=True)
    mark5 = models.PositiveIntegerField("«5»", null=True, blank=True)
    mean_mark = models.DecimalField("средняя отметка", max_digits=4, decimal_places=2, null=True, blank=True)
    mean_score = models.DecimalField("средний балл", max_digits=6, decimal_places=2, null=True, blank=True)
    below_minimum = models.PositiveIntegerField("ниже минимума", null=True, blank=True)
    score_80_99 = models.PositiveIntegerField("80–99 баллов", null=True, blank=True)
    score_100 = models.PositiveIntegerField("100 баллов", null=True, blank=True)
    journal_lowered = models.PositiveIntegerField("понизили (ВПР ниже журнала)", null=True, blank=True)
    journal_confirmed = models.PositiveIntegerField("подтвердили", null=True, blank=True)
    journal_raised = models.PositiveIntegerField("повысили (ВПР выше журнала)", null=True, blank=True)
    source = models.CharField("происхождение", max_length=10, choices=ResultSource.choices)
    upload = models.ForeignKey(ResultUpload, verbose_name="загрузка", on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="school_results")

    class Meta:
        verbose_name = "результат школы"
        verbose_name_plural = "результаты школ"
        ordering = ["-academic_year__start_year", "assessment", "subject__name", "grade"]
        constraints = [
            models.UniqueConstraint(fields=["school", "academic_year", "assessment", "subject", "grade"],
                                    name="school_result_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.get_assessment_display()} {self.subject} {self.grade} кл. {self.academic_year}"

    def _share(self, value) -> float | None:
        if value is None or not self.participants:
            return None
        return 100 * value / self.participants

    @property
    def share_2(self) -> float | None:
        """Доля «2» (для ЕГЭ — доля не преодолевших минимум), %."""
        if self.assessment == Assessment.EGE and self.mark2 is None:
            return self._share(self.below_minimum)
        return self._share(self.mark2)

    @property
    def quality(self) -> float | None:
        """Качество знаний: доля «4» и «5», %."""
        if self.mark4 is None or self.mark5 is None:
            return None
        return self._share(self.mark4 + self.mark5)

    @property
    def success(self) -> float | None:
        """Успеваемость: доля «3», «4» и «5», %."""
        if None in (self.mark3, self.mark4, self.mark5):
            return None
        return self._share(self.mark3 + self.mark4 + self.mark5)


class Methodology(TimeStampedModel):
    """A versioned set of classification rules: a preset (the rule family) and its parameters."""

    name = models.CharField("название", max_length=200, unique=True)
    preset = models.CharField("правило", max_length=30, choices=MethodologyPreset.choices)
    params = models.JSONField("параметры", default=dict)
    version = models.PositiveIntegerField("версия", default=1)
    description = models.TextField("описание и источник", blank=True)
    is_default = models.BooleanField("по умолчанию", default=False,
                                     help_text="Применяется к муниципалитетам, для которых методика не выбрана.")
    municipalities = models.ManyToManyField("schools.Municipality", verbose_name="муниципалитеты", blank=True,
                                            related_name="methodologies")
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = "методика классификации"
        verbose_name_plural = "методики классификации"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} (версия {self.version})"


class ClassificationRun(models.Model):
    """One computation of statuses for a municipality and year. Never changed after it finishes."""

    municipality = models.ForeignKey("schools.Municipality", verbose_name="муниципалитет", on_delete=models.PROTECT,
                                     related_name="classification_runs")
    academic_year = models.ForeignKey(AcademicYear, verbose_name="учебный год", on_delete=models.PROTECT)
    methodology = models.ForeignKey(Methodology, verbose_name="методика", on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="runs")
    methodology_snapshot = models.JSONField("методика на момент расчёта", default=dict)
    inputs = models.JSONField("исходные данные", default=dict)
    fingerprint = models.CharField("отпечаток входных данных", max_length=64, db_index=True, blank=True)
    context = models.JSONField("средние и пороги", default=dict)
    trigger = models.CharField("повод", max_length=20, choices=RunTrigger.choices)
    started_by = models.ForeignKey("portal.User", verbose_name="запустил", on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    status = models.CharField("состояние", max_length=10, choices=RunStatus.choices, default=RunStatus.PENDING)
    error = models.TextField("ошибка", blank=True)
    created_at = models.DateTimeField("поставлен", auto_now_add=True)
    queued_at = models.DateTimeField("отправлен в очередь", null=True, blank=True)
    started_at = models.DateTimeField("начат", null=True, blank=True)
    finished_at = models.DateTimeField("завершён", null=True, blank=True)
    duration_ms = models.PositiveIntegerField("длительность, мс", null=True, blank=True)

    class Meta:
        verbose_name = "расчёт классификации"
        verbose_name_plural = "расчёты классификации"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["municipality", "academic_year", "status"])]

    def __str__(self) -> str:
        return f"{self.municipality} {self.academic_year}: расчёт № {self.pk} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("indicators:run_detail", args=[self.pk])


class SchoolStatus(models.Model):
    run = models.ForeignKey(ClassificationRun, on_delete=models.CASCADE, related_name="statuses")
    school = models.ForeignKey(School, verbose_name="школа", on_delete=models.CASCADE, related_name="statuses")
    oip = models.DecimalField("ОИП", max_digits=7, decimal_places=2, null=True, blank=True)
    isbs = models.DecimalField("ИСБШ", max_digits=7, decimal_places=2, null=True, blank=True)
    flags = models.PositiveSmallIntegerField("признаков типологии", null=True, blank=True)
    is_shnor = models.BooleanField("ШНОР", default=False)
    is_shnsu = models.BooleanField("ШНСУ", default=False)
    is_participant = models.BooleanField("участник программы", default=False)
    is_resilient = models.BooleanField("резилиентная", default=False)
    objectivity = models.JSONField("признаки необъективности", default=list, blank=True)
    reasons = models.JSONField("обоснование", default=list)

    class Meta:
        verbose_name = "статус школы"
        verbose_name_plural = "статусы школ"
        ordering = ["run", "school__short_name"]
        constraints = [models.UniqueConstraint(fields=["run", "school"], name="status_unique_per_run")]

    def __str__(self) -> str:
        return f"{self.school}: {self.labels or 'без статуса'}"

    @property
    def labels(self) -> str:
        parts = [label for flag, label in ((self.is_shnor, "ШНОР"), (self.is_shnsu, "ШНСУ"),
                                           (self.is_participant, "участник"), (self.is_resilient, "резилиентная"))
                 if flag]
        return ", ".join(parts)
