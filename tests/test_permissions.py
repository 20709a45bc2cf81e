"""Role × URL matrix: every named URL of the portal must have an entry here, or this test fails."""

import io

import pytest
from django.core.files.storage import default_storage
from django.urls import URLPattern, URLResolver, get_resolver, reverse

ANON, STAFF, PRINCIPAL, CURATOR = "anon", "staff", "principal", "curator"


def row(anon, staff, principal, curator):
    return {ANON: anon, STAFF: staff, PRINCIPAL: principal, CURATOR: curator}


# (url name, which school the URL is about: None / "own" (the principal's and curator's school) / "other")
MATRIX = {
    ("home", None): row(302, 302, 302, 302),
    ("staff_home", None): row(302, 200, 403, 403),
    ("principal_home", None): row(302, 403, 200, 403),
    ("curator_home", None): row(302, 403, 403, 200),
    ("login", None): row(200, 302, 302, 302),
    ("logout", None): row(302, 405, 405, 405),
    ("public:index", None): row(200, 200, 200, 200),
    ("public:municipality", "public_municipality"): row(200, 200, 200, 200),
    ("public:school", "public_school"): row(200, 200, 200, 200),
    ("public:school", "unpublished_school"): row(404, 404, 404, 404),
    ("public:download", "public_download"): row(200, 200, 200, 200),
    ("health", None): row(200, 200, 200, 200),
    ("schools:school_list", None): row(302, 200, 200, 200),
    ("schools:school_create", None): row(302, 200, 403, 403),
    ("schools:school_detail", "own"): row(302, 200, 200, 200),
    ("schools:school_detail", "other"): row(302, 200, 404, 404),
    ("schools:school_edit", "own"): row(302, 200, 403, 403),
    ("schools:school_edit", "other"): row(302, 200, 403, 403),
    ("schools:register_import", None): row(302, 200, 403, 403),
    ("schools:register_template", None): row(302, 200, 403, 403),
    ("indicators:upload_list", None): row(302, 200, 200, 200),
    ("indicators:upload_create", None): row(302, 200, 200, 403),
    ("indicators:upload_detail", "own_upload"): row(302, 200, 200, 200),
    ("indicators:upload_detail", "other_upload"): row(302, 200, 404, 404),
    ("indicators:upload_confirm", "own_upload"): row(302, 405, 405, 405),
    ("indicators:upload_file", "own_upload"): row(302, 200, 200, 200),
    ("indicators:upload_file", "other_upload"): row(302, 200, 404, 404),
    ("indicators:template_download", "template"): row(302, 200, 200, 403),
    ("indicators:school_results", "own"): row(302, 200, 200, 200),
    ("indicators:school_results", "other"): row(302, 200, 404, 404),
    ("indicators:classification", None): row(302, 200, 403, 200),
    ("indicators:run_create", None): row(302, 405, 405, 405),
    ("indicators:run_detail", "run"): row(302, 200, 403, 200),
    ("indicators:run_diff", "run"): row(302, 200, 403, 200),
    ("indicators:school_statuses", "own"): row(302, 200, 200, 200),
    ("indicators:school_statuses", "other"): row(302, 200, 404, 404),
    ("indicators:methodology_list", None): row(302, 200, 403, 200),
    ("indicators:methodology_edit", "methodology"): row(302, 200, 403, 200),
    ("roadmap:roadmap_list", None): row(302, 200, 200, 200),
    ("roadmap:roadmap_create", None): row(302, 200, 403, 403),
    ("roadmap:roadmap_import", None): row(302, 200, 403, 403),
    ("roadmap:schedule_preview", None): row(302, 200, 200, 200),
    ("roadmap:roadmap_detail", "roadmap"): row(302, 200, 200, 200),
    ("roadmap:roadmap_detail", "foreign_roadmap"): row(302, 200, 404, 404),
    ("roadmap:roadmap_edit", "roadmap"): row(302, 200, 403, 403),
    ("roadmap:roadmap_print", "roadmap"): row(302, 200, 200, 200),
    ("roadmap:roadmap_export", "export"): row(302, 200, 200, 200),
    ("roadmap:roadmap_export", "foreign_export"): row(302, 200, 404, 404),
    ("roadmap:roadmap_progress", "roadmap"): row(302, 200, 403, 200),
    ("roadmap:roadmap_history", "roadmap"): row(302, 200, 200, 200),
    ("roadmap:section_create", "roadmap"): row(302, 405, 405, 405),
    ("roadmap:section_edit", "section"): row(302, 200, 403, 403),
    ("roadmap:section_delete", "section"): row(302, 405, 405, 405),
    ("roadmap:section_move", "section"): row(302, 405, 405, 405),
    ("roadmap:section_renumber", "section"): row(302, 405, 405, 405),
    ("roadmap:activity_create", "section"): row(302, 200, 403, 403),
    ("roadmap:activity_detail", "activity"): row(302, 200, 200, 200),
    ("roadmap:activity_detail", "foreign_activity"): row(302, 200, 404, 404),
    ("roadmap:activity_row", "activity"): row(302, 200, 200, 200),
    ("roadmap:activity_edit", "activity"): row(302, 200, 403, 403),
    ("roadmap:activity_delete", "activity"): row(302, 405, 405, 405),
    ("roadmap:activity_move", "activity"): row(302, 405, 405, 405),
    ("roadmap:report_edit", "activity_own"): row(302, 200, 200, 403),
    ("roadmap:report_edit", "activity"): row(302, 200, 403, 403),
    ("roadmap:evidence_download", "evidence"): row(302, 200, 200, 200),
    ("roadmap:evidence_download", "foreign_evidence"): row(302, 200, 404, 404),
    ("roadmap:evidence_delete", "evidence"): row(302, 405, 405, 405),
    ("monitoring:indicator_list", None): row(302, 200, 200, 200),
    ("monitoring:recompute", None): row(302, 405, 405, 405),
    ("monitoring:indicator_detail", "indicator"): row(302, 200, 200, 200),
    ("monitoring:indicator_detail", "foreign_indicator"): row(302, 200, 404, 404),
    ("monitoring:value_entry", "indicator"): row(302, 200, 403, 403),
    ("monitoring:value_entry", "foreign_indicator"): row(302, 200, 403, 403),
    ("reports:report_list", None): row(302, 200, 403, 200),
    ("reports:report_create", None): row(302, 405, 405, 405),
    ("reports:report_download", "report"): row(302, 200, 404, 200),
    ("reports:report_download", "foreign_report"): row(302, 200, 404, 404),
    ("reports:school_card", "own"): row(302, 200, 200, 200),
    ("reports:school_card", "other"): row(302, 200, 404, 404),
    ("reports:school_card_pdf", "own"): row(302, 200, 200, 200),
    ("reports:school_card_pdf", "other"): row(302, 200, 404, 404),
}

