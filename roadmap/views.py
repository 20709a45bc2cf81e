"""Roadmap pages: list, the editable table (htmx), progress matrix, reports, import, export, print, history."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import PurePosixPath

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from portal.htmx import is_partial
from portal.spreadsheets import XLSX_MIME
from schools.models import Municipality, School

from . import selectors, services
from .exports import RoadmapHeader, export_docx, export_xlsx
from .forms import ActivityForm, ReportForm, RoadmapForm, RoadmapImportForm, SectionForm
from .models import Activity, ActivityReport, Evidence, ReportStatus, Roadmap, Section
from .schedule import parse_schedule, quarter_of
from .tables import parse_table

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
IMPORT_SESSION_KEY = "roadmap_import"


# --- helpers ------------------------------------------------------------------------------------------------------

def _editable(request, roadmap: Roadmap) -> None:
    if not selectors.can_edit(request.user, roadmap):
        raise PermissionDenied("Изменять эту дорожную карту может только управление образования.")


def _table_context(request, roadmap: Roadmap) -> dict:
    sections = list(roadmap.sections.order_by("position", "pk"))
    activities = (roadmap.activities.select_related("section").prefetch_related("responsible")
                  .order_by("position", "pk"))
    by_section: dict[int, list[Activity]] = {s.pk: [] for s in sections}
    for activity in activities:
        by_section.setdefault(activity.section_id, []).append(activity)
    for section in sections:
        section.activity_list = by_section[section.pk]
    return {"roadmap": roadmap, "sections": sections, "can_edit": selectors.can_edit(request.user, roadmap),
            "activity_count": sum(len(v) for v in by_section.values())}


def _render_table(request, roadmap: Roadmap, *, message: str = "", retarget: bool = False):
    """The whole table; ``retarget`` when the request targeted a smaller element (a new row form)."""
    response = render(request, "roadmap/htmx/table.html", _table_context(request, roadmap) | {"flash": message})
    if retarget:
        response["HX-Retarget"] = "#roadmap-table"
        response["HX-Reswap"] = "outerHTML"
    return response


def _version(form) -> int:
    value = form.cleaned_data.get("version")
    return int(value) if value is not None else 0


def _quarter_params(request, roadmap: Roadmap) -> tuple[int, int]:
    current_year, current_quarter = quarter_of(selectors.today())
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or selectors.default_year(roadmap))
        quarter = int(request.GET.get("quarter") or request.POST.get("quarter") or current_quarter)
    except ValueError:
        raise Http404("Неверный период.") from None
    if not 1 <= quarter <= 4 or not 2000 <= year <= 2100:
        raise Http404("Неверный период.")
    return year, quarter


# --- roadmaps -----------------------------------------------------------------------------------------------------

def roadmap_list(request):
    roadmaps = (Roadmap.objects.visible_to(request.user).select_related("municipality", "school")
                .order_by("municipality__name", "scope", "-period_start", "title"))
    counts = {r["roadmap"]: r for r in Activity.objects.filter(roadmap__in=roadmaps).values("roadmap")
              .annotate(n=Count("pk"))}
    for roadmap in roadmaps:
        roadmap.activity_count = counts.get(roadmap.pk, {}).get("n", 0)
    context = {"roadmaps": roadmaps, "can_create": request.user.has_perm("roadmap.add_roadmap")}
    if request.user.is_principal:
        context["my_items"] = selectors.activities_for_school(request.user.school)
    return render(request, "roadmap/roadmap_list.html", context)


@permission_required("roadmap.add_roadmap", raise_exception=True)
def roadmap_create(request):
    form = RoadmapForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            roadmap = services.roadmap_create(user=request.user, data=services.RoadmapHeaderData(
                title=data["title"], municipality=data["municipality"], school=data["school"],
                period_start=data["period_start"], period_end=data["period_end"],
                order_number=data["order_number"], order_date=data["order_date"], status=data["status"]))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Дорожная карта создана. Добавьте разделы и мероприятия.")
            return redirect(roadmap)
    return render(request, "roadmap/roadmap_form.html", {"form": form, "roadmap": None})


def roadmap_detail(request, pk: int):
    roadmap = selectors.access_roadmap(request.user, pk)
    context = _table_context(request, roadmap)
    context["overdue"] = selectors.overdue_activities(roadmap)
    context["unparsed"] = roadmap.activities.filter(schedule_parsed=False).count()
    return render(request, "roadmap/roadmap_detail.html", context)


def roadmap_edit(request, pk: int):
    roadmap = selectors.access_roadmap(request.user, pk)
    if not request.user.has_perm("roadmap.change_roadmap"):
        raise PermissionDenied("Изменять реквизиты дорожной карты может только управление образования.")
    form = RoadmapForm(request.POST or None, instance=roadmap)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items()}
        data["scope"] = "school" if data.get("school") else "municipal"
        try:
            services.roadmap_update(roadmap=Roadmap.objects.get(pk=roadmap.pk), user=request.user, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Реквизиты дорожной карты сохранены.")
            return redirect(roadmap)
    return render(request, "roadmap/roadmap_form.html", {"form": form, "roadmap": roadmap})


def roadmap_print(request, pk: int):
    roadmap = selectors.access_roadmap(request.user, pk)
    return render(request, "roadmap/roadmap_print.html", _table_context(request, roadmap) | {"print": True})


def _export_header(roadmap: Roadmap) -> RoadmapHeader:
    return RoadmapHeader(title=roadmap.title, municipality=roadmap.municipality.name,
                         school=roadmap.school.name if roadmap.school_id else "", period=roadmap.period_label,
                         order_number=roadmap.order_number, order_date=roadmap.order_date,
                         status=roadmap.get_status_display())


def _export_name(roadmap: Roadmap, suffix: str) -> str:
    return f"Дорожная карта {roadmap.period_label} ({roadmap.pk}).{suffix}"


def roadmap_export(request, pk: int, fmt: str):
    roadmap = selectors.access_roadmap(request.user, pk)
    table = services.roadmap_table(roadmap)
    if fmt == "xlsx":
        year, quarter = _quarter_params(request, roadmap)
        statuses = {}
        for row in selectors.progress_matrix(roadmap, year)["rows"]:
            cell = row.cells[quarter - 1]
            statuses[row.activity.number] = cell.status_label or ("просрочено" if cell.overdue else "")
        data, mime = export_xlsx(_export_header(roadmap), table, reports=statuses), XLSX_MIME
    elif fmt == "docx":
        data, mime = export_docx(_export_header(roadmap), table), DOCX_MIME
    else:
        raise Http404("Неизвестный формат.")
    response = HttpResponse(data, content_type=mime)
    response["Content-Disposition"] = content_disposition_header(True, _export_name(roadmap, fmt))
    return response


def roadmap_history(request, pk: int):
    roadmap = selectors.access_roadmap(request.user, pk)
    records = []
    for model, label in ((Activity, "мероприятие"), (Section, "раздел")):
        for record in (model.history.filter(roadmap_id=roadmap.pk).select_related("history_user")
                       .order_by("-history_date")[:200]):
            records.append({"when": record.history_date, "who": record.history_user, "what": label,
                            "kind": {"+": "создано", "~": "изменено", "-": "удалено"}[record.history_type],
                            "object": f"{record.number} {(record.title or '')[:90]}".strip(),
                            "object_id": record.id, "is_activity": model is Activity,
                            "exists": record.history_type != "-"})
    records.sort(key=lambda r: r["when"], reverse=True)
    return render(request, "roadmap/roadmap_history.html", {"roadmap": roadmap, "records": records[:200]})


# --- import -------------------------------------------------------------------------------------------------------

@permission_required("roadmap.add_roadmap", raise_exception=True)
def roadmap_import(request):
    pending = request.session.get(IMPORT_SESSION_KEY)
    if request.method == "POST" and request.POST.get("action") in ("confirm", "cancel"):
        return _import_finish(request, pending)
    form = RoadmapImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        raw = upload.read()
        table = parse_table(raw, upload.name)
        suffix = PurePosixPath(upload.name).suffix.lower()
        if pending and default_storage.exists(pending.get("path", "")):
            default_storage.delete(pending["path"])  # an earlier preview that was never confirmed
        stored = default_storage.save(f"roadmap/imports/{uuid.uuid4().hex}{suffix}", ContentFile(raw))
        data = form.cleaned_data
        request.session[IMPORT_SESSION_KEY] = {
            "path": stored, "name": upload.name, "municipality": data["municipality"].pk,
            "school": data["school"].pk if data["school"] else None, "title": data["title"],
            "period_start": data["period_start"], "period_end": data["period_end"],
            "order_number": data["order_number"],
            "order_date": data["order_date"].isoformat() if data["order_date"] else None,
            "status": data["status"], "target_scope": data.get("target_scope") or ""}
        return render(request, "roadmap/import_preview.html", _preview_context(table, upload.name, data))
    return render(request, "roadmap/import_form.html", {"form": form})


def _preview_context(table, name: str, data: dict) -> dict:
    rows = []
    for section in table.sections:
        for activity in section.activities:
            schedule = parse_schedule(activity.deadline_text)
            rows.append({"section": section, "activity": activity, "schedule": schedule})
    return {"table": table, "name": name, "data": data, "rows": rows,
            "unparsed": sum(1 for r in rows if not r["schedule"].parsed)}


def _import_finish(request, pending: dict | None):
    if not pending:
        messages.error(request, "Нет загруженного файла: загрузите дорожную карту ещё раз.")
        return redirect("roadmap:roadmap_import")
    request.session.pop(IMPORT_SESSION_KEY, None)
    path = pending["path"]
    try:
        if request.POST.get("action") == "cancel":
            messages.info(request, "Загрузка отменена, ничего не сохранено.")
            return redirect("roadmap:roadmap_import")
        with default_storage.open(path) as handle:
            table = parse_table(handle.read(), pending["name"])
        school = School.objects.filter(pk=pending["school"]).first() if pending["school"] else None
        header = services.RoadmapHeaderData(
            title=pending["title"], municipality=get_object_or_404(Municipality, pk=pending["municipality"]),
            school=school, period_start=pending["period_start"], period_end=pending["period_end"],
            order_number=pending["order_number"],
            order_date=date.fromisoformat(pending["order_date"]) if pending["order_date"] else None,
            status=pending["status"], source=f"импорт из файла «{pending['name']}»")
        try:
            roadmap = services.roadmap_import(user=request.user, header=header, table=table,
                                              target_scope=pending["target_scope"])
        except ValidationError as exc:
            messages.error(request, "Дорожная карта не сохранена: " + "; ".join(exc.messages))
            return redirect("roadmap:roadmap_import")
    finally:
        if default_storage.exists(path):
            default_storage.delete(path)
    messages.success(request, f"Загружено разделов: {roadmap.sections.count()}, мероприятий: "
                              f"{roadmap.activities.count()}.")
    return redirect(roadmap)


# --- sections (htmx) ----------------------------------------------------------------------------------------------

@require_POST
def section_create(request, pk: int):
    roadmap = selectors.access_roadmap(request.user, pk)
    _editable(request, roadmap)
    form = SectionForm(request.POST)
    if not form.is_valid():
        response = render(request, "roadmap/htmx/section_new.html", {"roadmap": roadmap, "section_form": form},
                          status=422)
        response["HX-Retarget"] = "#section-new"
        response["HX-Reswap"] = "outerHTML"
        return response
    services.section_create(roadmap=roadmap, user=request.user, number=form.cleaned_data["number"],
                            title=form.cleaned_data["title"])
    return _render_table(request, roadmap, message="Раздел добавлен.")


def _section(request, pk: int) -> Section:
    section = get_object_or_404(Section.objects.select_related("roadmap"), pk=pk)
    roadmap = selectors.access_roadmap(request.user, section.roadmap_id)
    _editable(request, roadmap)
    return section


def section_edit(request, pk: int):
    section = _section(request, pk)
    if request.method == "POST":
        form = SectionForm(request.POST, instance=Section(pk=section.pk, roadmap=section.roadmap))
        if form.is_valid():
            try:
                services.section_update(section=section, user=request.user, version=_version(form),
                                        number=form.cleaned_data["number"], title=form.cleaned_data["title"])
            except services.ConflictError as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return _render_table(request, section.roadmap, message="Раздел сохранён.", retarget=True)
        return render(request, "roadmap/htmx/section_form.html", {"section": section, "form": form}, status=422)
    form = SectionForm(instance=section, initial={"version": section.version})
    return render(request, "roadmap/htmx/section_form.html", {"section": section, "form": form})


@require_POST
def section_delete(request, pk: int):
    section = _section(request, pk)
    try:
        services.section_delete(section=section, user=request.user)
    except ValidationError as exc:
        return _render_table(request, section.roadmap, message=" ".join(exc.messages))
    return _render_table(request, section.roadmap, message="Раздел удалён.")


@require_POST
def section_move(request, pk: int):
    section = _section(request, pk)
    services.section_move(section=section, user=request.user, direction=-1 if request.POST.get("dir") == "up" else 1)
    return _render_table(request, section.roadmap)


@require_POST
def section_renumber(request, pk: int):
    section = _section(request, pk)
    changed = services.section_renumber(section=section, user=request.user)
    return _render_table(request, section.roadmap, message=f"Перенумеровано мероприятий: {changed}.")


# --- activities (htmx) --------------------------------------------------------------------------------------------

def activity_create(request, pk: int):
    section = _section(request, pk)
    roadmap = section.roadmap
    if request.method == "POST":
        form = ActivityForm(request.POST, municipality=roadmap.municipality)
        if form.is_valid():
            try:
                activity = services.activity_create(
                    section=section, user=request.user, fields=form.cleaned_data,
                    target_schools=form.cleaned_data["target_schools"],
                    risk_factors=form.cleaned_data["risk_factors"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return _render_table(request, roadmap, message=f"Мероприятие {activity.number} добавлено.",
                                     retarget=True)
        return render(request, "roadmap/htmx/activity_form.html",
                      {"form": form, "section": section, "activity": None, "roadmap": roadmap}, status=422)
    next_number = f"{section.number}.{section.activities.count() + 1}" if section.number else ""
    form = ActivityForm(municipality=roadmap.municipality, initial={"number": next_number})
    return render(request, "roadmap/htmx/activity_form.html",
                  {"form": form, "section": section, "activity": None, "roadmap": roadmap})


def _activity_for_edit(request, pk: int) -> Activity:
    activity = selectors.access_activity(request.user, pk)
    _editable(request, activity.roadmap)
    return activity


def activity_row(request, pk: int):
    activity = selectors.access_activity(request.user, pk)
    return render(request, "roadmap/htmx/activity_row.html",
                  {"activity": activity, "roadmap": activity.roadmap,
                   "can_edit": selectors.can_edit(request.user, activity.roadmap)})


def activity_edit(request, pk: int):
    activity = _activity_for_edit(request, pk)
    roadmap = activity.roadmap
    context = {"section": activity.section, "activity": activity, "roadmap": roadmap}
    if request.method == "POST":
        form = ActivityForm(request.POST, instance=Activity.objects.get(pk=activity.pk),
                            municipality=roadmap.municipality)
        if form.is_valid():
            try:
                saved = services.activity_update(
                    activity=activity, user=request.user, version=_version(form), fields=form.cleaned_data,
                    target_schools=form.cleaned_data["target_schools"],
                    risk_factors=form.cleaned_data["risk_factors"])
            except services.ConflictError as exc:
                form.add_error(None, str(exc))
                context["conflict"] = exc.current
                return render(request, "roadmap/htmx/activity_form.html", context | {"form": form}, status=409)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return render(request, "roadmap/htmx/activity_row.html",
                              {"activity": Activity.objects.get(pk=saved.pk), "roadmap": roadmap, "can_edit": True,
                               "saved": True})
        return render(request, "roadmap/htmx/activity_form.html", context | {"form": form}, status=422)
    form = ActivityForm(instance=activity, municipality=roadmap.municipality, initial={"version": activity.version})
    return render(request, "roadmap/htmx/activity_form.html", context | {"form": form})


@require_POST
def activity_delete(request, pk: int):
    activity = _activity_for_edit(request, pk)
    try:
        services.activity_delete(activity=activity, user=request.user)
    except ValidationError as exc:
        return _render_table(request, activity.roadmap, message=" ".join(exc.messages))
    return _render_table(request, activity.roadmap, message=f"Мероприятие {activity.number} удалено.")


@require_POST
def activity_move(request, pk: int):
    activity = _activity_for_edit(request, pk)
    services.activity_move(activity=activity, user=request.user,
                           direction=-1 if request.POST.get("dir") == "up" else 1)
    response = _render_table(request, activity.roadmap)
    response["HX-Trigger-After-Settle"] = f'{{"focusMoved": "{activity.pk}:{request.POST.get("dir", "down")}"}}'
    return response


def activity_detail(request, pk: int):
    activity = selectors.access_activity(request.user, pk)
    roadmap = activity.roadmap
    reports = (ActivityReport.objects.filter(activity=activity).select_related("school", "author")
               .prefetch_related("evidence").order_by("-year", "-quarter", "school__short_name"))
    if request.user.is_principal:
        reports = reports.filter(school_id=request.user.school_id)
    elif request.user.is_curator:
        reports = reports.filter(school__curators=request.user) | reports.filter(school__isnull=True)
    shnor = selectors.shnor_ids(roadmap.municipality_id)
    targets = School.objects.filter(pk__in=selectors.target_school_ids(activity, shnor=shnor)).order_by("short_name")
    return render(request, "roadmap/activity_detail.html", {
        "activity": activity, "roadmap": roadmap, "reports": reports, "targets": targets,
        "history": selectors.activity_history(activity), "schedule": activity.parsed_schedule,
        "can_edit": selectors.can_edit(request.user, roadmap),
        "can_report": _report_school_choices(request.user, activity) is not None})


def schedule_preview(request):
    """Live hint under the deadline field: how the portal understood the text."""
    text = request.GET.get("deadline_text", "")[:2000]
    schedule = parse_schedule(text)
    return render(request, "roadmap/htmx/schedule_hint.html", {"schedule": schedule})


# --- progress -----------------------------------------------------------------------------------------------------

def roadmap_progress(request, pk: int):
    roadmap = selectors.access_roadmap(request.user, pk)
    if request.user.is_principal:
        raise PermissionDenied("Сводная таблица выполнения доступна управлению образования и кураторам.")
    year, _ = _quarter_params(request, roadmap)
    context = selectors.progress_matrix(roadmap, year) | {"roadmap": roadmap}
    template = "roadmap/htmx/progress_table.html" if is_partial(request) else "roadmap/roadmap_progress.html"
    return render(request, template, context)


def _report_school_choices(user, activity: Activity):
    """Which school a user reports for on this activity: None = may not report; 0 = the municipal report."""
    roadmap = activity.roadmap
    if roadmap.status == "archived":
        return None
    if user.is_department_staff:
        return 0 if roadmap.scope == "municipal" else roadmap.school_id
    if user.is_principal:
        if roadmap.scope == "school":
            return roadmap.school_id if roadmap.school_id == user.school_id else None
        return user.school_id if user.school_id in selectors.target_school_ids(activity) else None
    return None


def report_edit(request, pk: int):
    activity = selectors.access_activity(request.user, pk)
    school_id = _report_school_choices(request.user, activity)
    if school_id is None:
        raise PermissionDenied("Отчитываться по этому мероприятию может управление образования или школа, "
                               "которой оно адресовано.")
    if request.user.is_department_staff and request.GET.get("school"):
        school_id = int(request.GET["school"]) if request.GET["school"].isdigit() else 0
    school = School.objects.filter(pk=school_id).first() if school_id else None
    year, quarter = _quarter_params(request, activity.roadmap)
    report = ActivityReport.objects.filter(activity=activity, school=school, year=year, quarter=quarter).first()
    form = ReportForm(request.POST or None, request.FILES or None,
                      initial={"status": report.status if report else ReportStatus.IN_PROGRESS,
                               "comment": report.comment if report else "",
                               "version": report.version if report else None})
    if request.method == "POST" and form.is_valid():
        try:
            services.report_save(activity=activity, user=request.user, year=year, quarter=quarter, school=school,
                                 status=form.cleaned_data["status"], comment=form.cleaned_data["comment"],
                                 version=form.cleaned_data.get("version"), files=form.cleaned_data["files"])
        except services.ConflictError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Отчёт по мероприятию {activity.number} за {quarter} кв. {year} сохранён.")
            return redirect(reverse("roadmap:activity_detail", args=[activity.pk]))
    return render(request, "roadmap/report_form.html", {
        "activity": activity, "roadmap": activity.roadmap, "form": form, "report": report, "school": school,
        "year": year, "quarter": quarter, "years": list(range(activity.roadmap.period_start,
                                                              activity.roadmap.period_end + 1))},
        status=422 if request.method == "POST" else 200)


def _access_evidence(request, pk: int) -> Evidence:
    """The file if the user may see its report; Http404 for missing and forbidden alike."""
    evidence = get_object_or_404(Evidence.objects.select_related("report", "report__activity"), pk=pk)
    selectors.access_activity(request.user, evidence.report.activity_id)
    report = evidence.report
    if request.user.is_principal and report.school_id != request.user.school_id:
        raise Http404("Файл не найден.")
    if request.user.is_curator and report.school_id and not report.school.curators.filter(pk=request.user.pk).exists():
        raise Http404("Файл не найден.")
    return evidence


def evidence_download(request, pk: int):
    evidence = _access_evidence(request, pk)
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name,
                        content_type=evidence.content_type)


@require_POST
def evidence_delete(request, pk: int):
    evidence = _access_evidence(request, pk)
    activity = evidence.report.activity
    allowed = request.user.is_department_staff or (
        request.user.is_principal and evidence.report.school_id == request.user.school_id)
    if not allowed:
        raise PermissionDenied("Удалить файл может только тот, кто отчитывается по мероприятию.")
    services.evidence_delete(evidence=evidence, user=request.user)
    messages.success(request, "Файл удалён.")
    return redirect(reverse("roadmap:activity_detail", args=[activity.pk]))

