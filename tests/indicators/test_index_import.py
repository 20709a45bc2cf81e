"""Import of published ОИП / ИСБШ lists: the three Tutaev tables, built as workbooks from domain/tutaev_*.csv."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from indicators import index_import
from indicators.importers.index_lists import FLAG_FIELDS, parse_index_list
from indicators.models import ClassificationRun, IndexValue
from portal.spreadsheets import read_workbook
from schools.choices import TYPOLOGY_FLAGS
from schools.models import AcademicYear, Municipality, School, SchoolYearProfile
from tests.conftest import SHARED_DIR, queued_work

pytestmark = pytest.mark.django_db

TUTAEV = "Тутаевский муниципальный район"
FLAG_ORDER = ("flag_deprived_rural", "flag_deprived_urban", "flag_small_rural", "flag_limited_transport",
              "flag_high_deviance", "flag_low_staff_potential")


# --- workbooks -------------------------------------------------------------------------------------------------

def _csv(name: str) -> list[list[str]]:
    path = SHARED_DIR / "domain" / name
    if not path.exists():
        pytest.skip(f"нет {path}")
    with path.open(encoding="utf-8") as handle:
        return list(csv.reader(handle))[1:]


def _schools(rows):
    return [r for r in rows if r[0].strip().isdigit()]


def _number(text: str):
    return float(text) if text.strip() else None


def _xlsx(title: str, header: list, rows: list[list]) -> bytes:
    """A title, a blank row, the header (row 3), then the rows."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Лист1"
    sheet.append([title])
    sheet.append([])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


TABLE1_HEADER = ["№", "Наименование\nОО", "егэ", "ОГЭ", "Впр", "СК", "олимп", "ДОСТОВЕРНОСТЬ", "ОИП"]


def table1_rows(edit=None) -> list[list]:
    out = []
    for raw in _csv("tutaev_oip_table1.csv"):
        if raw[0].startswith("("):
            out.append([])  # the blank separator row of the source (ОИП<36 below it)
        elif raw[0].strip().isdigit():
            values = [_number(v) for v in raw[2:]]
            if raw[1] == "МОУ Столбищенская основная школа":
                values[-1] = raw[-1].replace(".", ",")  # «22,98» typed as text with a decimal comma
            out.append([int(raw[0]), raw[1], *values])
        else:
            out.append([None, raw[1], *[_number(v) for v in raw[2:]]])
    if edit:
        edit(out)
    return out


def table1(edit=None) -> bytes:
    return _xlsx("Таблица 1. Результаты идентификации школ Тутаевского МР по ОИП", TABLE1_HEADER, table1_rows(edit))


def table2() -> bytes:
    header = ["№", "НАИМЕНОВАНИЕ ОБРАЗОВАТЕЛЬНОЙ\nОРГАНИЗАЦИИ", "Депривированные\nсельские школы",
              "Депривированные городские школы", "Сельские\nмалокомплектые",  # the typo of the source
              "Школы с ограниченной транспортной доступностью", "Школы с высоким уровнем девиантности",
              "Школы с низким уровнем кадрового потенциала", "Кол-во признаков", "исбш"]
    rows = []
    for raw in _csv("tutaev_isbsh_table2.csv"):
        if raw[0].strip().isdigit():
            rows.append([int(raw[0]), raw[1], *[v or None for v in raw[2:8]], int(raw[8]), _number(raw[9])])
        else:
            rows.append([None, raw[1], None, None, None, None, None, None, None, _number(raw[9])])
    return _xlsx("Таблица 2. Типологизация школ Тутаевского МР по ИСБШ", header, rows)


TABLE3_HEADER = ["№", "Образовательная организация", "Общий интегральный\nпоказатель (ШНОР)",
                 "Индекс социального благополучия школы\n(ШНСУ)"]


