"""The audit: logins and failed logins (django-axes), and the page «Журнал действий» over uploads, indices,
methodologies and roadmaps, each change made through the portal's own views."""

import io

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from indicators.models import IndexValue, Methodology, ResultUpload
from portal.choices import Role
from roadmap import services as roadmap_services
from tests.factories import make_user
from tests.indicators.helpers import ege_row, filled_template

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"
HX = {"HTTP_HX_REQUEST": "true"}


def named(role, last_name, **kwargs):
    user = make_user(role, **kwargs)
    user.last_name, user.first_name = last_name, "Ирина"
    user.save(update_fields=["last_name", "first_name"])
    return user


@pytest.fixture
def auditor():
    """A second staff member who reads the audit; the actions are made by others."""
    client = Client()
    client.force_login(named(Role.STAFF, "Проверяющая", username="auditor"),
                       backend="portal.auth.PortalModelBackend")
    return client


def audit_page(client, **params) -> str:
    response = client.get(reverse("audit"), params)
    assert response.status_code == 200
    return response.content.decode()


def audit_table(client, **params) -> str:
    """The table of events only (the filter lists every user's name)."""
    html = audit_page(client, **params)
    return html[html.index('data-testid="audit-log"'):html.index("</table>")]


def test_login_and_logout_through_the_login_view_are_logged_with_the_address(client, auditor, school):
    named(Role.PRINCIPAL, "Директорова", school=school, username="dir", password="pass-12345-x")
    response = client.post(reverse("login"), {"username": "dir", "password": "pass-12345-x"}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302
    entry = AccessLog.objects.get(username="dir")
    assert entry.ip_address == ADDRESS and entry.attempt_time and entry.logout_time is None
    client.post(reverse("logout"), REMOTE_ADDR=ADDRESS)
    entry.refresh_from_db()
    assert entry.logout_time is not None

    html = audit_table(auditor, kind="login", user="dir")
    assert html.count("Директорова Ирина") == 2 and "<td>вход</td>" in html and "<td>выход</td>" in html
    assert html.count(ADDRESS) == 2


def test_failed_login_is_logged(client, auditor):
    named(Role.STAFF, "Забывчивая", username="forgetful", password="pass-12345-x")
    response = client.post(reverse("login"), {"username": "forgetful", "password": "wrong"}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    failure = AccessFailureLog.objects.get(username="forgetful")
    assert failure.ip_address == ADDRESS and not failure.locked_out
    client.post(reverse("login"), {"username": "nobody-such", "password": "x"}, REMOTE_ADDR=ADDRESS)

    html = audit_table(auditor, kind="login_failed")
    assert "Забывчивая Ирина" in html and "неверный пароль или имя" in html and ADDRESS in html
    assert "nobody-such" in html  # an unknown name is shown as typed


def test_confirmed_upload_is_on_the_audit(client, auditor, school):
    principal = named(Role.PRINCIPAL, "Загрузкина", school=school)
    client.force_login(principal, backend="portal.auth.PortalModelBackend")
    data = filled_template("template_ege", [ege_row(school)])
    client.post(reverse("indicators:upload_create"), {"kind": "auto", "academic_year": "2023",
                                                      "file": SimpleUploadedFile("ЕГЭ школа.xlsx", data)})
    upload = ResultUpload.objects.get()
    assert client.post(reverse("indicators:upload_confirm", args=[upload.pk])).status_code == 302
    upload.refresh_from_db()
    assert upload.status == "imported"
    rejected = filled_template("template_ege", [[*ege_row(school)[:4], "много"]])
    client.post(reverse("indicators:upload_create"), {"kind": "auto", "academic_year": "2023",
                                                      "file": SimpleUploadedFile("плохой.xlsx", rejected)})

    html = audit_table(auditor, kind="upload")
    assert "Загрузкина Ирина" in html
    assert "результаты загружены" in html and "«ЕГЭ школа.xlsx»" in html and "строк: 1" in html
    assert "файл получен на проверку" in html
    assert "файл отклонён" in html and "«плохой.xlsx»" in html


def test_methodology_edit_is_on_the_audit_with_old_and_new_values(client, auditor):
    specialist = named(Role.STAFF, "Методистова")  # the default methodology: curators may not change it
    client.force_login(specialist, backend="portal.auth.PortalModelBackend")
    methodology = Methodology.objects.get(is_default=True)
    params = {f"param_{k}": (str(v) if not isinstance(v, str) else v) for k, v in methodology.params.items()}
    params["param_oip_threshold"] = "40"
    response = client.post(reverse("indicators:methodology_edit", args=[methodology.pk]),
                           {"name": methodology.name, "description": methodology.description, **params})
    assert response.status_code == 302

    html = audit_table(auditor, kind="methodology")
    assert "Методистова Ирина" in html and "изменено" in html and f"методика «{methodology.name}», версия 2" in html
    assert "oip_threshold: 36 → 40" in html


def _index_list(*schools) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Таблица 3. Результаты идентификации школ по ОИП и ИСБШ"])
    sheet.append([])
    sheet.append(["№", "Образовательная организация", "Общий интегральный\nпоказатель (ШНОР)",
                  "Индекс социального благополучия школы\n(ШНСУ)"])
    for number, (school, oip, isbs) in enumerate(schools, start=1):
        sheet.append([number, school.name, oip, isbs])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_index_import_and_an_index_edit_are_on_the_audit(client, auditor, school, other_school):
    staff = named(Role.STAFF, "Индексова")
    client.force_login(staff, backend="portal.auth.PortalModelBackend")
    data = _index_list((school, 30.5, 1.2), (other_school, 41.25, 1.5))
    response = client.post(reverse("indicators:index_import"), {
        "file": SimpleUploadedFile("Таблица 3.xlsx", data), "academic_year": "2023",
        "municipality": school.municipality_id})
    assert response.status_code == 200 and IndexValue.objects.count() == 4

    html = audit_table(auditor, kind="index")
    assert "Индексова Ирина" in html and "«Таблица 3.xlsx»" in html
    assert '<span class="badge text-bg-secondary">4</span>' in html  # the four values of one import: one line

    value = IndexValue.objects.get(school=school, kind="oip")
    value.value = 31
    value._history_user = staff  # as the admin does through the request
    value.save()
    html = audit_table(auditor, kind="index")
    assert "значение: 30,50 → 31,00" in html


def test_roadmap_activity_edit_is_on_the_audit_with_old_and_new_values(client, auditor, municipality, staff_user):
    roadmap = roadmap_services.roadmap_create(user=staff_user, data=roadmap_services.RoadmapHeaderData(
        title="Дорожная карта 2025", municipality=municipality, period_start=2025, period_end=2026))
    section = roadmap_services.section_create(roadmap=roadmap, user=staff_user, number="1", title="Раздел")
    activity = roadmap_services.activity_create(section=section, user=staff_user, fields={
        "number": "1.1", "title": "Совещание директоров", "deadline_text": "ежеквартально"})
    editor = named(Role.STAFF, "Картова")
    client.force_login(editor, backend="portal.auth.PortalModelBackend")
    response = client.post(reverse("roadmap:activity_edit", args=[activity.pk]), {
        "number": "1.1", "title": "Совещание директоров", "deadline_text": "ежемесячно",
        "version": activity.version}, **HX)
    assert response.status_code == 200
    client.post(reverse("roadmap:activity_edit", args=[activity.pk]), {
        "number": "1.1", "title": "Совещание директоров школ", "deadline_text": "ежемесячно",
        "version": activity.version + 1}, **HX)

    html = audit_table(auditor, kind="roadmap")
    assert "Картова Ирина" in html and "мероприятие 1.1 «Совещание директоров» — «Дорожная карта 2025»" in html
    assert "ежеквартально → ежемесячно" in html  # two edits in a row: two lines, each with its change
    assert "Совещание директоров → Совещание директоров школ" in html
    assert html.index("Картова Ирина") < html.index("создано")  # newest first


def test_filter_by_user_and_kind(auditor):
    one = named(Role.STAFF, "Первая", username="first", password="pass-12345-x")
    named(Role.STAFF, "Вторая", username="second", password="pass-12345-x")
    for username in ("first", "second"):
        Client().post(reverse("login"), {"username": username, "password": "pass-12345-x"})
    html = audit_table(auditor, user=one.username)
    assert "Первая Ирина" in html and "Вторая Ирина" not in html
    assert "Вторая Ирина" in audit_table(auditor, kind="login")
    assert "Первая Ирина" not in audit_table(auditor, kind="methodology")


def test_the_page_runs_a_fixed_number_of_queries(auditor, municipality, staff_user):
    from schools.models import AcademicYear
    from tests.factories import SchoolFactory

    roadmap = roadmap_services.roadmap_create(user=staff_user, data=roadmap_services.RoadmapHeaderData(
        title="Карта", municipality=municipality, period_start=2025, period_end=2026))
    year = AcademicYear.objects.create(start_year=2023)
    methodology = Methodology.objects.get(is_default=True)

    def add_events(count):
        for number in range(count):
            section = roadmap_services.section_create(roadmap=roadmap, user=staff_user, number=str(number),
                                                      title=f"Раздел {number}")
            roadmap_services.section_update(section=section, user=staff_user, version=section.version,
                                            number=str(number), title=f"Раздел {number} (исправлено)")
            value = IndexValue.objects.create(school=SchoolFactory(municipality=municipality), academic_year=year,
                                              kind="oip", source="imported", value=30, source_note=f"правка {number}")
            value.value = 31
            value.save()
            methodology.description = f"редакция {number}"
            methodology.save()
            Client().post(reverse("login"), {"username": staff_user.username, "password": "wrong"})

    def queries():
        with CaptureQueriesContext(connection) as context:
            audit_page(auditor)
        return len(context)

    add_events(2)
    few = queries()
    add_events(20)
    assert queries() == few


def test_pages_are_paginated(auditor, staff_user):
    for _ in range(60):
        Client().post(reverse("login"), {"username": staff_user.username, "password": "wrong"})
    first, second = audit_page(auditor), audit_page(auditor, page=2)
    assert "страница 1 из 2" in first and "страница 2 из 2" in second


def test_navbar_links_the_audit_for_staff_only(client, auditor, principal_user):
    assert reverse("audit") in auditor.get(reverse("staff_home")).content.decode()
    client.force_login(principal_user, backend="portal.auth.PortalModelBackend")
    assert reverse("audit") not in client.get(reverse("principal_home")).content.decode()
