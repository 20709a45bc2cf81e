"""Every admin whose model leads to a school shows curator A only A's schools and what belongs to them.

The registry is walked, so an admin added later without ``VisibleSchoolsMixin`` fails here.
"""

import json

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.test import RequestFactory
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from roadmap.models import Activity
from tests.factories import MunicipalityFactory, SchoolFactory, VisitNoteFactory

from .helpers import changeform_data, leaked, paths_to_school

SCHOOL_ADMINS = [pytest.param(model, id=model._meta.label) for model in admin.site._registry
                 if paths_to_school(model)]


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _foreign(world, model, *, only_b: bool = False) -> Q:
    """Objects of ``model`` that belong to B's school or municipality (or to the unassigned school C)."""
    schools = [world.school_b] if only_b else [world.school_b, world.school_c]
    condition = Q(pk__in=[])
    for path, target in paths_to_school(model):
        foreign = schools if target.__name__ == "School" else [world.muni_b]
        condition |= Q(**{f"{path}__in": [obj.pk for obj in foreign]})
    return condition


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", SCHOOL_ADMINS)
def test_curator_queryset_holds_only_own_schools(world, model):
    """Also for admins closed to curators (users): should a role be given access later, the scope holds."""
    model_admin = admin.site.get_model_admin(model)
    own = model_admin.get_queryset(_request(world.curator_a))
    assert own.exists(), "куратор должен видеть свои объекты"
    assert not own.filter(_foreign(world, model)).exists()
    everything = model_admin.get_queryset(_request(world.staff))
    assert everything.filter(_foreign(world, model)).exists(), (
        f"в tests/admin/conftest.py нет объекта {model._meta.label} школы Б — добавьте его")
    assert everything.count() > own.count()


@pytest.mark.parametrize("model", SCHOOL_ADMINS)
def test_curator_pages_do_not_leak(client, client_as, world, model):
    model_admin = admin.site.get_model_admin(model)
    request = _request(world.curator_a)
    client_as(world.curator_a)
    if not model_admin.has_view_or_change_permission(request):
        assert client.get(_url(model, "changelist")).status_code == 403
        return
    html = client.get(_url(model, "changelist")).content.decode()
    assert "Альфа" in html and not leaked(html)
    own = model_admin.get_queryset(request).first()
    response = client.get(_url(model, "change", own.pk))
    assert response.status_code == 200 and not leaked(response.content.decode())
    if model_admin.has_add_permission(request):
        response = client.get(_url(model, "add"))
        assert response.status_code == 200 and not leaked(response.content.decode())


@pytest.mark.parametrize("model", SCHOOL_ADMINS)
def test_curator_cannot_open_objects_of_other_schools(client, client_as, world, model):
    model_admin = admin.site.get_model_admin(model)  # admins closed to curators answer 403 here
    foreign = model_admin.get_queryset(_request(world.staff)).filter(_foreign(world, model, only_b=True)).first()
    client_as(world.curator_a)
    urls = [_url(model, view, foreign.pk) for view in ("change", "history", "delete")]
    if isinstance(model_admin, SimpleHistoryAdmin):
        urls.append(_url(model, "simple_history", foreign.pk, foreign.history.first().history_id))
    for url in urls:
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        assert not leaked(response.content.decode()), url
        if response.status_code == 302:
            assert response["Location"] == reverse("admin:index"), url


@pytest.mark.parametrize("model", SCHOOL_ADMINS)
def test_models_with_history_show_it_in_the_admin(model):
    """«История» lists django-simple-history's records only through SimpleHistoryAdmin."""
    if hasattr(model._meta, "simple_history_manager_attribute"):
        assert isinstance(admin.site.get_model_admin(model), SimpleHistoryAdmin)


@pytest.mark.parametrize("model", SCHOOL_ADMINS)
def test_staff_and_superuser_see_both_curators_schools(world, model):
    model_admin = admin.site.get_model_admin(model)
    for user in (world.staff, world.superuser):
        assert model_admin.get_queryset(_request(user)).filter(_foreign(world, model, only_b=True)).exists()


def test_curator_cannot_reach_admins_without_permission(client, client_as, world):
    client_as(world.curator_a)
    assert client.get(reverse("admin:portal_user_changelist")).status_code == 403
    assert client.get(reverse("admin:portal_user_change", args=[world.curator_b.pk])).status_code == 403
    assert "Пользователи" not in client.get(reverse("admin:index")).content.decode()


def test_school_changelist_lists_own_schools_only(client, client_as, world):
    client_as(world.curator_a)
    html = client.get(reverse("admin:schools_school_changelist")).content.decode()
    assert "Школа Альфа" in html and "Школа Бета" not in html and "Школа Гамма" not in html
    client_as(world.staff)
    html = client.get(reverse("admin:schools_school_changelist")).content.decode()
    assert "Школа Альфа" in html and "Школа Бета" in html and "Школа Гамма" in html


