"""The deadline («Сроки исполнения») parser, on the strings of the five source programmes."""

import ast
import json
import re
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadmap import schedule as schedule_module
from roadmap.schedule import (
    ANNUAL,
    BY_PLAN,
    CONTINUOUS,
    MONTHLY,
    ONCE,
    PERIOD,
    QUARTERLY,
    SEMIANNUAL,
    TERMLY,
    TIMES_PER_SCHOOL_YEAR,
    Rule,
    Schedule,
    due_dates,
    is_ongoing,
    parse_schedule,
    quarter_bounds,
    quarter_of,
)

SHARED_DIR = Path(__file__).resolve().parents[3] / "shared"
SEEDS_DIR = SHARED_DIR / "seeds"


def once(year, month, day=None, months=()):
    return Rule(ONCE, year=year, month=month, day=day, months=months)


def annual(*months, from_year=None, to_year=None, count=None):
    return Rule(ANNUAL, months=months, from_year=from_year, to_year=to_year, count=count)


def period(first, last, months=()):
    return Rule(PERIOD, from_year=first, to_year=last, months=months)


def plan(reference=""):
    return Rule(BY_PLAN, reference=reference)


CONT = Rule(CONTINUOUS)
QUART = Rule(QUARTERLY)
TERM = Rule(TERMLY)
HALF = Rule(SEMIANNUAL)

