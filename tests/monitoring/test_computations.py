"""Computed indicators on small hand-built data: exact numerators and denominators, and missing data → None."""

from datetime import date
from decimal import Decimal

import pytest

from indicators.choices import Assessment, IndexSource
from monitoring.computations import COMPUTATIONS, fraction_text
from roadmap import selectors as roadmap_selectors
from roadmap import services as roadmap_services

from .conftest import make_run, oip, result

OGE, EGE, VPR = Assessment.OGE, Assessment.EGE, Assessment.VPR
pytestmark = pytest.mark.django_db


def compute(key, municipality, year, **params):
    return COMPUTATIONS[key](municipality, year, params)


def test_the_registry_has_every_computation_with_russian_texts():
    expected = {"shnor_positive_dynamics", "oip_growth", "oip_regional_threshold", "oip_municipal_threshold",
                "ege_below_minimum_share", "oge_fail_share", "vpr_fail_share", "gia_fail_share", "shnor_left",
                "shnor_share", "roadmap_done_on_time", "roadmap_overdue"}
    assert expected <= set(COMPUTATIONS)
    for computation in COMPUTATIONS.values():
        assert computation.name and computation.numerator and computation.denominator
        assert any("а" <= ch <= "я" for ch in computation.name.lower())


def test_fraction_text_agrees_the_noun_with_the_denominator():
    assert fraction_text(Decimal(7), Decimal(20), ("школы", "школ")) == "7 из 20 школ"
    assert fraction_text(Decimal(1), Decimal(21), ("школы", "школ")) == "1 из 21 школы"
    assert fraction_text(Decimal(3), Decimal(11), ("школы", "школ")) == "3 из 11 школ"
    assert fraction_text(Decimal("2.5"), Decimal(4)) == "2,5 из 4"
    assert fraction_text(None, Decimal(4)) == ""


# --- 1. positive dynamics ---------------------------------------------------------------------------------------------

@pytest.fixture
def dynamics(municipality, years, schools):
    a, b, c, d, e = (schools[x] for x in "ABCDE")
    make_run(municipality, years[2023], {a: {"is_shnor": True}, b: {"is_shnor": True}, c: {"is_shnor": True},
                                         d: {"is_shnor": True}, e: {}})
    result(a, years[2022], OGE, "math", 20, mark2=4)   # 20 % → 10 %: positive
    result(a, years[2023], OGE, "math", 20, mark2=2)
    result(b, years[2022], OGE, "math", 10, mark2=1)   # 10 % → 20 %
    result(b, years[2023], OGE, "math", 10, mark2=2)
    result(c, years[2022], OGE, "math", 12, mark2=6)   # no result this year: not compared
    result(e, years[2022], OGE, "math", 10, mark2=5)   # positive, but not a ШНОР
    result(e, years[2023], OGE, "math", 10, mark2=0)
    result(b, years[2022], OGE, "rus", 10, mark2=5)    # another subject: positive for Russian only
    result(b, years[2023], OGE, "rus", 10, mark2=1)
    return schools


def test_shnor_positive_dynamics(municipality, years, dynamics):
    r = compute("shnor_positive_dynamics", municipality, years[2023], assessment="oge", subject="math")
    assert (r.value, r.numerator, r.denominator) == (Decimal("50.00"), 1, 2)
    lists = {item["label"]: item["items"] for item in r.details["lists"]}
    assert lists["доля «2» снизилась"] == ["Школа A: 20\u00a0% → 10\u00a0%"]
    assert lists["не учтены: нет результатов за оба года"] == ["Школа C", "Школа D"]
    russian = compute("shnor_positive_dynamics", municipality, years[2023], assessment="oge", subject="rus")
    assert (russian.value, russian.numerator, russian.denominator) == (100, 1, 1)


def test_shnor_positive_dynamics_ege_counts_below_minimum(municipality, years, schools):
    a = schools["A"]
    make_run(municipality, years[2023], {a: {"is_shnor": True}})
    result(a, years[2022], EGE, "math_prof", 10, below=3)
    result(a, years[2023], EGE, "math_prof", 10, below=1)
    r = compute("shnor_positive_dynamics", municipality, years[2023], assessment="ege", subject=["math_prof",
                                                                                                  "math_base"])
    assert (r.value, r.numerator, r.denominator) == (100, 1, 1)


