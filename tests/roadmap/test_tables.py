"""Import of roadmap tables from .docx and .xlsx (pure code, no database)."""

import datetime as dt
import io
import pathlib
import zipfile

import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from portal.spreadsheets import RowError
from roadmap import tables
from roadmap.tables import (
    ActivityRow,
    RoadmapTable,
    SectionRow,
    clean_cell,
    header_field,
    parse_docx,
    parse_table,
    parse_xlsx,
)

SHARED = pathlib.Path(__file__).resolve().parents[3] / "shared"
NO_TABLE = (
    "не найдена таблица дорожной карты: нужна строка заголовков со столбцом «Мероприятие» (подходят также "
    "«Наименование мероприятия», «Содержание деятельности», «Направления деятельности») и хотя бы одним из столбцов "
    "«№ п/п», «Сроки исполнения», «Ответственные», «Ожидаемый результат»"
)
HEADER4 = ["№ п/п", "Мероприятие", "Сроки исполнения", "Ответственные"]


# ---------------------------------------------------------------------------------------------------------------
# builders


def make_docx(rows, *, merge_rows=(), before=("Приложение к приказу",), tables_before=()) -> bytes:
    """A document with one table; rows listed in ``merge_rows`` (0-based) get all their cells merged."""
    document = Document()
    for text in before:
        document.add_paragraph(text)
    for other in tables_before:
        table = document.add_table(rows=0, cols=len(other[0]))
        for values in other:
            for cell, value in zip(table.add_row().cells, values, strict=True):
                cell.text = value
        document.add_paragraph("")
    width = max(len(row) for row in rows)
    table = document.add_table(rows=0, cols=width)
    for index, values in enumerate(rows):
        cells = table.add_row().cells
        if index in merge_rows:
            merged = cells[0].merge(cells[-1])
            merged.text = values[0]
            continue
        for cell, value in zip(cells, list(values) + [""] * (width - len(values)), strict=True):
            cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_xlsx(rows, *, start_row=1, title=None, merges=(), sheets_before=0) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for index in range(sheets_before):
        sheet.title = f"Пояснения {index + 1}"
        sheet["A1"] = "Пояснительная записка"
        sheet = workbook.create_sheet()
    sheet.title = "Дорожная карта"
    if title:
        sheet.cell(row=1, column=1, value=title)
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=4)
    for offset, values in enumerate(rows):
        for column, value in enumerate(values, start=1):
            if value not in ("", None):
                sheet.cell(row=start_row + offset, column=column, value=value)
    for merge in merges:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def activities(table: RoadmapTable) -> dict[str, ActivityRow]:
    return {activity.number: activity for _section, activity in table.iter_activities()}


def shape(table: RoadmapTable) -> list[tuple[str, str, list[str]]]:
    return [(s.number, s.title, [a.number for a in s.activities]) for s in table.sections]


# ---------------------------------------------------------------------------------------------------------------
# the Туапсинский roadmap, from the seed text


def tuapse_rows() -> list[list[str]]:
    seeds = sorted((SHARED / "seeds").glob("002_*.txt")) if SHARED.exists() else []
    if not seeds:
        pytest.skip(f"нет исходных текстов в {SHARED / 'seeds'}")
    lines = seeds[0].read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("№ п/п\tМероприятие"))
    rows = []
    for line in lines[start:]:
        if line.startswith("Главный специалист"):
            break
        if line.strip():
            rows.append((line.split("\t") + [""] * 4)[:4])
    return rows


@pytest.fixture(scope="module")
def tuapse_docx() -> bytes:
    return make_docx(tuapse_rows())


def test_tuapse_roadmap_from_docx(tuapse_docx):
    table = parse_docx(tuapse_docx)
    assert table.ok, table.errors
    assert table.warnings == []
    assert len(table.sections) == 6
    assert table.activity_count == 67
    assert [len(s.activities) for s in table.sections] == [6, 5, 18, 17, 11, 10]
    first = table.sections[0]
    assert (first.number, first.title, first.row) == ("1", "Общесистемные мероприятия", 2)
    assert table.sections[5].title == "Мониторинг и контроль реализации дорожной карты"
    assert table.columns == {"number": "№ п/п", "title": "Мероприятие", "deadline": "Сроки исполнения",
                             "responsible": "Ответственные"}
    found = activities(table)
    assert found["1.1"].row == 3
    assert found["3.16"].deadline_text == "март-апрель 2021 года"
    assert found["3.16"].responsible_text == "Управление образования МКУ КРО Администрация ОО"
    title = found["1.2"].title
    assert "<" not in title and ">" not in title
    assert title.splitlines() == [
        "Соорганизация деятельности рабочей группы по вопросам повышения качества образования, с учётом "
        "направления поддержки ОО, с низкими образовательными результатами (ШНОР):",
        "— анализ результатов ЕГЭ, ОГЭ, ВПР;",
        "— подготовка аналитических карт по каждой ОО, с низкими образовательными результатами;",
        "— проведение собеседований с руководителями ОО, с низкими образовательными результатами.",
    ]
    assert "(приказ № 596 от 1 сентября 2020 года)" in found["5.3"].title
    assert "<i>" not in found["5.3"].title
    assert "5.10" in found  # written without the trailing dot in the source
    assert found["6.10"].deadline_text == "ежегодно (март-май)"
    assert found["2.4"].title.splitlines()[1:] == ["— учителей математики", "— административных команд ОО;",
                                                   "— учителей русского языка."]
    assert "https://vk.com/public182909203" in found["4.16"].title
    assert len(found["4.16"].title.splitlines()) == 1


def test_tuapse_roadmap_dispatch(tuapse_docx):
    assert parse_table(tuapse_docx, "Дорожная карта.docx").activity_count == 67
    # the content decides, not the name
    assert parse_table(tuapse_docx, "карта.xlsx").activity_count == 67


# ---------------------------------------------------------------------------------------------------------------
# docx layouts