# (text exactly as in the document, kind, rules, describe() or None when not checked)
CASES = [
    # 000 Чойский, V 1.1
    ("Июль \nежегодно", ANNUAL, (annual(7),), "ежегодно: июль"),
    # 000 Чойский, V 1.2
    ("Декабрь 2020 г. \nдалее сентябрь ежегодно", "mixed", (once(2020, 12), annual(9, from_year=2021)),
     "декабрь 2020, далее ежегодно: сентябрь"),
    # 000 Чойский, V 1.3
    ("\nЯнварь 2021 г. \nСентябрь 2021г.\nСентябрь 2022г.\nСентябрь 2023г.\nСентябрь 2024г.", ONCE,
     (once(2021, 1), once(2021, 9), once(2022, 9), once(2023, 9), once(2024, 9)),
     "даты: январь 2021; сентябрь 2021; сентябрь 2022; сентябрь 2023; сентябрь 2024"),
    # 000 Чойский, V 1.4 (the typo 20225 continues the list 2021..2024 and is read as 2025)
    ("Январь  \nЕжегодно\n2021, 2022, 2023, 2024, 20225гг.\n\n\n", ANNUAL, (annual(1, from_year=2021, to_year=2025),),
     "ежегодно: январь (2021–2025)"),
    # 000 Чойский, V 1.5
    ("Ежегодно  в соответствии  с Планом  работы \nна  год  отдела  образования", BY_PLAN,
     (plan("план работы на год отдела образования"),), "по графику: план работы на год отдела образования"),
    # 000 Чойский, V 1.7
    ("1  раз  в полугодие", SEMIANNUAL, (HALF,), "1 раз в полугодие"),
    # 000 Чойский, V 1.8
    ("Ежегодно согласно плану  отдела  образования", BY_PLAN, (plan("план отдела образования"),),
     "по графику: план отдела образования"),
    # 000 Чойский, V 1.9
    ("Январь 2021 г,  \nдалее октябрь ежегодно", "mixed", (once(2021, 1), annual(10, from_year=2021)),
     "январь 2021, далее ежегодно: октябрь"),
    # 000 Чойский, V 1.10
    ("1 раз  в  четверть", TERMLY, (TERM,), "1 раз в учебную четверть"),
    # 000 Чойский, V 1.11 (the cell is empty)
    ("", "empty", (), "не указан"),
    # 000 Чойский, V 1.12
    ("Ежегодно, в течение года", CONTINUOUS, (CONT,), "постоянно"),
    # 000 Чойский, V 2.1
    ("Сентябрь\nежегодно", ANNUAL, (annual(9),), "ежегодно: сентябрь"),
    # 000 Чойский, V 2.2
    ("Сентябрь \nежегодно  ", ANNUAL, (annual(9),), "ежегодно: сентябрь"),
    # 000 Чойский, V 2.3
    ("Декабрь ежегодно", ANNUAL, (annual(12),), "ежегодно: декабрь"),
    # 000 Чойский, V 2.4
    ("Ежегодно к началу  учебного  года", ANNUAL, (annual(8),), "ежегодно: август"),
    # 000 Чойский, V 2.5
    ("Ежегодно", ANNUAL, (Rule(ANNUAL),), "ежегодно"),
    # 000 Чойский, V 2.6 (with a Word bookmark left in the cell)
    ("[bookmark: _GoBack] 1 раз в три месяца, ежегодно\n\n.", QUARTERLY, (QUART,), "ежеквартально"),
    # 000 Чойский, V 2.7
    ("Апрель 2021г.\nМарт 2022г.\nНоябрь  2023 г.\nМарт 2024г.\n Февраль 2025г.", ONCE,
     (once(2021, 4), once(2022, 3), once(2023, 11), once(2024, 3), once(2025, 2)),
     "даты: апрель 2021; март 2022; ноябрь 2023; март 2024; февраль 2025"),
    # 000 Чойский, V 2.8
    ("\n\n\n\nМарт 2021г.\n\n\nМарт 2022г.\n\n\n\n Ноябрь 2023г.\n\n\nМарт 2024 года\n\nФевраль 2025 г.", ONCE,
     (once(2021, 3), once(2022, 3), once(2023, 11), once(2024, 3), once(2025, 2)), None),
    # 000 Чойский, V 2.9
    ("Ежегодно в   соответствии с планом  работы  ММС на год", BY_PLAN, (plan("план работы ММС на год"),),
     "по графику: план работы ММС на год"),
    # 000 Чойский, V 2.10
    ("\n\nЕжегодно", ANNUAL, (Rule(ANNUAL),), "ежегодно"),
    # 000 Чойский, V 2.11
    ("Ежегодно  в течение  учебного года", CONTINUOUS, (CONT,), "постоянно"),
    # 000 Чойский, V 2.13
    ("В  соответствии с программой адресной помощи", BY_PLAN, (plan("программа адресной помощи"),),
     "по графику: программа адресной помощи"),
    # 000 Чойский, V 2.14
    ("Ежегодно  в  соответствии  с планом  работы  ОО  на   учебный  год", BY_PLAN,
     (plan("план работы ОО на учебный год"),), "по графику: план работы ОО на учебный год"),
    # 000 Чойский, V 3.1 (the start date is missing in the source)
    ("далее ежегодно", ANNUAL, (Rule(ANNUAL),), "ежегодно"),
    # 000 Чойский, V 3.2
    (" Ежегодно  в течение учебного года", CONTINUOUS, (CONT,), None),
    # 000 Чойский, V 3.3
    ("Ежегодно  в течение  учебного года\n", CONTINUOUS, (CONT,), None),
    # 000 Чойский, V 3.4
    ("Сентябрь ежегодно  ", ANNUAL, (annual(9),), "ежегодно: сентябрь"),
    # 000 Чойский, паспорт: сроки реализации Программы
    ("2020 – 2025 гг.", PERIOD, (period(2020, 2025),), "2020–2025 годы"),

    # 002 Туапсе 1.1
    ("Январь 2021 года", ONCE, (once(2021, 1),), "однократно: январь 2021"),
    # 002 Туапсе 1.2
    ("постоянно", CONTINUOUS, (CONT,), "постоянно"),
    # 002 Туапсе 1.3
    ("ежегодно (август)", ANNUAL, (annual(8),), "ежегодно: август"),
    # 002 Туапсе 1.4
    ("2 раза в учебный год", TIMES_PER_SCHOOL_YEAR, (Rule(TIMES_PER_SCHOOL_YEAR, count=2),), "2 раза в учебный год"),
    # 002 Туапсе 1.5
    ("ежеквартально", QUARTERLY, (QUART,), "ежеквартально"),
    # 002 Туапсе 2.3
    ("ежегодно (август-сентябрь)", ANNUAL, (annual(8, 9),), "ежегодно: август–сентябрь"),
    # 002 Туапсе 2.4
    ("ежегодно", ANNUAL, (Rule(ANNUAL),), "ежегодно"),
    # 002 Туапсе 2.5
    ("по отдельному графику", BY_PLAN, (plan(),), "по отдельному графику"),
    # 002 Туапсе 3.1
    ("ежегодно (октябрь-ноябрь)", ANNUAL, (annual(10, 11),), "ежегодно: октябрь–ноябрь"),
    # 002 Туапсе 3.2
    ("ежегодно (сентябрь)", ANNUAL, (annual(9),), "ежегодно: сентябрь"),
    # 002 Туапсе 3.3
    ("январь 2021 года", ONCE, (once(2021, 1),), "однократно: январь 2021"),
    # 002 Туапсе 3.9
    ("ежемесячно", MONTHLY, (Rule(MONTHLY),), "ежемесячно"),
    # 002 Туапсе 3.16 (a month range once: due at the end of the last month, the window is kept in months)
    ("март-апрель 2021 года", ONCE, (once(2021, 4, months=(3, 4)),), "однократно: март–апрель 2021"),
    # 002 Туапсе 4.1
    ("Ежегодно (сентябрь, октябрь)", ANNUAL, (annual(9, 10),), "ежегодно: сентябрь–октябрь"),
    # 002 Туапсе 5.3
    ("По графику РМО", BY_PLAN, (plan("РМО"),), "по графику: РМО"),
    # 002 Туапсе 5.7
    ("Ноябрь 2020 года", ONCE, (once(2020, 11),), "однократно: ноябрь 2020"),
    # 002 Туапсе 5.9
    ("в соответствии с планом мероприятий", BY_PLAN, (plan("план мероприятий"),), "по графику: план мероприятий"),
    # 002 Туапсе 6.1 (the school term is meant, not the calendar quarter)
    ("Ежеквартально (по итогам учебной четверти)", TERMLY, (TERM,), "1 раз в учебную четверть"),
    # 002 Туапсе 6.2
    ("1 раз в квартал", QUARTERLY, (QUART,), "ежеквартально"),
    # 002 Туапсе 6.10
    ("ежегодно (март-май)", ANNUAL, (annual(3, 4, 5),), "ежегодно: март–май"),
    # 002 Туапсе, задачи программы: «на 2020 – 2023 г.г.»
    ("2020 – 2023 г.г.", PERIOD, (period(2020, 2023),), "2020–2023 годы"),

    # 003 Хасан, III 1.1
    ("В конце каждого полугодия", SEMIANNUAL, (HALF,), "1 раз в полугодие"),
    # 003 Хасан, III 1.4
    ("В течение года", CONTINUOUS, (CONT,), "постоянно"),
    # 003 Хасан, IV 1.1
    ("Апрель, 2021", ONCE, (once(2021, 4),), "однократно: апрель 2021"),
    # 003 Хасан, IV 1.2
    ("Постоянно", CONTINUOUS, (CONT,), "постоянно"),
    # 003 Хасан, IV 1.3
    ("Ежегодно по плану мониторинговых исследований", BY_PLAN, (plan("план мониторинговых исследований"),),
     "по графику: план мониторинговых исследований"),
    # 003 Хасан, IV 1.4 («2-4 раза»: count is the lower bound)
    (" По плану работы управления образования,  2-4 раза  в полугодие", "mixed",
     (plan("план работы управления образования"), Rule(SEMIANNUAL, count=2)),
     "по графику: план работы управления образования; 2 раза в полугодие"),
    # 003 Хасан, IV 1.5
    ("2 раза в год (январь, июнь)", ANNUAL, (annual(1, 6, count=2),), "2 раза в год: январь, июнь"),
    # 003 Хасан, IV 1.6
    ("2 раза в год (декабрь, май)", ANNUAL, (annual(12, 5, count=2),), "2 раза в год: декабрь, май"),
    # 003 Хасан, IV 2.1
    ("Ежегодно", ANNUAL, (Rule(ANNUAL),), None),
    # 003 Хасан, IV 2.2
    ("По плану работы управления образования, в течение года", "mixed",
     (plan("план работы управления образования"), CONT), "по графику: план работы управления образования; постоянно"),
    # 003 Хасан, IV 2.5
    ("В течение года  по заявке руководителя школы", "mixed", (CONT, plan("заявка руководителя школы")),
     "постоянно; по графику: заявка руководителя школы"),
    # 003 Хасан, IV 3.1
    ("Ежегодно, сентябрь", ANNUAL, (annual(9),), "ежегодно: сентябрь"),
    # 003 Хасан, IV 4.1
    ("Сентябрь, 2022", ONCE, (once(2022, 9),), "однократно: сентябрь 2022"),
    # 003 Хасан, IV 4.4
    ("Сентябрь, 2021", ONCE, (once(2021, 9),), "однократно: сентябрь 2021"),
    # 003 Хасан, паспорт: сроки реализации Программы
    ("2021 – 2023 гг.", PERIOD, (period(2021, 2023),), "2021–2023 годы"),

    # 004 Кумарейская, «Анализировать информацию о состоянии системы качества образования»
    ("Ежегодно", ANNUAL, (Rule(ANNUAL),), None),
    # 004 Кумарейская, «Сформировать команду по разработке программы»
    ("Март 2021года", ONCE, (once(2021, 3),), "однократно: март 2021"),
    # 004 Кумарейская, «Определить компоненты программы повышения качества образования»
    ("Апрель 2021 года", ONCE, (once(2021, 4),), "однократно: апрель 2021"),
    # 004 Кумарейская, «Разработать мониторинг учебных достижений»
    ("Май 2021 года", ONCE, (once(2021, 5),), "однократно: май 2021"),
    # 004 Кумарейская, «Провести проблемный семинар по управленческим действиям»
    ("Апрель 2022 года", ONCE, (once(2022, 4),), "однократно: апрель 2022"),
    # 004 Кумарейская, «Выполнить количественный и качественный анализ результатов итоговой диагностики»
    ("Сентябрь 2022года", ONCE, (once(2022, 9),), "однократно: сентябрь 2022"),
    # 004 Кумарейская, «Разработать перспективный план и программу повышения квалификации»
    ("Сентябрь 2022 года", ONCE, (once(2022, 9),), None),
    # 004 Кумарейская, «Совершенствовать работу органов коллегиального управления ОО» (HTML left in the cell)
    ("<p>Сентябрь 2022 года</p>", ONCE, (once(2022, 9),), "однократно: сентябрь 2022"),
    # 004 Кумарейская, «Совершенствовать информационную открытость»
    ("<p>Ежегодно</p>", ANNUAL, (Rule(ANNUAL),), "ежегодно"),
    # 004 Кумарейская, паспорт: сроки реализации
    ("2020-2023 годы", PERIOD, (period(2020, 2023),), "2020–2023 годы"),
    # 004 Кумарейская, заголовок I этапа «(2020-21 учебный год)»: a school year, September..May
    ("2020-21 учебный год", PERIOD, (period(2020, 2021, months=(9, 5)),), "2020/2021 учебный год"),

    # 001 Тутаев 1.1
    ("2020", PERIOD, (period(2020, 2020),), "2020 год"),
    # 001 Тутаев 1.4
    ("2020-2022", PERIOD, (period(2020, 2022),), "2020–2022 годы"),
    # 001 Тутаев 2.1.4
    ("2021-2022", PERIOD, (period(2021, 2022),), "2021–2022 годы"),
    # 001 Тутаев 2.1.6
    ("2020-2021", PERIOD, (period(2020, 2021),), None),
    # 001 Тутаев 3.5
    ("2022", PERIOD, (period(2022, 2022),), "2022 год"),
    # 001 Тутаев, раздел VI: периодичность мониторинга
    ("2 раза в год, в мае и ноябре", ANNUAL, (annual(5, 11, count=2),), "2 раза в год: май, ноябрь"),
]


