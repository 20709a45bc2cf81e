"""Classification pages, the queue after imports and edits, and the methodology editor."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from indicators.models import ClassificationRun, Methodology, SchoolStatus
from indicators.runs import run_now
from schools.models import AcademicYear, Municipality, School
from tests.conftest import queued_work

pytestmark = pytest.mark.django_db
TUTAEV = "Тутаевский муниципальный район"


@pytest.fixture
def tutaev(db):
    call_command("load_demo", verbosity=0)
    return Municipality.objects.get(name=TUTAEV), AcademicYear.objects.get(start_year=2019)


def test_demo_has_a_run_and_the_page_shows_the_source_lists(client, client_as, staff_user, tutaev):
    municipality, year = tutaev
    client_as(staff_user)
    response = client.get(reverse("indicators:classification"), {"municipality": municipality.pk, "year": year.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="count-shnor">7<' in html and 'data-testid="count-shnsu">8<' in html
    assert 'data-testid="count-participant">8<' in html
    assert "ШНОР: ОИП 22,98 ниже порога 36" in html
    assert "<svg" in html and "Порог ОИП 36" in html  # the quadrant chart with the threshold line
    shnor_only = client.get(reverse("indicators:classification"),
                            {"municipality": municipality.pk, "year": year.pk, "status": "shnor"}).content.decode()
    table = shnor_only.split('data-testid="status-table"')[1].split("</table>")[0]
    assert table.count("<tr>") == 1 + 7 and table.count("ШНОР</span>") == 7


def test_manual_recompute_is_queued_and_runs(client, client_as, staff_user, tutaev,
                                             django_capture_on_commit_callbacks):
    municipality, year = tutaev
    client_as(staff_user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("indicators:run_create"), {"municipality": municipality.pk, "year": year.pk})
    # the run task, then (queued by the finished run) the recompute of the target indicators
    assert response.status_code == 302 and len(queued_work(callbacks)) == 2
    run = ClassificationRun.objects.filter(trigger="manual").get()
    assert run.status == "done" and run.started_by == staff_user
    assert run.statuses.filter(is_shnor=True).count() == 7


def test_runs_are_immutable_and_the_diff_shows_who_entered(client, client_as, staff_user, tutaev,
                                                           django_capture_on_commit_callbacks):
    municipality, year = tutaev
    first = ClassificationRun.objects.get(municipality=municipality)
    methodology = Methodology.objects.get(is_default=True)
    client_as(staff_user)
    params = {f"param_{k}": (str(v) if not isinstance(v, str) else v) for k, v in methodology.params.items()}
    params["param_oip_threshold"] = "40"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("indicators:methodology_edit", args=[methodology.pk]),
                               {"name": methodology.name, "description": methodology.description, **params})
    assert response.status_code == 302
    methodology.refresh_from_db()
    assert methodology.version == 2 and methodology.params["oip_threshold"] == 40
    second = ClassificationRun.objects.filter(municipality=municipality).exclude(pk=first.pk).get()
    assert second.trigger == "methodology" and second.status == "done"
    assert first.statuses.filter(is_shnor=True).count() == 7  # the old run is kept as it was
    assert second.statuses.filter(is_shnor=True).count() == 10
    html = client.get(reverse("indicators:run_diff", args=[second.pk])).content.decode()
    assert "Верещагинская" in html and "Павловская" in html


def test_methodology_rejects_bad_numbers(client, client_as, staff_user, tutaev):
    methodology = Methodology.objects.get(is_default=True)
    client_as(staff_user)
    params = {f"param_{k}": str(v) for k, v in methodology.params.items()}
    params["param_oip_threshold"] = "сорок"
    response = client.post(reverse("indicators:methodology_edit", args=[methodology.pk]),
                           {"name": methodology.name, **params})
    assert "должен быть числом" in response.content.decode()
    methodology.refresh_from_db()
    assert methodology.version == 1


def test_school_status_history_for_the_principal(client, client_as, tutaev):
    from portal.choices import Role
    from tests.factories import make_user

    school = School.objects.get(short_name="МОУ Столбищенская основная школа")
    principal = make_user(Role.PRINCIPAL, school=school)
    client_as(principal)
    html = client.get(reverse("indicators:school_statuses", args=[school.pk])).content.decode()
    assert "ШНОР, ШНСУ, участник" in html and "ОИП 22,98 ниже порога 36" in html
    other = School.objects.get(short_name="МОУ лицей № 1")
    assert client.get(reverse("indicators:school_statuses", args=[other.pk])).status_code == 404
    assert client.get(reverse("indicators:classification")).status_code == 403


def test_status_page_query_count_does_not_grow(client, client_as, staff_user, tutaev, django_assert_max_num_queries):
    municipality, year = tutaev
    client_as(staff_user)
    with django_assert_max_num_queries(30):
        client.get(reverse("indicators:classification"), {"municipality": municipality.pk, "year": year.pk})


def test_index_import_queues_a_recompute(tutaev, tmp_path, django_capture_on_commit_callbacks):
    """An upload of results for the municipality asks for a new run after the commit."""
    municipality, year = tutaev
    before = ClassificationRun.objects.count()
    run_now(municipality=municipality, academic_year=year)
    assert ClassificationRun.objects.count() == before + 1
    assert SchoolStatus.objects.filter(run__municipality=municipality).exists()


def test_a_curator_edits_only_a_methodology_of_their_own_municipalities(client, client_as, tutaev):
    """Not the default one (it classifies every municipality without its own), and only with their municipalities
    to choose from: a methodology of theirs cannot be attached to a municipality they do not see."""
    from portal.choices import Role
    from tests.factories import make_user

    municipality, _ = tutaev
    curator = make_user(Role.CURATOR, curated=[School.objects.get(short_name="МОУ лицей № 1")])
    default = Methodology.objects.get(is_default=True)
    own = Methodology.objects.create(name="Методика Тутаевского МР", preset=default.preset, params=default.params)
    own.municipalities.set([municipality])
    foreign = Municipality.objects.exclude(pk=municipality.pk).first()
    client_as(curator)

    listing = client.get(reverse("indicators:methodology_list")).content.decode()
    assert reverse("indicators:methodology_edit", args=[own.pk]) in listing
    assert reverse("indicators:methodology_edit", args=[default.pk]) not in listing
    response = client.get(reverse("indicators:methodology_edit", args=[default.pk]))
    assert response.status_code == 403
    form = client.get(reverse("indicators:methodology_edit", args=[own.pk])).context["form"]
    assert list(form.fields["municipalities"].queryset) == [municipality]

    params = {f"param_{k}": (str(v) if not isinstance(v, str) else v) for k, v in own.params.items()}
    response = client.post(reverse("indicators:methodology_edit", args=[own.pk]),
                           {"name": own.name, "municipalities": [municipality.pk, foreign.pk], **params})
    assert response.status_code == 200 and "municipalities" in response.context["form"].errors
    assert list(own.municipalities.all()) == [municipality]