def test_docx_merged_section_rows():
    rows = [
        HEADER4,
        ["1. Организационные мероприятия"],
        ["1.1.", "Создание рабочей группы", "январь 2021", "УО"],
        ["2", "Кадры", "Кадры", "Кадры"],  # number apart, the title merged over the other cells
        ["2.1", "Курсы", "ежегодно", "МКУ КРО"],
        ["Раздел III.", "Мониторинг", "", ""],
        ["3.1.", "Мониторинг результатов", "ежеквартально", "УО"],
    ]
    data = make_docx(rows, merge_rows={1})
    document = Document(io.BytesIO(data))
    assert len({id(c._tc) for c in document.tables[0].rows[1].cells}) == 1  # really merged
    table = parse_docx(data)
    assert table.ok and table.warnings == []
    assert shape(table) == [("1", "Организационные мероприятия", ["1.1"]), ("2", "Кадры", ["2.1"]),
                            ("3", "Мониторинг", ["3.1"])]


def test_docx_merged_section_title_cells():
    document = Document()
    table = document.add_table(rows=4, cols=4)
    for cell, text in zip(table.rows[0].cells, HEADER4, strict=True):
        cell.text = text
    table.rows[1].cells[0].text = "I."
    merged = table.rows[1].cells[1].merge(table.rows[1].cells[3])
    merged.text = "Общесистемные мероприятия"
    for cell, text in zip(table.rows[2].cells, ["1.", "Совещание", "март", "УО"], strict=True):
        cell.text = text
    for cell, text in zip(table.rows[3].cells, ["2.", "Семинар", "апрель", "УО"], strict=True):
        cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    result = parse_docx(buffer.getvalue())
    assert result.ok and result.warnings == []
    assert shape(result) == [("1", "Общесистемные мероприятия", ["1.1", "1.2"])]


def test_docx_choya_five_columns_numbering_restarts():
    rows = [
        ["№ п/п", "Наименование мероприятия", "Сроки исполнения", "Ответственные", "Прогнозируемый результат"],
        ["1. Организационно-управленческие мероприятия"],
        ["1.", "Проведение в ОО, включенных в список ШНОР, анализа причин низких образовательных результатов",
         "Июль\nежегодно", "Отдел образования Казакова О.Б., ОО", "Информационно-аналитический отчёт по каждой ШНОР"],
        ["2.", "Разработка планов работы муниципальных стажировочных площадок:\n"
               "· МОУ «Сейкинская СОШ» «Развитие таланта»;\n· МОУ «Чойская СОШ» «Профориентация»",
         "Январь\nЕжегодно", "ММС\nЛяхова Н.Ю.", "Разработаны планы работы"],
        ["3.", "Обсуждение результатов на Совете РОО", "", "Отдел образования", ""],
        ["2. Мероприятия по развитию кадрового потенциала руководящих и педагогических работников"],
        ["1.", "Диагностика профессиональных дефицитов", "Сентябрь ежегодно", "ММС Ляхова Н.Ю.",
         "Информационно-аналитический отчёт по результатам диагностики"],
    ]
    table = parse_docx(make_docx(rows, merge_rows={1, 5}))
    assert table.ok, table.errors
    assert table.warnings == []
    assert shape(table) == [
        ("1", "Организационно-управленческие мероприятия", ["1.1", "1.2", "1.3"]),
        ("2", "Мероприятия по развитию кадрового потенциала руководящих и педагогических работников", ["2.1"]),
    ]
    found = activities(table)
    assert found["1.1"].deadline_text == "Июль\nежегодно"
    assert found["1.1"].expected_result == "Информационно-аналитический отчёт по каждой ШНОР"
    assert found["1.2"].title.splitlines() == ["Разработка планов работы муниципальных стажировочных площадок:",
                                               "— МОУ «Сейкинская СОШ» «Развитие таланта»;",
                                               "— МОУ «Чойская СОШ» «Профориентация»"]
    assert found["1.3"].deadline_text == ""
    assert found["2.1"].row == 7
    assert table.columns["result"] == "Прогнозируемый результат"


def test_docx_without_responsible_column_kumarey_style():
    rows = [
        ["№ п/п", "Содержание деятельности", "Сроки выполнения", "Ожидаемый результат"],
        ["I этап – подготовительный (2020-21 учебный год)"],
        ["1", "Анализ информации о состоянии системы качества", "Ежегодно", "Администрация готова к управлению"],
        ["2", "Формирование команды разработчиков программы", "Март 2021 года", "Проанализирован кадровый ресурс"],
        ["II этап – практический (2021-22 учебный год)"],
        ["1", "Анализ результатов мониторинга", "Ежегодно", "Рефлексивная оценка"],
    ]
    table = parse_docx(make_docx(rows, merge_rows={1, 4}))
    assert table.ok and table.warnings == []
    assert "responsible" not in table.columns
    assert shape(table) == [("1", "I этап – подготовительный (2020-21 учебный год)", ["1.1", "1.2"]),
                            ("2", "II этап – практический (2021-22 учебный год)", ["2.1"])]
    found = activities(table)
    assert found["1.2"].responsible_text == ""
    assert found["1.2"].expected_result == "Проанализирован кадровый ресурс"


