"""School register import: template round trip, row/column errors, all-or-nothing."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from schools.models import Municipality, School
from schools.register import TEMPLATE_COLUMNS, parse_register, register_template
from schools.services import register_import

HEADERS = [c.header for c in TEMPLATE_COLUMNS]


def workbook(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def good_row(name="Муниципальное общеобразовательное учреждение средняя школа № 3", short="МОУ СШ № 3",
             login="edu761003", municipality="Тутаевский муниципальный район", **over):
    row = dict(zip(HEADERS, [municipality, name, short, login, "СОШ", "Городская", "нет", "да", "7611000000",
                             "г. Тутаев, ул. Ленина, 1", "да"], strict=True))
    row.update(over)
    return [row[h] for h in HEADERS]


def test_template_has_russian_headers_validation_and_instructions():
    wb = load_workbook(io.BytesIO(register_template()))
    sheet = wb["Реестр ОО"]
    headers = [c.value for c in sheet[1]]
    for required in ("Муниципалитет", "Наименование ОО", "Краткое наименование", "Логин ФИС ОКО", "Тип ОО",
                     "Местность", "Малокомплектная", "Есть 10–11 классы"):
        assert required in headers
    formulas = [dv.formula1 for dv in sheet.data_validations.dataValidation]
    assert any("Сельская" in f for f in formulas)
    assert "Инструкция" in wb.sheetnames


@pytest.mark.django_db
def test_filled_template_imports(municipality, staff_user):
    # the template's own example row, read back: the template and the parser agree
    report = register_import(data=register_template(), user=staff_user)
    assert report.ok, report.errors
    school = School.objects.get(fis_oko_login="edu761234")
    assert school.municipality == municipality
    assert school.kind == "sosh" and school.locality == "urban" and school.has_senior_grades


@pytest.mark.django_db
def test_import_creates_then_updates_by_login(municipality, staff_user):
    data = workbook([good_row(), good_row(name="МОУ Ченцевская средняя школа", short="Ченцевская СШ",
                                          login="", **{"Местность": "Сельская", "Малокомплектная": "да"})])
    report = register_import(data=data, user=staff_user)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    rural = School.objects.get(short_name="Ченцевская СШ")
    assert rural.fis_oko_login is None and rural.is_small and rural.locality == "rural"

    renamed = workbook([good_row(short="МОУ СШ № 3 (новое)")])
    report = register_import(data=renamed, user=staff_user)
    assert (report.created, report.updated) == (0, 1)
    assert School.objects.get(fis_oko_login="edu761003").short_name == "МОУ СШ № 3 (новое)"
    assert School.objects.count() == 2
    assert School.history.filter(fis_oko_login="edu761003").count() == 2

    again = register_import(data=renamed, user=staff_user)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


@pytest.mark.django_db
def test_errors_name_row_and_column_and_nothing_is_saved(municipality, staff_user):
    data = workbook([
        good_row(),
        good_row(name="Школа с плохим логином", short="Плохая", login="edu12"),
        good_row(name="Школа неизвестного типа", short="Тип", login="edu761005", **{"Тип ОО": "академия"}),
        good_row(name="Школа в другом районе", short="Другая", login="edu761006",
                 municipality="Несуществующий район"),
        good_row(name="Дубликат логина", short="Дубль", login="edu761003"),
        good_row(name="Без местности", short="Пусто", login="edu761007", **{"Местность": None}),
        good_row(name="Кривой признак", short="Признак", login="edu761008", **{"Малокомплектная": "может быть"}),
    ])
    report = register_import(data=data, user=staff_user)
    assert not report.ok
    found = {(e.row, e.column) for e in report.errors}
    assert (3, "Логин ФИС ОКО") in found
    assert (4, "Тип ОО") in found
    assert (5, "Муниципалитет") in found
    assert (6, "Логин ФИС ОКО") in found
    assert (7, "Местность") in found
    assert (8, "Малокомплектная") in found
    messages = " ".join(e.message for e in report.errors)
    assert "eduNNNNNN" in messages and "«академия»" in messages and "уже встречается в строке 2" in messages
    assert School.objects.count() == 0


@pytest.mark.django_db
def test_unknown_municipality_can_be_created_on_request(staff_user):
    data = workbook([good_row(municipality="Чойский район")])
    assert not register_import(data=data, user=staff_user).ok
    report = register_import(data=data, user=staff_user, create_municipalities=True)
    assert report.ok and report.created_municipalities == ["Чойский район"]
    assert School.objects.get().municipality.name == "Чойский район"


@pytest.mark.django_db
def test_dry_run_saves_nothing(municipality, staff_user):
    report = register_import(data=workbook([good_row()]), user=staff_user, dry_run=True)
    assert report.ok and report.created == 1
    assert School.objects.count() == 0


def test_headers_are_matched_loosely():
    headers = [h.upper().replace(" ", "  ") for h in HEADERS]
    headers[HEADERS.index("Наименование ОО")] = "Наименование\nОО"
    result = parse_register(workbook([good_row()], headers=headers))
    assert result.ok, result.errors
    assert result.rows[0]["short_name"] == "МОУ СШ № 3"


def test_missing_required_column_is_one_error():
    headers = [h for h in HEADERS if h != "Тип ОО"]
    row = good_row()
    del row[HEADERS.index("Тип ОО")]
    result = parse_register(workbook([row], headers=headers))
    assert [(e.row, e.column, e.message) for e in result.errors] == [(1, "Тип ОО", "нет обязательного столбца")]


@pytest.mark.parametrize(("payload", "fragment"), [
    (b"", "пустой"),
    ("Муниципалитет;Наименование ОО\nТутаев;Школа\n".encode("cp1251"), "не файл Excel"),
    (b"%PDF-1.7 fake", "не файл Excel"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "защищён паролем"),
    (b"PK\x03\x04broken", "повреждён"),
])
def test_unreadable_files_get_a_russian_message(payload, fragment):
    result = parse_register(payload)
    assert len(result.errors) == 1
    assert fragment in result.errors[0].message


def test_zip_bomb_is_refused():
    result = parse_register(workbook([good_row()] * 20), max_unzipped=1000)
    assert "после распаковки" in result.errors[0].message


def test_empty_sheet():
    result = parse_register(workbook([], headers=[]))
    assert result.errors and "нет ни одного заполненного листа" in result.errors[0].message


@pytest.mark.django_db
def test_import_page_shows_errors_table(client, client_as, staff_user, municipality):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client_as(staff_user)
    upload = SimpleUploadedFile("reestr.xlsx", workbook([good_row(login="bad")]))
    response = client.post("/schools/register/import/", {"file": upload})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Файл не загружен" in text and "Логин ФИС ОКО" in text
    assert Municipality.objects.count() == 1 and School.objects.count() == 0

    upload = SimpleUploadedFile("reestr.csv", b"a;b")
    response = client.post("/schools/register/import/", {"file": upload})
    assert "Нужен файл Excel с расширением .xlsx" in response.content.decode()


@pytest.mark.django_db
def test_template_download(client, client_as, staff_user):
    client_as(staff_user)
    response = client.get("/schools/register/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(response.content))["Реестр ОО"]["A1"].value == "Муниципалитет"