def case_id(case) -> str:
    return re.sub(r"\s+", " ", case[0]).strip()[:40] or "пусто"


@pytest.mark.parametrize(("text", "kind", "rules", "description"), CASES, ids=[case_id(c) for c in CASES])
def test_real_deadlines(text, kind, rules, description):
    schedule = parse_schedule(text)
    assert schedule.text == text
    assert schedule.parsed, schedule.unparsed_part
    assert schedule.unparsed_part == ""
    assert schedule.rules == rules
    assert schedule.kind == kind
    if description is not None:
        assert schedule.describe() == description


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_json_round_trip_of_real_deadlines(case):
    schedule = parse_schedule(case[0])
    data = json.loads(json.dumps(schedule.to_json(), ensure_ascii=False))
    assert Schedule.from_json(data) == schedule
    assert Schedule.from_json(data).to_json() == schedule.to_json()


def test_at_least_sixty_real_strings():
    assert len(CASES) >= 60


# ------------------------------------------------------------------------------------ the Туапсинский table

TUAPSE_ROW = re.compile(r"^\d+\.\d+\.?\t")
# Every deadline of the table is understood; a genuinely unreadable one would be listed here.
TUAPSE_EXPECTED_UNPARSED: set[str] = set()


def tuapse_rows() -> list[tuple[str, str]]:
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"нет папки с исходными документами {SEEDS_DIR}")
    files = sorted(SEEDS_DIR.glob("002_*.txt"))
    if not files:
        pytest.skip(f"нет документа Туапсинского района (002_*.txt) в {SEEDS_DIR}")
    rows = []
    for line in files[0].read_text(encoding="utf-8").splitlines():
        if TUAPSE_ROW.match(line):
            columns = line.split("\t")
            rows.append((columns[0], columns[2]))
    return rows


