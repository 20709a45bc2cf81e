"""The demo municipality: real schools and figures from the source programmes, loaded idempotently."""

import csv
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import override_settings

from indicators.models import IndexValue
from portal.demo import DEMO_PASSWORD
from portal.models import User
from schools.models import Municipality, School, SchoolYearProfile
from tests.conftest import SHARED_DIR

pytestmark = pytest.mark.django_db
TUTAEV = "Тутаевский муниципальный район"


@pytest.fixture
def demo(capsys):
    call_command("load_demo")
    return capsys.readouterr().out


def test_demo_loads_the_five_programmes(demo):
    assert Municipality.objects.count() == 5
    assert School.objects.filter(municipality__name=TUTAEV).count() == 18
    for name in ("Чойский", "Туапсинский", "Хасанский"):
        assert School.objects.filter(municipality__name__contains=name).exists()
    assert School.objects.filter(short_name="МБОУ Кумарейская СОШ").exists()
    assert "staff" in demo and DEMO_PASSWORD in demo


def test_second_run_changes_nothing(demo):
    from roadmap.models import Activity, ActivityReport

    counts = (School.objects.count(), IndexValue.objects.count(), SchoolYearProfile.objects.count(),
              User.objects.count(), Activity.objects.count(), ActivityReport.objects.count())
    call_command("load_demo")
    assert counts == (School.objects.count(), IndexValue.objects.count(), SchoolYearProfile.objects.count(),
                      User.objects.count(), Activity.objects.count(), ActivityReport.objects.count())


def test_demo_roadmaps_with_progress(demo):
    from roadmap import selectors
    from roadmap.models import ActivityReport, Roadmap

    sizes = {r.municipality.name: (r.sections.count(), r.activities.count()) for r in Roadmap.objects.all()}
    assert sizes["муниципальное образование Туапсинский район"] == (6, 67)
    assert sizes["муниципальное образование «Чойский район»"] == (4, 35)
    assert sizes[TUTAEV] == (4, 29)
    assert "дорожная карта «" in demo
    tuapse = Roadmap.objects.get(municipality__name__contains="Туапсинский")
    assert tuapse.order_label == "приказ от 27.01.2021 № 54"
    assert not tuapse.activities.filter(schedule_parsed=False).exists()
    assert ActivityReport.objects.filter(activity__roadmap=tuapse, school__isnull=True).count() > 50
    # the demo principal (a Тутаев ШНОР) has municipal activities to report on
    principal = User.objects.get(username="principal")
    items = selectors.activities_for_school(principal.school)
    assert sum(len(group["rows"]) for group in items) >= 10


def _table(name):
    path = SHARED_DIR / "domain" / name
    if not path.exists():
        pytest.skip(f"нет {path}")
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    number = next(iter(rows[0]))  # «№» or «№ (as printed)»
    return [r for r in rows if r[number].strip().isdigit()]


def _school(name):
    return next(s for s in School.objects.filter(municipality__name=TUTAEV)
                if name in (s.name, s.short_name, *s.aliases))


def test_tutaev_oip_matches_table_1(demo):
    rows = _table("tutaev_oip_table1.csv")
    assert len(rows) == 18
    for row in rows:
        value = IndexValue.objects.get(school=_school(row["school"]), kind="oip", academic_year__start_year=2019)
        assert value.value == Decimal(row["ОИП"]), row["school"]
        assert value.source == "imported"
        if row["ЕГЭ"]:
            assert value.components["ЕГЭ"] == int(row["ЕГЭ"])
        else:
            assert "ЕГЭ" not in value.components  # basic schools have no ЕГЭ


def test_tutaev_isbs_matches_table_3(demo):
    for row in _table("tutaev_oip_isbsh_table3.csv"):
        isbs = row[[k for k in row if k.startswith("ИСБШ")][0]]
        value = IndexValue.objects.get(school=_school(row[[k for k in row if k.startswith("school")][0]]),
                                       kind="isbs")
        assert value.value == Decimal(isbs)


def test_tutaev_typology_flags_match_table_2(demo):
    for row in _table("tutaev_isbsh_table2.csv"):
        profile = SchoolYearProfile.objects.get(school=_school(row["school (full official name)"]))
        assert len(profile.typology_flags) == int(row["flags_count"])


def test_demo_users_cover_every_role_and_scope(demo):
    principal = User.objects.get(username="principal")
    assert principal.school.short_name == "МОУ Столбищенская основная школа"
    curator = User.objects.get(username="curator")
    below = IndexValue.objects.filter(kind="oip", value__lt=36, school__municipality__name=TUTAEV)
    assert set(curator.curated_schools.all()) == {v.school for v in below}
    assert below.count() == 7


def test_demo_users_cannot_log_in_outside_demo_mode(demo, client):
    with override_settings(DEMO_MODE=False):
        response = client.post("/login/", {"username": "staff", "password": DEMO_PASSWORD})
        assert response.status_code == 200 and "_auth_user_id" not in client.session
    response = client.post("/login/", {"username": "staff", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and client.session["_auth_user_id"]


def test_refuses_to_run_outside_demo_mode():
    from django.core.management.base import CommandError

    with override_settings(DEMO_MODE=False, DEBUG=False), pytest.raises(CommandError):
        call_command("load_demo")
    assert not School.objects.exists()
