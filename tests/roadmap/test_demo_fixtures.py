"""Demo roadmap fixtures (fixtures/demo/roadmaps/*.json): structure and spot checks against the source documents.

Plain pytest: no database, no Django models. The seed-text checks run only when the shared documents are present.
"""

import json
import re
from pathlib import Path

import pytest

MAIN = Path(__file__).resolve().parents[2]
ROADMAPS = MAIN / "fixtures" / "demo" / "roadmaps"
MUNICIPALITIES = MAIN / "fixtures" / "demo" / "municipalities.json"
SHARED = Path(__file__).resolve().parents[3] / "shared"
TUAPSE_SEED = SHARED / "seeds" / "002_e15040ca602163a4.txt"
CHOYA_SEED = SHARED / "seeds" / "000_5f852e6823f5e0cc.txt"
TUTAEV_SEED = SHARED / "seeds" / "001_87468cda01cb5a0d.txt"

SCOPES = {"", "shnor", "all", "listed"}
TUAPSE_PARTIES = {"Управление образования", "МКУ КРО", "Администрация ОО", "Руководители РМО"}
CHOYA_PARTIES = {
    "Отдел образования Казакова О.Б.",
    "Отдел образования Елизарьева Е.С.",
    "ММС Ляхова Н.Ю.",
    "ММС Рябова Ж.А.",
    "ММС Немыслина Л.Д.",
    "ММС Киселева Н.Р.",
    "МУДО «Чойский ЦДО» Рябищенко Л.Д.",
    "ОО",
    "руководители ОО",
    "руководители РМО",
    "РМО",
    "ШМО",
}
TUTAEV_PARTIES = {"Крылова Е.В.", "Краснощекова С.В.", "Козина Е.Н.", "Шпейнова Н.Н.", "Кочина И.В.", "Чеканова О.Я."}
TEXT_FIELDS = ("title", "deadline_text", "responsible_text", "expected_result")


