from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from portal.queueing import tell_queued
from portal.spreadsheets import XLSX_MIME
from schools.selectors import access_school

from . import selectors, services
from .forms import ResultUploadForm, UploadConfirmForm
from .importers.templates import SPECS, template_bytes


@permission_required("indicators.view_resultupload", raise_exception=True)
def upload_list(request):
    page = Paginator(selectors.upload_list_for(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "indicators/upload_list.html", {"page": page, "uploads": page.object_list,
                                                            "templates": SPECS.values()})


@permission_required("indicators.add_resultupload", raise_exception=True)
def upload_create(request):
    form = ResultUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = services.upload_receive(user=request.user, file=data["file"], kind=data["kind"],
                                         academic_year=data["academic_year"], school=data.get("school"),
                                         options=form.upload_options())
        return redirect(upload)
    return render(request, "indicators/upload_form.html", {"form": form, "templates": SPECS.values()})


@permission_required("indicators.view_resultupload", raise_exception=True)
def upload_detail(request, pk: int):
    upload = selectors.access_upload(request.user, pk)
    context = {"upload": upload, "confirm_form": UploadConfirmForm(),
               "can_import": selectors.can_import(request.user, upload)}
    return render(request, "indicators/upload_detail.html", context)


@require_POST
@permission_required("indicators.add_resultupload", raise_exception=True)
def upload_confirm(request, pk: int):
    upload = selectors.access_upload(request.user, pk)
    if not selectors.can_import(request.user, upload):
        raise Http404
    form = UploadConfirmForm(request.POST)
    form.is_valid()
    try:
        services.upload_import(upload=upload, user=request.user,
                               confirm_warnings=form.cleaned_data.get("confirm_warnings", False))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        tell_queued(request, upload.recompute_runs, f"Результаты загружены: {upload.row_count} строк.",
                    "Пересчёт классификации поставлен в очередь.")
    return redirect(upload)


@permission_required("indicators.view_resultupload", raise_exception=True)
def upload_file(request, pk: int):
    upload = selectors.access_upload(request.user, pk)
    return FileResponse(upload.file.open("rb"), as_attachment=True, filename=upload.original_name,
                        content_type=XLSX_MIME)


@permission_required("indicators.add_resultupload", raise_exception=True)
def template_download(request, key: str):
    if key not in SPECS:
        raise Http404
    response = HttpResponse(template_bytes(key), content_type=XLSX_MIME)
    response["Content-Disposition"] = f'attachment; filename="{key}.xlsx"'
    return response


@permission_required("indicators.view_schoolresult", raise_exception=True)
def school_results(request, pk: int):
    school = access_school(request.user, pk)
    return render(request, "indicators/school_results.html",
                  {"school": school, "years": selectors.results_for_school(school)})