def test_shnor_positive_dynamics_missing_data(municipality, years, schools):
    a = schools["A"]
    r = compute("shnor_positive_dynamics", municipality, years[2023], assessment="oge", subject="math")
    assert r.value is None and r.details["message"] == "нет завершённого расчёта классификации за 2023/2024"
    make_run(municipality, years[2023], {a: {"is_shnor": True}})
    r = compute("shnor_positive_dynamics", municipality, years[2023], assessment="oge", subject="math")
    assert r.value is None and r.details["message"] == "нет результатов ОГЭ по предмету «Математика» за 2023/2024"
    result(a, years[2023], OGE, "math", 10, mark2=1)
    r = compute("shnor_positive_dynamics", municipality, years[2023], assessment="oge", subject="math")
    assert r.value is None and r.details["message"] == "нет результатов ОГЭ по предмету «Математика» за 2022/2023"
    assert compute("shnor_positive_dynamics", municipality, years[2023], subject="xyz").details["message"] \
        == "неизвестный предмет: «xyz»"


# --- 2–4. ОИП -------------------------------------------------------------------------------------------------------

@pytest.fixture
def oip_data(municipality, years, schools):
    a, b, c, d, e = (schools[x] for x in "ABCDE")
    make_run(municipality, years[2023], {a: {"is_shnor": True}, b: {"is_participant": True},
                                         c: {"is_shnor": True, "is_participant": True}, d: {"is_shnor": True},
                                         e: {}})
    oip(a, years[2022], 30)
    oip(a, years[2023], 32)
    oip(a, years[2023], 10, source=IndexSource.COMPUTED)  # the published value wins
    oip(b, years[2022], 40)
    oip(b, years[2023], 39)
    oip(c, years[2023], 20)
    oip(e, years[2022], 20)
    oip(e, years[2023], 50)
    return schools


def test_oip_growth_of_programme_schools(municipality, years, oip_data):
    r = compute("oip_growth", municipality, years[2023])
    assert (r.value, r.numerator, r.denominator) == (Decimal("50.00"), 1, 2)  # A grew, B did not; C, D not compared
    lists = {item["label"]: item["items"] for item in r.details["lists"]}
    assert lists["ОИП вырос"] == ["Школа A: 30,00 → 32,00"]
    only_participants = compute("oip_growth", municipality, years[2023], group="participants")
    assert (only_participants.numerator, only_participants.denominator) == (0, 1)  # B only (C has no 2022/2023)


def test_oip_thresholds(municipality, years, oip_data):
    regional = compute("oip_regional_threshold", municipality, years[2023])
    assert (regional.value, regional.numerator, regional.denominator) == (Decimal("33.33"), 1, 3)  # B 39
    municipal = compute("oip_municipal_threshold", municipality, years[2023])
    assert (municipal.value, municipal.numerator, municipal.denominator) == (Decimal("66.67"), 2, 3)  # A 32, B 39
    lower = compute("oip_regional_threshold", municipality, years[2023], threshold=19)
    assert (lower.numerator, lower.denominator) == (3, 3)
    assert compute("oip_municipal_threshold", municipality, years[2023], threshold="abc").details["message"] \
        == "порог ОИП «abc» — не число"


def test_oip_missing_data(municipality, years, schools):
    make_run(municipality, years[2023], {schools["A"]: {"is_shnor": True}})
    missing = compute("oip_regional_threshold", municipality, years[2023])
    assert missing.value is None and missing.details["message"] == "нет ОИП школ за 2023/2024"
    oip(schools["A"], years[2023], 30)
    r = compute("oip_growth", municipality, years[2023])
    assert r.value is None and r.details["message"] == "нет ОИП школ за 2022/2023"
    empty = compute("oip_growth", municipality, years[2022])
    assert empty.value is None and empty.details["message"] == "нет завершённого расчёта классификации за 2022/2023"


# --- 5–7. shares of «2» -----------------------------------------------------------------------------------------------