def test_tuapse_table_is_parsed_completely():
    rows = tuapse_rows()
    assert len(rows) == 67
    unparsed = {text for _, text in rows if not parse_schedule(text).parsed}
    assert unparsed == TUAPSE_EXPECTED_UNPARSED
    kinds: dict[str, int] = {}
    for _, text in rows:
        kind = parse_schedule(text).kind
        kinds[kind] = kinds.get(kind, 0) + 1
    assert kinds == {CONTINUOUS: 33, BY_PLAN: 11, QUARTERLY: 6, TERMLY: 3, ANNUAL: 8, ONCE: 4, MONTHLY: 1,
                     TIMES_PER_SCHOOL_YEAR: 1}


def test_tuapse_rows_by_number():
    deadlines = dict(tuapse_rows())
    assert parse_schedule(deadlines["3.16."]).rules == (once(2021, 4, months=(3, 4)),)
    assert parse_schedule(deadlines["5.10"]).kind == CONTINUOUS
    assert parse_schedule(deadlines["6.1."]).kind == TERMLY


# ------------------------------------------------------------------------------------------- other forms

@pytest.mark.parametrize(("text", "rules", "description"), [
    ("до 25.12.2020", (once(2020, 12, day=25),), "однократно: 25 декабря 2020"),
    ("15 марта 2021 г.", (once(2021, 3, day=15),), "однократно: 15 марта 2021"),
    ("январь 2021 г.", (once(2021, 1),), "однократно: январь 2021"),
    ("Январь 2021 г.; Сентябрь 2021 г.; Сентябрь 2022 г.", (once(2021, 1), once(2021, 9), once(2022, 9)), None),
    ("в январе 2022 года", (once(2022, 1),), None),
    ("в сентябре 2021 г.", (once(2021, 9),), None),
    ("2021\u20132023 гг.", (period(2021, 2023),), "2021–2023 годы"),
    ("2020\u20142022 годы", (period(2020, 2022),), None),
    ("2021-2022 учебный год", (period(2021, 2022, months=(9, 5)),), "2021/2022 учебный год"),
    ("2021-2022 уч. год", (period(2021, 2022, months=(9, 5)),), None),
    ("сентябрь 2021 \u2013 май 2022", (period(2021, 2022, months=(9, 5)),), "2021/2022 учебный год"),
    ("По графику", (plan(),), "по отдельному графику"),
    ("ЕЖЕГОДНО\u00a0(АВГУСТ)", (annual(8),), "ежегодно: август"),
    ("Июль ежегодно", (annual(7),), None),
    ("ежегодно в мае", (annual(5),), None),
    ("ежеквартально, 2021-2023", (Rule(QUARTERLY, from_year=2021, to_year=2023),), "ежеквартально (2021–2023)"),
    ("постоянно, 2021–2023 гг.", (Rule(CONTINUOUS, from_year=2021, to_year=2023),), "постоянно (2021–2023)"),
    ("ежегодно с 2022 года", (Rule(ANNUAL, from_year=2022),), "ежегодно (с 2022)"),
    ("3 раза в учебный год", (Rule(TIMES_PER_SCHOOL_YEAR, count=3),), "3 раза в учебный год"),
    ("дважды в год", (HALF,), None),
    ("1 раз в год", (Rule(ANNUAL),), None),
    ("ежегодно, в конце учебного года", (annual(5),), None),
    ("Январь 2021, 2022 гг.", (once(2021, 1), once(2022, 1)), None),
])
def test_other_forms(text, rules, description):
    schedule = parse_schedule(text)
    assert schedule.parsed, schedule.unparsed_part
    assert schedule.rules == rules
    if description is not None:
        assert schedule.describe() == description


