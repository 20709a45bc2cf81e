"""Roadmap editing in chromium: add, edit the deadline, reorder, reload, history; a principal reports progress."""

import re

import pytest
from playwright.sync_api import expect

from portal.choices import Role
from roadmap import services
from roadmap.models import ActivityReport, TargetScope
from tests.factories import make_user

from .test_roles_in_browser import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def municipal_roadmap(school):
    staff = make_user(Role.STAFF, username="rm_staff", password=PASSWORD)
    roadmap = services.roadmap_create(user=staff, data=services.RoadmapHeaderData(
        title="Дорожная карта по повышению качества образования", municipality=school.municipality,
        period_start=2025, period_end=2027, status="approved"))
    section = services.section_create(roadmap=roadmap, user=staff, number="1", title="Общесистемные мероприятия")
    services.activity_create(section=section, user=staff, fields={
        "number": "1.1", "title": "Создание рабочей группы по вопросам повышения качества образования.",
        "deadline_text": "Январь 2025 года", "responsible_text": "Управление образования"})
    services.activity_create(section=section, user=staff, fields={
        "number": "1.2", "title": "Методические рейды в ШНОР.", "deadline_text": "ежемесячно",
        "responsible_text": "Управление образования МКУ КРО", "target_scope": TargetScope.LISTED},
        target_schools=[school])
    return roadmap


def _numbers(page) -> list[str]:
    return page.locator("[data-testid=activity-row]").evaluate_all("rows => rows.map(r => r.dataset.number)")


def test_staff_edit_roadmap_in_place(live_server, page, municipal_roadmap):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, live_server.url, "rm_staff")
    page.wait_for_selector("[data-testid=role-home]")
    page.goto(f"{live_server.url}/roadmaps/{municipal_roadmap.pk}/")
    assert _numbers(page) == ["1.1", "1.2"]

    # add an activity inline: no page load happens (a marker on window survives)
    page.evaluate("window.__noReload = true")
    page.get_by_role("button", name="+ мероприятие в раздел 1").click()
    form = page.locator("[data-testid=activity-form-row]")
    form.get_by_label("Мероприятие", exact=True).fill("Заседание Совета УО по вопросам качества образования.")
    form.get_by_label("Сроки исполнения", exact=True).fill("ежегодно (август)")
    expect(page.get_by_test_id("schedule-hint")).to_contain_text("август")
    form.get_by_label("Ответственные", exact=True).fill("Управление образования")
    form.get_by_role("button", name="Сохранить").click()
    page.wait_for_selector("[data-testid=activity-row][data-number='1.3']")
    assert page.evaluate("window.__noReload") is True
    assert _numbers(page) == ["1.1", "1.2", "1.3"]

    # edit its deadline from the keyboard: Enter on the edit button, change the text, save
    page.get_by_role("button", name="Изменить мероприятие 1.3").focus()
    page.keyboard.press("Enter")
    edit = page.locator("[data-testid=activity-form-row]")
    deadline = edit.get_by_label("Сроки исполнения", exact=True)
    deadline.fill("ежеквартально")
    edit.get_by_role("button", name="Сохранить").click()
    row = page.locator("[data-testid=activity-row][data-number='1.3']")
    row.locator("[data-testid=deadline]").filter(has_text="ежеквартально").wait_for()

    # reorder: 1.3 goes above 1.2
    page.get_by_role("button", name="Мероприятие 1.3 выше").click()
    rows = page.locator("[data-testid=activity-row]")  # the page's policy forbids eval: locator assertions poll
    expect(rows.nth(1)).to_have_attribute("data-number", "1.3")
    expect(rows.nth(2)).to_have_attribute("data-number", "1.2")
    expect(rows).to_have_count(3)
    assert page.evaluate("window.__noReload") is True

    # reload: the order and the deadline were saved
    page.reload()
    assert _numbers(page) == ["1.1", "1.3", "1.2"]
    assert "ежеквартально" in page.locator("[data-testid=activity-row][data-number='1.3'] [data-testid=deadline]") \
        .inner_text()

    # history: who changed the deadline, from what to what
    page.locator("[data-testid=activity-row][data-number='1.3'] a").first.click()
    history = page.locator("[data-testid=activity-history]")
    text = history.inner_text()
    assert "ежегодно (август)" in text and "ежеквартально" in text
    assert "Тестов" in text
    assert page.locator("[data-testid=schedule-describe]").inner_text() == "ежеквартально"
    assert errors == []


def test_principal_cannot_edit_but_reports_on_own_activity(live_server, page, municipal_roadmap, school, tmp_path):
    make_user(Role.PRINCIPAL, school=school, username="rm_principal", password=PASSWORD)
    login(page, live_server.url, "rm_principal")
    page.wait_for_selector("[data-testid=role-home]")
    page.goto(f"{live_server.url}/roadmaps/{municipal_roadmap.pk}/")
    assert _numbers(page) == ["1.1", "1.2"]
    assert page.get_by_role("button", name=re.compile("Изменить мероприятие")).count() == 0
    assert page.get_by_role("button", name=re.compile("\\+ мероприятие")).count() == 0
    activity = municipal_roadmap.activities.get(number="1.1")
    status = page.evaluate("""async (url) => {
        const headers = JSON.parse(document.body.getAttribute('hx-headers'));
        headers['HX-Request'] = 'true';
        const r = await fetch(url, {method: 'POST', headers: headers,
            body: new URLSearchParams({number: '1.1', title: 'взлом'})});
        return [r.status, await r.text()]; }""", f"/roadmaps/activities/{activity.pk}/edit/")
    assert status[0] == 403 and "data-testid=\"forbidden\"" in status[1]  # the role check, not a CSRF refusal

    page.goto(f"{live_server.url}/roadmaps/")
    mine = page.locator("[data-testid=my-activities]")
    assert "Методические рейды в ШНОР." in mine.inner_text()
    assert "Создание рабочей группы" not in mine.inner_text()
    mine.get_by_role("link", name="Отчитаться").click()
    page.get_by_label("Статус").select_option(label="выполнено")
    page.get_by_label("Что сделано").fill("Проведено три методических рейда.")
    evidence = tmp_path / "справка.pdf"
    evidence.write_bytes(b"%PDF-1.4 report")
    page.get_by_label("Подтверждающие документы").set_input_files(str(evidence))
    page.get_by_role("button", name="Сохранить отчёт").click()
    page.wait_for_selector("[data-testid=reports]")
    assert "выполнено" in page.locator("[data-testid=report-status]").first.inner_text()
    report = ActivityReport.objects.get()
    assert report.school == school and report.evidence.get().original_name == "справка.pdf"