IGNORED_NAMESPACES = {"admin"}


def _url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            if ns in IGNORED_NAMESPACES:
                continue
            prefix = f"{namespace}{ns}:" if ns else namespace
            yield from _url_names(entry, prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def test_every_url_has_a_matrix_entry():
    covered = {name for name, _ in MATRIX}
    missing = sorted(set(_url_names()) - covered)
    assert not missing, f"нет строки в матрице прав для URL: {missing}"


CASES = [(name, scope, role, status) for (name, scope), statuses in MATRIX.items()
         for role, status in statuses.items()]


@pytest.mark.parametrize(("name", "scope", "role", "expected"), CASES,
                         ids=[f"{n}[{s or '-'}]-{r}" for n, s, r, _ in CASES])
def test_role_url_matrix(client, client_as, user_by_role, school, other_school, name, scope, role, expected):
    kwargs = _kwargs(scope, school, other_school, user_by_role[STAFF])
    if role != ANON:
        client_as(user_by_role[role])
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == expected, response.content[:300]


def _kwargs(scope, school, other_school, staff):
    if scope is None:
        return {}
    if scope.startswith(("public_", "unpublished_")):
        return _public_kwargs(scope, school)
    if scope == "template":
        return {"key": "template_vpr"}
    if scope == "methodology":
        from indicators.models import Methodology

        return {"pk": Methodology.objects.get(is_default=True).pk}
    if scope == "run":
        from indicators.runs import run_now
        from schools.models import AcademicYear

        year, _ = AcademicYear.objects.get_or_create(start_year=2023)
        return {"pk": run_now(municipality=school.municipality, academic_year=year).pk}
    if scope in ROADMAP_SCOPES:
        return _roadmap_kwargs(scope, school, other_school, staff)
    if scope in ("report", "foreign_report"):
        return _report_kwargs(scope, school)
    if scope in MONITORING_SCOPES:
        return _monitoring_kwargs(scope, school)
    if scope.endswith("_upload"):
        from indicators.models import ResultUpload

        target = school if scope == "own_upload" else other_school
        upload = ResultUpload.objects.create(original_name="f.xlsx", checksum="0" * 64, size=1, kind="template_ege",
                                             school=target, uploaded_by=staff, file="uploads/test/f.xlsx")
        if not default_storage.exists(upload.file.name):
            default_storage.save(upload.file.name, io.BytesIO(b"PK"))
        return {"pk": upload.pk}
    return {"pk": {"own": school, "other": other_school}[scope].pk}


ROADMAP_SCOPES = {"roadmap", "foreign_roadmap", "export", "foreign_export", "section", "activity", "foreign_activity",
                  "activity_own", "evidence", "foreign_evidence"}


def _roadmap_kwargs(scope, school, other_school, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from roadmap import services
    from roadmap.models import TargetScope
    from tests.factories import MunicipalityFactory, SchoolFactory

    foreign = scope.startswith("foreign")
    municipality = MunicipalityFactory(name="Чойский район") if foreign else school.municipality
    target = SchoolFactory(municipality=municipality) if foreign else school
    roadmap = services.roadmap_create(user=staff, data=services.RoadmapHeaderData(
        title="Дорожная карта", municipality=municipality, period_start=2025, period_end=2026))
    if scope in ("roadmap", "foreign_roadmap"):
        return {"pk": roadmap.pk}
    if scope.endswith("export"):
        return {"pk": roadmap.pk, "fmt": "xlsx"}
    section = services.section_create(roadmap=roadmap, user=staff, number="1", title="Раздел")
    if scope == "section":
        return {"pk": section.pk}
    targeted = scope in ("activity_own", "evidence", "foreign_evidence")
    activity = services.activity_create(section=section, user=staff, fields={
        "number": "1.1", "title": "Мероприятие", "deadline_text": "ежеквартально",
        "target_scope": TargetScope.LISTED if targeted else ""}, target_schools=[target] if targeted else None)
    if scope.endswith("evidence"):
        report = services.report_save(activity=activity, user=staff, year=2025, quarter=1, status="done",
                                      school=target, files=[SimpleUploadedFile("акт.pdf", b"%PDF-1.4 x")])
        return {"pk": report.evidence.get().pk}
    return {"pk": activity.pk}


def _report_kwargs(scope, school):
    from django.core.files.base import ContentFile

    from monitoring.report_models import QuarterlyReport
    from tests.factories import MunicipalityFactory

    municipality = MunicipalityFactory(name="Чойский район") if scope == "foreign_report" else school.municipality
    report = QuarterlyReport(municipality=municipality, year=2025, quarter=1, status="ready", size=8)
    report.file.save("report.pdf", ContentFile(b"%PDF-1.7"), save=False)
    report.save()
    return {"pk": report.pk}


def _public_kwargs(scope, school):
    municipality = school.municipality
    if scope == "public_municipality":
        return {"pk": municipality.pk}
    if scope == "public_download":
        return {"pk": municipality.pk, "dataset": "indicators", "fmt": "csv"}
    municipality.publish_school_cards = scope == "public_school"
    municipality.save()
    return {"pk": municipality.pk, "school_pk": school.pk}


MONITORING_SCOPES = {"indicator", "foreign_indicator"}


def _monitoring_kwargs(scope, school):
    from monitoring.models import TargetIndicator
    from tests.factories import MunicipalityFactory

    municipality = MunicipalityFactory(name="Хасанский муниципальный район") if scope.startswith("foreign") \
        else school.municipality
    indicator = TargetIndicator.objects.create(municipality=municipality, code="1", name="Доля ШНОР", unit="percent")
    return {"pk": indicator.pk}


def test_anonymous_is_sent_to_login(client, school):
    response = client.get(reverse("schools:school_detail", args=[school.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_principal_gets_404_for_missing_and_forbidden_alike(client, client_as, principal_user, other_school):
    client_as(principal_user)
    forbidden = client.get(reverse("schools:school_detail", args=[other_school.pk]))
    missing = client.get(reverse("schools:school_detail", args=[other_school.pk + 1000]))
    assert forbidden.status_code == missing.status_code == 404
    assert other_school.short_name.encode() not in forbidden.content
