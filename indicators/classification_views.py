"""Pages of the classification: lists with reasons, runs, differences, the quadrant chart, methodologies."""

import json

from django import forms
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from portal.htmx import is_partial
from portal.queueing import tell_queued
from schools.models import AcademicYear, Municipality
from schools.selectors import access_school, municipality_list_for

from . import selectors_classification as sel
from .choices import RunTrigger
from .methodology import PARAM_HELP, may_edit, methodology_update, parse_value
from .models import ClassificationRun, Methodology
from .runs import run_request


@permission_required("indicators.view_classificationrun", raise_exception=True)
def classification_index(request):
    context = sel.classification_page(request.GET, municipalities=municipality_list_for(request.user))
    template = "indicators/htmx/run_list.html" if is_partial(request) else "indicators/classification.html"
    return render(request, template, context)


def _pk(raw) -> int:
    """A key from the form; anything but digits finds nothing (404), never a 500."""
    return int(raw) if str(raw or "").isdigit() else 0


@require_POST
@permission_required("indicators.add_classificationrun", raise_exception=True)
def run_create(request):
    municipality = get_object_or_404(municipality_list_for(request.user), pk=_pk(request.POST.get("municipality")))
    year = get_object_or_404(AcademicYear, pk=_pk(request.POST.get("year")))
    run = run_request(municipality=municipality, academic_year=year, trigger=RunTrigger.MANUAL, user=request.user)
    tell_queued(request, [run], "", "Пересчёт поставлен в очередь; страница обновится, когда он завершится.")
    return redirect(f"{sel.index_url()}?municipality={municipality.pk}&year={year.pk}")


def _access_run(user, pk: int) -> ClassificationRun:
    """The run if it is of a municipality the user sees; Http404 for missing and forbidden alike."""
    runs = ClassificationRun.objects.filter(municipality__in=municipality_list_for(user))
    return get_object_or_404(runs.select_related("municipality", "academic_year"), pk=pk)


@permission_required("indicators.view_classificationrun", raise_exception=True)
def run_detail(request, pk: int):
    run = _access_run(request.user, pk)
    return render(request, "indicators/run_detail.html", sel.run_page(run, request.GET))


@permission_required("indicators.view_classificationrun", raise_exception=True)
def run_diff(request, pk: int):
    run = _access_run(request.user, pk)
    other = sel.run_to_compare(run, request.GET.get("against"))
    return render(request, "indicators/run_diff.html", sel.diff_page(run, other))


@permission_required("indicators.view_schoolstatus", raise_exception=True)
def school_statuses(request, pk: int):
    school = access_school(request.user, pk)
    return render(request, "indicators/school_statuses.html", sel.school_status_history(school))


@permission_required("indicators.view_methodology", raise_exception=True)
def methodology_list(request):
    methodologies = list(Methodology.objects.prefetch_related("municipalities").order_by("name"))
    editable = {m.pk for m in methodologies if request.user.has_perm("indicators.change_methodology")
                and may_edit(request.user, m)}
    return render(request, "indicators/methodology_list.html",
                  {"methodologies": methodologies, "editable": editable})


class MethodologyForm(forms.Form):
    name = forms.CharField(label="Название", max_length=200)
    description = forms.CharField(label="Описание и источник", widget=forms.Textarea(attrs={"rows": 3}),
                                  required=False)
    municipalities = forms.ModelMultipleChoiceField(label="Муниципалитеты", queryset=Municipality.objects.all(),
                                                    required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, methodology: Methodology, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipalities"].queryset = municipalities
        for key, value in methodology.params.items():
            initial = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
            self.fields[f"param_{key}"] = forms.CharField(label=key, initial=initial, help_text=PARAM_HELP.get(key, ""))

    def params(self) -> dict:
        return {name[6:]: parse_value(value) for name, value in self.cleaned_data.items() if name.startswith("param_")}


@permission_required("indicators.change_methodology", raise_exception=True)
def methodology_edit(request, pk: int):
    methodology = get_object_or_404(Methodology, pk=pk)
    if not may_edit(request.user, methodology):
        raise PermissionDenied("Методику по умолчанию и методики других муниципалитетов меняет управление "
                               "образования.")
    initial = {"name": methodology.name, "description": methodology.description,
               "municipalities": methodology.municipalities.all()}
    form = MethodologyForm(request.POST or None, initial=initial, methodology=methodology,
                           municipalities=municipality_list_for(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            runs = methodology_update(methodology=methodology, user=request.user, name=form.cleaned_data["name"],
                                      description=form.cleaned_data["description"], params=form.params(),
                                      municipalities=form.cleaned_data["municipalities"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            tell_queued(request, runs, f"Методика сохранена (версия {methodology.version}).",
                        "Пересчёт классификации поставлен в очередь." if runs else "")
            return redirect("indicators:methodology_list")
    history = methodology.history.select_related("history_user").order_by("-history_date")[:20]
    return render(request, "indicators/methodology_form.html",
                  {"form": form, "methodology": methodology, "history": history})
