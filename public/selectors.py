"""Reads for the open pages: aggregates only, never participant rows, uploads or people.

Each page is built from a handful of queries and then cached (``public.cache``). What a page shows in its tables
is exactly what its downloads contain: both come from the same :class:`Dataset`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q
from django.http import Http404
from django.urls import reverse

from indicators.choices import RunStatus
from indicators.models import ClassificationRun, SchoolStatus
from indicators.selectors import results_for_school
from indicators.selectors_classification import quadrant, school_status_history
from monitoring.selectors import indicator_chart, indicator_rows
from monitoring.status import Status
from portal.charts import format_number, line_chart, line_table
from schools.models import Municipality, School


@dataclass
class Column:
    key: str
    header: str
    numeric: bool = False
    decimals: int = 2
    link: bool = False  # the page links this cell to the row's "href"


@dataclass
class Dataset:
    """A table of the open data: the same rows on the page and in CSV, XLSX and JSON."""

    name: str
    title: str
    description: str
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)

    def cells(self, row: dict) -> list[str]:
        """The row as the page shows it (Russian number format, a dash for no value)."""
        out = []
        for column in self.columns:
            value = row.get(column.key)
            if column.numeric:
                out.append(format_number(value, column.decimals, strip_zeros=True))
            else:
                out.append("—" if value in (None, "") else str(value))
        return out

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def display_rows(self) -> list[list[dict]]:
        """Rows for the page's table: each cell's text and whether it is a number (right-aligned)."""
        return [[{"text": text, "num": column.numeric, "href": row.get("href") if column.link else None}
                 for text, column in zip(self.cells(row), self.columns, strict=True)]
                for row in self.rows]


def min_group() -> int:
    """Results of a group smaller than this are not published (a small class could be recognised)."""
    return getattr(settings, "PUBLIC_MIN_PARTICIPANTS", 5)


# --- the list of municipalities ---------------------------------------------------------------------------------------

def latest_runs(municipality_ids=None) -> dict[int, dict[int, ClassificationRun]]:
    """municipality id → academic year id → its latest finished classification run."""
    runs = ClassificationRun.objects.filter(status=RunStatus.DONE).select_related("academic_year")
    if municipality_ids is not None:
        runs = runs.filter(municipality_id__in=municipality_ids)
    latest: dict[int, dict[int, ClassificationRun]] = defaultdict(dict)
    for run in runs.order_by("municipality_id", "academic_year__start_year", "-pk"):
        latest[run.municipality_id].setdefault(run.academic_year_id, run)
    return latest


def _status_counts(run_ids) -> dict[int, dict]:
    rows = (SchoolStatus.objects.filter(run_id__in=run_ids).values("run_id")
            .annotate(total=Count("id"), shnor=Count("id", filter=Q(is_shnor=True)),
                      shnsu=Count("id", filter=Q(is_shnsu=True)),
                      both=Count("id", filter=Q(is_shnor=True, is_shnsu=True)),
                      participants=Count("id", filter=Q(is_participant=True)),
                      resilient=Count("id", filter=Q(is_resilient=True))))
    return {row.pop("run_id"): row for row in rows}


def index_page() -> dict:
    """Every municipality with its number of schools, indicators and the latest ШНОР count."""
    municipalities = list(Municipality.objects.annotate(
        school_count=Count("schools", filter=Q(schools__is_active=True), distinct=True),
        indicator_count=Count("target_indicators", distinct=True),
    ).order_by("name"))
    runs = latest_runs()
    newest = {m_id: by_year[max(by_year, key=lambda y: by_year[y].academic_year.start_year)]
              for m_id, by_year in runs.items()}
    counts = _status_counts([run.pk for run in newest.values()])
    items = []
    for municipality in municipalities:
        run = newest.get(municipality.pk)
        items.append({"municipality": municipality, "run": run,
                      "counts": counts.get(run.pk) if run else None,
                      "url": reverse("public:municipality", args=[municipality.pk])})
    return {"items": items}


# --- one municipality -------------------------------------------------------------------------------------------------

INDICATOR_COLUMNS = [
    Column("code", "№"), Column("name", "Показатель"), Column("unit", "Единица"), Column("period", "Период"),
    Column("target_text", "Цель"), Column("target", "Целевое значение", numeric=True),
    Column("value", "Значение", numeric=True), Column("status", "Статус"),
]
CLASSIFICATION_COLUMNS = [
    Column("year", "Учебный год"), Column("schools", "Школ в расчёте", numeric=True),
    Column("shnor", "ШНОР", numeric=True), Column("shnsu", "ШНСУ", numeric=True),
    Column("both", "ШНОР и ШНСУ одновременно", numeric=True),
    Column("participants", "Участники программы", numeric=True),
    Column("resilient", "Резилиентные", numeric=True),
]
SCHOOL_COLUMNS = [
    Column("year", "Учебный год"), Column("school", "Школа", link=True), Column("oip", "ОИП", numeric=True),
    Column("isbs", "ИСБШ", numeric=True), Column("status", "Статус"),
]


def access_municipality(pk: int) -> Municipality:
    municipality = Municipality.objects.filter(pk=pk).first()
    if municipality is None:
        raise Http404("Муниципалитет не найден.")
    return municipality


def _number(value):
    """Decimals as they are stored; None stays None."""
    return value if value is None or isinstance(value, Decimal | int | float) else Decimal(str(value))


def indicator_dataset(rows) -> Dataset:
    data = Dataset("indicators", "Целевые показатели по периодам",
                   "Цель и значение каждого целевого показателя программы по периодам, статус достижения цели.",
                   INDICATOR_COLUMNS)
    for row in rows:
        indicator = row.indicator
        for period in row.periods:
            data.rows.append({
                "code": indicator.code, "name": indicator.name, "unit": indicator.get_unit_display(),
                "period": period.label,
                "target_text": period.target.label if period.target is not None else "",
                "target": _number(period.target.target) if period.target is not None else None,
                "value": _number(period.value.value) if period.value is not None else None,
                "status": Status(period.status).label,
            })
    return data


def classification_dataset(municipality: Municipality, by_year: dict[int, ClassificationRun]) -> Dataset:
    data = Dataset("classification", "ШНОР и ШНСУ по учебным годам",
                   "Число школ с низкими результатами (ШНОР) и в сложных социальных условиях (ШНСУ) по последнему "
                   "завершённому расчёту каждого учебного года.", CLASSIFICATION_COLUMNS)
    runs = sorted(by_year.values(), key=lambda r: r.academic_year.start_year)
    counts = _status_counts([run.pk for run in runs])
    for run in runs:
        c = counts.get(run.pk, {})
        data.rows.append({"year": run.academic_year.label, "schools": c.get("total", 0),
                          **{key: c.get(key, 0) for key in ("shnor", "shnsu", "both", "participants", "resilient")}})
    return data


def classification_chart(municipality: Municipality, data: Dataset) -> dict | None:
    if not data.rows:
        return None
    categories = [row["year"] for row in data.rows]
    series = [{"name": "ШНОР", "values": [row["shnor"] for row in data.rows]},
              {"name": "ШНСУ", "values": [row["shnsu"] for row in data.rows]}]
    title = f"Число ШНОР и ШНСУ по учебным годам: {municipality}"
    svg = line_chart(series, chart_id=f"public-classification-{municipality.pk}", title=title,
                     y_label="число школ", categories=categories, decimals=0, width=720, height=300)
    table = line_table(series, categories=categories, decimals=0)
    return {"svg": svg, "headers": table["headers"], "rows": table["rows"], "caption": title}


def school_dataset(municipality: Municipality, run: ClassificationRun | None,
                   statuses: list[SchoolStatus]) -> Dataset:
    data = Dataset("schools", "Индексы и статусы школ",
                   "ОИП и ИСБШ каждой школы и её статус по последнему завершённому расчёту.", SCHOOL_COLUMNS)
    for status in statuses:
        data.rows.append({"year": run.academic_year.label, "school": status.school.short_name,
                          "oip": status.oip, "isbs": status.isbs, "status": status.labels or "без статуса",
                          "href": reverse("public:school", args=[municipality.pk, status.school_id])})
    return data


@dataclass
class MunicipalityPage:
    municipality: Municipality
    indicator_rows: list
    datasets: dict[str, Dataset]
    classification_chart: dict | None
    quadrant: dict | None
    run: ClassificationRun | None
    counts: dict

    @property
    def published(self) -> bool:
        return self.municipality.publish_school_cards


def municipality_page(municipality: Municipality) -> MunicipalityPage:
    """Indicators against targets, ШНОР/ШНСУ by year and, when the municipality publishes them, its schools."""
    rows = indicator_rows(municipality)
    for row in rows:  # no values yet: the planned trajectory of the targets is still worth showing
        if row.chart is None:
            row.chart = indicator_chart(row.indicator, row.periods, small=False)
    by_year = latest_runs([municipality.pk]).get(municipality.pk, {})
    datasets = {"indicators": indicator_dataset(rows), "classification": classification_dataset(municipality, by_year)}
    run = max(by_year.values(), key=lambda r: r.academic_year.start_year) if by_year else None
    chart = None
    if run is not None and municipality.publish_school_cards:
        statuses = list(run.statuses.select_related("school").filter(school__is_active=True)
                        .order_by("school__short_name"))
        datasets["schools"] = school_dataset(municipality, run, statuses)
        chart = quadrant(run, statuses, href=lambda s: reverse("public:school", args=[municipality.pk, s.school_id]))
    counts = {status: sum(1 for r in rows if r.status == status) for status in Status.values}
    return MunicipalityPage(municipality, rows, datasets, classification_chart(municipality,
                            datasets["classification"]), chart, run, counts)


# --- one school -------------------------------------------------------------------------------------------------------

def access_school(municipality_pk: int, school_pk: int) -> School:
    """A school of a municipality that publishes its school cards; 404 otherwise (also for unpublished ones)."""
    school = (School.objects.select_related("municipality")
              .filter(pk=school_pk, municipality_id=municipality_pk, is_active=True,
                      municipality__publish_school_cards=True).first())
    if school is None:
        raise Http404("Карточка школы не опубликована.")
    return school


def school_page(school: School) -> dict:
    """The school's statuses and indices by year and its results by subject, next to the municipality's;
    results of groups smaller than :func:`min_group` are withheld."""
    history = school_status_history(school)["history"]
    limit = min_group()
    years = results_for_school(school)
    for year in years:
        for row in year["rows"]:
            row["hidden"] = row["result"].participants < limit
    return {"school": school, "history": history, "years": years, "min_group": limit}
