"""Upload of a published ОИП / ИСБШ list (the web form of ``manage.py import_indices``)."""

from django.contrib.auth.decorators import permission_required
from django.shortcuts import render

from portal.access import staff_required
from portal.queueing import tell_queued

from .forms import IndexListImportForm
from .index_import import index_list_upload


@staff_required
@permission_required("indicators.add_indexvalue", raise_exception=True)
def index_import(request):
    form = IndexListImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        report = index_list_upload(data=data["file"].read(), start_year=data["academic_year"],
                                   municipality=data["municipality"], dry_run=data["dry_run"], user=request.user,
                                   file_name=data["file"].name)
        if report.ok and report.stored:
            tell_queued(request, report.runs, "Список загружен.", "Пересчёт классификации поставлен в очередь.")
    status = 400 if report is not None and not report.ok else 200
    return render(request, "indicators/index_import.html", {"form": form, "report": report}, status=status)