@pytest.fixture
def second_school_a(world):
    """A second school of curator A, in a third municipality, so that A's filters have something to offer."""
    school = SchoolFactory(municipality=MunicipalityFactory(name="Район Альфа-2"), short_name="Школа Альфа-2")
    school.curators.add(world.curator_a)
    VisitNoteFactory(school=school, topics="Визит Альфа-2")
    return school


def _filter_choices(response) -> list[str]:
    changelist = response.context["cl"]
    return [str(choice["display"]) for spec in changelist.filter_specs for choice in spec.choices(changelist)]


def test_list_filters_offer_only_own_schools_and_municipalities(client, client_as, world, second_school_a):
    client_as(world.curator_a)
    choices = _filter_choices(client.get(reverse("admin:schools_visitnote_changelist")))
    assert {"Школа Альфа", "Школа Альфа-2", "Район Альфа", "Район Альфа-2"} <= set(choices)
    assert not leaked(" ".join(choices))
    client_as(world.staff)
    choices = _filter_choices(client.get(reverse("admin:schools_visitnote_changelist")))
    assert {"Школа Бета", "Школа Гамма", "Район Бета"} <= set(choices)


def test_filtering_by_a_foreign_school_shows_nothing(client, client_as, world, second_school_a):
    client_as(world.curator_a)
    url = reverse("admin:schools_visitnote_changelist")
    assert client.get(url, {"school__id__exact": world.school_a.pk}).context["cl"].result_count == 1
    response = client.get(url, {"school__id__exact": world.school_b.pk})
    assert response.context["cl"].result_count == 0 and not leaked(response.content.decode())


def _autocomplete(client, **params) -> list[str]:
    response = client.get(reverse("admin:autocomplete"), {"term": "", **params})
    assert response.status_code == 200
    return [item["text"] for item in json.loads(response.content)["results"]]


def test_autocomplete_offers_only_own_schools(client, client_as, world):
    client_as(world.curator_a)
    assert _autocomplete(client, app_label="schools", model_name="visitnote", field_name="school") == ["Школа Альфа"]
    assert _autocomplete(client, app_label="schools", model_name="visitnote", field_name="school",
                         term="Школа") == ["Школа Альфа"]
    assert _autocomplete(client, app_label="schools", model_name="school", field_name="municipality") == [
        "Район Альфа"]
    titles = _autocomplete(client, app_label="monitoring", model_name="targetindicator", field_name="activities")
    assert titles and not leaked(" ".join(titles))
    client_as(world.staff)
    assert set(_autocomplete(client, app_label="schools", model_name="visitnote", field_name="school")) == {
        "Школа Альфа", "Школа Бета", "Школа Гамма"}


def test_autocomplete_of_users_is_closed_to_curators(client, client_as, world):
    client_as(world.curator_a)
    response = client.get(reverse("admin:autocomplete"), {"app_label": "schools", "model_name": "visitnote",
                                                           "field_name": "author", "term": ""})
    assert response.status_code == 403


def test_curator_cannot_revert_a_version(client, client_as, world):
    note = world.school_a.visit_notes.get()
    client_as(world.curator_a)
    url = reverse("admin:schools_visitnote_simple_history", args=[note.pk, note.history.first().history_id])
    assert client.get(url).status_code == 200
    assert client.post(url, {"topics": "Подменённая тема"}).status_code == 403


def _municipal_activity(world):
    return Activity.objects.get(roadmap__municipality=world.muni_a, roadmap__school__isnull=True)


def test_read_only_relations_list_only_own_schools(client, client_as, world):
    activity = _municipal_activity(world)
    assert set(activity.target_schools.all()) == {world.school_a, world.school_c}
    client_as(world.curator_a)
    html = client.get(reverse("admin:roadmap_activity_change", args=[activity.pk])).content.decode()
    assert "Школа Альфа" in html and not leaked(html)


def test_editing_keeps_relations_the_curator_cannot_see(client, client_as, world):
    """A curator allowed to edit activities sees only own sections and schools and does not drop the others."""
    world.curator_a.user_permissions.add(Permission.objects.get(codename="change_activity"))
    activity = _municipal_activity(world)
    client_as(world.curator_a)
    response = client.get(reverse("admin:roadmap_activity_change", args=[activity.pk]))
    form = response.context["adminform"].form
    assert set(form.fields["target_schools"].queryset) == {world.school_a}
    assert set(form.fields["section"].queryset.values_list("roadmap__municipality", flat=True)) == {world.muni_a.pk}
    assert not leaked(response.content.decode())
    data = changeform_data(response)
    data["title"] = "Муниципальное мероприятие Альфа (уточнено)"
    assert client.post(reverse("admin:roadmap_activity_change", args=[activity.pk]), data).status_code == 302
    activity.refresh_from_db()
    assert activity.title.endswith("(уточнено)")
    assert set(activity.target_schools.all()) == {world.school_a, world.school_c}