def test_docx_khasan_and_tutaev_headers():
    khasan = [
        ["п/п", "Основные мероприятия", "Сроки исполнения", "Ожидаемый результат"],
        ["1. Разработать систему муниципального мониторинга"],
        ["1.1", "Разработка и реализация мониторинга учебных достижений", "В конце каждого полугодия",
         "Обеспечен комплексный мониторинг"],
    ]
    table = parse_docx(make_docx(khasan, merge_rows={1}))
    assert table.ok and shape(table) == [("1", "Разработать систему муниципального мониторинга", ["1.1"])]

    tutaev = [
        ["№ п/п", "Наименование мероприятий", "Ответственные исполнители", "Сроки реализации", "Показатели"],
        ["1", "2", "3", "4", "5"],
        ["Задача 1.Разработать механизмы ресурсного обеспечения программ"],
        ["1.1.", "Разработка механизмов взаимодействия", "Крылова Е.В.", "2020", "Опубликована модель"],
        ["Задача 2. Создать условия для развития профессиональной компетентности"],
        ["Приоритет 2.1. Тьюторское сопровождение"],
        ["2.1.1.", "Серия семинаров", "Козина Е.Н.", "2020-2022", "100% коллективов"],
    ]
    table = parse_docx(make_docx(tutaev, merge_rows={2, 4, 5}))
    assert table.ok, table.errors
    assert shape(table) == [
        ("1", "Разработать механизмы ресурсного обеспечения программ", ["1.1"]),
        ("2", "Создать условия для развития профессиональной компетентности", ["2.1.1"]),
    ]
    found = activities(table)
    assert (found["1.1"].responsible_text, found["1.1"].deadline_text) == ("Крылова Е.В.", "2020")
    assert table.warnings == [
        RowError(6, "Наименование мероприятий",
                 "подраздел «Приоритет 2.1. Тьюторское сопровождение» учтён в разделе 2")]


def seed_lines(prefix: str) -> list[str]:
    seeds = sorted((SHARED / "seeds").glob(f"{prefix}_*.txt")) if SHARED.exists() else []
    if not seeds:
        pytest.skip(f"нет исходного текста {prefix}_*.txt в {SHARED / 'seeds'}")
    return seeds[0].read_text(encoding="utf-8").splitlines()


AUTO_NUMBERS = ("в таблице нет столбца с номерами: разделы и мероприятия пронумерованы автоматически по порядку "
                "(1, 1.1, 1.2…)")


def kumarey_rows() -> list[list[str]]:
    """«План повышения качества образования» of МБОУ Кумарейская СОШ: one row per line, cells split by tabs."""
    lines = seed_lines("004")
    start = next(i for i, line in enumerate(lines) if line.startswith("Направления и цели деятельности"))
    return [(line.split("\t") + [""] * 3)[:3] for line in lines[start:] if line.strip()]


def test_kumarey_plan_without_number_column():
    rows = kumarey_rows()
    assert rows[0] == ["Направления и цели деятельности работников ОО", "Сроки выполнения", "Ожидаемый результат"]
    table = parse_docx(make_docx(rows))  # headings fill the first cell and leave the others empty
    assert table.ok, table.errors
    assert table.columns == {"title": "Направления и цели деятельности работников ОО",
                             "deadline": "Сроки выполнения", "result": "Ожидаемый результат"}
    assert table.warnings == [RowError(1, "", AUTO_NUMBERS)]
    assert table.activity_count == 26
    assert [len(s.activities) for s in table.sections] == [8, 8, 5, 2, 3]
    for index, section in enumerate(table.sections, start=1):
        assert section.number == str(index)
        assert [a.number for a in section.activities] == [f"{index}.{n}" for n in range(1, len(section.activities) + 1)]
    titles = [s.title.splitlines()[0] for s in table.sections]
    assert titles[0].startswith("I этап – подготовительный (2020-21 учебный год) Информационное")
    assert titles[1] == "II этап – практический (2021-22 учебный год)"
    assert titles[2].startswith("Развитие сетевого взаимодействия и партнерства.")
    # «III этап» and its sub-heading «Подготовка, переподготовка…» come one after the other: one section
    assert table.sections[3].title.splitlines()[0] == "III этап – обобщающий (2022-23 годы)"
    assert table.sections[3].title.splitlines()[1].startswith("Подготовка, переподготовка и повышение квалификации")
    assert titles[4].startswith("Создание механизмов государственно-общественного управления")
    found = activities(table)
    assert found["1.1"].title == "Анализировать информацию о состоянии системы качества образования"
    assert (found["1.1"].deadline_text, found["1.1"].expected_result) == (
        "Ежегодно", "Администрация ОО готова управлять реализацией проекта")
    assert found["1.3"].deadline_text == "Март 2021года"
    assert found["5.1"].deadline_text == "Сентябрь 2022 года"  # the cell was «<p>Сентябрь 2022 года</p>»
    assert "<p>" not in found["5.1"].title
    assert found["1.1"].row == 3
    deadlines = [a.deadline_text for _s, a in table.iter_activities()]
    assert deadlines.count("Ежегодно") == 19 and all(deadlines)
    assert all(a.responsible_text == "" for _s, a in table.iter_activities())


def test_kumarey_plan_with_merged_headings_from_xlsx():
    rows = kumarey_rows()
    headings = [index for index, row in enumerate(rows) if row[0] and not row[1] and not row[2]]
    data = make_xlsx(rows, merges=[f"A{index + 1}:C{index + 1}" for index in headings])
    table = parse_xlsx(data)
    assert table.ok, table.errors
    assert table.activity_count == 26
    assert [len(s.activities) for s in table.sections] == [8, 8, 5, 2, 3]
    assert activities(table)["4.1"].deadline_text == "Сентябрь 2022 года"
    assert [str(w) for w in table.warnings] == ["строка 1: " + AUTO_NUMBERS]


def tutaev_rows() -> list[list[str]]:
    """Section «V. Мероприятия Программы» of the Тутаевский programme: every cell on a line of its own after a tab,
    rows separated by empty lines; a line without the tab carries on the cell above it."""
    lines = seed_lines("001")
    start = next(i for i, line in enumerate(lines) if line.startswith("V. Мероприятия"))
    rows: list[list[str]] = []
    cells: list[str] = []
    for line in lines[start + 1:] + [""]:
        if line.startswith("VI. "):
            break
        if not line.strip():
            if cells:
                rows.append(cells)
            cells = []
        elif line.startswith("\t") or not cells:
            cells.append(line.strip())
        else:
            cells[-1] = f"{cells[-1]} {line.strip()}"
    return rows