def test_five_digit_year_is_read_as_a_typo_only_inside_a_list():
    """«20225» after 2024 is 2025; a lone five-digit number is reported, not guessed."""
    assert parse_schedule("Январь ежегодно 2021, 2022, 2023, 2024, 20225 гг.").rules == (
        annual(1, from_year=2021, to_year=2025),)
    lone = parse_schedule("Январь 20225 г.")
    assert not lone.parsed
    assert lone.unparsed_part == "20225 г."


def test_none_and_blank_cells_are_empty():
    for text in (None, "", "   ", "\n\t", "\u00a0", "—", "-", "<p></p>"):
        schedule = parse_schedule(text)
        assert schedule.is_empty
        assert schedule.kind == "empty"
        assert schedule.parsed
        assert schedule.rules == ()
        assert schedule.describe() == "не указан"
    assert parse_schedule(None).text == ""


def test_not_understood_text_is_reported():
    schedule = parse_schedule("по мере необходимости")
    assert not schedule.parsed
    assert schedule.kind == "unparsed"
    assert schedule.unparsed_part == "по мере необходимости"
    assert schedule.describe() == "не распознан: по мере необходимости"


def test_understood_parts_are_kept_when_the_rest_is_not():
    schedule = parse_schedule("ежеквартально, по согласованию с куратором")
    assert not schedule.parsed
    assert schedule.rules == (QUART,)
    assert schedule.kind == QUARTERLY
    assert "согласованию с куратором" in schedule.unparsed_part
    assert schedule.describe().startswith("ежеквартально; не распознано: ")


