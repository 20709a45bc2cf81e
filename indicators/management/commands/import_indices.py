from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from indicators.index_import import academic_year_by_label, index_list_import, municipality_lookup
from schools.models import Municipality


class Command(BaseCommand):
    help = ("Загружает опубликованный список ОИП / ИСБШ (Таблицы 1–3 региональной идентификации ШНОР и ШНСУ) "
            "как опубликованные (импортированные) значения индексов.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="файл .xlsx со списком")
        parser.add_argument("--year", required=True, help="учебный год, например 2019/2020")
        parser.add_argument("--municipality", default="",
                            help="муниципалитет (полное или краткое наименование): школы ищутся только в нём")
        parser.add_argument("--dry-run", action="store_true", help="только проверить, ничего не сохранять")

    def handle(self, *args, **options):
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"файл не найден: {path}")
        municipality = self._municipality(options["municipality"])
        data = path.read_bytes()
        with transaction.atomic():
            try:
                year = academic_year_by_label(options["year"])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            report = index_list_import(data=data, academic_year=year, municipality=municipality,
                                       dry_run=options["dry_run"], file_name=path.name)
            if not report.ok or options["dry_run"]:
                transaction.set_rollback(True)  # not even the academic year is kept
        for line in report.lines():
            self.stdout.write(line)
        if not report.ok:
            raise CommandError(f"файл отклонён: ошибок {len(report.errors)}, ничего не сохранено")

    def _municipality(self, label: str):
        if not label:
            return None
        municipality = municipality_lookup(label)
        if municipality is None:
            known = ", ".join(f"«{m}»" for m in Municipality.objects.order_by("name"))
            raise CommandError(f"муниципалитет «{label}» не найден (или найдено несколько); есть: {known or 'нет'}")
        return municipality