@pytest.mark.parametrize("merged", [True, False])
def test_tutaev_tasks_with_priorities(merged):
    rows = tutaev_rows()
    assert rows[0] == ["№ п/п", "Наименование мероприятий", "Ответственные исполнители", "Сроки реализации",
                       "Показатели"]
    headings = {index for index, row in enumerate(rows) if len(row) == 1}
    table = parse_docx(make_docx(rows, merge_rows=headings if merged else ()))
    assert table.ok, table.errors
    assert [s.number for s in table.sections] == ["1", "2", "3", "4"]
    assert [len(s.activities) for s in table.sections] == [6, 16, 5, 2]
    assert table.activity_count == 29
    assert [a.number for a in table.sections[1].activities] == (
        [f"2.1.{n}" for n in range(1, 8)] + [f"2.2.{n}" for n in range(1, 5)] + [f"2.3.{n}" for n in range(1, 6)])
    assert table.sections[0].title == ("Разработать механизмы ресурсного обеспечения программ перехода "
                                       "школ-участников Программыв эффективный режим работы")
    assert table.sections[1].title.startswith("Создать условия для развития профессиональной компетентности")
    assert [w.message for w in table.warnings] == [
        f"подраздел «Приоритет 2.{n}. {text}» учтён в разделе 2" for n, text in [
            (1, "Тьюторское сопровождение развития профессиональной компетентности педагогов и руководителей в "
                "выборе и реализации педагогической стратегии школы"),
            (2, "Создание условий для профессионального развития педагогов школ-участников Программы в обеспечении "
                "индивидуализации образовательного процесса"),
            (3, "Создание условий для профессионального развития педагогов школ-участников Программы в обеспечении "
                "дополнительного образования детей"),
        ]]
    assert {w.column for w in table.warnings} == {"Наименование мероприятий"}
    found = activities(table)
    assert (found["2.3.5"].responsible_text, found["2.3.5"].deadline_text) == ("Кочина И.В.", "2020-2022")
    assert found["3.5"].title == ("Реализация мер, направленных на обеспечение общественного признания достижений "
                                  "школ-участников Программы")
    assert found["3.1"].expected_result == ""
    assert found["4.2"].expected_result == "100% школ участвуют в мониторинге"


def test_task_and_priority_in_cells_of_their_own():
    rows = [
        ["№ п/п", "Наименование мероприятий", "Ответственные исполнители", "Сроки реализации"],
        ["Задача 1.", "Разработать механизмы", "Крылова Е.В.", "2020-2022"],  # other cells filled: still a section
        ["1.1.", "Задача 1: анализ моделей взаимодействия", "Крылова Е.В.", "2020"],  # numbered: an activity
        ["", "Задача 2. Создать условия", "", "2020-2022"],
        ["Приоритет 2.1.", "Тьюторское сопровождение", "", ""],
        ["2.1.1.", "Серия семинаров", "Козина Е.Н.", "2020"],
        ["", "Приоритет 2.2. Индивидуальные программы", "Шпейнова Н.Н.", ""],
        ["2.2.1.", "Выявление дефицитов", "Шпейнова Н.Н.", "2020"],
    ]
    table = parse_docx(make_docx(rows))
    assert table.ok, table.errors
    assert shape(table) == [("1", "Разработать механизмы", ["1.1"]),
                            ("2", "Создать условия", ["2.1.1", "2.2.1"])]
    assert activities(table)["1.1"].title == "Задача 1: анализ моделей взаимодействия"
    assert [str(w) for w in table.warnings] == [
        "строка 5, столбец «Наименование мероприятий»: подраздел «Приоритет 2.1. Тьюторское сопровождение» учтён "
        "в разделе 2",
        "строка 7, столбец «Наименование мероприятий»: подраздел «Приоритет 2.2. Индивидуальные программы» учтён "
        "в разделе 2",
    ]


def test_priority_outside_its_task_stays_a_section():
    rows = [HEADER4, ["Задача 1. Первая"], ["1.1", "Первое", "2020", "УО"], ["Приоритет 2.1. Вторая"],
            ["2.1.1", "Второе", "2021", "УО"]]
    table = parse_docx(make_docx(rows, merge_rows={1, 3}))
    assert table.ok and table.warnings == []
    assert shape(table) == [("1", "Первая", ["1.1"]), ("2.1", "Вторая", ["2.1.1"])]


def test_no_number_column_rows_before_the_first_section_and_text_after_the_table():
    rows = [
        ["Мероприятия", "Сроки", "Ответственные"],
        ["Совещание руководителей", "август", "УО"],
        ["Организационные мероприятия", "", ""],
        ["Создание рабочей группы", "январь", "УО"],
        ["", "", "МКУ КРО"],  # the rest of the activity above
        ["Кадры", "", ""],
        ["Курсы", "", ""],  # a text spanning the row right after a heading adds to the heading
        ["Курсы повышения квалификации", "ежегодно", ""],
        ["Задача 3. Контроль"],
        ["Мониторинг", "ежеквартально", "УО"],
        ["Начальник управления Иванов И.И.", "", ""],
    ]
    table = parse_docx(make_docx(rows, merge_rows={8}))
    assert table.ok, table.errors
    assert shape(table) == [("", "Без раздела", ["1"]), ("1", "Организационные мероприятия", ["1.1"]),
                            ("2", "Кадры\nКурсы", ["2.1"]), ("3", "Контроль", ["3.1"])]
    assert activities(table)["1.1"].responsible_text == "УО\nМКУ КРО"
    assert activities(table)["2.1"].responsible_text == ""
    assert [str(w) for w in table.warnings] == [
        "строка 1: " + AUTO_NUMBERS,
        "строка 2, столбец «Мероприятия»: мероприятие указано до первого раздела и отнесено к разделу «Без раздела»",
        "строка 5: строка без номера и наименования присоединена к мероприятию «1.1»",
        "строка 11: текст «Начальник управления Иванов И.И.» после таблицы не загружен",
    ]


