from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render

from portal.access import role_required
from portal.choices import Role
from portal.htmx import is_partial
from portal.spreadsheets import XLSX_MIME

from . import selectors, services
from .forms import RegisterImportForm, SchoolFilterForm, SchoolForm
from .register import register_template

PAGE_SIZE = 50


def school_list(request):
    form = SchoolFilterForm(request.GET or {"status": "active"})
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(selectors.school_list_for(request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page"))
    template = "schools/htmx/school_table.html" if is_partial(request) else "schools/school_list.html"
    return render(request, template, {"form": form, "page": page, "schools": page.object_list})


def school_detail(request, pk: int):
    school = selectors.access_school(request.user, pk)
    return render(request, "schools/school_detail.html", selectors.school_card(school))


def _save_school(request, form: SchoolForm, school=None):
    try:
        if school is None:
            return services.school_create(user=request.user, **form.cleaned_data)
        return services.school_update(school=school, user=request.user, **form.cleaned_data)
    except ValidationError as exc:
        form.add_error(None, exc)
        return None


@permission_required("schools.add_school", raise_exception=True)
def school_create(request):
    form = SchoolForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and (school := _save_school(request, form)):
        messages.success(request, f"Школа «{school}» добавлена в реестр.")
        return redirect(school)
    return render(request, "schools/school_form.html", {"form": form, "school": None})


@role_required(Role.STAFF)  # curators also hold change_school, for the admin, where some fields are read-only
@permission_required("schools.change_school", raise_exception=True)
def school_edit(request, pk: int):
    school = selectors.access_school(request.user, pk)
    form = SchoolForm(request.POST or None, instance=school)
    if request.method == "POST" and form.is_valid() and _save_school(request, form, school):
        messages.success(request, "Изменения сохранены.")
        return redirect(school)
    return render(request, "schools/school_form.html", {"form": form, "school": school})


@role_required(Role.STAFF)
@permission_required("schools.add_school", raise_exception=True)
def register_import(request):
    form = RegisterImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = services.register_import(
            data=form.cleaned_data["file"].read(), user=request.user,
            create_municipalities=form.cleaned_data["create_municipalities"],
            dry_run=form.cleaned_data["dry_run"], max_unzipped=settings.PORTAL_UPLOAD_MAX_UNZIPPED_BYTES,
        )
        if report.ok and not report.dry_run:
            messages.success(request, f"Реестр загружен: добавлено {report.created}, обновлено {report.updated}, "
                                      f"без изменений {report.unchanged}.")
    status = 400 if report is not None and not report.ok else 200
    return render(request, "schools/register_import.html", {"form": form, "report": report}, status=status)


@role_required(Role.STAFF)
def register_template_download(request):
    response = HttpResponse(register_template(), content_type=XLSX_MIME)
    response["Content-Disposition"] = 'attachment; filename="school_register_template.xlsx"'
    return response
