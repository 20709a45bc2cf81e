"""Target indicator pages: the list per municipality, the detail, manual entry and the «пересчитать» button."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from schools.models import AcademicYear

from . import selectors, services
from .forms import ValueForm
from .models import IndicatorValue, Kind


@permission_required("monitoring.view_targetindicator", raise_exception=True)
def indicator_list(request):
    municipality = selectors.access_municipality(request.user, request.GET.get("municipality"))
    return render(request, "monitoring/indicator_list.html", selectors.list_page(request.user, municipality))


@permission_required("monitoring.view_targetindicator", raise_exception=True)
def indicator_detail(request, pk: int):
    indicator = selectors.access_indicator(request.user, pk)
    return render(request, "monitoring/indicator_detail.html", selectors.detail_page(request.user, indicator))


def _initial(request, indicator) -> tuple[dict, IndicatorValue | None]:
    """The form prefilled with the stored value of ``?year=`` / ``?academic_year=`` when there is one."""
    lookup = {}
    if request.GET.get("year", "").isdigit():
        lookup = {"year": int(request.GET["year"])}
    elif request.GET.get("academic_year", "").isdigit():
        lookup = {"academic_year_id": int(request.GET["academic_year"])}
    existing = indicator.values.filter(**lookup).first() if lookup else None
    if existing is None:
        return {key.removesuffix("_id"): value for key, value in lookup.items()}, None
    return {"year": existing.year, "academic_year": existing.academic_year_id, "value": existing.value,
            "numerator": existing.numerator, "denominator": existing.denominator,
            "comment": existing.details.get("comment", "")}, existing


@permission_required("monitoring.change_indicatorvalue", raise_exception=True)
def value_entry(request, pk: int):
    indicator = selectors.access_indicator(request.user, pk)
    initial, existing = _initial(request, indicator)
    form = ValueForm(request.POST or None, initial=initial, indicator=indicator)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            value = services.value_save(indicator=indicator, user=request.user, value=data["value"],
                                        year=data.get("year"), academic_year=data.get("academic_year"),
                                        numerator=data["numerator"], denominator=data["denominator"],
                                        comment=data["comment"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"Значение за {value.period_label} сохранено.")
            return redirect(indicator)
    return render(request, "monitoring/value_form.html",
                  {"form": form, "indicator": indicator, "existing": existing})


@require_POST
@permission_required("monitoring.change_indicatorvalue", raise_exception=True)
def recompute(request):
    """Compute the municipality's computed indicators (or one of them) for the chosen academic year, right now."""
    year = get_object_or_404(AcademicYear, pk=request.POST.get("year") or 0)
    if request.POST.get("indicator"):
        indicator = selectors.access_indicator(request.user, int(request.POST["indicator"]))
        if indicator.kind != Kind.COMPUTED:
            messages.error(request, "Этот показатель вводится вручную: пересчитывать нечего.")
            return redirect(indicator)
        value = services.compute_indicator(indicator=indicator, academic_year=year, user=request.user)
        _report(request, [value], year)
        return redirect(indicator)
    municipality = selectors.access_municipality(request.user, request.POST.get("municipality"))
    if municipality is None:
        messages.error(request, "Нет муниципалитета для пересчёта.")
        return redirect("monitoring:indicator_list")
    values = services.compute_all(municipality=municipality, academic_year=year, user=request.user)
    _report(request, values, year)
    return redirect(f"{reverse('monitoring:indicator_list')}?municipality={municipality.pk}")


def _report(request, values: list, year: AcademicYear) -> None:
    if not values:
        messages.info(request, "Рассчитываемых показателей нет.")
        return
    with_data = [v for v in values if v.value is not None]
    text = f"Пересчитано за {year.label}: показателей {len(values)}, со значением {len(with_data)}."
    missing = [f"{v.indicator.code} — {v.details.get('message')}" for v in values
               if v.value is None and v.details.get("message")]
    if missing:
        text += " Нет данных: " + "; ".join(missing[:10]) + ("…" if len(missing) > 10 else "")
    messages.success(request, text)
