from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from portal.choices import Role
from portal.models import TimeStampedModel

from .choices import TYPOLOGY_FLAGS, Locality, SchoolKind, VisitFormat

fis_oko_login_validator = RegexValidator(
    r"^edu\d{6}$", "Логин ФИС ОКО имеет вид eduNNNNNN: «edu» и шесть цифр."
)
inn_validator = RegexValidator(r"^\d{10}$", "ИНН организации — 10 цифр.")


class Municipality(TimeStampedModel):
    name = models.CharField("наименование", max_length=255, unique=True)
    short_name = models.CharField("краткое наименование", max_length=120, blank=True)
    region = models.CharField("субъект РФ", max_length=120, blank=True)
    publish_school_cards = models.BooleanField(
        "публиковать карточки школ", default=False,
        help_text="Показывать ли на открытой странице карточки отдельных школ (только агрегаты).",
    )

    class Meta:
        verbose_name = "муниципалитет"
        verbose_name_plural = "муниципалитеты"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name or self.name


class AcademicYear(models.Model):
    """An academic year «2024/2025»: 1 September of ``start_year`` to 31 August of the next year."""

    start_year = models.PositiveSmallIntegerField("год начала", unique=True)

    class Meta:
        verbose_name = "учебный год"
        verbose_name_plural = "учебные годы"
        ordering = ["-start_year"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.start_year}/{self.start_year + 1}"

    @staticmethod
    def parse_label(label: str) -> int:
        """«2019/2020» or «2019-2020» → 2019; raises ValueError with a Russian message."""
        text = str(label).strip().replace("–", "/").replace("-", "/")
        parts = text.split("/")
        if len(parts) != 2 or not all(p.isdigit() and len(p) == 4 for p in parts):
            raise ValueError(f"учебный год «{label}» не в формате ГГГГ/ГГГГ")
        start, end = int(parts[0]), int(parts[1])
        if end != start + 1:
            raise ValueError(f"в учебном году «{label}» второй год должен быть на единицу больше первого")
        return start