@pytest.fixture
def fails(municipality, years, schools):
    a, b = schools["A"], schools["B"]
    result(a, years[2023], EGE, "rus", 20, below=1)
    result(a, years[2023], EGE, "math_prof", 10, below=3)
    result(b, years[2023], EGE, "math_base", 5, mark2=1)       # base maths: «2» is the failure
    result(a, years[2023], OGE, "math", 20, mark2=2)
    result(b, years[2023], OGE, "rus", 10, mark2=2)
    result(a, years[2023], VPR, "math", 25, grade=5, mark2=5)
    result(a, years[2023], VPR, "math", 20, grade=6, mark2=2)
    result(b, years[2023], VPR, "rus", 30, grade=5, mark2=3)
    result(b, years[2023], VPR, "hist", 15, grade=6, mark2=0)   # not a mandatory subject
    return schools


def test_ege_below_minimum(municipality, years, fails):
    r = compute("ege_below_minimum_share", municipality, years[2023])
    assert (r.value, r.numerator, r.denominator) == (Decimal("14.29"), 5, 35)
    russian = compute("ege_below_minimum_share", municipality, years[2023], subject="rus")
    assert (russian.value, russian.numerator, russian.denominator) == (Decimal("5.00"), 1, 20)


def test_oge_share_of_twos(municipality, years, fails):
    r = compute("oge_fail_share", municipality, years[2023])
    assert (r.value, r.numerator, r.denominator) == (Decimal("13.33"), 4, 30)


def test_vpr_share_of_twos_by_subject_and_grade(municipality, years, fails):
    grade5 = compute("vpr_fail_share", municipality, years[2023], subject="math", grade=5)
    assert (grade5.value, grade5.numerator, grade5.denominator) == (Decimal("20.00"), 5, 25)
    maths = compute("vpr_fail_share", municipality, years[2023], subject="math")
    assert (maths.value, maths.numerator, maths.denominator) == (Decimal("15.56"), 7, 45)


def test_gia_share_over_procedures_and_mandatory_subjects(municipality, years, fails):
    r = compute("gia_fail_share", municipality, years[2023])
    # ЕГЭ 5/35, ОГЭ 4/30, ВПР rus+math 10/75; history is left out
    assert (r.value, r.numerator, r.denominator) == (Decimal("13.57"), 19, 140)
    gia = compute("gia_fail_share", municipality, years[2023], assessments=["oge", "ege"])
    assert (gia.numerator, gia.denominator) == (9, 65)


def test_shares_of_twos_missing_data(municipality, years, schools):
    assert compute("oge_fail_share", municipality, years[2023]).details["message"] == "нет результатов ОГЭ за 2023/2024"
    r = compute("vpr_fail_share", municipality, years[2023], subject="math", grade=4)
    assert r.value is None and r.details["message"] == "нет результатов ВПР по предмету «Математика», 4 класс за " \
                                                       "2023/2024"


# --- 8. ШНОР list ------------------------------------------------------------------------------------------------

def test_schools_that_left_the_shnor_list(municipality, years, schools):
    a, b, c, d = (schools[x] for x in "ABCD")
    make_run(municipality, years[2022], {a: {"is_shnor": True}, b: {"is_shnor": True}, c: {"is_shnor": True},
                                         d: {}})
    make_run(municipality, years[2023], {a: {"is_shnor": True}, b: {}, d: {"is_shnor": True}})
    r = compute("shnor_left", municipality, years[2023])
    assert (r.value, r.numerator, r.denominator) == (1, 1, 3)
    lists = {item["label"]: item["items"] for item in r.details["lists"]}
    assert lists["вышли из списка ШНОР"] == ["Школа B"] and lists["нет в расчёте этого года (не действуют)"] == [
        "Школа C"]
    share = compute("shnor_share", municipality, years[2023])
    assert (share.value, share.numerator, share.denominator) == (Decimal("66.67"), 2, 3)


def test_shnor_list_missing_runs(municipality, years, schools):
    assert compute("shnor_left", municipality, years[2023]).details["message"] == \
        "нет завершённого расчёта классификации за 2023/2024"
    make_run(municipality, years[2023], {schools["A"]: {"is_shnor": True}})
    assert compute("shnor_left", municipality, years[2023]).details["message"] == \
        "нет завершённого расчёта классификации за 2022/2023"
    assert compute("shnor_share", municipality, years[2022]).value is None