@pytest.mark.parametrize("header", [
    ["Предмет", "Средний балл", "Доля «2»"],
    ["Мероприятие", "Место проведения", "Участники", "Сроки"],  # more unknown columns than known ones
    ["Мероприятие", "Примечание"],
    ["Сроки реализации", "2020-2023 годы"],  # a passport row
])
def test_tables_that_are_not_roadmaps(header):
    rows = [header, ["Математика", "3,9", "12%", "", ""][: len(header)], ["Русский язык", "4,1", "3%", ""][
        : len(header)]]
    table = parse_docx(make_docx(rows))
    assert table.errors == [RowError(None, "", NO_TABLE)]
    assert parse_xlsx(make_xlsx(rows)).errors == [RowError(None, "", NO_TABLE)]


def test_results_table_before_the_plan_is_skipped():
    marks = [["Предмет", "Средний балл", "Доля «2»"], ["Математика", "3,9", "12%"]]
    plan = [["Направления и цели деятельности работников ОО", "Сроки выполнения", "Ожидаемый результат"],
            ["I этап – подготовительный", "", ""], ["Анализ информации", "Ежегодно", "Отчёт"]]
    table = parse_docx(make_docx(plan, tables_before=[marks]))
    assert table.ok
    assert shape(table) == [("1", "I этап – подготовительный", ["1.1"])]


def test_docx_header_over_two_rows_and_nested_paragraphs():
    document = Document()
    table = document.add_table(rows=5, cols=4)
    head, sub = table.rows[0].cells, table.rows[1].cells
    head[0].merge(sub[0]).text = "№\nп/п"
    head[1].merge(sub[1]).text = "Мероприятие"
    head[2].merge(head[3]).text = "Исполнение"
    sub[2].text, sub[3].text = "Срок", "Исполнители"
    for cell, text in zip(table.rows[2].cells, ["1", "2", "3", "4"], strict=True):
        cell.text = text
    table.rows[3].cells[0].merge(table.rows[3].cells[3]).text = "1. Кадры"
    cells = table.rows[4].cells
    cells[0].text = "1.1."
    cells[1].text = "Курсы повышения квалификации"
    cells[1].add_paragraph("для учителей математики")
    cells[1].add_paragraph("")
    cells[1].add_paragraph("и русского языка")
    cells[2].text, cells[3].text = "2021", "МКУ КРО"
    buffer = io.BytesIO()
    document.save(buffer)
    result = parse_docx(buffer.getvalue())
    assert result.ok and result.warnings == []
    assert result.columns == {"number": "№ п/п", "title": "Мероприятие", "deadline": "Срок",
                              "responsible": "Исполнители"}
    activity = activities(result)["1.1"]
    assert activity.title == "Курсы повышения квалификации\nдля учителей математики\nи русского языка"
    assert (activity.deadline_text, activity.responsible_text, activity.row) == ("2021", "МКУ КРО", 5)


def test_docx_roadmap_is_not_the_first_table_and_continues_after_a_page_break():
    stats = [["Предмет", "2019 год", "2020 год"], ["Математика", "3,9", "4,1"]]
    document = Document()
    first = document.add_table(rows=0, cols=3)
    for values in stats:
        for cell, value in zip(first.add_row().cells, values, strict=True):
            cell.text = value
    document.add_paragraph("Дорожная карта")
    roadmap = document.add_table(rows=0, cols=4)
    for values in [HEADER4, ["1. Общие", "", "", ""], ["1.1.", "Первое", "2021", "УО"]]:
        for cell, value in zip(roadmap.add_row().cells, values, strict=True):
            cell.text = value
    document.add_paragraph("")
    rest = document.add_table(rows=0, cols=4)
    for values in [HEADER4, ["1.2.", "Второе", "2022", "УО"], ["2. Контроль", "", "", ""],
                   ["2.1.", "Третье", "2023", "УО"]]:
        for cell, value in zip(rest.add_row().cells, values, strict=True):
            cell.text = value
    document.add_paragraph("Начальник управления")
    signatures = document.add_table(rows=1, cols=4)
    signatures.rows[0].cells[0].text = "Иванов И.И."
    buffer = io.BytesIO()
    document.save(buffer)
    table = parse_docx(buffer.getvalue())
    assert table.ok and table.warnings == []
    assert shape(table) == [("1", "Общие", ["1.1", "1.2"]), ("2", "Контроль", ["2.1"])]
    assert activities(table)["2.1"].row == 7  # rows of the continuation table are counted on


def test_docx_warnings_do_not_block():
    rows = [
        HEADER4,
        ["1.", "Мероприятие до раздела", "2021", "УО"],
        ["Общесистемные мероприятия"],
        ["1.1.", "Первое", "2021", "УО"],
        ["1.1.", "Повтор номера", "2021", "УО"],
        ["", "Без номера", "2021", "УО"],
        ["", "", "", "Администрация ОО"],
    ]
    table = parse_docx(make_docx(rows, merge_rows={2}))
    assert table.ok
    assert shape(table) == [("", "Без раздела", ["1"]), ("1", "Общесистемные мероприятия", ["1.1", "1.1", "1.2"])]
    assert [str(w) for w in table.warnings] == [
        "строка 2, столбец «№ п/п»: мероприятие указано до первого раздела и отнесено к разделу «Без раздела»",
        "строка 3, столбец «Мероприятие»: у раздела «Общесистемные мероприятия» нет номера, присвоен номер 1",
        "строка 5, столбец «№ п/п»: номер «1.1» повторяется (впервые — в строке 4)",
        "строка 6, столбец «№ п/п»: у мероприятия нет номера, присвоен номер «1.2»",
        "строка 7: строка без номера и наименования присоединена к мероприятию «1.2»",
    ]
    assert activities(table)["1.2"].responsible_text == "УО\nАдминистрация ОО"


