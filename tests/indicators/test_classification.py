"""Classification: the Tutaev 2019 lists of the source, table-driven rules, parameters as data."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from indicators.classification import SchoolFacts, classify, fmt
from indicators.runs import run_now
from schools.models import AcademicYear, Municipality

TUTAEV = "Тутаевский муниципальный район"
SHNOR = {"МОУ Першинская основная школа", "МОУ Чебаковская средняя школа",
         "МОУ средняя школа № 4 Центр образования", "МОУ Савинская основная школа",
         "МОУ Столбищенская основная школа", "МОУ Емишевская основная школа", "МОУ Ченцевская средняя школа"}
SHNSU = {"МОУ Столбищенская основная школа", "МОУ Першинская основная школа", "МОУ Никольская основная школа",
         "МОУ Савинская основная школа", "МОУ средняя школа № 4 Центр образования",
         "МОУ Павловская основная школа им.А.К.Васильева", "МОУ Чебаковская средняя школа",
         "МОУ Емишевская основная школа"}


def names(run, field):
    return {s.school.short_name for s in run._statuses if getattr(s, field)}


@pytest.fixture
def tutaev(db):
    call_command("load_demo", verbosity=0)
    return Municipality.objects.get(name=TUTAEV), AcademicYear.objects.get(start_year=2019)


def short_names_match(found, expected):
    """Demo short names follow the source tables; compare by the distinctive word."""
    key = lambda n: n.replace("МОУ ", "").split()[0]  # noqa: E731
    return {key(n) for n in found} == {key(n) for n in expected}


@pytest.mark.django_db
def test_tutaev_2019_matches_the_source(tutaev):
    municipality, year = tutaev
    run = run_now(municipality=municipality, academic_year=year)
    assert short_names_match(names(run, "is_shnor"), SHNOR) and len(names(run, "is_shnor")) == 7
    assert short_names_match(names(run, "is_shnsu"), SHNSU) and len(names(run, "is_shnsu")) == 8
    both = names(run, "is_shnor") & names(run, "is_shnsu")
    assert len(both) == 6 and not any("Ченцевская" in n for n in both)
    participants = names(run, "is_participant")
    assert short_names_match(participants, SHNSU) and len(participants) == 8
    assert [n for n in names(run, "is_resilient")] == ["МОУ Фоминская средняя школа"]
    assert run.context["oip_mean"] == "38.97" and run.context["isbs_mean"] == "50.23"
    stolb = next(s for s in run._statuses if "Столбищенская" in s.school.short_name)
    assert "ШНОР: ОИП 22,98 ниже порога 36" in stolb.reasons
    assert any(r.startswith("ШНСУ: ИСБШ 27,52 ниже среднего по району 50,23, признаков типологии 4") for r in
               stolb.reasons)
    fomin = next(s for s in run._statuses if "Фоминская" in s.school.short_name)
    assert any("признаки типологии неизвестны" in r for r in fomin.reasons), fomin.reasons


@pytest.mark.django_db
def test_a_parameter_changes_the_lists_without_code(tutaev):
    municipality, year = tutaev
    run = run_now(municipality=municipality, academic_year=year, overrides={"oip_threshold": 40}, persist=False)
    shnor = names(run, "is_shnor")
    assert len(shnor) == 10  # + Верещагинская 37,44, Павловская 36,71, Никольская 36,37
    assert {n for n in shnor if "Верещагинская" in n or "Павловская" in n or "Никольская" in n}
    regional = run_now(municipality=municipality, academic_year=year, persist=False,
                       overrides={"isbs_mean_scope": "region", "min_flags": 0})
    assert len(names(regional, "is_shnsu")) == 10  # ИСБШ < 51,21 adds Фоминская and Верещагинская


@pytest.mark.django_db
def test_command_prints_lists_and_json(tutaev, capsys):
    call_command("classify", "--municipality", TUTAEV, "--year", "2019/2020")
    out = capsys.readouterr().out
    assert "ШНОР: 7" in out and "ШНСУ: 8" in out and "Участники программы: 8" in out
    assert "ОИП 22,98 ниже порога 36" in out
    call_command("classify", "--municipality", "Тутаевский МР", "--year", "2019/2020", "--set", "oip_threshold=40",
                 "--json")
    data = json.loads(capsys.readouterr().out)
    assert len(data["lists"]["ШНОР"]) == 10 and data["methodology"]["params"]["oip_threshold"] == 40
    assert any(s["school"] == "МОУ Столбищенская основная школа" for s in data["schools"])


@pytest.mark.django_db
def test_command_errors(tutaev):
    from django.core.management import CommandError

    for args, message in ((["--municipality", "Нет такого", "--year", "2019/2020"], "не найден"),
                          (["--municipality", TUTAEV, "--year", "2019"], "ГГГГ/ГГГГ"),
                          (["--municipality", TUTAEV, "--year", "2019/2020", "--set", "oops"], "ключ=значение"),
                          (["--municipality", TUTAEV, "--year", "2019/2020", "--methodology", "X"], "не найдена")):
        with pytest.raises(CommandError, match=message):
            call_command("classify", *args)


def facts(*rows):
    return [SchoolFacts(school_id=i, name=f"Школа {i}", oip=None if o is None else Decimal(str(o)),
                        isbs=None if s is None else Decimal(str(s)), flags=f) for i, (o, s, f) in enumerate(rows)]


@pytest.mark.parametrize(("rows", "params", "expected"), [
    # (ОИП, ИСБШ, flags) per school → (shnor, shnsu, participant, resilient) per school
    ([(30, 40, 2), (50, 60, 0)], {}, [(True, True, True, False), (False, False, False, False)]),
    ([(35.99, 60, 0), (36, 40, 1)], {}, [(True, False, False, False), (False, False, False, True)]),
    ([(20, 40, 1), (60, 60, 0)], {"min_flags": 1}, [(True, True, True, False), (False, False, False, False)]),
    ([(60, 40, 3), (20, 60, 0)], {}, [(False, True, False, True), (True, False, False, False)]),
    ([(None, 40, 3), (50, 60, 0)], {}, [(False, True, False, False), (False, False, False, False)]),
    ([(30, 40, 2), (50, 60, 0)], {"oip_threshold": 25}, [(False, True, True, False),
                                                         (False, False, False, False)]),
])
def test_yaroslavl_rules(rows, params, expected):
    outcome = classify(facts(*rows), preset="yaroslavl", params=params, year=2019)
    got = [(s.shnor, s.shnsu, s.participant, s.resilient) for s in outcome.statuses]
    assert got == expected


def proc(year, subject, participants, twos, assessment="vpr", grade=5):
    return {(year, assessment, subject, grade): (participants, twos)}


@pytest.mark.parametrize(("procedures", "shnor"), [
    ({**proc(2024, "rus", 20, 6), **proc(2024, "math", 20, 6)}, True),          # two procedures ≥ 30 %
    ({**proc(2024, "rus", 20, 6), **proc(2024, "math", 20, 5)}, False),         # 25 % in the second
    ({**proc(2024, "rus", 20, 6), **proc(2023, "rus", 10, 3)}, True),           # same procedure two years
    ({**proc(2024, "rus", 20, 6), **proc(2022, "rus", 10, 3)}, False),          # not consecutive
    ({**proc(2024, "rus", 4, 4), **proc(2024, "math", 4, 4)}, False),           # too few participants
])
def test_rosobrnadzor_risk(procedures, shnor):
    school = SchoolFacts(school_id=1, name="Школа", procedures=procedures)
    outcome = classify([school], preset="rosobrnadzor_risk", params={"shnsu_by_isbs": False}, year=2024)
    assert outcome.statuses[0].shnor is shnor


def test_fioko_bottom_excludes_biased_schools():
    schools = [SchoolFacts(school_id=i, name=f"Ш{i}", procedures=proc(2024, "rus", 100, twos))
               for i, twos in enumerate([40, 30, 5, 4, 3, 2, 1, 1, 0, 0])]
    schools[0].biased, schools[0].objectivity = True, ["ВПР выше журнала у 40 %"]
    outcome = classify(schools, preset="fioko_bottom", params={"bottom_percent": 20, "shnsu_by_isbs": False},
                       year=2024)
    by_id = {s.school_id: s for s in outcome.statuses}
    assert not by_id[0].shnor and "необъективности" in by_id[0].reasons[0]
    assert by_id[1].shnor and not by_id[2].shnor
    assert outcome.context["cutoff"] == Decimal("30.0")


def test_number_format():
    assert fmt(Decimal("22.98")) == "22,98" and fmt(36, 0) == "36" and fmt(None) == "—"