# --- 9, 10. roadmap ------------------------------------------------------------------------------------------------

@pytest.fixture
def roadmap(municipality, staff_user):
    data = roadmap_services.RoadmapHeaderData(title="Дорожная карта", municipality=municipality, period_start=2025,
                                              period_end=2026, status="approved")
    roadmap = roadmap_services.roadmap_create(user=staff_user, data=data)
    section = roadmap_services.section_create(roadmap=roadmap, user=staff_user, number="1", title="Раздел")
    activities = {}
    for number, deadline in (("1.1", "ежеквартально"), ("1.2", "ежеквартально"), ("1.3", "Июль 2025 года"),
                             ("1.4", "постоянно"), ("1.5", "Март 2026 года")):
        activities[number] = roadmap_services.activity_create(section=section, user=staff_user, fields={
            "number": number, "title": f"Мероприятие {number}", "deadline_text": deadline})

    def report(number, quarter, status="done", year=2025):
        roadmap_services.report_save(activity=activities[number], user=staff_user, year=year, quarter=quarter,
                                     status=status)

    for quarter in (1, 2, 3, 4):
        report("1.1", quarter)
    report("1.2", 1)
    report("1.2", 2, status="in_progress")
    report("1.3", 3)
    draft = roadmap_services.roadmap_create(user=staff_user, data=roadmap_services.RoadmapHeaderData(
        title="Черновик", municipality=municipality, period_start=2025, period_end=2026))
    draft_section = roadmap_services.section_create(roadmap=draft, user=staff_user, number="1", title="Раздел")
    roadmap_services.activity_create(section=draft_section, user=staff_user, fields={
        "number": "9.9", "title": "Не в счёт", "deadline_text": "ежеквартально"})
    return roadmap


def _today(monkeypatch, day: date) -> None:
    monkeypatch.setattr(roadmap_selectors, "today", lambda: day)


def test_roadmap_done_on_time(municipality, years, roadmap, monkeypatch):
    _today(monkeypatch, date(2026, 3, 1))
    r = compute("roadmap_done_on_time", municipality, years[2024])  # 2024/2025 → calendar 2025
    assert (r.value, r.numerator, r.denominator) == (Decimal("66.67"), 2, 3)  # 1.1 and 1.3 of 1.1, 1.2, 1.3
    lists = {item["label"]: item["items"] for item in r.details["lists"]}
    assert lists["не выполнены к сроку"] == ["1.2 Мероприятие 1.2"]


def test_roadmap_done_on_time_in_the_current_year_counts_deadlines_so_far(municipality, years, roadmap, monkeypatch):
    _today(monkeypatch, date(2025, 5, 15))
    r = compute("roadmap_done_on_time", municipality, years[2024])
    assert (r.value, r.numerator, r.denominator) == (100, 2, 2)  # only the 31 March deadlines of 1.1 and 1.2


def test_roadmap_overdue(municipality, years, roadmap, monkeypatch):
    _today(monkeypatch, date(2026, 3, 1))
    r = compute("roadmap_overdue", municipality, years[2024])
    assert (r.value, r.numerator, r.denominator) == (1, 1, 5)  # 1.2: quarters 2–4 of 2025 not done
    assert fraction_text(r.numerator, r.denominator, COMPUTATIONS["roadmap_overdue"].noun) == "1 из 5 мероприятий"
    _today(monkeypatch, date(2025, 5, 15))
    now = compute("roadmap_overdue", municipality, years[2024])
    assert (now.value, now.details["on"]) == (0, "2025-05-15")


def test_roadmap_missing_data(municipality, years, monkeypatch):
    _today(monkeypatch, date(2026, 3, 1))
    r = compute("roadmap_overdue", municipality, years[2024])
    assert r.value is None and r.details["message"] == "нет утверждённых дорожных карт муниципалитета"
    future = compute("roadmap_done_on_time", municipality, years[2024].__class__.objects.create(start_year=2026))
    assert future.value is None and future.details["message"] == "2027 год ещё не начался"
