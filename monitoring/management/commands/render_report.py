from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from monitoring.report_data import Period
from monitoring.report_models import ReportTrigger
from monitoring.reports import render_report, request_report
from schools.selectors import municipality_by_name


class Command(BaseCommand):
    help = "Формирует квартальный PDF-отчёт муниципалитета (новая версия) и, если указан --out, сохраняет его в файл."

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, help="наименование (или его часть) муниципалитета")
        parser.add_argument("--period", required=True, help="квартал, например 2025-Q1")
        parser.add_argument("--out", help="куда записать PDF")

    def handle(self, *args, **o):
        try:
            period = Period.parse(o["period"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        try:
            municipality = municipality_by_name(o["municipality"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        report = request_report(municipality=municipality, period=period, trigger=ReportTrigger.COMMAND,
                                enqueue=False)
        report = render_report(report)
        if o["out"]:
            out = Path(o["out"])
            with report.file.open("rb") as handle:
                out.write_bytes(handle.read())
            self.stdout.write(f"Файл: {out}")
        self.stdout.write(self.style.SUCCESS(
            f"Отчёт «{municipality}», {period.label}, версия {report.version}: {report.size} байт, "
            f"{report.duration_ms} мс."))
