"""Quarterly reports (list, request, download) and the per-school analytic card (page and PDF)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from portal.htmx import is_partial
from portal.queueing import tell_queued
from roadmap.schedule import quarter_of
from schools.selectors import access_school

from . import reports
from .pdf import render_pdf
from .report_data import Period, school_card_data
from .report_models import QuarterlyReport, ReportStatus
from .selectors import municipalities_for


def _period(raw: str | None) -> Period:
    if not raw:
        year, quarter = quarter_of(timezone.localdate())
        return Period(year, quarter)
    try:
        return Period.parse(raw)
    except ValueError:
        raise Http404("Неверный период.") from None


def _recent_periods(count: int = 12) -> list[Period]:
    year, quarter = quarter_of(timezone.localdate())
    period, result = Period(year, quarter), []
    for _ in range(count):
        result.append(period)
        period = period.previous()
    return result


def report_list(request):
    if request.user.is_principal:
        raise PermissionDenied("Отчёты по муниципалитету доступны управлению образования и кураторам.")
    municipalities = municipalities_for(request.user)
    items = (QuarterlyReport.objects.filter(municipality__in=municipalities).select_related("municipality",
                                                                                            "requested_by")
             .order_by("-created_at")[:50])
    polling = any(r.status in (ReportStatus.PENDING, ReportStatus.RUNNING) for r in items)
    context = {"reports": items, "municipalities": municipalities, "periods": _recent_periods(),
               "polling": polling, "can_request": request.user.has_perm("monitoring.add_quarterlyreport")}
    template = "reports/htmx/report_table.html" if is_partial(request) else "reports/report_list.html"
    return render(request, template, context)


@require_POST
def report_create(request):
    if not request.user.has_perm("monitoring.add_quarterlyreport"):
        raise PermissionDenied("Формировать отчёты может управление образования или куратор.")
    municipality = get_object_or_404(municipalities_for(request.user), pk=request.POST.get("municipality"))
    try:
        period = Period.parse(request.POST.get("period", ""))
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("reports:report_list")
    report = reports.request_report(municipality=municipality, period=period, user=request.user)
    tell_queued(request, [report], f"Отчёт «{municipality}», {period.label} (версия {report.version}) запрошен.",
                "Он поставлен в очередь.")
    return redirect("reports:report_list")


def report_download(request, pk: int):
    if request.user.is_principal:
        raise Http404("Отчёт не найден.")
    report = get_object_or_404(QuarterlyReport.objects.filter(
        municipality__in=municipalities_for(request.user)), pk=pk)
    if report.status != ReportStatus.READY or not report.file:
        raise Http404("Отчёт ещё не готов.")
    return FileResponse(report.file.open("rb"), as_attachment=True, filename=report.download_name,
                        content_type="application/pdf")


def school_card(request, pk: int):
    school = access_school(request.user, pk)
    period = _period(request.GET.get("period"))
    context = school_card_data(school, period) | {"periods": _recent_periods()}
    return render(request, "reports/school_card.html", context)


def school_card_pdf(request, pk: int):
    school = access_school(request.user, pk)
    period = _period(request.GET.get("period"))
    pdf = render_pdf("pdf/school_card.html", school_card_data(school, period))
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"Аналитический отчёт {school.short_name} {period.code}.pdf"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
