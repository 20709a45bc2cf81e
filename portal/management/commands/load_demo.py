import os
from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

# Each step is "<app>.demo" with a load(report) function; the order follows the app dependencies.
DEMO_STEPS = ("schools.demo", "indicators.demo", "portal.demo", "roadmap.demo", "monitoring.demo")


class Command(BaseCommand):
    help = "Загружает демонстрационные муниципалитеты, школы и пользователей (повторный запуск безопасен)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true",
                            help="загрузить даже при выключенном демо-режиме (демо-пользователи войти не смогут)")

    def handle(self, *args, **options):
        if not (settings.DEMO_MODE or settings.DEBUG or options["force"]):
            raise CommandError("Демо-данные загружаются только в демо-режиме (DJANGO_DEMO=1) или с --force.")
        report: dict = {}
        with transaction.atomic():
            for step in DEMO_STEPS:
                import_module(step).load(report)
        for name, count in report.get("schools", {}).items():
            self.stdout.write(f"  {name}: школ {count}")
        self.stdout.write(f"  значений индексов: {report.get('indices', 0)}")
        for title, activities, reports in report.get("roadmaps", []):
            self.stdout.write(f"  дорожная карта «{title[:70]}»: мероприятий {activities}, отчётов {reports}")
        if report.get("indicators"):
            parts = ", ".join(f"{name} {count}" for name, count in report["indicators"].items())
            self.stdout.write(f"  целевых показателей: {sum(report['indicators'].values())} ({parts}), "
                              f"рассчитано значений: {report.get('indicator_values', 0)}")
        address = f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}/login/"
        self.stdout.write(self.style.SUCCESS(f"Демо-данные загружены. Вход на {address}:"))
        for username, role, school in report.get("users", []):
            suffix = f" ({school})" if school else ""
            self.stdout.write(f"  {username:<11} / {report['password']}  — {role}{suffix}")
        if not settings.DEMO_MODE:
            self.stdout.write(self.style.WARNING("Демо-режим выключен: демо-пользователи войти не смогут."))