@pytest.mark.parametrize("text", ["31.02.2021", "2023-2021", "0 раз в год", "12345", "кв. 3", "абракадабра"])
def test_invalid_values_are_unparsed(text):
    schedule = parse_schedule(text)
    assert not schedule.parsed
    assert schedule.unparsed_part


def test_very_long_text_is_reported_not_parsed():
    schedule = parse_schedule("ежегодно " + "х" * 100_000)
    assert not schedule.parsed
    assert len(schedule.unparsed_part) <= schedule_module.MAX_UNPARSED_LENGTH
    assert schedule.rules == (Rule(ANNUAL),)


def test_parsing_ten_thousand_strings_is_fast():
    texts = [case[0] + " " * (i % 7) for i, case in enumerate(CASES * (10_000 // len(CASES) + 1))][:10_000]
    started = time.perf_counter()
    for text in texts:
        parse_schedule(text)
    assert time.perf_counter() - started < 2.0


def test_module_uses_only_the_standard_library():
    tree = ast.parse(Path(schedule_module.__file__).read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}


# --------------------------------------------------------------------------------------------- due dates

def dates(*values: str) -> list[date]:
    return [date.fromisoformat(value) for value in values]


def test_quarterly_due_in_a_quarter():
    start, end = quarter_bounds(2025, 1)
    assert due_dates(parse_schedule("ежеквартально"), start, end) == dates("2025-03-31")


def test_termly_over_a_school_year():
    schedule = parse_schedule("1 раз в четверть")
    assert due_dates(schedule, date(2024, 9, 1), date(2025, 8, 31)) == dates(
        "2024-10-31", "2024-12-31", "2025-03-31", "2025-05-31")
    assert due_dates(parse_schedule("Ежеквартально (по итогам учебной четверти)"), *quarter_bounds(2024, 4)) == dates(
        "2024-10-31", "2024-12-31")


def test_annual_within_the_roadmap_period():
    schedule = parse_schedule("ежегодно (август)")
    assert due_dates(schedule, date(2019, 1, 1), date(2026, 12, 31), active_from=date(2021, 1, 1),
                     active_to=date(2023, 12, 31)) == dates("2021-08-31", "2022-08-31", "2023-08-31")


def test_month_range_once_is_due_at_the_end_of_the_last_month():
    schedule = parse_schedule("март-апрель 2021 года")
    assert due_dates(schedule, date(2021, 1, 1), date(2021, 12, 31)) == dates("2021-04-30")
    assert due_dates(schedule, *quarter_bounds(2021, 1)) == []


def test_once_then_annual():
    schedule = parse_schedule("Январь 2021 г., далее октябрь ежегодно")
    assert due_dates(schedule, date(2021, 1, 1), date(2022, 12, 31)) == dates("2021-01-31", "2021-10-31", "2022-10-31")
    schedule = parse_schedule("Декабрь 2020 г. далее сентябрь ежегодно")
    assert due_dates(schedule, date(2020, 1, 1), date(2030, 12, 31), active_to=date(2023, 12, 31)) == dates(
        "2020-12-31", "2021-09-30", "2022-09-30", "2023-09-30")


def test_annual_with_listed_years():
    schedule = parse_schedule("Январь  \nЕжегодно\n2021, 2022, 2023, 2024, 20225гг.")
    assert due_dates(schedule, date(2019, 1, 1), date(2030, 12, 31)) == dates(
        "2021-01-31", "2022-01-31", "2023-01-31", "2024-01-31", "2025-01-31")


def test_continuous_plan_and_empty_have_no_due_dates():
    for text in ("постоянно", "В течение года", "по отдельному графику", "По графику РМО", "", None):
        assert due_dates(parse_schedule(text), date(2020, 1, 1), date(2030, 12, 31)) == []


def test_exact_day_and_plain_annual():
    assert due_dates(parse_schedule("до 25.12.2020"), date(2020, 1, 1), date(2020, 12, 31)) == dates("2020-12-25")
    assert due_dates(parse_schedule("Ежегодно"), date(2021, 1, 1), date(2022, 12, 31)) == dates(
        "2021-12-31", "2022-12-31")


def test_times_per_school_year():
    year = (date(2024, 9, 1), date(2025, 8, 31))
    assert due_dates(parse_schedule("2 раза в учебный год"), *year) == dates("2024-12-31", "2025-05-31")
    assert due_dates(parse_schedule("3 раза в учебный год"), *year) == dates("2024-11-30", "2025-02-28", "2025-05-31")


def test_semiannual_monthly_and_twice_a_year():
    year = (date(2024, 1, 1), date(2024, 12, 31))
    assert due_dates(parse_schedule("1 раз в полугодие"), *year) == dates("2024-06-30", "2024-12-31")
    assert due_dates(parse_schedule("ежемесячно"), date(2024, 2, 1), date(2024, 3, 31)) == dates(
        "2024-02-29", "2024-03-31")
    assert due_dates(parse_schedule("2 раза в год (декабрь, май)"), *year) == dates("2024-05-31", "2024-12-31")


def test_periods_are_due_at_their_end():
    assert due_dates(parse_schedule("2020-2022"), date(2020, 1, 1), date(2025, 12, 31)) == dates("2022-12-31")
    assert due_dates(parse_schedule("2021-2022 учебный год"), date(2020, 1, 1), date(2025, 12, 31)) == dates(
        "2022-05-31")


def test_recurring_rule_with_years_ignores_the_roadmap_period():
    schedule = parse_schedule("ежеквартально, 2021-2022")
    assert due_dates(schedule, date(2020, 1, 1), date(2025, 12, 31), active_from=date(2022, 1, 1)) == dates(
        "2021-03-31", "2021-06-30", "2021-09-30", "2021-12-31",
        "2022-03-31", "2022-06-30", "2022-09-30", "2022-12-31")


def test_mixed_rules_are_merged_and_sorted():
    schedule = parse_schedule("Апрель 2021г.\nМарт 2022г.\nНоябрь  2023 г.")
    assert due_dates(schedule, date(2022, 1, 1), date(2023, 12, 31)) == dates("2022-03-31", "2023-11-30")
    assert due_dates(schedule, date(2022, 1, 1), date(2021, 1, 1)) == []


def test_is_ongoing():
    roadmap = {"active_from": date(2021, 1, 1), "active_to": date(2023, 12, 31)}
    assert is_ongoing(parse_schedule("постоянно"), date(2022, 5, 1), **roadmap)
    assert not is_ongoing(parse_schedule("постоянно"), date(2024, 5, 1), **roadmap)
    assert is_ongoing(parse_schedule("По плану работы управления образования, в течение года"), date(2022, 5, 1))
    assert is_ongoing(parse_schedule("2020-2022"), date(2021, 5, 1))
    assert not is_ongoing(parse_schedule("2020-2022"), date(2023, 1, 1))
    assert not is_ongoing(parse_schedule("2020-2022"), date(2020, 6, 1), **roadmap)
    assert not is_ongoing(parse_schedule("2021-2022 учебный год"), date(2022, 7, 1))
    assert is_ongoing(parse_schedule("2021-2022 учебный год"), date(2021, 9, 1))
    for text in ("ежеквартально", "по отдельному графику", "Январь 2021 года", "", None):
        assert not is_ongoing(parse_schedule(text), date(2021, 1, 15))


def test_quarters():
    assert quarter_bounds(2025, 1) == (date(2025, 1, 1), date(2025, 3, 31))
    assert quarter_bounds(2024, 4) == (date(2024, 10, 1), date(2024, 12, 31))
    assert quarter_of(date(2025, 3, 31)) == (2025, 1)
    assert quarter_of(date(2025, 4, 1)) == (2025, 2)
    assert quarter_of(date(2025, 12, 31)) == (2025, 4)
    with pytest.raises(ValueError):
        quarter_bounds(2025, 5)


# ------------------------------------------------------------------------------------------ property tests

VOCABULARY = [
    "ежегодно", "Ежеквартально", "ежемесячно", "постоянно", "в течение года", "далее", "январь", "марта", "мае",
    "сентябре", "декабрь", "2020", "2021 г.", "2022г.", "2023 года", "20225гг.", "2021-2023", "2020-21 учебный год",
    "1 раз в четверть", "2 раза в учебный год", "1 раз в три месяца", "(", ")", ",", ";", "-", "–", "\n", "\u00a0",
    "по графику РМО", "по отдельному графику", "в соответствии с планом", "по итогам учебной четверти", "до",
    "25.12.2020", "31.02.2021", "15", "с", "по", "<p>", "[bookmark: x]", "к началу учебного года", "0", "99999",
]


def check_invariants(schedule: Schedule) -> None:
    assert isinstance(schedule.describe(), str) and schedule.describe()
    data = json.loads(json.dumps(schedule.to_json()))
    assert Schedule.from_json(data) == schedule
    due_dates(schedule, date(2019, 1, 1), date(2027, 12, 31), active_from=date(2020, 1, 1),
              active_to=date(2025, 12, 31))
    is_ongoing(schedule, date(2022, 6, 1), active_from=date(2020, 1, 1), active_to=date(2025, 12, 31))
    assert schedule.parsed == (schedule.unparsed_part == "")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_parsed_without_errors(text):
    schedule_module._parse(text)  # the parser itself, without the safety net of parse_schedule
    check_invariants(parse_schedule(text))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(VOCABULARY), max_size=12).map(" ".join))
def test_any_combination_of_deadline_words_is_parsed_without_errors(text):
    schedule_module._parse(text)
    check_invariants(parse_schedule(text))
