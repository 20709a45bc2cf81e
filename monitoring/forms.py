"""Manual entry of an indicator value: the shape of the input; the unit's rules live in the model's clean()."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms

from schools.models import AcademicYear

from .models import PeriodKind, TargetIndicator, Unit


def parse_decimal(text: str | None) -> Decimal | None:
    """«12,5», «12.5», «1 234,5» → Decimal; empty → None; raises ValidationError with a Russian message."""
    raw = (text or "").strip().replace("\u00a0", "").replace(" ", "").replace(",", ".").rstrip("%")
    if not raw:
        return None
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise forms.ValidationError(f"«{text}» — не число. Введите число, например 12,5.") from None
    if not number.is_finite():
        raise forms.ValidationError(f"«{text}» — не число. Введите число, например 12,5.")
    return number


class NumberField(forms.CharField):
    def to_python(self, value):
        return parse_decimal(super().to_python(value))


class ValueForm(forms.Form):
    year = forms.IntegerField(label="Год", min_value=2000, max_value=2100, required=False,
                              error_messages={"invalid": "Год — четыре цифры, например 2024.",
                                              "min_value": "Укажите год от 2000 до 2100.",
                                              "max_value": "Укажите год от 2000 до 2100."})
    academic_year = forms.ModelChoiceField(label="Учебный год", queryset=AcademicYear.objects.order_by("-start_year"),
                                           required=False,
                                           error_messages={"invalid_choice": "Выберите учебный год из списка."})
    value = NumberField(label="Значение", required=False)
    numerator = NumberField(label="Числитель", required=False,
                            help_text="Необязательно: например, число школ, достигших результата.")
    denominator = NumberField(label="Знаменатель", required=False, help_text="Необязательно: например, всего школ.")
    comment = forms.CharField(label="Комментарий (откуда значение)", required=False, max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, indicator: TargetIndicator, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        if indicator.period_kind == PeriodKind.YEAR:
            del self.fields["academic_year"]
        else:
            del self.fields["year"]
        if indicator.unit == Unit.YES_NO:
            self.fields["value"] = forms.TypedChoiceField(
                label="Значение", choices=[("", "—"), ("1", "да"), ("0", "нет")], coerce=Decimal, required=False,
                empty_value=None, error_messages={"invalid_choice": "Для показателя «да/нет» значение — да или нет."})
        elif indicator.unit == Unit.LEVEL and indicator.levels:
            choices = [("", "—")] + [(k, f"{k} — {v}") for k, v in sorted(indicator.levels.items())]
            self.fields["value"] = forms.TypedChoiceField(
                label="Уровень", choices=choices, coerce=Decimal, required=False, empty_value=None,
                error_messages={"invalid_choice": "Выберите уровень из списка."})
        else:
            unit = indicator.get_unit_display()
            self.fields["value"].label = f"Значение, {unit}" if indicator.unit == Unit.PERCENT else "Значение"
            if indicator.unit == Unit.PERCENT:
                self.fields["value"].help_text = ("От 0 до 100. Можно оставить пустым и указать числитель и "
                                                  "знаменатель — доля будет рассчитана.")

    def clean(self):
        data = super().clean()
        period_field = "year" if "year" in self.fields else "academic_year"
        if data.get(period_field) is None and period_field not in self.errors:
            self.add_error(period_field, "Укажите период: " + ("год." if period_field == "year" else "учебный год."))
        can_derive = (self.indicator.unit == Unit.PERCENT and data.get("numerator") is not None
                      and data.get("denominator"))
        if data.get("value") is None and "value" not in self.errors and not can_derive:
            self.add_error("value", "Укажите значение." if self.indicator.unit != Unit.PERCENT else
                           "Укажите значение или числитель и знаменатель.")
        return data
