"""Actor × URL matrix: every named URL of the portal must have an entry here for all seven actors, or a test fails.

Schools A and B are in the same municipality; the objects a scope builds belong to school A (or to A's municipality)
unless the scope says ``foreign_`` (another municipality). Each entry is one test: the objects are built once and
the URL is requested by all seven actors in turn.
"""

import io
from dataclasses import dataclass

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portal.choices import Role
from tests.factories import MunicipalityFactory, SchoolFactory, make_user

ANON, PRINCIPAL_A, PRINCIPAL_B, CURATOR_A, CURATOR_B, STAFF, SUPERUSER = (
    "anon", "principal_a", "principal_b", "curator_a", "curator_b", "staff", "superuser")
ACTORS = (ANON, PRINCIPAL_A, PRINCIPAL_B, CURATOR_A, CURATOR_B, STAFF, SUPERUSER)


def row(anon, principal_a, principal_b, curator_a, curator_b, staff, superuser):
    return dict(zip(ACTORS, (anon, principal_a, principal_b, curator_a, curator_b, staff, superuser), strict=True))


#                                                   anon  prA  prB  cuA  cuB  staff su
MATRIX = {
    ("home", None): row(302, 302, 302, 302, 302, 302, 302),
    ("staff_home", None): row(302, 403, 403, 403, 403, 200, 200),
    ("principal_home", None): row(302, 200, 200, 403, 403, 403, 404),
    ("curator_home", None): row(302, 403, 403, 200, 200, 403, 200),
    ("login", None): row(200, 302, 302, 302, 302, 302, 302),
    ("logout", None): row(302, 405, 405, 405, 405, 405, 405),
    ("audit", None): row(302, 403, 403, 403, 403, 200, 200),
    ("health", None): row(200, 200, 200, 200, 200, 200, 200),
    ("public:index", None): row(200, 200, 200, 200, 200, 200, 200),
    ("public:municipality", "public_municipality"): row(200, 200, 200, 200, 200, 200, 200),
    ("public:school", "public_school"): row(200, 200, 200, 200, 200, 200, 200),
    ("public:school", "unpublished_school"): row(404, 404, 404, 404, 404, 404, 404),
    ("public:download", "public_download"): row(200, 200, 200, 200, 200, 200, 200),
    # schools
    ("schools:school_list", None): row(302, 200, 200, 200, 200, 200, 200),
    ("schools:school_create", None): row(302, 403, 403, 403, 403, 200, 200),
    ("schools:school_detail", "school_a"): row(302, 200, 404, 200, 404, 200, 200),
    ("schools:school_detail", "missing_school"): row(302, 404, 404, 404, 404, 404, 404),
    ("schools:school_edit", "school_a"): row(302, 403, 403, 403, 403, 200, 200),
    ("schools:register_import", None): row(302, 403, 403, 403, 403, 200, 200),
    ("schools:register_template", None): row(302, 403, 403, 403, 403, 200, 200),
    # results
    ("indicators:upload_list", None): row(302, 200, 200, 200, 200, 200, 200),
    ("indicators:upload_create", None): row(302, 200, 200, 403, 403, 200, 200),
    ("indicators:upload_detail", "upload_a"): row(302, 200, 404, 200, 404, 200, 200),
    ("indicators:upload_detail", "regional_upload"): row(302, 404, 404, 404, 404, 200, 200),
    ("indicators:upload_confirm", "upload_a"): row(302, 405, 405, 405, 405, 405, 405),
    ("indicators:upload_file", "upload_a"): row(302, 200, 404, 200, 404, 200, 200),
    ("indicators:upload_file", "regional_upload"): row(302, 404, 404, 404, 404, 200, 200),
    ("indicators:template_download", "template"): row(302, 200, 200, 403, 403, 200, 200),
    ("indicators:school_results", "school_a"): row(302, 200, 404, 200, 404, 200, 200),
    ("indicators:index_import", None): row(302, 403, 403, 403, 403, 200, 200),
    # classification
    ("indicators:classification", None): row(302, 403, 403, 200, 200, 200, 200),
    ("indicators:run_create", None): row(302, 405, 405, 405, 405, 405, 405),
    ("indicators:run_detail", "run"): row(302, 403, 403, 200, 200, 200, 200),
    ("indicators:run_detail", "foreign_run"): row(302, 403, 403, 404, 404, 200, 200),
    ("indicators:run_diff", "run"): row(302, 403, 403, 200, 200, 200, 200),
    ("indicators:run_diff", "foreign_run"): row(302, 403, 403, 404, 404, 200, 200),
    ("indicators:school_statuses", "school_a"): row(302, 200, 404, 200, 404, 200, 200),
    ("indicators:methodology_list", None): row(302, 403, 403, 200, 200, 200, 200),
    ("indicators:methodology_edit", "methodology"): row(302, 403, 403, 403, 403, 200, 200),
    ("indicators:methodology_edit", "own_methodology"): row(302, 403, 403, 200, 200, 200, 200),
    ("indicators:methodology_edit", "foreign_methodology"): row(302, 403, 403, 403, 403, 200, 200),
    # roadmaps: the municipal roadmap is visible in its whole municipality, a school roadmap to its school only
    ("roadmap:roadmap_list", None): row(302, 200, 200, 200, 200, 200, 200),
    ("roadmap:roadmap_create", None): row(302, 403, 403, 403, 403, 200, 200),
    ("roadmap:roadmap_import", None): row(302, 403, 403, 403, 403, 200, 200),
    ("roadmap:schedule_preview", None): row(302, 200, 200, 200, 200, 200, 200),
    ("roadmap:roadmap_detail", "roadmap"): row(302, 200, 200, 200, 200, 200, 200),
    ("roadmap:roadmap_detail", "foreign_roadmap"): row(302, 404, 404, 404, 404, 200, 200),
    ("roadmap:roadmap_detail", "school_roadmap"): row(302, 200, 404, 200, 404, 200, 200),
    ("roadmap:roadmap_edit", "roadmap"): row(302, 403, 403, 403, 403, 200, 200),
    ("roadmap:roadmap_edit", "school_roadmap"): row(302, 403, 404, 403, 404, 200, 200),
    ("roadmap:roadmap_print", "roadmap"): row(302, 200, 200, 200, 200, 200, 200),
    ("roadmap:roadmap_print", "school_roadmap"): row(302, 200, 404, 200, 404, 200, 200),
    ("roadmap:roadmap_export", "export"): row(302, 200, 200, 200, 200, 200, 200),
    ("roadmap:roadmap_export", "foreign_export"): row(302, 404, 404, 404, 404, 200, 200),
    ("roadmap:roadmap_export", "school_export"): row(302, 200, 404, 200, 404, 200, 200),
    ("roadmap:roadmap_progress", "roadmap"): row(302, 403, 403, 200, 200, 200, 200),
    ("roadmap:roadmap_progress", "school_roadmap"): row(302, 403, 404, 200, 404, 200, 200),
    ("roadmap:roadmap_history", "roadmap"): row(302, 200, 200, 200, 200, 200, 200),
    ("roadmap:roadmap_history", "school_roadmap"): row(302, 200, 404, 200, 404, 200, 200),
    ("roadmap:section_create", "roadmap"): row(302, 405, 405, 405, 405, 405, 405),
    ("roadmap:section_edit", "section"): row(302, 403, 403, 403, 403, 200, 200),
    ("roadmap:section_edit", "school_section"): row(302, 200, 404, 403, 404, 200, 200),
    ("roadmap:section_delete", "section"): row(302, 405, 405, 405, 405, 405, 405),
    ("roadmap:section_move", "section"): row(302, 405, 405, 405, 405, 405, 405),
    ("roadmap:section_renumber", "section"): row(302, 405, 405, 405, 405, 405, 405),
    ("roadmap:activity_create", "section"): row(302, 403, 403, 403, 403, 200, 200),
    ("roadmap:activity_create", "school_section"): row(302, 200, 404, 403, 404, 200, 200),
    ("roadmap:activity_detail", "activity"): row(302, 200, 200, 200, 200, 200, 200),
    ("roadmap:activity_detail", "foreign_activity"): row(302, 404, 404, 404, 404, 200, 200),
    ("roadmap:activity_detail", "school_activity"): row(302, 200, 404, 200, 404, 200, 200),
    ("roadmap:activity_row", "activity"): row(302, 200, 200, 200, 200, 200, 200),
    ("roadmap:activity_row", "school_activity"): row(302, 200, 404, 200, 404, 200, 200),
    ("roadmap:activity_edit", "activity"): row(302, 403, 403, 403, 403, 200, 200),
    ("roadmap:activity_edit", "school_activity"): row(302, 200, 404, 403, 404, 200, 200),
    ("roadmap:activity_delete", "activity"): row(302, 405, 405, 405, 405, 405, 405),
    ("roadmap:activity_move", "activity"): row(302, 405, 405, 405, 405, 405, 405),
    ("roadmap:report_edit", "activity_a"): row(302, 200, 403, 403, 403, 200, 200),
    ("roadmap:report_edit", "activity"): row(302, 403, 403, 403, 403, 200, 200),
    ("roadmap:report_edit", "school_activity"): row(302, 200, 404, 403, 404, 200, 200),
    ("roadmap:evidence_download", "evidence"): row(302, 200, 404, 200, 404, 200, 200),
    ("roadmap:evidence_download", "foreign_evidence"): row(302, 404, 404, 404, 404, 200, 200),
    ("roadmap:evidence_delete", "evidence"): row(302, 405, 405, 405, 405, 405, 405),
    # target indicators and reports: visible in the municipalities of the user's schools
    ("monitoring:indicator_list", None): row(302, 200, 200, 200, 200, 200, 200),
    ("monitoring:indicator_list", "foreign_municipality_query"): row(302, 404, 404, 404, 404, 200, 200),
    ("monitoring:recompute", None): row(302, 405, 405, 405, 405, 405, 405),
    ("monitoring:indicator_detail", "indicator"): row(302, 200, 200, 200, 200, 200, 200),
    ("monitoring:indicator_detail", "foreign_indicator"): row(302, 404, 404, 404, 404, 200, 200),
    ("monitoring:value_entry", "indicator"): row(302, 403, 403, 403, 403, 200, 200),
    ("monitoring:value_entry", "foreign_indicator"): row(302, 403, 403, 403, 403, 200, 200),
    ("reports:report_list", None): row(302, 403, 403, 200, 200, 200, 200),
    ("reports:report_create", None): row(302, 405, 405, 405, 405, 405, 405),
    ("reports:report_download", "report"): row(302, 404, 404, 200, 200, 200, 200),
    ("reports:report_download", "foreign_report"): row(302, 404, 404, 404, 404, 200, 200),
    ("reports:school_card", "school_a"): row(302, 200, 404, 200, 404, 200, 200),
    ("reports:school_card_pdf", "school_a"): row(302, 200, 404, 200, 404, 200, 200),
}

