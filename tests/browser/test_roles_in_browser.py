"""Each role logs in through the real login form in chromium, sees its home page, is refused another's."""

import pytest

from portal.choices import Role
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "browser-pass-2026"
HOME_TITLES = {
    Role.STAFF: "Рабочий стол специалиста управления образования",
    Role.PRINCIPAL: "Рабочий стол директора",
    Role.CURATOR: "Рабочий стол куратора",
}
FOREIGN_PAGE = {Role.STAFF: "/principal/", Role.PRINCIPAL: "/staff/", Role.CURATOR: "/staff/"}


def login(page, base_url, username):
    page.goto(f"{base_url}/login/")
    assert page.locator("h1").inner_text() == "Вход в портал"
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()


@pytest.mark.parametrize("role", [Role.STAFF, Role.PRINCIPAL, Role.CURATOR])
def test_role_logs_in_and_is_kept_to_its_pages(live_server, page, school, other_school, role):
    user = make_user(role, school=school if role == Role.PRINCIPAL else None,
                     curated=[school] if role == Role.CURATOR else (), username=f"b_{role}", password=PASSWORD)
    login(page, live_server.url, user.username)
    page.wait_for_selector("[data-testid=role-home]")
    assert page.locator("[data-testid=role-home]").inner_text() == HOME_TITLES[role]
    assert user.last_name in page.locator("[data-testid=current-user]").inner_text()

    response = page.goto(f"{live_server.url}{FOREIGN_PAGE[role]}")
    assert response.status == 403
    assert page.locator("[data-testid=forbidden]").inner_text() == "Доступ запрещён"

    response = page.goto(f"{live_server.url}/schools/{other_school.pk}/")
    assert response.status == (200 if role == Role.STAFF else 404)


def test_wrong_password_shows_russian_message(live_server, page, school):
    make_user(Role.STAFF, username="b_wrong", password=PASSWORD)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Имя пользователя").fill("b_wrong")
    page.get_by_label("Пароль").fill("не тот пароль")
    page.get_by_role("button", name="Войти").click()
    assert "Неверное имя пользователя или пароль" in page.locator(".alert-danger").inner_text()


def test_public_page_needs_no_login(live_server, page, school):
    response = page.goto(f"{live_server.url}/public/")
    assert response.status == 200
    assert page.locator("h1").count() == 1
    assert "открытые показатели" in page.locator("h1").inner_text()
    assert school.municipality.name in page.content()