def test_docx_numbers_left_to_word_auto_numbering():
    """Word list numbering leaves the number cells empty: sections and activities are numbered in order."""
    rows = [HEADER4, ["Общие мероприятия"], ["", "Первое", "2021", "УО"], ["", "Второе", "2022", "УО"],
            ["Контроль"], ["", "Третье", "2023", "УО"]]
    table = parse_docx(make_docx(rows, merge_rows={1, 4}))
    assert table.ok
    assert shape(table) == [("1", "Общие мероприятия", ["1.1", "1.2"]), ("2", "Контроль", ["2.1"])]
    assert len(table.warnings) == 5


def test_docx_text_after_the_table_inside_it_is_dropped():
    rows = [HEADER4, ["1. Общие"], ["1.1.", "Первое", "2021", "УО"], ["Начальник управления Иванов И.И."]]
    table = parse_docx(make_docx(rows, merge_rows={1, 3}))
    assert table.ok
    assert shape(table) == [("1", "Общие", ["1.1"])]
    assert [str(w) for w in table.warnings] == [
        "строка 4: текст «Начальник управления Иванов И.И.» после таблицы не загружен"]


def test_docx_html_leftovers_and_entities_in_cells():
    rows = [HEADER4, ["1. Общие"],
            ["1.1.", "<p>Семинар&nbsp;для&nbsp;учителей</p><ul><li>математики</li><li>физики &amp; химии</li></ul>",
             "март<br>апрель", "<b>УО</b>"]]
    activity = activities(parse_docx(make_docx(rows)))["1.1"]
    assert activity.title == "Семинар для учителей\n— математики\n— физики & химии"
    assert activity.deadline_text == "март\nапрель"
    assert activity.responsible_text == "УО"


# ---------------------------------------------------------------------------------------------------------------
# xlsx layouts


def test_xlsx_header_below_a_title_and_merged_sections():
    rows = [
        ["№ п/п", "Наименование мероприятия", "Срок исполнения", "Ответственный"],
        ["1. Общесистемные мероприятия"],
        ["1.1.", "Создание рабочей группы", "Январь 2021 года", "Управление образования"],
        [2, "Кадры"],
        [2.1, "Курсы", "постоянно", "МКУ КРО"],
        ["", "", "", ""],
        ["2.2", "Семинары", dt.datetime(2021, 3, 1), "УО"],
    ]
    data = make_xlsx(rows, start_row=3, title="Дорожная карта на 2021–2023 годы", merges=("A4:D4", "B6:D6"))
    table = parse_xlsx(data)
    assert table.ok, table.errors
    assert table.warnings == []
    assert shape(table) == [("1", "Общесистемные мероприятия", ["1.1"]), ("2", "Кадры", ["2.1", "2.2"])]
    found = activities(table)
    assert found["1.1"].row == 5
    assert found["2.2"].row == 9
    assert found["2.2"].deadline_text == "01.03.2021"
    assert table.columns == {"number": "№ п/п", "title": "Наименование мероприятия", "deadline": "Срок исполнения",
                             "responsible": "Ответственный"}


def test_xlsx_numbers_excel_turned_into_floats_and_dates():
    rows = [HEADER4, ["5. Качество"]]
    rows += [[float(f"5.{n}"), f"Мероприятие {n}", "", ""] for n in range(1, 10)]
    rows += [[5.1, "Мероприятие 10", "", ""], [dt.datetime(2021, 2, 1), "Мероприятие с датой", "", ""]]
    table = parse_xlsx(make_xlsx(rows, sheets_before=1))
    assert table.ok
    numbers = [a.number for _s, a in table.iter_activities()]
    assert numbers[-3:] == ["5.9", "5.10", "1.2"]
    assert [str(w) for w in table.warnings] == [
        "строка 13, столбец «№ п/п»: номер сохранён в Excel как дата 01.02.2021 и прочитан как «1.2»; проверьте его",
        "строка 13, столбец «№ п/п»: номер «1.2» не относится к разделу «5»",
    ]


def test_xlsx_merged_section_without_number_cell_and_vertical_merge():
    rows = [HEADER4, ["Организационные мероприятия"], ["1", "Первое", "2021", "УО"], ["2", "Второе", "2022", ""]]
    table = parse_xlsx(make_xlsx(rows, merges=("A2:D2", "D3:D4")))
    assert table.ok
    assert shape(table) == [("1", "Организационные мероприятия", ["1.1", "1.2"])]
    assert activities(table)["1.2"].responsible_text == "УО"
    assert [str(w) for w in table.warnings] == [
        "строка 2, столбец «Мероприятие»: у раздела «Организационные мероприятия» нет номера, присвоен номер 1"]


# ---------------------------------------------------------------------------------------------------------------
# errors


def test_error_no_roadmap_table():
    data = make_docx([["Предмет", "2019", "2020"], ["Математика", "3,9", "4,1"]])
    table = parse_docx(data)
    assert table.errors == [RowError(None, "", NO_TABLE)]
    assert str(table.errors[0]) == "файл: " + NO_TABLE
    assert not table.ok and table.sections == []
    assert parse_xlsx(make_xlsx([["Показатель", "Значение"]])).errors == [RowError(None, "", NO_TABLE)]
    assert parse_docx(_empty_docx()).errors == [RowError(None, "", NO_TABLE)]


def _empty_docx() -> bytes:
    buffer = io.BytesIO()
    Document().save(buffer)
    return buffer.getvalue()


def test_error_activity_without_title():
    rows = [HEADER4, ["1. Общие"], ["1.1.", "Первое", "2021", "УО"], ["1.2.", "", "2022", "УО"], ["1.3."]]
    table = parse_docx(make_docx(rows))
    assert [str(e) for e in table.errors] == [
        "строка 4, столбец «Мероприятие»: не указано наименование мероприятия",
        "строка 5, столбец «Мероприятие»: не указано наименование мероприятия",
    ]
    assert table.errors[0] == RowError(4, "Мероприятие", "не указано наименование мероприятия")
    assert not table.ok


