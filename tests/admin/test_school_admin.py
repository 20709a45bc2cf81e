"""The school admin for curators: inlines (risk profile, visits), read-only fields, the two actions."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from indicators.choices import RunStatus, RunTrigger
from indicators.models import ClassificationRun, SchoolResult
from monitoring.models import QuarterlyReport
from monitoring.selectors import current_academic_year
from portal.choices import Role
from roadmap.schedule import quarter_of
from schools.admin import RiskProfileInline
from schools.models import RiskFactor, School, SchoolRiskProfile, VisitNote
from tests.factories import make_user

from .helpers import changeform_data


def _change_url(school) -> str:
    return reverse("admin:schools_school_change", args=[school.pk])


def test_risk_profile_inline_prefills_the_factors_not_yet_assessed(client, client_as, world):
    year = current_academic_year()
    SchoolRiskProfile.objects.create(school=world.school_a, academic_year=year, factor=RiskFactor.objects.get(code=2),
                                     level="low")
    client_as(world.curator_a)
    response = client.get(_change_url(world.school_a))
    formset = next(f.formset for f in response.context["inline_admin_formsets"] if f.formset.model is SchoolRiskProfile)
    assert {form.initial["academic_year"] for form in formset.extra_forms} == {year.pk}
    assert {form.initial["factor"] for form in formset.extra_forms} == set(
        RiskFactor.objects.exclude(code=2).values_list("pk", flat=True))
    assert RiskProfileInline(School, admin.site).prefill(None) == []


def test_inlines_save_from_the_school_form(client, client_as, world):
    client_as(world.curator_a)
    data = changeform_data(client.get(_change_url(world.school_a)))
    first_extra = int(data["risk_profiles-INITIAL_FORMS"])
    data[f"risk_profiles-{first_extra}-level"] = "medium"
    data["risk_profiles-0-level"] = "low"
    data.update({"visit_notes-TOTAL_FORMS": "2", "visit_notes-1-date": "2025-04-10", "visit_notes-1-format": "remote",
                 "visit_notes-1-topics": "Разбор итогов пробного ОГЭ", "visit_notes-1-follow_up": "План помощи",
                 "visit_notes-1-follow_up_due": "2025-05-01"})
    response = client.post(_change_url(world.school_a), data)
    assert response.status_code == 302
    levels = sorted(world.school_a.risk_profiles.values_list("academic_year", "level"))
    assert levels == sorted([(world.year.pk, "low"), (current_academic_year().pk, "medium")])
    note = world.school_a.visit_notes.get(topics="Разбор итогов пробного ОГЭ")
    assert note.author == world.curator_a and note.format == "remote"
    assert note.history.first().history_user == world.curator_a


def test_curator_cannot_change_curators_municipality_or_activity(client, client_as, world):
    client_as(world.curator_a)
    response = client.get(_change_url(world.school_a))
    form = response.context["adminform"].form
    assert not {"curators", "municipality", "is_active"} & set(form.fields)
    data = changeform_data(response)
    data.update({"short_name": "Школа Альфа (новое)", "municipality": world.muni_b.pk,
                 "curators": [world.curator_b.pk]})
    data.pop("is_active", None)
    assert client.post(_change_url(world.school_a), data).status_code == 302
    school = School.objects.get(pk=world.school_a.pk)
    assert school.short_name == "Школа Альфа (новое)"
    assert school.municipality == world.muni_a and school.is_active
    assert list(school.curators.all()) == [world.curator_a]


def test_staff_can_change_curators_and_municipality(client, client_as, world):
    client_as(world.staff)
    data = changeform_data(client.get(_change_url(world.school_a)))
    data.update({"municipality": world.muni_b.pk, "curators": [world.curator_b.pk]})
    data.pop("is_active")
    assert client.post(_change_url(world.school_a), data).status_code == 302
    school = School.objects.get(pk=world.school_a.pk)
    assert school.municipality == world.muni_b and not school.is_active
    assert list(school.curators.all()) == [world.curator_b]


def test_curator_cannot_post_to_another_school(client, client_as, world):
    client_as(world.staff)
    data = changeform_data(client.get(_change_url(world.school_b)))
    client_as(world.curator_a)
    response = client.post(_change_url(world.school_b), {**data, "short_name": "Захвачено"})
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    assert School.objects.get(pk=world.school_b.pk).short_name == "Школа Бета"


def test_visit_note_admin_sets_author_and_refuses_foreign_schools(client, client_as, world):
    client_as(world.curator_a)
    data = {"date": "2025-02-03", "format": "seminar", "topics": "Семинар по объективности оценивания",
            "recommendations": "", "follow_up": "", "follow_up_due": ""}
    response = client.post(reverse("admin:schools_visitnote_add"), {**data, "school": world.school_b.pk})
    assert response.status_code == 200 and "school" in response.context["adminform"].form.errors
    assert not VisitNote.objects.filter(topics=data["topics"]).exists()
    response = client.post(reverse("admin:schools_visitnote_add"), {**data, "school": world.school_a.pk})
    assert response.status_code == 302
    note = VisitNote.objects.get(topics=data["topics"])
    assert note.author == world.curator_a and note.school == world.school_a
    # an edit by someone else keeps the author
    client_as(world.staff)
    edit = changeform_data(client.get(reverse("admin:schools_visitnote_change", args=[note.pk])))
    client.post(reverse("admin:schools_visitnote_change", args=[note.pk]), {**edit, "follow_up_done": ""})
    note.refresh_from_db()
    assert note.author == world.curator_a


def test_visit_note_due_date_needs_a_follow_up(client, client_as, world):
    client_as(world.curator_a)
    response = client.post(reverse("admin:schools_visitnote_add"), {
        "school": world.school_a.pk, "date": "2025-02-03", "format": "on_site", "topics": "Визит",
        "follow_up": "", "follow_up_due": "2025-03-01"})
    assert "Укажите, что нужно сделать" in response.content.decode()


def _run_action(client, action: str, schools) -> str:
    response = client.post(reverse("admin:schools_school_changelist"), {
        "action": action, "_selected_action": [s.pk for s in schools]}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_classification_action_queues_runs_for_own_municipalities_only(client, client_as, world):
    client_as(world.curator_a)
    html = _run_action(client, "classification_request", [world.school_a, world.school_b])
    runs = list(ClassificationRun.objects.filter(started_by=world.curator_a))
    assert [(r.municipality, r.academic_year, r.trigger, r.status) for r in runs] == [
        (world.muni_a, world.year, RunTrigger.MANUAL, RunStatus.PENDING)]
    assert "Поставлено в очередь расчётов классификации: 1" in html


def test_classification_action_skips_municipalities_without_data(client, client_as, world):
    world.school_a.indices.all().delete()
    world.school_c.indices.all().delete()
    SchoolResult.objects.filter(school__municipality=world.muni_a).delete()
    client_as(world.curator_a)
    html = _run_action(client, "classification_request", [world.school_a])
    assert not ClassificationRun.objects.filter(started_by=world.curator_a).exists()
    assert "расчёт не запущен: Район Альфа" in html


def test_report_action_requests_last_quarter_for_own_municipalities_only(client, client_as, world):
    year, quarter = quarter_of(timezone.localdate())
    expected = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    client_as(world.curator_a)
    html = _run_action(client, "report_request", [world.school_a, world.school_b])
    reports = list(QuarterlyReport.objects.filter(requested_by=world.curator_a))
    assert [(r.municipality, r.year, r.quarter) for r in reports] == [(world.muni_a, *expected)]
    assert "Поставлено в очередь квартальных отчётов" in html and 'href="/reports/"' in html


def _action_names(client) -> set[str]:
    action_form = client.get(reverse("admin:schools_school_changelist")).context["action_form"]
    return {name for name, _ in action_form.fields["action"].choices} if action_form else set()


@pytest.mark.parametrize("who", ["curator_a", "staff", "superuser"])
def test_curators_and_staff_get_both_actions(client, client_as, world, who):
    client_as(getattr(world, who))
    assert {"classification_request", "report_request"} <= _action_names(client)


def test_curator_without_the_permissions_does_not_get_the_actions(client, client_as, world):
    curator = make_user(Role.CURATOR, curated=[world.school_a], username="curator_limited")
    curator.groups.clear()
    curator.user_permissions.set(Permission.objects.filter(content_type__app_label="schools",
                                                           codename__in=["view_school", "change_school"]))
    client_as(curator)
    assert not {"classification_request", "report_request"} & _action_names(client)
    _run_action(client, "classification_request", [world.school_a])
    _run_action(client, "report_request", [world.school_a])
    assert not ClassificationRun.objects.filter(started_by=curator).exists()
    assert not QuarterlyReport.objects.filter(requested_by=curator).exists()
