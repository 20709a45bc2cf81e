"""Reads for the classification pages: a fixed number of queries per page."""

from __future__ import annotations

from django.urls import reverse

from schools.models import AcademicYear, School

from .choices import RunStatus
from .models import ClassificationRun, SchoolStatus
from .runs import latest_run, run_diff, years_with_data

FILTERS = {"shnor": "is_shnor", "shnsu": "is_shnsu", "participant": "is_participant", "resilient": "is_resilient"}


def index_url() -> str:
    return reverse("indicators:classification")


def _pick(model, raw, fallback):
    try:
        return model.objects.get(pk=int(raw))
    except (TypeError, ValueError, model.DoesNotExist):
        return fallback


def classification_page(params, *, municipalities) -> dict:
    """``municipalities``: those the user may see; another one asked for in ``params`` gives the default."""
    municipalities = list(municipalities)
    default = next((m for m in municipalities if years_with_data(m)), municipalities[0] if municipalities else None)
    municipality = next((m for m in municipalities if str(m.pk) == params.get("municipality")), default)
    years = years_with_data(municipality) if municipality else []
    year = _pick(AcademicYear, params.get("year"), years[0] if years else None)
    run = latest_run(municipality, year) if municipality and year else None
    runs = list(ClassificationRun.objects.filter(municipality=municipality, academic_year=year)
                .select_related("started_by").order_by("-created_at")[:10]) if year else []
    status_filter = params.get("status", "")
    context = {"municipalities": municipalities, "municipality": municipality, "years": years, "year": year,
               "run": run, "runs": runs, "status_filter": status_filter, "filters": FILTERS,
               "polling": any(r.status in (RunStatus.PENDING, RunStatus.RUNNING) for r in runs)}
    context.update(run_tables(run, status_filter))
    return context


def run_tables(run: ClassificationRun | None, status_filter: str = "") -> dict:
    if run is None:
        return {"statuses": [], "counts": {}, "chart": None}
    statuses = list(run.statuses.select_related("school").order_by("school__short_name"))
    counts = {key: sum(getattr(s, field) for s in statuses) for key, field in FILTERS.items()}
    counts["both"] = sum(s.is_shnor and s.is_shnsu for s in statuses)
    shown = [s for s in statuses if getattr(s, FILTERS[status_filter])] if status_filter in FILTERS else statuses
    return {"statuses": shown, "counts": counts, "chart": quadrant(run, statuses)}


def _category(status: SchoolStatus) -> str:
    if status.is_shnor and status.is_shnsu:
        return "both"
    if status.is_shnor:
        return "shnor"
    if status.is_shnsu:
        return "shnsu"
    if status.is_resilient:
        return "resilient"
    return "none"


def quadrant(run: ClassificationRun, statuses: list[SchoolStatus], href=None) -> dict | None:
    """The ОИП × ИСБШ chart with the threshold and the means, and the table behind it. ``href(status)`` gives the
    link of a point (by default the school's status page)."""
    from portal.charts import quadrant_chart

    points = [s for s in statuses if s.oip is not None and s.isbs is not None]
    if not points:
        return None
    ctx, params = run.context, run.methodology_snapshot.get("params", {})
    x_lines = []
    if "oip_threshold" in ctx:
        x_lines.append((float(ctx["oip_threshold"]), f"Порог ОИП {ctx['oip_threshold']}", "threshold"))
    if ctx.get("oip_mean") not in (None, "None"):
        x_lines.append((float(ctx["oip_mean"]), f"Средний ОИП {ctx['oip_mean']}".replace(".", ","), "mean"))
    y_lines = []
    if ctx.get("isbs_mean") not in (None, "None"):
        where = "по региону" if params.get("isbs_mean_scope") == "region" else "по району"
        y_lines.append((float(ctx["isbs_mean"]), f"Средний ИСБШ {where} {ctx['isbs_mean']}".replace(".", ","),
                        "mean"))
    svg = quadrant_chart(
        [{"x": float(s.oip), "y": float(s.isbs), "label": s.school.short_name, "category": _category(s),
          "href": href(s) if href else reverse("indicators:school_statuses", args=[s.school_id])} for s in points],
        chart_id=f"quadrant-{run.pk}", title=f"ОИП и ИСБШ школ: {run.municipality}, {run.academic_year}",
        x_label="ОИП (общий интегральный показатель)", y_label="ИСБШ (индекс социального благополучия)",
        x_lines=x_lines, y_lines=y_lines)
    rows = [[s.school.short_name, s.oip, s.isbs, s.labels or "—"] for s in points]
    return {"svg": svg, "headers": ["Школа", "ОИП", "ИСБШ", "Статус"], "rows": rows,
            "caption": "Каждая точка — школа; линии — порог ОИП и средние значения."}


def run_page(run: ClassificationRun, params) -> dict:
    status_filter = params.get("status", "")
    previous = _previous(run)
    return {"run": run, "previous": previous, "status_filter": status_filter, "filters": FILTERS,
            **run_tables(run if run.status == RunStatus.DONE else None, status_filter)}


def _previous(run: ClassificationRun) -> ClassificationRun | None:
    return (ClassificationRun.objects.filter(municipality=run.municipality_id, academic_year=run.academic_year_id,
                                             status=RunStatus.DONE, pk__lt=run.pk).order_by("-pk").first())


def run_to_compare(run: ClassificationRun, raw) -> ClassificationRun | None:
    if raw:
        if not str(raw).isdigit():
            return None
        return ClassificationRun.objects.filter(pk=raw, status=RunStatus.DONE, municipality=run.municipality_id).first()
    return _previous(run)


def diff_page(run: ClassificationRun, other: ClassificationRun | None) -> dict:
    return {"run": run, "other": other, "diff": run_diff(other, run) if other else None,
            "candidates": ClassificationRun.objects.filter(municipality=run.municipality_id, status=RunStatus.DONE)
            .exclude(pk=run.pk).select_related("academic_year").order_by("-pk")[:30]}


def school_status_history(school: School) -> dict:
    """The school's status in the latest finished run of every year."""
    statuses = (SchoolStatus.objects.filter(school=school, run__status=RunStatus.DONE)
                .select_related("run__academic_year").order_by("-run__academic_year__start_year", "-run__pk"))
    latest, seen = [], set()
    for status in statuses:
        if status.run.academic_year_id not in seen:
            seen.add(status.run.academic_year_id)
            latest.append(status)
    return {"school": school, "history": latest}
