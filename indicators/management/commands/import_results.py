from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from indicators import services
from indicators.choices import UploadStatus
from schools.models import AcademicYear, School

# --kind → the layouts it admits (the layout itself is detected from the file)
KIND_LAYOUTS = {
    "auto": None,
    "vpr": {"vpr_fis_oko", "template_vpr"},
    "oge": {"template_oge"},
    "ege": {"ege_regional", "template_ege"},
    "passport": {"passport"},
}


class Command(BaseCommand):
    help = "Проверяет и загружает файл результатов (ВПР, ОГЭ, ЕГЭ, социальный паспорт) так же, как форма портала."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--year", help="учебный год, например 2024/2025 (по умолчанию — из файла)")
        parser.add_argument("--kind", choices=sorted(KIND_LAYOUTS), default="auto")
        parser.add_argument("--school", help="логин ФИС ОКО школы, если файл относится к одной школе")
        parser.add_argument("--subject", default="", help="предмет, если в файле не указан")
        parser.add_argument("--grade", type=int, help="класс, если в файле не указан")
        parser.add_argument("--create-missing-schools", action="store_true")
        parser.add_argument("--dry-run", action="store_true", help="только проверить, ничего не сохранять")
        parser.add_argument("--confirm-warnings", action="store_true",
                            help="загрузить, несмотря на предупреждения")

    def handle(self, *args, **o):
        path = Path(o["path"])
        if not path.is_file():
            raise CommandError(f"файл не найден: {path}")
        year = self._year(o["year"])
        school = self._school(o["school"])
        data = path.read_bytes()
        options = {"subject": o["subject"], "grade": o["grade"], "create_missing_schools": o["create_missing_schools"]}
        if KIND_LAYOUTS[o["kind"]] is not None:
            options.update(allowed_layouts=sorted(KIND_LAYOUTS[o["kind"]]), allowed_label=f"--kind {o['kind']}")
        try:
            with transaction.atomic():
                upload = services.upload_receive(
                    user=None, file=SimpleUploadedFile(path.name, data), kind="auto", academic_year=year,
                    school=school, options=options, import_now=not o["dry_run"], confirm_warnings=o["confirm_warnings"])
                self._report(upload)
                if upload.status == UploadStatus.REJECTED:
                    raise CommandError(f"файл отклонён ({upload.errors[0]['message']}): ошибок {len(upload.errors)}, "
                                       f"ничего не сохранено")
                if o["dry_run"]:
                    transaction.set_rollback(True)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages) + " Ничего не сохранено.") from exc
        if o["dry_run"]:
            self.stdout.write(self.style.SUCCESS("Проверка пройдена (--dry-run): ничего не сохранено."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Загружено: строк {upload.row_count}."))

    def _year(self, label):
        if not label:
            return None
        try:
            start = AcademicYear.parse_label(label)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        return AcademicYear.objects.get_or_create(start_year=start)[0]

    def _school(self, login):
        if not login:
            return None
        school = School.objects.filter(fis_oko_login=login.lower()).first()
        if school is None:
            raise CommandError(f"школа с логином {login} не найдена в реестре")
        return school

    def _report(self, upload):
        summary = upload.summary or {}
        subjects = sorted({c["subject"] for c in summary.get("counts", [])})
        self.stdout.write(f"Формат: {summary.get('layout_name', upload.get_kind_display())}; "
                          f"учебный год: {upload.academic_year or '—'}")
        self.stdout.write(f"Строк: {upload.row_count}; школ: {summary.get('schools', 0)}; "
                          f"предметов: {len(subjects)} ({', '.join(subjects)})")
        for kind, items in (("ошибка", upload.errors), ("предупреждение", upload.warnings)):
            for e in items:
                where = f"строка {e['row']}" if e["row"] else "файл"
                if e["column"]:
                    where += f", столбец «{e['column']}»"
                self.stderr.write(f"{kind}: {where}: {e['message']}")