def table3(extra=()) -> bytes:
    rows = []
    for raw in _csv("tutaev_oip_isbsh_table3.csv"):
        rows.append([int(raw[0]) if raw[0].strip() else None, raw[1], _number(raw[2]), _number(raw[3])])
    schools = [r for r in rows if r[0] is not None]
    references = [r for r in rows if r[0] is None]
    return _xlsx("Таблица 3. Результаты идентификации школ Тутаевского МР по ОИП и ИСБШ", TABLE3_HEADER,
                 [*schools, *extra, *references])


# --- database state --------------------------------------------------------------------------------------------

@pytest.fixture
def demo():
    call_command("load_demo", stdout=io.StringIO())
    IndexValue.objects.all().delete()
    return Municipality.objects.get(name=TUTAEV)


@pytest.fixture
def year(demo):
    return AcademicYear.objects.get(start_year=2019)


def _school(name: str) -> School:
    return next(s for s in School.objects.filter(municipality__name=TUTAEV)
                if name in (s.name, s.short_name, *s.aliases))


def _values(kind: str) -> dict[str, IndexValue]:
    return {v.school.name: v for v in IndexValue.objects.filter(kind=kind, source="imported").select_related("school")}


def _snapshot():
    return (sorted(IndexValue.objects.values_list("pk", "school_id", "kind", "value", "source_note", "updated_at")),
            sorted(SchoolYearProfile.objects.values_list("pk", *FLAG_FIELDS, "updated_at")))


# --- parser ----------------------------------------------------------------------------------------------------

def test_flag_fields_are_the_profile_typology_flags():
    assert set(FLAG_FIELDS) == set(TYPOLOGY_FLAGS) == set(FLAG_ORDER)


def test_table1_is_parsed_with_components_and_the_target_row():
    result = parse_index_list(read_workbook(table1()))
    assert result.ok, result.errors
    assert result.layout == "table1" and result.header_row == 3
    assert len(result.rows) == 18
    first = result.rows[0]
    assert first.row == 4 and first.school.name == "МОУ Константиновская средняя школа"
    assert first.oip == Decimal("59.86") and first.isbs is None
    assert first.components == {"ЕГЭ": 25, "ОГЭ": 149, "ВПР": 147, "СК": 143, "Олимп": 83, "Достоверность": 121.83}
    basic = next(r for r in result.rows if r.school.name == "МОУ Великосельская основная школа")
    assert "ЕГЭ" not in basic.components and basic.components["ОГЭ"] == 8
    stolb = next(r for r in result.rows if r.school.name == "МОУ Столбищенская основная школа")
    assert stolb.oip == Decimal("22.98") and stolb.row == 20  # after the blank separator row 15
    assert [(r.label, r.oip, r.isbs) for r in result.reference_values] == [
        ("Целевой показатель региональной программы", Decimal("36.00"), None)]
    assert not result.warnings