def load(name):
    return json.loads((ROADMAPS / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def tuapse():
    return load("tuapse")


@pytest.fixture(scope="module")
def choya():
    return load("choya")


@pytest.fixture(scope="module")
def municipalities():
    data = json.loads(MUNICIPALITIES.read_text(encoding="utf-8"))
    return {m["name"]: m for m in data["municipalities"]}


def activities(roadmap):
    return [a for s in roadmap["sections"] for a in s["activities"]]


def by_number(roadmap):
    return {a["number"]: a for a in activities(roadmap)}


def all_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from all_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from all_strings(v)


def squeeze(text):
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("name", ["tuapse", "choya"])
def test_shape_and_numbering(name):
    roadmap = load(name)
    assert set(roadmap) == {
        "municipality",
        "title",
        "period_start",
        "period_end",
        "order_number",
        "order_date",
        "status",
        "source",
        "sections",
    }
    assert roadmap["period_start"] < roadmap["period_end"]
    numbers = []
    for i, section in enumerate(roadmap["sections"], 1):
        assert section["number"] == str(i)
        assert section["title"] and section["activities"]
        for j, activity in enumerate(section["activities"], 1):
            assert activity["number"] == f"{i}.{j}"
            assert set(activity) == {
                "number",
                "title",
                "deadline_text",
                "responsible_text",
                "responsible",
                "expected_result",
                "target_scope",
                "target_schools",
            }
            assert activity["title"] and activity["responsible_text"] and activity["responsible"]
            numbers.append(activity["number"])
    assert len(numbers) == len(set(numbers))


@pytest.mark.parametrize("name", ["tuapse", "choya"])
def test_text_is_clean(name):
    for text in all_strings(load(name)):
        assert "<" not in text and ">" not in text, text
        assert "  " not in text and "\t" not in text, text
        assert text == text.strip(), text
        assert "[bookmark" not in text and "·" not in text, text


def test_tuapse_counts(tuapse):
    assert [len(s["activities"]) for s in tuapse["sections"]] == [6, 5, 18, 17, 11, 10]
    assert len(activities(tuapse)) == 67


def test_choya_counts(choya):
    assert [len(s["activities"]) for s in choya["sections"]] == [12, 14, 7, 2]
    assert len(activities(choya)) == 35


def test_municipalities_exist(tuapse, choya, municipalities):
    assert tuapse["municipality"] == "муниципальное образование Туапсинский район"
    assert choya["municipality"] == "муниципальное образование «Чойский район»"
    assert tuapse["municipality"] in municipalities
    assert choya["municipality"] in municipalities


@pytest.mark.parametrize("name", ["tuapse", "choya"])
def test_target_schools(name, municipalities):
    roadmap = load(name)
    schools = {s["name"] for s in municipalities[roadmap["municipality"]]["schools"]}
    for activity in activities(roadmap):
        assert activity["target_scope"] in SCOPES, activity["number"]
        # target_schools is filled exactly when the activity is aimed at named schools only
        assert bool(activity["target_schools"]) == (activity["target_scope"] == "listed"), activity["number"]
        assert len(activity["target_schools"]) == len(set(activity["target_schools"]))
        assert set(activity["target_schools"]) <= schools, activity["number"]


def test_parties_come_from_the_vocabulary(tuapse, choya):
    for roadmap, vocabulary in ((tuapse, TUAPSE_PARTIES), (choya, CHOYA_PARTIES)):
        for activity in activities(roadmap):
            parties = activity["responsible"]
            assert len(parties) == len(set(parties)), activity["number"]
            assert set(parties) <= vocabulary, (activity["number"], parties)


def test_tuapse_header(tuapse):
    assert tuapse["title"] == (
        "Дорожная карта по повышению качества образования и поддержки школ с низкими образовательными "
        "результатами в МО Туапсинский район на 2021-2023 гг."
    )
    assert (tuapse["period_start"], tuapse["period_end"]) == (2021, 2023)
    assert (tuapse["order_number"], tuapse["order_date"]) == ("54", "2021-01-27")
    assert [s["title"] for s in tuapse["sections"]][0] == "Общесистемные мероприятия"


def test_tuapse_values(tuapse):
    acts = by_number(tuapse)
    assert acts["3.16"]["deadline_text"] == "март-апрель 2021 года"
    assert acts["1.3"]["deadline_text"] == "ежегодно (август)"
    assert acts["6.1"]["deadline_text"] == "Ежеквартально (по итогам учебной четверти)"
    assert acts["1.1"]["deadline_text"] == "Январь 2021 года"
    assert acts["1.6"]["responsible_text"] == "Управление образования МКУ КРО Администрация ОО"
    assert acts["1.6"]["responsible"] == ["Управление образования", "МКУ КРО", "Администрация ОО"]
    assert acts["5.3"]["responsible"] == ["Управление образования", "МКУ КРО", "Руководители РМО"]
    # duplicated party in the source cell: the text keeps it, the list does not
    assert acts["4.13"]["responsible_text"].endswith("Администрация ОО Администрация ОО")
    assert acts["4.13"]["responsible"] == ["Управление образования", "МКУ КРО", "Администрация ОО"]
    # the <p>/<ul> cell of 1.2 became a heading plus «— » lines
    assert acts["1.2"]["title"].split("\n") == [
        "Соорганизация деятельности рабочей группы по вопросам повышения качества образования, с учётом "
        "направления поддержки ОО, с низкими образовательными результатами (ШНОР):",
        "— анализ результатов ЕГЭ, ОГЭ, ВПР;",
        "— подготовка аналитических карт по каждой ОО, с низкими образовательными результатами;",
        "— проведение собеседований с руководителями ОО, с низкими образовательными результатами.",
    ]
    # <i> removed, text kept
    assert acts["5.7"]["title"].endswith("(приказ №848 от 20 ноября 2020 года)")
    assert acts["2.5"]["title"].endswith("\n— химия;\n— физика.")
    assert all(a["expected_result"] == "" for a in activities(tuapse))
    assert acts["1.2"]["target_scope"] == "shnor"
    assert acts["5.1"]["target_scope"] == "all"
    assert acts["1.1"]["target_scope"] == ""


def test_choya_header(choya):
    assert choya["title"].startswith("Дорожная карта по реализации Программы повышения качества образования")
    assert (choya["period_start"], choya["period_end"]) == (2020, 2025)
    assert choya["order_number"] == "" and choya["order_date"] is None
    assert [s["title"] for s in choya["sections"]] == [
        "Организационно-управленческие мероприятия",
        "Мероприятия по развитию кадрового потенциала руководящих и педагогических работников",
        "Мероприятия по выравниванию возможностей доступа обучающихся к современным условиям обучения и "
        "образовательными ресурсами в соответствии с ФГОС ОО",
        "Мероприятия по развитию сетевого взаимодействия",
    ]


def test_choya_values(choya):
    acts = by_number(choya)
    assert acts["1.10"]["deadline_text"] == "1 раз в четверть"
    assert acts["1.11"]["deadline_text"] == ""
    assert acts["1.7"]["deadline_text"] == "1 раз в полугодие"
    assert acts["2.1"]["expected_result"] == "Информационно-аналитический отчёт по результатам диагностики"
    assert acts["1.1"]["expected_result"] == "Информационно-аналитический отчёт по каждой ШНОР"
    # source typos and gaps are kept
    assert acts["1.4"]["deadline_text"] == "Январь Ежегодно 2021, 2022, 2023, 2024, 20225гг."
    assert acts["3.1"]["deadline_text"] == "далее ежегодно"
    assert acts["2.6"]["title"].endswith("для ШНОР:")
    assert acts["2.6"]["deadline_text"] == "1 раз в три месяца, ежегодно"
    # lists of dates keep their line breaks
    assert acts["2.7"]["deadline_text"].split("\n") == [
        "Апрель 2021г.",
        "Март 2022г.",
        "Ноябрь 2023 г.",
        "Март 2024г.",
        "Февраль 2025г.",
    ]
    assert acts["1.3"]["deadline_text"].split("\n")[0] == "Январь 2021 г."
    assert acts["1.2"]["deadline_text"] == "Декабрь 2020 г. далее сентябрь ежегодно"
    assert acts["3.5"]["responsible"] == ["ОО", "МУДО «Чойский ЦДО» Рябищенко Л.Д."]
    assert acts["2.4"]["responsible"] == [
        "Отдел образования Елизарьева Е.С.",
        "Отдел образования Казакова О.Б.",
        "руководители ОО",
    ]
    assert acts["2.8"]["responsible"] == ["ММС Ляхова Н.Ю.", "руководители РМО"]
    assert acts["1.4"]["target_scope"] == "listed"
    assert acts["1.4"]["target_schools"] == [
        "МОУ «Паспаульская СОШ им. Е.Ф. Трофимова»",
        "МОУ «Сейкинская СОШ»",
        "МОУ «Чойская СОШ»",
    ]
    assert len(acts["2.8"]["target_schools"]) == 5
    assert acts["1.3"]["target_scope"] == "shnor"  # names schools, then «Все ШНОР»
    assert acts["1.7"]["target_scope"] == ""


def shared_text(path):
    if not path.exists():
        pytest.skip(f"{path} not found: the shared source documents are not available")
    return path.read_text(encoding="utf-8")


def test_tuapse_titles_occur_in_the_seed(tuapse):
    seed = shared_text(TUAPSE_SEED)
    for activity in activities(tuapse):
        head = activity["title"].split("\n")[0][:40]
        assert head in seed, (activity["number"], head)


def test_tuapse_sections_occur_in_the_seed(tuapse):
    seed = shared_text(TUAPSE_SEED)
    for section in tuapse["sections"]:
        assert f"\n{section['number']}. {section['title']}\t" in seed, section["number"]


def test_choya_texts_occur_in_the_seed(choya):
    seed = squeeze(shared_text(CHOYA_SEED))
    for activity in activities(choya):
        for field in ("title", "expected_result"):
            head = squeeze(activity[field].split("\n")[0].removeprefix("— "))[:40]
            assert head in seed, (activity["number"], field, head)


# --- Тутаевский МР (tutaev.json) -------------------------------------------------------------------------------------

ROADMAP_KEYS = {
    "municipality",
    "title",
    "period_start",
    "period_end",
    "order_number",
    "order_date",
    "status",
    "source",
    "sections",
}
ACTIVITY_KEYS = {
    "number",
    "title",
    "deadline_text",
    "responsible_text",
    "responsible",
    "expected_result",
    "target_scope",
    "target_schools",
}
# how this programme names the schools it is aimed at (see README, «target_scope»)
TUTAEV_SHNOR_WORDING = re.compile(r"школ[а-я]*-участник|данной группы школ", re.IGNORECASE)


@pytest.fixture(scope="module")
def tutaev():
    return load("tutaev")


def compact(text):
    return re.sub(r"\s+", "", text)


def test_tutaev_shape_and_numbering(tutaev):
    assert set(tutaev) == ROADMAP_KEYS
    numbers = []
    for i, section in enumerate(tutaev["sections"], 1):
        assert section["number"] == str(i)
        assert section["title"] and section["activities"]
        assert not section["title"].startswith("Задача")
        for activity in section["activities"]:
            assert set(activity) == ACTIVITY_KEYS
            # the source numbering is kept: «раздел.пункт», three levels («2.1.1») in the section with priorities
            assert re.fullmatch(rf"{i}(\.\d+){{1,2}}", activity["number"]), activity["number"]
            assert activity["title"] and activity["responsible_text"] and activity["responsible"]
            numbers.append(activity["number"])
    assert len(numbers) == len(set(numbers))
    assert [n for n in numbers if n.count(".") == 2] == [n for n in numbers if n.startswith("2.")]


def test_tutaev_counts(tutaev):
    assert [len(s["activities"]) for s in tutaev["sections"]] == [6, 16, 5, 2]
    assert len(activities(tutaev)) == 29
    # Задача 2 is split into priorities 2.1, 2.2, 2.3
    section_2 = [a["number"].rsplit(".", 1)[0] for a in tutaev["sections"][1]["activities"]]
    assert [section_2.count(p) for p in ("2.1", "2.2", "2.3")] == [7, 4, 5]


def test_tutaev_text_is_clean(tutaev):
    for text in all_strings(tutaev):
        assert not re.search(r"<[^>]*>", text), text
        assert "<" not in text and ">" not in text, text
        assert "  " not in text and "\t" not in text and "\n" not in text, text
        assert text == text.strip(), text
    for activity in activities(tutaev):
        assert not activity["number"].endswith("."), activity["number"]


def test_tutaev_municipality_and_schools(tutaev, municipalities):
    assert tutaev["municipality"] == "Тутаевский муниципальный район"
    assert tutaev["municipality"] in municipalities
    schools = {s["name"] for s in municipalities[tutaev["municipality"]]["schools"]}
    for activity in activities(tutaev):
        assert activity["target_scope"] in SCOPES, activity["number"]
        assert bool(activity["target_schools"]) == (activity["target_scope"] == "listed"), activity["number"]
        assert set(activity["target_schools"]) <= schools, activity["number"]


def test_tutaev_target_scope(tutaev):
    acts = activities(tutaev)
    for activity in acts:
        expected = "shnor" if TUTAEV_SHNOR_WORDING.search(activity["title"]) else ""
        assert activity["target_scope"] == expected, activity["number"]
    assert sum(a["target_scope"] == "shnor" for a in acts) == 23
    assert [a["number"] for a in acts if a["target_scope"] == ""] == ["1.5", "2.1.3", "2.2.1", "2.3.4", "3.4", "4.1"]


def test_tutaev_parties(tutaev):
    for activity in activities(tutaev):
        # one named person per activity; the list is the cell itself
        assert activity["responsible"] == [activity["responsible_text"]], activity["number"]
        assert activity["responsible_text"] in TUTAEV_PARTIES, activity["number"]
    used = {a["responsible_text"] for a in activities(tutaev)}
    assert used == TUTAEV_PARTIES


def test_tutaev_header(tutaev):
    assert tutaev["title"] == (
        "Мероприятия Программы поддержки школ, функционирующих в неблагоприятных социальных условиях и школ, "
        "демонстрирующих низкие (нестабильные) образовательные результаты"
    )
    assert (tutaev["period_start"], tutaev["period_end"]) == (2020, 2022)
    assert tutaev["order_number"] == "" and tutaev["order_date"] is None
    assert tutaev["status"] == "approved"
    assert "Департамент образования Администрации Тутаевского муниципального района" in tutaev["source"]
    assert [s["title"] for s in tutaev["sections"]] == [
        "Разработать механизмы ресурсного обеспечения программ перехода школ-участников Программы в эффективный "
        "режим работы",
        "Создать условия для развития профессиональной компетентности педагогических и руководящих кадров "
        "школ-участников Программы.",
        "Создать условия для повышения мотивации руководителей к разработке и реализации программ перехода "
        "школ-участников Программы в эффективный режим работы и достижение планируемых результатов",
        "Обеспечить проведение мониторинга эффективности реализации программ перехода Школ-участников Программы в "
        "эффективный режим работы",
    ]
    # every deadline lies within the period
    for activity in activities(tutaev):
        years = [int(y) for y in re.findall(r"\d{4}", activity["deadline_text"])]
        assert years and all(2020 <= y <= 2022 for y in years), activity["number"]


def test_tutaev_values(tutaev):
    acts = by_number(tutaev)
    assert acts["1.1"]["deadline_text"] == "2020"
    assert acts["1.1"]["expected_result"] == (
        "На сайте ДО опубликована модель горизонтального (сетевого) партнерства школ-участников Программы"
    )
    assert acts["2.1.4"]["title"] == (
        "Проведение семинаров, консультаций на базе Школ-участников Программы по реализации планов ПОС"
    )
    assert acts["2.1.4"]["deadline_text"] == "2021-2022"
    assert acts["2.1.6"]["deadline_text"] == "2020-2021"
    assert acts["3.5"]["deadline_text"] == "2022"
    assert acts["3.5"]["responsible"] == ["Крылова Е.В."]
    # a sentence broken over two lines in the source is joined with a space
    assert acts["3.5"]["title"] == (
        "Реализация мер, направленных на обеспечение общественного признания достижений школ-участников Программы"
    )
    assert acts["4.1"]["expected_result"] == "Проводится мониторинг в соответствии с разделом VI Программы"
    assert acts["1.5"]["responsible"] == ["Краснощекова С.В."]
    # source gaps are kept: no indicator for 3.1, 3.3 repeats the indicator of 3.2
    assert acts["3.1"]["expected_result"] == ""
    assert acts["3.3"]["expected_result"] == acts["3.2"]["expected_result"]
    assert all(a["target_schools"] == [] for a in activities(tutaev))


def test_tutaev_titles_occur_in_the_seed(tutaev):
    seed = squeeze(shared_text(TUTAEV_SEED))
    for activity in activities(tutaev):
        head = squeeze(activity["title"])[:40]
        assert head in seed, (activity["number"], head)


def test_tutaev_texts_match_the_seed_up_to_whitespace(tutaev):
    """Only whitespace was changed (spaces restored between words the source runs together)."""
    seed = compact(shared_text(TUTAEV_SEED))
    for activity in activities(tutaev):
        for field in TEXT_FIELDS:
            if activity[field]:
                assert compact(activity[field]) in seed, (activity["number"], field)
    for section in tutaev["sections"]:
        assert compact(f"Задача {section['number']}. {section['title']}") in seed, section["number"]
    # the priorities of Задача 2 exist in the source and match the activity numbers
    for priority in {a["number"].rsplit(".", 1)[0] for a in tutaev["sections"][1]["activities"]}:
        assert f"\tПриоритет {priority}. " in shared_text(TUTAEV_SEED), priority
