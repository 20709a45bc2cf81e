"""The open pages: no login, aggregates only, cached per municipality (``public.cache``) with an ETag."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import exports, selectors
from .cache import INDEX, cached

BROWSER_SECONDS = 60


def _respond(request, body: bytes, version: int, scope, content_type: str = "text/html; charset=utf-8",
             filename: str | None = None) -> HttpResponse:
    etag = f'"public-{scope}-{version}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type=content_type)
        if filename:
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={BROWSER_SECONDS}"
    return response


@login_not_required
@require_GET
def index(request):
    """The municipalities: choose one to see its indicators."""
    html, version = cached("index", INDEX, lambda: render_to_string(
        "public/index.html", selectors.index_page(), request=request).encode())
    return _respond(request, html, version, INDEX)


@login_not_required
@require_GET
def municipality(request, pk: int):
    def build():
        page = selectors.municipality_page(selectors.access_municipality(pk))
        return render_to_string("public/municipality.html", {"page": page, "m": page.municipality,
                                                              "built_at": timezone.now()}, request=request).encode()

    html, version = cached("page", pk, build)
    return _respond(request, html, version, pk)


@login_not_required
@require_GET
def school(request, pk: int, school_pk: int):
    def build():
        return render_to_string("public/school.html", selectors.school_page(selectors.access_school(pk, school_pk)),
                                request=request).encode()

    html, version = cached(f"school-{school_pk}", pk, build)
    return _respond(request, html, version, f"{pk}-{school_pk}")


ALL = "all"


@login_not_required
@require_GET
def download(request, pk: int, dataset: str, fmt: str):
    """A dataset of the municipality page (``all``: every dataset, in XLSX and JSON) in CSV, XLSX or JSON."""
    if fmt not in exports.FORMATS or (dataset == ALL and fmt == "csv"):
        raise Http404("Такого формата нет.")

    def build():
        page = selectors.municipality_page(selectors.access_municipality(pk))
        if dataset == ALL:
            chosen = list(page.datasets.values())
        elif dataset in page.datasets:
            chosen = [page.datasets[dataset]]
        else:
            raise Http404("Таких данных нет.")
        title = f"Открытые данные: {page.municipality}"
        if fmt == "csv":
            return exports.to_csv(chosen[0])
        if fmt == "xlsx":
            return exports.to_xlsx(chosen, title=title)
        return exports.to_json(chosen, title=title, meta={
            "municipality": page.municipality.name, "region": page.municipality.region,
            "generated_at": timezone.now().isoformat(timespec="seconds")})

    body, version = cached(f"data-{dataset}-{fmt}", pk, build)
    return _respond(request, body, version, f"{pk}-{dataset}-{fmt}", exports.FORMATS[fmt],
                    filename=f"public-{pk}-{dataset}.{fmt}")
