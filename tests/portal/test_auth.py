import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from portal.choices import Role
from portal.roles import GROUP_NAMES
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_login_page_is_russian(client):
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="ru">' in html
    assert "Вход в портал" in html and "Имя пользователя" in html and "Пароль" in html


def test_login_then_logout(client, school):
    make_user(Role.PRINCIPAL, school=school, username="dir", password="pass-12345-x")
    response = client.post(reverse("login"), {"username": "dir", "password": "pass-12345-x"})
    assert response.status_code == 302
    assert client.get(response["Location"]).url == reverse("principal_home")
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("principal_home")).status_code == 302


def test_repeated_failures_lock_the_login(client, settings):
    make_user(Role.STAFF, username="victim", password="pass-12345-x")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "victim", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "victim", "password": "pass-12345-x"})
    assert response.status_code == 429
    assert "Вход временно заблокирован" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_role_groups_exist_with_permissions():
    staff = Group.objects.get(name=GROUP_NAMES[Role.STAFF])
    principals = Group.objects.get(name=GROUP_NAMES[Role.PRINCIPAL])
    assert staff.permissions.filter(codename="add_school").exists()
    assert not principals.permissions.filter(codename="add_school").exists()
    assert principals.permissions.filter(codename="view_school").exists()


def test_principal_must_have_a_school():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        make_user(Role.PRINCIPAL, school=None)


def test_user_without_role_sees_explanation(client, client_as):
    from portal.models import User

    user = User.objects.create_user("nobody", password="pass-12345-x")
    client_as(user)
    response = client.get(reverse("home"))
    assert response.status_code == 403 and "Роль не назначена" in response.content.decode()


def test_curator_admin_sees_only_assigned_schools(client, client_as, curator_user, school, other_school):
    client_as(curator_user)
    html = client.get("/admin/schools/school/").content.decode()
    assert school.short_name in html and other_school.short_name not in html
    assert client.get(f"/admin/schools/school/{other_school.pk}/change/").status_code == 302
