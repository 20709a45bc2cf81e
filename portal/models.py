from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

from .choices import Role


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField("создано", auto_now_add=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        abstract = True


class User(AbstractUser):
    """A portal user. The role decides what they may do; the school or curated schools decide where."""

    middle_name = models.CharField("отчество", max_length=150, blank=True)
    position = models.CharField("должность", max_length=200, blank=True)
    role = models.CharField("роль", max_length=20, choices=Role.choices, blank=True)
    school = models.ForeignKey(
        "schools.School",
        verbose_name="школа (для директора)",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="principals",
    )
    is_demo = models.BooleanField(
        "демо-пользователь",
        default=False,
        help_text="Может входить только при включённом демо-режиме (DJANGO_DEMO).",
    )

    class Meta:
        verbose_name = "пользователь"
        verbose_name_plural = "пользователи"
        constraints = [
            models.CheckConstraint(
                name="principal_has_school",
                condition=~models.Q(role="principal") | models.Q(school__isnull=False),
                violation_error_message="Директору нужно указать школу.",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        parts = [self.last_name, self.first_name, self.middle_name]
        name = " ".join(p for p in parts if p)
        return name or self.username

    @property
    def is_department_staff(self) -> bool:
        return self.role == Role.STAFF or self.is_superuser

    @property
    def is_principal(self) -> bool:
        return self.role == Role.PRINCIPAL and not self.is_superuser

    @property
    def is_curator(self) -> bool:
        return self.role == Role.CURATOR and not self.is_superuser

    def clean(self) -> None:
        super().clean()
        if self.role == Role.PRINCIPAL and not self.school_id:
            raise ValidationError({"school": "Директору нужно указать школу."})
        if self.role != Role.PRINCIPAL and self.school_id:
            raise ValidationError({"school": "Школа указывается только для директора."})