def test_error_number_not_recognised():
    rows = [["№", "Мероприятия", "Сроки"], ["1. Общие"], ["а)", "Первое", "2021"], ["1.1 б", "Второе", "2021"]]
    table = parse_xlsx(make_xlsx(rows))
    assert [str(e) for e in table.errors] == [
        "строка 3, столбец «№»: номер «а)» не распознан: ожидается номер вида «1», «1.2» или «1.2.»",
        "строка 4, столбец «№»: номер «1.1 б» не распознан: ожидается номер вида «1», «1.2» или «1.2.»",
    ]


def test_error_title_too_long():
    rows = [HEADER4, ["1. Общие"], ["1.1.", "а" * 4001, "2021", "УО"], ["1.2.", "б" * 4000, "2021", "УО"]]
    table = parse_docx(make_docx(rows))
    assert table.errors == [RowError(3, "Мероприятие",
                                     "наименование мероприятия слишком длинное: 4001 символов, допускается не больше "
                                     "4000")]
    assert activities(table)["1.2"].title == "б" * 4000


@pytest.mark.parametrize("parse", [parse_docx, parse_xlsx, lambda data: parse_table(data, "карта.docx")])
def test_error_empty_file(parse):
    table = parse(b"")
    assert table.errors == [RowError(None, "", "файл пустой")]
    assert str(table.errors[0]) == "файл: файл пустой"


def test_error_table_without_activities():
    assert parse_docx(make_docx([HEADER4, ["1. Общие"]])).errors == [
        RowError(1, "", "в таблице дорожной карты нет ни одного мероприятия")]
    assert parse_xlsx(make_xlsx([HEADER4], start_row=2)).errors == [
        RowError(2, "", "в таблице дорожной карты нет ни одного мероприятия")]


def test_error_more_than_2000_rows_xlsx():
    rows = [HEADER4, ["1. Общие"]] + [[f"1.{n}", f"Мероприятие {n}", "", ""] for n in range(1, 2001)]
    table = parse_xlsx(make_xlsx(rows))
    assert table.errors == [RowError(None, "", "в таблице дорожной карты 2001 строк, допускается не больше 2000: "
                                               "разделите её на несколько файлов")]
    assert parse_xlsx(make_xlsx(rows[:-1])).activity_count == 1999


def test_error_more_than_2000_rows_docx():
    rows = [HEADER4, ["1. Общие"]] + [[f"1.{n}", f"Мероприятие {n}", "", ""] for n in range(1, 2001)]
    table = parse_docx(make_docx(rows, before=()))
    assert table.errors == [RowError(None, "", "в таблице дорожной карты 2001 строк, допускается не больше 2000: "
                                               "разделите её на несколько файлов")]


def test_error_not_a_word_document():
    for data in (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", b"{\\rtf1\\ansi text}", "№;Мероприятие\n".encode()):
        table = parse_docx(data)
        assert len(table.errors) == 1
        assert table.errors[0].message.startswith("Файл не является документом Word (.docx)")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("readme.txt", "hello")
    assert parse_docx(archive.getvalue()).errors[0].message.startswith("Файл не является документом Word (.docx)")


def test_error_old_or_encrypted_word_document():
    table = parse_docx(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024)
    assert table.errors == [RowError(None, "", "файл в старом формате .doc или защищён паролем; откройте его в Word "
                                               "и сохраните как «Документ Word (*.docx)» без пароля")]
    assert "защищён паролем" in parse_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "карта.doc").errors[
        0].message


def test_error_word_document_too_large_refused_before_decompression(monkeypatch):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"\0" * (3 * 1024 * 1024))
    data = archive.getvalue()
    assert len(data) < 100_000
    monkeypatch.setattr(tables, "MAX_DOCX_UNZIPPED", 1024 * 1024)

    def no_reading(*args, **kwargs):
        raise AssertionError("распаковка до проверки размера")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_reading)
    table = parse_docx(data)
    assert table.errors == [RowError(None, "", "после распаковки документ занимает 3 МБ, больше допустимых 1 МБ")]


def test_error_broken_word_document():
    data = bytearray(make_docx([HEADER4, ["1. Общие"], ["1.1", "Первое"]]))
    middle = len(data) // 2
    data[middle:middle + 200] = b"\0" * 200
    table = parse_docx(bytes(data))
    assert not table.ok and len(table.errors) == 1


def test_excel_file_given_as_word_and_unknown_formats():
    workbook = make_xlsx([HEADER4, ["1. Общие"], ["1.1", "Первое"]])
    assert parse_docx(workbook).errors == [
        RowError(None, "", "это книга Excel, а не документ Word: загрузите её как файл .xlsx")]
    assert parse_table(workbook, "карта.docx").activity_count == 1
    assert parse_table(b"plain text", "карта.pdf").errors == [
        RowError(None, "", "формат файла «.pdf» не поддерживается: загрузите дорожную карту в формате документа "
                           "Word (.docx) или книги Excel (.xlsx)")]
    assert "без расширения" in parse_table(b"plain text", "карта").errors[0].message
    assert parse_table(b"%PDF-1.4", "карта.xlsx").errors[0].message.startswith("это не файл Excel .xlsx")


# ---------------------------------------------------------------------------------------------------------------
# cells and headers