class SchoolQuerySet(models.QuerySet):
    def visible_to(self, user) -> "SchoolQuerySet":
        """Staff and superusers see every school, curators their assigned ones, principals their own."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.role == Role.STAFF:
            return self
        if user.role == Role.CURATOR:
            return self.filter(curators=user)
        if user.role == Role.PRINCIPAL and user.school_id:
            return self.filter(pk=user.school_id)
        return self.none()


class School(TimeStampedModel):
    municipality = models.ForeignKey(
        Municipality, verbose_name="муниципалитет", on_delete=models.PROTECT, related_name="schools"
    )
    name = models.CharField("полное наименование ОО", max_length=500)
    short_name = models.CharField("краткое наименование", max_length=200)
    aliases = models.JSONField(
        "другие написания наименования", default=list, blank=True,
        help_text="Для сопоставления строк загружаемых файлов с реестром.",
    )
    fis_oko_login = models.CharField(
        "логин ФИС ОКО", max_length=9, unique=True, null=True, blank=True,
        validators=[fis_oko_login_validator],
    )
    inn = models.CharField("ИНН", max_length=10, blank=True, validators=[inn_validator])
    kind = models.CharField("тип ОО", max_length=20, choices=SchoolKind.choices, blank=True)
    locality = models.CharField("местность", max_length=10, choices=Locality.choices, blank=True)
    is_small = models.BooleanField("малокомплектная", default=False)
    has_senior_grades = models.BooleanField("есть 10–11 классы", default=False)
    address = models.CharField("адрес", max_length=500, blank=True)
    is_active = models.BooleanField("действующая", default=True)
    search_text = models.TextField("строка поиска", editable=False, default="")
    curators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="кураторы", blank=True, related_name="curated_schools",
        limit_choices_to={"role": Role.CURATOR},
    )
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    objects = SchoolQuerySet.as_manager()

    class Meta:
        verbose_name = "школа"
        verbose_name_plural = "школы"
        ordering = ["municipality__name", "short_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="school_unique_name_in_municipality",
                violation_error_message="В этом муниципалитете уже есть школа с таким наименованием.",
            ),
            models.CheckConstraint(
                name="school_fis_oko_login_not_empty",
                condition=Q(fis_oko_login__isnull=True) | ~Q(fis_oko_login=""),
            ),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    def get_absolute_url(self) -> str:
        return reverse("schools:school_detail", args=[self.pk])

    def save(self, *args, **kwargs):
        self.search_text = self.build_search_text()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    def build_search_text(self) -> str:
        """What the register search matches; set by save() and by the bulk creation of an import."""
        # lower-cased here, because SQLite's LIKE ignores case for Latin letters only
        parts = [self.name, self.short_name, self.fis_oko_login or "", *(self.aliases or [])]
        return " | ".join(parts).lower().replace("ё", "е")

    def clean(self) -> None:
        super().clean()
        if self.fis_oko_login == "":
            self.fis_oko_login = None
        if self.kind == SchoolKind.NOSH and self.has_senior_grades:
            raise ValidationError({"has_senior_grades": "У начальной школы не может быть 10–11 классов."})


class SchoolYearProfile(TimeStampedModel):
    """Contingent, social passport and typology of one school in one academic year.

    Counts are kept with their denominator (``students``), not as percentages.
    """

    school = models.ForeignKey(School, verbose_name="школа", on_delete=models.CASCADE, related_name="profiles")
    academic_year = models.ForeignKey(AcademicYear, verbose_name="учебный год", on_delete=models.PROTECT)
    students = models.PositiveIntegerField("обучающихся", null=True, blank=True)
    teachers = models.PositiveIntegerField("педагогов", null=True, blank=True)
    parents_higher_education = models.PositiveIntegerField(
        "семей, где оба родителя с высшим образованием", null=True, blank=True)
    single_parent_families = models.PositiveIntegerField("из неполных семей", null=True, blank=True)
    unemployed_parents = models.PositiveIntegerField("с безработными родителями", null=True, blank=True)
    russian_not_native = models.PositiveIntegerField("для кого русский язык не родной", null=True, blank=True)
    disabilities_ovz = models.PositiveIntegerField("с ОВЗ", null=True, blank=True)
    preventive_registration = models.PositiveIntegerField(
        "на профилактическом учёте", null=True, blank=True)
    flag_deprived_rural = models.BooleanField(TYPOLOGY_FLAGS["flag_deprived_rural"], default=False)
    flag_deprived_urban = models.BooleanField(TYPOLOGY_FLAGS["flag_deprived_urban"], default=False)
    flag_small_rural = models.BooleanField(TYPOLOGY_FLAGS["flag_small_rural"], default=False)
    flag_limited_transport = models.BooleanField(TYPOLOGY_FLAGS["flag_limited_transport"], default=False)
    flag_high_deviance = models.BooleanField(TYPOLOGY_FLAGS["flag_high_deviance"], default=False)
    flag_low_staff_potential = models.BooleanField(TYPOLOGY_FLAGS["flag_low_staff_potential"], default=False)
    source = models.CharField("источник данных", max_length=300, blank=True)

    class Meta:
        verbose_name = "профиль школы за учебный год"
        verbose_name_plural = "профили школ за учебный год"
        ordering = ["school", "-academic_year__start_year"]
        constraints = [
            models.UniqueConstraint(fields=["school", "academic_year"], name="profile_unique_school_year"),
        ]

    COUNT_FIELDS = (
        "parents_higher_education", "single_parent_families", "unemployed_parents",
        "russian_not_native", "disabilities_ovz", "preventive_registration",
    )

    def __str__(self) -> str:
        return f"{self.school} — {self.academic_year}"

    def clean(self) -> None:
        super().clean()
        if self.students is None:
            return
        errors = {}
        for field in self.COUNT_FIELDS:
            value = getattr(self, field)
            if value is not None and value > self.students:
                label = self._meta.get_field(field).verbose_name
                errors[field] = f"«{label}» ({value}) больше числа обучающихся ({self.students})."
        if errors:
            raise ValidationError(errors)

    @property
    def typology_flags(self) -> list[str]:
        return [label for field, label in TYPOLOGY_FLAGS.items() if getattr(self, field)]

    @property
    def social_rows(self) -> list[tuple[str, int | None, float | None]]:
        """(label, count, percent of students) for each social-passport count."""
        rows = []
        for field in self.COUNT_FIELDS:
            value = getattr(self, field)
            share = (100 * value / self.students) if value is not None and self.students else None
            rows.append((self._meta.get_field(field).verbose_name, value, share))
        return rows


class RiskFactor(models.Model):
    """One of the risk directions of the «500+» project (reference data, editable in the admin)."""

    code = models.PositiveSmallIntegerField("номер", unique=True)
    name = models.CharField("рисковое направление", max_length=255)
    is_confirmed = models.BooleanField(
        "подтверждено источником", default=False,
        help_text="Снята отметка — формулировка восстановлена по распространённой редакции 2021 года.",
    )

    class Meta:
        verbose_name = "фактор риска «500+»"
        verbose_name_plural = "факторы риска «500+»"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code}. {self.name}"


class RiskLevel(models.TextChoices):
    HIGH = "high", "высокий"
    MEDIUM = "medium", "средний"
    LOW = "low", "низкий"


class SchoolRiskProfile(TimeStampedModel):
    """The level of one risk factor for one school in one academic year."""

    school = models.ForeignKey(School, verbose_name="школа", on_delete=models.CASCADE, related_name="risk_profiles")
    academic_year = models.ForeignKey(AcademicYear, verbose_name="учебный год", on_delete=models.PROTECT)
    factor = models.ForeignKey(RiskFactor, verbose_name="фактор риска", on_delete=models.PROTECT)
    level = models.CharField("уровень", max_length=10, choices=RiskLevel.choices)
    source = models.CharField("источник", max_length=20, choices=[("questionnaire", "анкетирование"),
                                                                    ("manual", "оценка куратора")],
                              default="manual")
    comment = models.TextField("комментарий", blank=True)
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = "рисковый профиль"
        verbose_name_plural = "рисковые профили"
        ordering = ["school", "-academic_year__start_year", "factor__code"]
        constraints = [
            models.UniqueConstraint(fields=["school", "academic_year", "factor"], name="risk_profile_unique",
                                    violation_error_message="Уровень этого фактора для школы и года уже задан."),
        ]

    def __str__(self) -> str:
        return f"{self.school}: {self.factor.name} — {self.get_level_display()}"


class VisitNote(TimeStampedModel):
    """A curator's visit to a school (or a meeting with it): what was discussed, what was advised, what must follow."""

    school = models.ForeignKey(School, verbose_name="школа", on_delete=models.CASCADE, related_name="visit_notes")
    date = models.DateField("дата")
    format = models.CharField("формат", max_length=10, choices=VisitFormat.choices, default=VisitFormat.ON_SITE)
    topics = models.TextField("обсуждённые вопросы")
    recommendations = models.TextField("рекомендации", blank=True)
    follow_up = models.TextField("что нужно сделать", blank=True)
    follow_up_due = models.DateField("срок выполнения", null=True, blank=True)
    follow_up_done = models.BooleanField("выполнено", default=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="автор", on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="visit_notes")
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = "визит куратора"
        verbose_name_plural = "визиты куратора"
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        when = f" {self.date:%d.%m.%Y}" if self.date else ""
        return f"{self.school}: {self.get_format_display()}{when}"

    def clean(self) -> None:
        super().clean()
        if not self.follow_up.strip() and (self.follow_up_due or self.follow_up_done):
            raise ValidationError({"follow_up": "Укажите, что нужно сделать: без этого срок и отметка о "
                                                "выполнении не имеют смысла."})
