import json

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from indicators.choices import RunTrigger
from indicators.methodology import parse_value
from indicators.models import Methodology
from indicators.runs import run_now
from schools.models import AcademicYear, Municipality

LISTS = (("is_shnor", "ШНОР"), ("is_shnsu", "ШНСУ"), ("is_participant", "Участники программы"),
         ("is_resilient", "Резилиентные"))


class Command(BaseCommand):
    help = "Рассчитывает ШНОР/ШНСУ/участников/резилиентные школы муниципалитета за учебный год и печатает списки."

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, help="наименование или краткое наименование")
        parser.add_argument("--year", required=True, help="учебный год, например 2019/2020")
        parser.add_argument("--methodology", help="название методики (по умолчанию — методика муниципалитета)")
        parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                            help="изменить параметр методики для этого расчёта, например oip_threshold=40")
        parser.add_argument("--json", action="store_true", help="вывести результат в JSON")
        parser.add_argument("--save", action="store_true",
                            help="сохранить расчёт и при изменённых параметрах (без --set сохраняется всегда)")

    def handle(self, *args, **o):
        municipality = Municipality.objects.filter(Q(name=o["municipality"]) | Q(short_name=o["municipality"])).first()
        if municipality is None:
            raise CommandError(f"муниципалитет «{o['municipality']}» не найден")
        try:
            year = AcademicYear.objects.get_or_create(start_year=AcademicYear.parse_label(o["year"]))[0]
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        methodology = None
        if o["methodology"]:
            methodology = Methodology.objects.filter(name=o["methodology"]).first()
            if methodology is None:
                names = ", ".join(Methodology.objects.values_list("name", flat=True))
                raise CommandError(f"методика «{o['methodology']}» не найдена; есть: {names}")
        overrides = {}
        for item in o["set"]:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise CommandError(f"параметр «{item}» не в виде ключ=значение")
            overrides[key.strip()] = parse_value(value.strip())
        run = run_now(municipality=municipality, academic_year=year, methodology=methodology, overrides=overrides,
                      trigger=RunTrigger.COMMAND, persist=o["save"] or not overrides)
        self._print(run, as_json=o["json"])

    def _print(self, run, *, as_json: bool) -> None:
        statuses = run._statuses
        if as_json:
            payload = {
                "municipality": run.municipality.name, "year": run.academic_year.label,
                "methodology": run.methodology_snapshot, "context": run.context, "run": run.pk,
                "lists": {label: [s.school.short_name for s in statuses if getattr(s, field)]
                          for field, label in LISTS},
                "schools": [{"school": s.school.short_name, "oip": str(s.oip) if s.oip is not None else None,
                             "isbs": str(s.isbs) if s.isbs is not None else None, "labels": s.labels,
                             "reasons": s.reasons} for s in statuses],
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=1, default=str))
            return
        snapshot = run.methodology_snapshot
        self.stdout.write(f"{run.municipality.name}, {run.academic_year.label} учебный год; методика "
                          f"«{snapshot['name']}», версия {snapshot['version']}")
        if snapshot.get("overrides"):
            changed = ", ".join(f"{k}={v}" for k, v in snapshot["overrides"].items())
            self.stdout.write(f"изменённые параметры: {changed}")
        for field, label in LISTS:
            chosen = [s for s in statuses if getattr(s, field)]
            self.stdout.write(f"\n{label}: {len(chosen)}")
            for s in chosen:
                self.stdout.write(f"  {s.school.short_name}: " + "; ".join(
                    r for r in s.reasons if not r.startswith("не ")))
