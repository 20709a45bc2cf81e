from django.db import models

from portal.models import TimeStampedModel
from schools.models import AcademicYear, School

from .choices import IndexKind, IndexSource


class IndexValue(TimeStampedModel):
    """ОИП or ИСБШ of a school in an academic year. Imported and computed values are kept apart."""

    school = models.ForeignKey(School, verbose_name="школа", on_delete=models.CASCADE, related_name="indices")
    academic_year = models.ForeignKey(AcademicYear, verbose_name="учебный год", on_delete=models.PROTECT)
    kind = models.CharField("индекс", max_length=10, choices=IndexKind.choices)
    source = models.CharField("источник", max_length=10, choices=IndexSource.choices)
    value = models.DecimalField("значение", max_digits=7, decimal_places=2)
    components = models.JSONField("составляющие", default=dict, blank=True)
    source_note = models.CharField("откуда взято", max_length=300, blank=True)

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
