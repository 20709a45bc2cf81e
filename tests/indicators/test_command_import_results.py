import pytest
from django.core.management import CommandError, call_command

from indicators.models import ResultUpload, SchoolResult

from .helpers import ege_row, filled_template, mark_row

pytestmark = pytest.mark.django_db


def write(tmp_path, data, name="file.xlsx"):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_imports_and_prints_a_summary(tmp_path, school, capsys):
    path = write(tmp_path, filled_template("template_ege", [ege_row(school), ege_row(school, "Математика профильная")]))
    call_command("import_results", path, "--year", "2024/2025")
    out = capsys.readouterr().out
    assert "Строк: 2; школ: 1; предметов: 2" in out and "Загружено" in out
    assert SchoolResult.objects.filter(academic_year__start_year=2024).count() == 2


def test_dry_run_stores_nothing(tmp_path, school, capsys):
    path = write(tmp_path, filled_template("template_ege", [ege_row(school)]))
    call_command("import_results", path, "--year", "2024/2025", "--dry-run")
    assert "ничего не сохранено" in capsys.readouterr().out
    assert not SchoolResult.objects.exists() and not ResultUpload.objects.exists()


def test_rejected_file_prints_every_error_and_fails(tmp_path, school, capsys):
    path = write(tmp_path, filled_template("template_oge", [mark_row(school, participants=99),
                                                            mark_row(school, subject="Алхимия")]))
    with pytest.raises(CommandError, match="ничего не сохранено"):
        call_command("import_results", path, "--year", "2024/2025")
    err = capsys.readouterr().err
    assert "строка 2, столбец «Участников»: сумма отметок" in err
    assert "строка 3, столбец «Предмет»: предмет «Алхимия» не найден" in err
    assert not SchoolResult.objects.exists() and not ResultUpload.objects.exists()


def test_kind_must_match_the_file(tmp_path, school):
    path = write(tmp_path, filled_template("template_ege", [ege_row(school)]))
    with pytest.raises(CommandError, match="указан --kind oge"):
        call_command("import_results", path, "--year", "2024/2025", "--kind", "oge")


def test_warnings_need_the_flag(tmp_path, school):
    stranger = [school.municipality.name, "Неизвестная школа", "", "Русский язык", 5, 0, 0, 0, 60]
    path = write(tmp_path, filled_template("template_ege", [ege_row(school), stranger]))
    with pytest.raises(CommandError, match="подтвердите"):
        call_command("import_results", path, "--year", "2024/2025")
    assert not SchoolResult.objects.exists()
    call_command("import_results", path, "--year", "2024/2025", "--confirm-warnings")
    assert SchoolResult.objects.count() == 1


def test_bad_year_and_unknown_school(tmp_path, school):
    path = write(tmp_path, filled_template("template_ege", [ege_row(school)]))
    with pytest.raises(CommandError, match="ГГГГ/ГГГГ"):
        call_command("import_results", path, "--year", "2024")
    with pytest.raises(CommandError, match="не найдена"):
        call_command("import_results", path, "--school", "edu999999")