@pytest.mark.parametrize(("value", "expected"), [
    (None, ""),
    ("", ""),
    (3.0, "3"),
    (5.1, "5.1"),
    (dt.date(2021, 1, 27), "27.01.2021"),
    ("  Январь\u00a0 2021 года \n\n ежегодно ", "Январь 2021 года\nежегодно"),
    ("a &laquo;b&raquo; &#8212; c &amp;amp; R&D", "a «b» — c & R&D"),
    ("доля < 50% и > 10%", "доля < 50% и > 10%"),
    ("<p>Один</p><p>Два</p>", "Один\nДва"),
    ("строка<br/>вторая<BR>третья", "строка\nвторая\nтретья"),
    ("<ol><li>первый</li><li>второй</li></ol>", "— первый\n— второй"),
    ("- один; - два", "— один;\n— два"),
    ("• один\n• два", "— один\n— два"),
    ("ГИА – 9,11 классов", "ГИА – 9,11 классов"),
    ("-5 баллов", "-5 баллов"),
    ("текст\x00с\x07управляющими\u200bсимволами", "текстсуправляющимисимволами"),
    ('<span style="color:red">важно</span> <o:p></o:p>', "важно"),
])
def test_clean_cell(value, expected):
    assert clean_cell(value) == expected
    assert clean_cell(clean_cell(value)) == clean_cell(value)


def test_clean_cell_never_raises():
    class Broken:
        def __str__(self):
            raise RuntimeError("нет текста")

    assert clean_cell(Broken()) == ""
    assert clean_cell(float("nan")) == ""


@given(st.text(max_size=300))
@settings(max_examples=200, deadline=None)
def test_clean_cell_is_idempotent(text):
    once = clean_cell(text)
    assert clean_cell(once) == once


@pytest.mark.parametrize(("text", "name"), [
    ("№", "number"), ("№ п/п", "number"), ("N п/п", "number"), ("№п/п", "number"),
    ("Мероприятие", "title"), ("МЕРОПРИЯТИЯ", "title"), ("Наименование  мероприятия", "title"),
    ("Содержание деятельности", "title"), ("Направления и цели деятельности работников ОО", "title"),
    ("Направления деятельности", "title"),
    ("Сроки", "deadline"), ("Сроки\nисполнения", "deadline"), ("Срок исполнения", "deadline"),
    ("Сроки реализации", "deadline"), ("Срок", "deadline"),
    ("Ответственные", "responsible"), ("Ответственный", "responsible"), ("Ответственные исполнители", "responsible"),
    ("Исполнители", "responsible"),
    ("Ожидаемый результат", "result"), ("Прогнозируемый результат", "result"), ("Результат", "result"),
    ("Форма отчёта", "result"), ("Форма отчета", "result"), ("Планируемый результат", "result"),
    ("Показатели", "result"),
    ("Предмет", None), ("2019 год", None), ("", None), ("Средний балл", None), ("Доля «2»", None),
    ("Направления", None), ("Цели программы", None),
])
def test_header_synonyms(text, name):
    assert header_field(text) == name


def test_dataclasses():
    table = RoadmapTable(sections=[SectionRow("1", "А", [ActivityRow("1.1", "x"), ActivityRow("1.2", "y")]),
                                   SectionRow("2", "Б", [])], errors=[], warnings=[], columns={})
    assert table.activity_count == 2 and table.ok
    table.errors.append(RowError(1, "", "ошибка"))
    assert not table.ok


# ---------------------------------------------------------------------------------------------------------------
# hostile input


def _valid_docx() -> bytes:
    return make_docx([HEADER4, ["1. Общие"], ["1.1.", "Первое", "2021", "УО"]])


def _valid_xlsx() -> bytes:
    return make_xlsx([HEADER4, ["1. Общие"], ["1.1.", "Первое", "2021", "УО"]])


VALID_DOCX = _valid_docx()
VALID_XLSX = _valid_xlsx()


def _check(table) -> None:
    assert isinstance(table, RoadmapTable)
    assert table.ok or table.errors
    for error in table.errors:
        assert isinstance(error, RowError) and error.message


@given(st.binary(max_size=4096), st.sampled_from(["a.docx", "a.xlsx", "a.doc", "a.pdf", ""]))
@settings(max_examples=50, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
def test_random_bytes_never_raise(data, name):
    _check(parse_table(data, name))
    _check(parse_docx(data))
    _check(parse_xlsx(data))


@given(st.sampled_from(["docx", "xlsx"]),
       st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), min_size=1,
                max_size=20),
       st.integers(min_value=0))
@settings(max_examples=50, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_files_never_raise(kind, changes, cut):
    data = bytearray(VALID_DOCX if kind == "docx" else VALID_XLSX)
    for position, value in changes:
        data[position % len(data)] = value
    if cut % 3 == 0:
        data = data[: max(1, cut % len(data))]
    _check(parse_table(bytes(data), f"карта.{kind}"))


def _rezip(data: bytes, member: str, mutate) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            target.writestr(info.filename, mutate(body) if info.filename == member else body)
    return output.getvalue()


@given(st.sampled_from([("docx", "word/document.xml"), ("xlsx", "xl/worksheets/sheet1.xml")]),
       st.lists(st.tuples(st.integers(min_value=0), st.binary(max_size=4)), min_size=1, max_size=10))
@settings(max_examples=50, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_xml_inside_the_archive_never_raises(target, changes):
    kind, member = target

    def mutate(body: bytes) -> bytes:
        body = bytearray(body)
        for position, replacement in changes:
            start = position % len(body)
            body[start:start + max(len(replacement), 1)] = replacement
        return bytes(body)

    _check(parse_table(_rezip(VALID_DOCX if kind == "docx" else VALID_XLSX, member, mutate), f"карта.{kind}"))


def test_odd_table_markup_is_tolerated():
    data = make_docx([HEADER4, ["1. Общие"], ["1.1.", "Первое", "2021", "УО"], ["1.2.", "Второе", "2022", "УО"]])

    def mutate(body: bytes) -> bytes:
        text = body.decode()
        text = text.replace("<w:tcPr>", '<w:tcPr><w:gridSpan w:val="много"/><w:vMerge/>', 1)
        return text.replace("<w:tcPr>", '<w:tcPr><w:gridSpan w:val="100000"/>', 2).encode()

    _check(parse_docx(_rezip(data, "word/document.xml", mutate)))
