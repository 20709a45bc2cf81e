"""The real regional ЕГЭ form (shared/realdata) goes through the whole upload flow."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from indicators.models import ResultUpload, SchoolResult
from schools.models import Municipality, School
from tests.conftest import SHARED_DIR
from tests.factories import MunicipalityFactory, SchoolFactory

pytestmark = pytest.mark.django_db
EGE_FORM = SHARED_DIR / "realdata" / "ege_by_school_zabaykalsky" / "zabaykalsky_ege_by_school_2022_2024.xlsx"


@pytest.fixture
def ege_form() -> bytes:
    if not EGE_FORM.exists():
        pytest.skip("нет shared/realdata")
    return EGE_FORM.read_bytes()


def upload(client, data, year, **fields):
    client.post(reverse("indicators:upload_create"), {
        "kind": "auto", "academic_year": str(year), "file": SimpleUploadedFile("ege.xlsx", data), **fields})
    return ResultUpload.objects.order_by("-pk").first()


@pytest.mark.parametrize(("year", "schools"), [(2021, 314), (2022, 314)])
def test_whole_region_imports_with_missing_schools_created(client, client_as, staff_user, ege_form, year, schools):
    client_as(staff_user)
    result = upload(client, ege_form, year, create_missing_schools="on")
    assert result.kind == "ege_regional" and result.status == "validated", result.errors[:3]
    assert result.summary["schools"] == schools and len(result.summary["new_schools"]) == schools
    assert result.summary["meta"]["totals"], "сверка со строкой «итого» должна быть в сводке"
    assert result.warnings  # the real form has inconsistent cells; they are shown before the import
    page = client.get(result.get_absolute_url()).content.decode()
    assert "Предупреждения" in page
    client.post(reverse("indicators:upload_confirm", args=[result.pk]), {"confirm_warnings": "on"})
    result.refresh_from_db()
    assert result.status == "imported"
    assert School.objects.count() == schools
    assert Municipality.objects.count() == 36
    first_school = 'Муниципальное бюджетное общеобразовательное учреждение "Средняя общеобразовательная школа №1"'
    chita = [r for r in SchoolResult.objects.filter(subject__name="Русский язык", school__name=first_school)
             .select_related("school__municipality") if "город чита" in r.school.municipality.name.lower()]
    assert [r.participants for r in chita] == [{2021: 61, 2022: 51}[year]]


def test_only_the_municipalitys_own_schools_are_loaded(client, client_as, staff_user, ege_form):
    """A district loads the regional form: its own school is matched, the rest are listed as unmatched."""
    chita = MunicipalityFactory(name='Комитет образования администрации городского округа "Город Чита"')
    own = SchoolFactory(municipality=chita, fis_oko_login=None,
                        name='Муниципальное бюджетное общеобразовательное учреждение "Средняя общеобразовательная '
                             'школа №1"')
    client_as(staff_user)
    result = upload(client, ege_form, 2022)
    assert result.status == "validated"
    assert result.summary["schools"] == 1
    assert len(result.summary["unmatched"]) > 300
    client.post(reverse("indicators:upload_confirm", args=[result.pk]), {"confirm_warnings": "on"})
    assert set(SchoolResult.objects.values_list("school", flat=True)) == {own.pk}
    assert SchoolResult.objects.get(subject__name="Русский язык").mean_score is not None


def test_applications_sheet_is_not_taken_for_results(client, client_as, staff_user, ege_form):
    client_as(staff_user)
    result = upload(client, ege_form, 2023)
    assert result.status == "rejected"
    assert "заявления" in result.errors[0]["message"]