# POST to the URLs that change data: an empty form, or for the scopes of POST_DATA_SCOPES a municipality and a year
# (a period left empty, so that no report is rendered). Denied actors are stopped before any write; the allowed ones
# get the answer to an empty or harmless form. The objects are built afresh for every actor.
#                                                        anon  prA  prB  cuA  cuB  staff su
POST_MATRIX = {
    ("logout", None): row(302, 302, 302, 302, 302, 302, 302),
    ("schools:school_edit", "school_a"): row(302, 403, 403, 403, 403, 200, 200),
    ("indicators:upload_create", None): row(302, 200, 200, 403, 403, 200, 200),
    ("indicators:upload_confirm", "upload_a"): row(302, 302, 404, 403, 403, 302, 302),
    ("indicators:upload_confirm", "regional_upload"): row(302, 404, 404, 403, 403, 302, 302),
    ("indicators:index_import", None): row(302, 403, 403, 403, 403, 200, 200),
    ("indicators:run_create", "municipality"): row(302, 403, 403, 302, 302, 302, 302),
    ("indicators:run_create", "foreign_municipality"): row(302, 403, 403, 404, 404, 302, 302),
    ("indicators:methodology_edit", "methodology"): row(302, 403, 403, 403, 403, 200, 200),
    ("indicators:methodology_edit", "own_methodology"): row(302, 403, 403, 200, 200, 200, 200),
    ("indicators:methodology_edit", "foreign_methodology"): row(302, 403, 403, 403, 403, 200, 200),
    ("roadmap:roadmap_edit", "school_roadmap"): row(302, 403, 404, 403, 404, 200, 200),
    ("roadmap:section_create", "roadmap"): row(302, 403, 403, 403, 403, 422, 422),
    ("roadmap:section_create", "school_roadmap"): row(302, 422, 404, 403, 404, 422, 422),
    ("roadmap:section_edit", "school_section"): row(302, 422, 404, 403, 404, 422, 422),
    ("roadmap:section_delete", "section"): row(302, 403, 403, 403, 403, 200, 200),
    ("roadmap:section_delete", "school_section"): row(302, 200, 404, 403, 404, 200, 200),
    ("roadmap:section_move", "section"): row(302, 403, 403, 403, 403, 200, 200),
    ("roadmap:section_renumber", "section"): row(302, 403, 403, 403, 403, 200, 200),
    ("roadmap:activity_create", "school_section"): row(302, 422, 404, 403, 404, 422, 422),
    ("roadmap:activity_edit", "activity"): row(302, 403, 403, 403, 403, 422, 422),
    ("roadmap:activity_edit", "school_activity"): row(302, 422, 404, 403, 404, 422, 422),
    ("roadmap:activity_delete", "activity"): row(302, 403, 403, 403, 403, 200, 200),
    ("roadmap:activity_delete", "school_activity"): row(302, 200, 404, 403, 404, 200, 200),
    ("roadmap:activity_move", "activity"): row(302, 403, 403, 403, 403, 200, 200),
    ("roadmap:report_edit", "activity_a"): row(302, 422, 403, 403, 403, 422, 422),
    ("roadmap:report_edit", "school_activity"): row(302, 422, 404, 403, 404, 422, 422),
    ("roadmap:evidence_delete", "evidence"): row(302, 302, 404, 403, 404, 302, 302),
    ("roadmap:evidence_delete", "foreign_evidence"): row(302, 404, 404, 404, 404, 302, 302),
    ("monitoring:value_entry", "indicator"): row(302, 403, 403, 403, 403, 200, 200),
    ("monitoring:recompute", "municipality"): row(302, 403, 403, 403, 403, 302, 302),
    ("reports:report_create", "municipality"): row(302, 403, 403, 302, 302, 302, 302),
    ("reports:report_create", "foreign_municipality"): row(302, 403, 403, 404, 404, 302, 302),
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


def test_matrix_has_no_stale_entries():
    names = set(_url_names())
    stale = sorted({name for name, _ in [*MATRIX, *POST_MATRIX]} - names)
    assert not stale, f"в матрице прав есть URL, которых больше нет: {stale}"


@pytest.mark.parametrize("matrix", [MATRIX, POST_MATRIX], ids=["get", "post"])
def test_every_entry_has_all_seven_actors(matrix):
    incomplete = {key: sorted(set(ACTORS) - set(statuses)) for key, statuses in matrix.items()
                  if set(statuses) != set(ACTORS)}
    assert not incomplete, f"в строках матрицы не хватает действующих лиц: {incomplete}"
    assert all(isinstance(code, int) for statuses in matrix.values() for code in statuses.values())


@dataclass
class World:
    """Municipality M with schools A and B; a principal and a curator for each school; staff; a superuser."""

    municipality: object
    school_a: object
    school_b: object
    users: dict

    @property
    def staff(self):
        return self.users[STAFF]


@pytest.fixture
def world(municipality, school, other_school):
    from portal.models import User

    users = {
        PRINCIPAL_A: make_user(Role.PRINCIPAL, school=school, username="principal_a"),
        PRINCIPAL_B: make_user(Role.PRINCIPAL, school=other_school, username="principal_b"),
        CURATOR_A: make_user(Role.CURATOR, curated=[school], username="curator_a"),
        CURATOR_B: make_user(Role.CURATOR, curated=[other_school], username="curator_b"),
        STAFF: make_user(Role.STAFF, username="staff_m"),
        SUPERUSER: User.objects.create_superuser("root", password="pass-12345-x", last_name="Корнев"),
    }
    return World(municipality=municipality, school_a=school, school_b=other_school, users=users)


def _client_for(world: World, actor: str) -> Client:
    client = Client()
    if actor != ANON:
        client.force_login(world.users[actor], backend="portal.auth.PortalModelBackend")
    return client


def _url(name: str, kwargs: dict) -> str:
    query = kwargs.pop("_query", "")
    return reverse(name, kwargs=kwargs) + (f"?{query}" if query else "")


def _mismatches(expected: dict, got: dict) -> str:
    return "; ".join(f"{actor}: ожидали {expected[actor]}, получили {got[actor]}" for actor in ACTORS
                     if expected[actor] != got[actor])


GET_CASES = list(MATRIX)


@pytest.mark.parametrize(("name", "scope"), GET_CASES, ids=[f"{n}[{s or '-'}]" for n, s in GET_CASES])
def test_actor_url_matrix(world, name, scope):
    url = _url(name, _kwargs(scope, world))
    got = {}
    for actor in ACTORS:
        response = _client_for(world, actor).get(url)
        got[actor] = response.status_code
        if actor == ANON and response.status_code == 302:
            assert response["Location"].startswith(reverse("login")), response["Location"]
    expected = MATRIX[(name, scope)]
    assert got == expected, f"{url}: {_mismatches(expected, got)}"


POST_CASES = list(POST_MATRIX)


@pytest.mark.parametrize(("name", "scope"), POST_CASES, ids=[f"{n}[{s or '-'}]" for n, s in POST_CASES])
def test_actor_post_matrix(world, name, scope):
    got, urls = {}, set()
    for actor in ACTORS:  # fresh objects for every actor: an allowed POST may delete or move them
        kwargs = _kwargs(scope, world) if scope not in POST_DATA_SCOPES else {}
        url = _url(name, kwargs)
        urls.add(url)
        response = _client_for(world, actor).post(url, _post_data(scope, world))
        got[actor] = response.status_code
        if actor == ANON:
            assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    expected = POST_MATRIX[(name, scope)]
    assert got == expected, f"{sorted(urls)}: {_mismatches(expected, got)}"


# --- scopes -------------------------------------------------------------------------------------------------------

POST_DATA_SCOPES = {"municipality", "foreign_municipality"}


def _methodology(scope, world: World):
    """The default methodology, one of the world's municipality alone, or one of another municipality."""
    from indicators.models import Methodology

    default = Methodology.objects.get(is_default=True)
    if scope == "methodology":
        return default
    methodology, created = Methodology.objects.get_or_create(  # once for all the actors of a test
        name=f"Методика {scope}", defaults={"preset": default.preset, "params": default.params})
    if created:
        municipality = world.municipality if scope == "own_methodology" else _foreign_municipality()
        methodology.municipalities.set([municipality])
    return methodology


def _foreign_municipality():
    return MunicipalityFactory(name="Чойский район")


def _post_data(scope, world: World) -> dict:
    if scope not in POST_DATA_SCOPES:
        return {}
    from schools.models import AcademicYear

    municipality = _foreign_municipality() if scope == "foreign_municipality" else world.municipality
    year, _ = AcademicYear.objects.get_or_create(start_year=2023)
    return {"municipality": municipality.pk, "year": year.pk, "period": ""}


def _kwargs(scope, world: World) -> dict:
    if scope is None:
        return {}
    if scope.startswith(("public_", "unpublished_")):
        return _public_kwargs(scope, world.school_a)
    if scope == "template":
        return {"key": "template_vpr"}
    if scope == "school_a":
        return {"pk": world.school_a.pk}
    if scope == "missing_school":
        return {"pk": world.school_b.pk + 1000}
    if scope == "foreign_municipality_query":
        return {"_query": f"municipality={_foreign_municipality().pk}"}
    if scope in ("methodology", "own_methodology", "foreign_methodology"):
        return {"pk": _methodology(scope, world).pk}
    if scope in ("run", "foreign_run"):
        return _run_kwargs(scope, world)
    if scope in ROADMAP_SCOPES:
        return _roadmap_kwargs(scope, world)
    if scope in ("report", "foreign_report"):
        return _report_kwargs(scope, world.school_a)
    if scope in MONITORING_SCOPES:
        return _monitoring_kwargs(scope, world.school_a)
    if scope in ("upload_a", "regional_upload"):
        return _upload_kwargs(scope, world)
    raise AssertionError(f"неизвестная область: {scope}")


def _run_kwargs(scope, world: World) -> dict:
    from indicators.runs import run_now
    from schools.models import AcademicYear

    municipality = world.municipality
    if scope == "foreign_run":
        municipality = _foreign_municipality()
        SchoolFactory(municipality=municipality)
    year, _ = AcademicYear.objects.get_or_create(start_year=2023)
    return {"pk": run_now(municipality=municipality, academic_year=year).pk}


def _upload_kwargs(scope, world: World) -> dict:
    from indicators.models import ResultUpload

    target = world.school_a if scope == "upload_a" else None
    upload = ResultUpload.objects.create(original_name="f.xlsx", checksum="0" * 64, size=1, kind="template_ege",
                                         school=target, uploaded_by=world.staff, file="uploads/test/f.xlsx")
    if not default_storage.exists(upload.file.name):
        default_storage.save(upload.file.name, io.BytesIO(b"PK"))
    return {"pk": upload.pk}


ROADMAP_SCOPES = {"roadmap", "foreign_roadmap", "school_roadmap", "export", "foreign_export", "school_export",
                  "section", "school_section", "activity", "foreign_activity", "school_activity", "activity_a",
                  "evidence", "foreign_evidence"}


def _roadmap_kwargs(scope, world: World) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from roadmap import services
    from roadmap.models import TargetScope

    staff = world.staff
    foreign = scope.startswith("foreign")
    own_school = scope.startswith("school_")
    municipality = _foreign_municipality() if foreign else world.municipality
    target = SchoolFactory(municipality=municipality) if foreign else world.school_a
    roadmap = services.roadmap_create(user=staff, data=services.RoadmapHeaderData(
        title="Дорожная карта", municipality=municipality, school=world.school_a if own_school else None,
        period_start=2025, period_end=2026))
    if scope.endswith("roadmap"):
        return {"pk": roadmap.pk}
    if scope.endswith("export"):
        return {"pk": roadmap.pk, "fmt": "xlsx"}
    section = services.section_create(roadmap=roadmap, user=staff, number="1", title="Раздел")
    if scope.endswith("section"):
        return {"pk": section.pk}
    targeted = scope in ("activity_a", "evidence", "foreign_evidence")
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

    municipality = _foreign_municipality() if scope == "foreign_report" else school.municipality
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

    municipality = _foreign_municipality() if scope.startswith("foreign") else school.municipality
    code = str(TargetIndicator.objects.filter(municipality=municipality).count() + 1)
    indicator = TargetIndicator.objects.create(municipality=municipality, code=code, name="Доля ШНОР", unit="percent")
    return {"pk": indicator.pk}


# --- what the lists show ------------------------------------------------------------------------------------------

LIST_SCOPES = {
    "schools:school_list": "school_a",
    "indicators:upload_list": "upload_a",
    "roadmap:roadmap_list": "school_roadmap",
}


@pytest.mark.parametrize("name", sorted(LIST_SCOPES))
def test_lists_show_school_b_actors_nothing_of_school_a(world, name):
    world.school_a.short_name = "МОУ ШКОЛА-А-МЕТКА"
    world.school_a.save()
    _kwargs(LIST_SCOPES[name], world)
    url = reverse(name)
    for actor, visible in ((PRINCIPAL_A, True), (CURATOR_A, True), (PRINCIPAL_B, False), (CURATOR_B, False),
                           (STAFF, True)):
        html = _client_for(world, actor).get(url).content.decode()
        assert ("ШКОЛА-А-МЕТКА" in html) is visible, (actor, url)


def test_classification_page_ignores_a_municipality_the_curator_does_not_see(world):
    from schools.models import AcademicYear

    foreign = _foreign_municipality()
    SchoolFactory(municipality=foreign, short_name="МОУ ЧУЖАЯ-МЕТКА")
    _run_kwargs("foreign_run", world)
    year = AcademicYear.objects.get(start_year=2023)
    url = f"{reverse('indicators:classification')}?municipality={foreign.pk}&year={year.pk}"
    assert "ЧУЖАЯ-МЕТКА" in _client_for(world, STAFF).get(url).content.decode()
    assert "ЧУЖАЯ-МЕТКА" not in _client_for(world, CURATOR_A).get(url).content.decode()


def test_run_diff_compares_only_with_runs_of_the_same_municipality(world):
    earlier = _run_kwargs("run", world)["pk"]
    own = _run_kwargs("run", world)["pk"]
    foreign = _run_kwargs("foreign_run", world)["pk"]
    client = _client_for(world, CURATOR_A)
    url = reverse("indicators:run_diff", args=[own])
    assert f"против № {earlier}" in client.get(f"{url}?against={earlier}").content.decode()
    assert f"против № {foreign}" not in client.get(f"{url}?against={foreign}").content.decode()


def test_bad_keys_in_classification_forms_are_404_not_500(world):
    own = _run_kwargs("run", world)["pk"]
    client = _client_for(world, CURATOR_A)
    assert client.get(f"{reverse('indicators:run_diff', args=[own])}?against=abc").status_code == 200
    for data in ({"municipality": "abc", "year": "1"}, {"municipality": world.municipality.pk, "year": ""}):
        assert client.post(reverse("indicators:run_create"), data).status_code == 404


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