def test_header_anywhere_in_first_rows_notes_and_extra_columns():
    workbook = Workbook()
    sheet = workbook.active
    for _ in range(9):
        sheet.append([])
    sheet.append(["Код", "  школа ", "Примечание", "ИСБШ", "оип"])
    sheet.append(["1", "МОУ Школа А", "что-то", "41,5", 30])
    sheet.append([None, "(ОИП<36 ниже этой строки)", None, None, None])
    sheet.append([None, "Средняя школа Б", None, "50", "-"])  # a school named «Средняя …» is a school
    sheet.append([None, "Итого по району", None, 45.75, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = parse_index_list(read_workbook(buffer.getvalue()))
    assert result.ok and result.layout == "table3" and result.header_row == 10
    assert [(r.school.name, r.oip, r.isbs) for r in result.rows] == [
        ("МОУ Школа А", Decimal("30.00"), Decimal("41.50")), ("Средняя школа Б", None, Decimal("50.00"))]
    assert [r.label for r in result.reference_values] == ["Итого по району"]
    assert [str(w) for w in result.warnings] == ["строка 13, столбец «оип»: у «Средняя школа Б» значение не "
                                                 "указано — не загружается"]


def _two_row_header(upper: list, lower: list, merges: list[str], rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(upper)
    sheet.append(lower)
    for cells in merges:
        sheet.merge_cells(cells)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_two_row_header_with_a_group_of_components():
    data = _two_row_header(
        ["№", "Наименование ОО", "Места в рейтинге", None, None, None, None, None, "ОИП"],
        [None, None, "ЕГЭ", "ОГЭ", "ВПР", "СК", "Олимп", "Достоверность", None],
        ["A1:A2", "B1:B2", "C1:H1", "I1:I2"],
        [[1, "МОУ лицей № 1", 24, 200, 40, 226, 129, 163.33, 56.78]])
    result = parse_index_list(read_workbook(data))
    assert result.ok and result.layout == "table1" and result.header_row == 2
    assert [(r.row, r.oip, r.components["Олимп"]) for r in result.rows] == [(3, Decimal("56.78"), 129)]


def test_two_row_header_with_the_name_merged_down():
    data = _two_row_header(
        ["Наименование ОО", "Индексы", None],
        [None, "ОИП", "ИСБШ"],
        ["A1:A2", "B1:C1"],
        [["МОУ лицей № 1", 56.78, 61.63]])
    result = parse_index_list(read_workbook(data))
    assert result.ok and result.layout == "table3" and result.header_row == 2
    assert [(r.oip, r.isbs) for r in result.rows] == [(Decimal("56.78"), Decimal("61.63"))]


def test_a_second_table_below_is_not_read_as_schools():
    data = _xlsx("", ["Школа", "ОИП"], [["МОУ Школа А", 40], [], ["Школа", "ОИП"], ["МОУ Школа Б", 30]])
    result = parse_index_list(read_workbook(data))
    assert result.ok and [r.school.name for r in result.rows] == ["МОУ Школа А"]
    assert result.warnings[0].row == 6 and "другая таблица" in result.warnings[0].message


def test_unrecognised_sheet_is_an_error():
    result = parse_index_list(read_workbook(_xlsx("Что-то другое", ["Школа", "Балл"], [["А", 1]])))
    assert not result.ok and "не найден заголовок списка" in result.errors[0].message


# --- import ----------------------------------------------------------------------------------------------------

def test_table1_imports_all_18_schools_with_components(demo, year):
    report = index_import.index_list_import(data=table1(), academic_year=year, municipality=demo,
                                            file_name="table1.xlsx")
    assert report.ok, report.lines()
    assert (report.rows, report.matched, report.unmatched) == (18, 18, [])
    assert report.values["oip"] == {"created": 18, "updated": 0, "unchanged": 0} and report.stored
    stored = _values("oip")
    assert len(stored) == 18 and not _values("isbs")
    for raw in _schools(_csv("tutaev_oip_table1.csv")):
        value = stored[_school(raw[1]).name]
        assert value.value == Decimal(raw[8]) and value.academic_year == year
        expected = {k: float(v) if k == "Достоверность" else int(v)
                    for k, v in zip(("ЕГЭ", "ОГЭ", "ВПР", "СК", "Олимп", "Достоверность"), raw[2:8], strict=True)
                    if v}
        assert value.components == expected
        assert value.source_note.startswith("Таблица 1") and "table1.xlsx" in value.source_note
    assert "ЕГЭ" not in stored[_school("МОУ Ченцевская средняя школа").name].components
    assert [(r.label, r.oip) for r in report.reference_values] == [
        ("Целевой показатель региональной программы", Decimal("36"))]


def test_table2_imports_isbs_and_sets_typology_flags(demo, year):
    SchoolYearProfile.objects.update(**dict.fromkeys(FLAG_FIELDS, False))
    students_before = dict(SchoolYearProfile.objects.values_list("school_id", "students"))
    report = index_import.index_list_import(data=table2(), academic_year=year, municipality=demo)
    assert report.ok, report.lines()
    assert report.layout == "table2" and report.matched == 8
    assert report.values["isbs"]["created"] == 8 and report.profiles["updated"] == 8
    stored = _values("isbs")
    for raw in _schools(_csv("tutaev_isbsh_table2.csv")):
        school = _school(raw[1])
        assert stored[school.name].value == Decimal(raw[9])
        profile = SchoolYearProfile.objects.get(school=school, academic_year=year)
        assert [getattr(profile, f) for f in FLAG_ORDER] == [v == "да" for v in raw[2:8]]
    assert dict(SchoolYearProfile.objects.values_list("school_id", "students")) == students_before  # rest untouched
    assert not SchoolYearProfile.objects.filter(school=_school("МОУ Ченцевская средняя школа")).exists()
    assert [(r.label, r.isbs) for r in report.reference_values] == [("Среднее значение по району", Decimal("50.23"))]


def test_table3_imports_17_schools_and_reports_the_reference_rows(demo, year):
    report = index_import.index_list_import(data=table3(), academic_year=year, municipality=demo)
    assert report.ok, report.lines()
    assert report.layout == "table3" and (report.rows, report.matched) == (17, 17)
    oip, isbs = _values("oip"), _values("isbs")
    assert len(oip) == len(isbs) == 17
    for raw in _schools(_csv("tutaev_oip_isbsh_table3.csv")):
        assert (oip[raw[1]].value, isbs[raw[1]].value) == (Decimal(raw[2]), Decimal(raw[3]))
        assert oip[raw[1]].components == {}
    assert _school("МОУ Емишевская основная школа").name not in oip  # missing from Table 3 in the source
    references = {r.label: (r.oip, r.isbs) for r in report.reference_values}
    assert references == {
        "Среднее значение по региону (ЯО)": (Decimal("43.92"), Decimal("51.21")),
        "Среднее значение по району": (Decimal("38.97"), Decimal("50.23")),
        "Пороговое значение ОИП по региону (ЯО)": (Decimal("36"), None),
        "Пороговое значение ОИП по району": (Decimal("26"), None),
    }
    assert not any(v.school.name.startswith(("Среднее", "Пороговое")) for v in IndexValue.objects.all())
    text = "\n".join(report.lines())
    assert "Среднее значение по району: ОИП 38,97, ИСБШ 50,23" in text


def test_without_municipality_unique_names_are_matched(demo, year):
    report = index_import.index_list_import(data=table3(), academic_year=year)
    assert report.ok and report.matched == 17


def test_second_import_changes_nothing(demo, year):
    for data in (table1(), table2(), table3()):
        index_import.index_list_import(data=data, academic_year=year, municipality=demo)
    before = _snapshot()
    for data in (table1(), table2(), table3()):
        report = index_import.index_list_import(data=data, academic_year=year, municipality=demo)
        assert report.ok and not report.changed and not report.stored
        assert report.created == report.updated == 0 and report.unchanged > 0
        assert report.lines()[-1] == "Изменений нет: все значения уже загружены."
    assert _snapshot() == before
    # Table 3 repeats the ОИП of Table 1 without components: the components of Table 1 are kept
    assert _values("oip")[_school("МОУ лицей № 1").name].components["Олимп"] == 129


def test_changed_value_is_updated(demo, year):
    index_import.index_list_import(data=table1(), academic_year=year, municipality=demo)

    def change(rows):
        rows[0][-1] = 60.0

    report = index_import.index_list_import(data=table1(change), academic_year=year, municipality=demo)
    assert report.values["oip"] == {"created": 0, "updated": 1, "unchanged": 17}
    assert _values("oip")[_school("МОУ Константиновская средняя школа").name].value == Decimal("60.00")


def test_computed_values_are_left_alone(demo, year):
    school = _school("МОУ лицей № 1")
    IndexValue.objects.create(school=school, academic_year=year, kind="oip", source="computed", value=Decimal("1"))
    index_import.index_list_import(data=table1(), academic_year=year, municipality=demo)
    assert IndexValue.objects.get(school=school, kind="oip", source="computed").value == Decimal("1.00")
    assert IndexValue.objects.get(school=school, kind="oip", source="imported").value == Decimal("56.78")


def test_dry_run_stores_nothing(demo, year):
    SchoolYearProfile.objects.update(flag_high_deviance=False)
    profiles = sorted(SchoolYearProfile.objects.values_list("pk", *FLAG_FIELDS))
    for data in (table1(), table2()):
        report = index_import.index_list_import(data=data, academic_year=year, municipality=demo, dry_run=True)
        assert report.ok and report.matched and not report.stored
        assert report.lines()[-1] == "Проверка (без сохранения): ничего не сохранено."
    assert report.values["isbs"]["created"] == 8 and report.profiles["updated"] == 1
    assert "будет создано 8" in "\n".join(report.lines())
    assert not IndexValue.objects.exists()
    assert sorted(SchoolYearProfile.objects.values_list("pk", *FLAG_FIELDS)) == profiles


def test_unmatched_row_is_reported_and_skipped(demo, year):
    extra = [[36, "МОУ Несуществующая школа", 40.0, 45.0]]
    report = index_import.index_list_import(data=table3(extra), academic_year=year, municipality=demo)
    assert report.ok and report.stored
    assert (report.rows, report.matched) == (18, 17)
    assert [(u.row, u.name) for u in report.unmatched] == [(21, "МОУ Несуществующая школа")]
    assert len(_values("oip")) == 17
    assert "  строка 21: «МОУ Несуществующая школа» — не найдена в реестре муниципалитета «Тутаевский МР»" \
        in report.lines()


def test_schools_of_another_municipality_are_not_matched(demo, year):
    other = Municipality.objects.exclude(pk=demo.pk).first()
    report = index_import.index_list_import(data=table1(), academic_year=year, municipality=other)
    assert not report.ok and len(report.unmatched) == 18
    assert "ни одна школа списка не найдена" in report.errors[0].message
    assert not IndexValue.objects.exists()


def test_text_in_oip_column_rejects_the_file(demo, year):
    def spoil(rows):
        rows[4][-1] = "нет данных"  # МОУ средняя школа № 3, Excel row 8

    report = index_import.index_list_import(data=table1(spoil), academic_year=year, municipality=demo)
    assert not report.ok and not report.stored
    assert [str(e) for e in report.errors] == ["строка 8, столбец «ОИП»: ожидается число, получено «нет данных»"]
    assert "  строка 8, столбец «ОИП»: ожидается число, получено «нет данных»" in report.lines()
    assert report.lines()[-1] == "Файл отклонён: ошибок 1, ничего не сохранено."
    assert not IndexValue.objects.exists()


def test_bad_flag_and_duplicate_school_are_errors(demo, year):
    rows = [[1, "МОУ лицей № 1", "может быть", None, None, None, None, None, 50.0],
            [2, "Муниципальное общеобразовательное учреждение лицей № 1 Тутаевского муниципального района",
             None, None, None, None, None, None, 51.0]]
    header = ["№", "Школа", "Депривированные сельские школы", "Депривированные городские школы",
              "Сельские малокомплектные", "Школы с ограниченной транспортной доступностью",
              "Школы с высоким уровнем девиантности", "Школы с низким уровнем кадрового потенциала", "ИСБШ"]
    report = index_import.index_list_import(data=_xlsx("", header, rows), academic_year=year, municipality=demo)
    assert [str(e) for e in report.errors] == [
        "строка 4, столбец «Депривированные сельские школы»: ожидается «да» или «нет», получено «может быть»"]
    rows[0][2] = "да"
    report = index_import.index_list_import(data=_xlsx("", header, rows), academic_year=year, municipality=demo)
    assert [str(e) for e in report.errors] == ["строка 5: школа «МОУ лицей № 1» уже указана в строке 4"]
    assert not IndexValue.objects.exists()


def test_table2_without_all_flag_columns_is_an_error(demo, year):
    header = ["Школа", "Депривированные сельские школы", "ИСБШ"]
    report = index_import.index_list_import(data=_xlsx("", header, [["МОУ лицей № 1", "да", 50]]),
                                            academic_year=year, municipality=demo)
    assert not report.ok and "Школы с низким уровнем кадрового потенциала" in report.errors[0].message


def test_not_an_xlsx_is_an_error(year):
    report = index_import.index_list_import(data=b"school;oip\n", academic_year=year)
    assert not report.ok and "не файл Excel" in str(report.errors[0])


def test_recompute_is_queued_after_commit_only_for_a_real_change(demo, year, django_capture_on_commit_callbacks):
    runs = ClassificationRun.objects.filter(municipality=demo, academic_year=year, trigger="import")
    runs.delete()  # load_demo may have computed the demo classification already
    with django_capture_on_commit_callbacks() as callbacks:
        index_import.index_list_import(data=table3(), academic_year=year, municipality=demo, dry_run=True)
    assert callbacks == [] and not runs.exists()
    with django_capture_on_commit_callbacks() as callbacks:
        report = index_import.index_list_import(data=table3(), academic_year=year, municipality=demo)
    assert len(queued_work(callbacks)) == 1 and report.municipality_ids == [demo.pk]
    assert runs.count() == 1 and runs.get().trigger == "import"
    with django_capture_on_commit_callbacks() as callbacks:
        index_import.index_list_import(data=table3(), academic_year=year, municipality=demo)
    assert callbacks == [] and runs.count() == 1  # nothing changed, nothing to recompute


def test_rejected_file_queues_nothing(demo, year, django_capture_on_commit_callbacks):
    def spoil(rows):
        rows[0][-1] = "—?"

    runs = ClassificationRun.objects.count()
    with django_capture_on_commit_callbacks() as callbacks:
        report = index_import.index_list_import(data=table1(spoil), academic_year=year, municipality=demo)
    assert not report.ok and callbacks == [] and ClassificationRun.objects.count() == runs


# --- command ---------------------------------------------------------------------------------------------------

def _run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_indices", *map(str, args), stdout=out, stderr=err)
    return out.getvalue()


def test_command_imports_and_prints_the_summary(demo, tmp_path):
    path = tmp_path / "table3.xlsx"
    path.write_bytes(table3())
    out = _run(path, "--year", "2019/2020", "--municipality", "тутаевский мр", "--dry-run")
    assert "Строк со школами: 17; сопоставлено с реестром: 17; не найдено: 0" in out
    assert "ничего не сохранено" in out and not IndexValue.objects.exists()
    out = _run(path, "--year", "2019/2020", "--municipality", TUTAEV)
    assert "Формат: Таблица 3: ОИП и ИСБШ, лист «Лист1»" in out
    assert "ОИП: создано 17, изменено 0, без изменений 0" in out
    assert "строка 22: Среднее значение по району: ОИП 38,97, ИСБШ 50,23" in out
    assert IndexValue.objects.count() == 34
    assert "table3.xlsx" in IndexValue.objects.first().source_note


def test_command_rejects_a_bad_file_with_status_1(demo, tmp_path):
    def spoil(rows):
        rows[0][-1] = "н/д"

    path = tmp_path / "bad.xlsx"
    path.write_bytes(table1(spoil))
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import_indices", str(path), "--year", "2030/2031", stdout=out)
    assert exc.value.returncode == 1 and "ничего не сохранено" in str(exc.value)
    assert "строка 4, столбец «ОИП»: ожидается число, получено «н/д»" in out.getvalue()
    assert not IndexValue.objects.exists() and not AcademicYear.objects.filter(start_year=2030).exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--year", "2019/2020", "--municipality", "Нет такого"], "муниципалитет «Нет такого» не найден"),
    (["--year", "2019-2021"], "второй год"),
])
def test_command_argument_errors(demo, tmp_path, args, message):
    path = tmp_path / "t.xlsx"
    path.write_bytes(table3())
    with pytest.raises(CommandError, match=message):
        call_command("import_indices", str(path), *args, stdout=io.StringIO())
    assert not IndexValue.objects.exists()


def test_command_missing_file(tmp_path):
    with pytest.raises(CommandError, match="файл не найден"):
        call_command("import_indices", str(tmp_path / "nope.xlsx"), "--year", "2019/2020")
