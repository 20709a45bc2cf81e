import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schools.models import School
from tests.factories import MunicipalityFactory, SchoolFactory, SchoolYearProfileFactory

pytestmark = pytest.mark.django_db


def test_list_filters(client, client_as, staff_user, municipality):
    other = MunicipalityFactory(name="Чойский район")
    SchoolFactory(municipality=municipality, short_name="Городская СОШ", locality="urban", kind="sosh")
    SchoolFactory(municipality=municipality, short_name="Сельская ООШ", locality="rural", kind="oosh")
    SchoolFactory(municipality=other, short_name="Чойская СОШ", locality="rural", kind="sosh")
    SchoolFactory(municipality=other, short_name="Закрытая школа", is_active=False)
    client_as(staff_user)

    def names(**params):
        response = client.get(reverse("schools:school_list"), {"status": "active", **params})
        return {s.short_name for s in response.context["schools"]}

    assert names() == {"Городская СОШ", "Сельская ООШ", "Чойская СОШ"}
    assert names(municipality=other.pk) == {"Чойская СОШ"}
    assert names(locality="rural") == {"Сельская ООШ", "Чойская СОШ"}
    assert names(kind="oosh") == {"Сельская ООШ"}
    assert names(status="inactive") == {"Закрытая школа"}
    assert names(q="чойская") == {"Чойская СОШ"}


def test_htmx_request_gets_only_the_table(client, client_as, staff_user, school):
    client_as(staff_user)
    response = client.get(reverse("schools:school_list"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and school.short_name in html


def test_list_query_count_does_not_grow_with_rows(client, client_as, staff_user, municipality):
    client_as(staff_user)
    SchoolFactory.create_batch(3, municipality=municipality)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("schools:school_list"))
    SchoolFactory.create_batch(30, municipality=MunicipalityFactory())
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("schools:school_list"))
    assert len(response.context["schools"]) == 33
    assert len(many) == len(few)


def test_detail_query_count_does_not_grow_with_profiles(client, client_as, staff_user, school):
    client_as(staff_user)
    SchoolYearProfileFactory(school=school, academic_year__start_year=2020)
    with CaptureQueriesContext(connection) as one:
        client.get(school.get_absolute_url())
    for year in (2021, 2022, 2023):
        SchoolYearProfileFactory(school=school, academic_year__start_year=year)
    with CaptureQueriesContext(connection) as four:
        response = client.get(school.get_absolute_url())
    assert response.content.decode().count("учебный год</h3>") == 4
    assert len(four) == len(one)


def test_principal_list_shows_only_own_school(client, client_as, principal_user, school, other_school):
    client_as(principal_user)
    response = client.get(reverse("schools:school_list"))
    assert [s.pk for s in response.context["schools"]] == [school.pk]


def test_detail_shows_social_passport_with_denominators(client, client_as, principal_user, school):
    SchoolYearProfileFactory(school=school, academic_year__start_year=2024, students=120, single_parent_families=30,
                             flag_small_rural=True)
    client_as(principal_user)
    html = client.get(school.get_absolute_url()).content.decode()
    assert "2024/2025 учебный год" in html
    assert "25,0" in html  # 30 of 120
    assert "Сельская малокомплектная школа" in html


def test_staff_creates_and_edits_a_school(client, client_as, staff_user, municipality):
    client_as(staff_user)
    data = {"municipality": municipality.pk, "name": "Муниципальное общеобразовательное учреждение Новая школа",
            "short_name": "МОУ Новая школа", "fis_oko_login": "edu761999", "kind": "oosh", "locality": "rural",
            "is_small": "on", "is_active": "on"}
    response = client.post(reverse("schools:school_create"), data)
    school = School.objects.get(fis_oko_login="edu761999")
    assert response.status_code == 302 and response["Location"] == school.get_absolute_url()
    assert school.history.first().history_user == staff_user

    response = client.post(reverse("schools:school_edit", args=[school.pk]), {**data, "short_name": "МОУ Новая ОШ"})
    assert response.status_code == 302
    school.refresh_from_db()
    assert school.short_name == "МОУ Новая ОШ"


def test_invalid_school_form_shows_russian_errors(client, client_as, staff_user, municipality, school):
    client_as(staff_user)
    data = {"municipality": municipality.pk, "name": school.name, "short_name": "Дубль",
            "fis_oko_login": "EDU1", "kind": "nosh", "locality": "", "has_senior_grades": "on"}
    response = client.post(reverse("schools:school_create"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Логин ФИС ОКО имеет вид eduNNNNNN" in html
    assert "Обязательное поле" in html
    assert School.objects.count() == 1


def test_primary_school_cannot_have_senior_grades(client, client_as, staff_user, municipality):
    client_as(staff_user)
    data = {"municipality": municipality.pk, "name": "Начальная школа", "short_name": "НШ", "kind": "nosh",
            "locality": "rural", "has_senior_grades": "on", "is_active": "on"}
    response = client.post(reverse("schools:school_create"), data)
    assert "У начальной школы не может быть 10–11 классов" in response.content.decode()
    assert not School.objects.exists()
