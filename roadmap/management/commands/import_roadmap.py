import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from roadmap import services
from roadmap.models import RoadmapStatus, TargetScope
from roadmap.schedule import parse_schedule
from roadmap.tables import parse_table
from schools.models import School
from schools.selectors import municipality_by_name


class Command(BaseCommand):
    help = ("Проверяет и загружает дорожную карту из .docx или .xlsx так же, как форма портала: "
            "печатает разделы, число мероприятий и нераспознанные сроки.")

    def add_arguments(self, parser):
        parser.add_argument("path")
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--municipality", help="наименование муниципалитета (муниципальная дорожная карта)")
        scope.add_argument("--school", help="логин ФИС ОКО школы (школьная дорожная карта)")
        parser.add_argument("--title", help="наименование (по умолчанию — имя файла)")
        parser.add_argument("--period", help="период, например 2021-2023 (по умолчанию — текущий год)")
        parser.add_argument("--order-number", default="")
        parser.add_argument("--order-date", help="дата приказа ГГГГ-ММ-ДД")
        parser.add_argument("--status", choices=RoadmapStatus.values, default=RoadmapStatus.DRAFT)
        parser.add_argument("--target", choices=[c for c in TargetScope.values if c], default="",
                            help="кому адресованы мероприятия: shnor, listed, all")
        parser.add_argument("--dry-run", action="store_true", help="только проверить, ничего не сохранять")
        parser.add_argument("--json", action="store_true", help="вывести итог в JSON")

    def handle(self, *args, **o):
        path = Path(o["path"])
        if not path.is_file():
            raise CommandError(f"файл не найден: {path}")
        municipality, school = self._scope(o)
        table = parse_table(path.read_bytes(), path.name)
        summary = self._summary(table)
        roadmap = None
        if table.ok and not o["dry_run"]:
            start, end = self._period(o["period"])
            header = services.RoadmapHeaderData(
                title=o["title"] or path.stem, municipality=municipality, school=school, period_start=start,
                period_end=end, order_number=o["order_number"], order_date=self._date(o["order_date"]),
                status=o["status"], source=f"импорт из файла «{path.name}» (import_roadmap)")
            try:
                roadmap = services.roadmap_import(user=None, header=header, table=table, target_scope=o["target"])
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
            summary["roadmap_id"] = roadmap.pk
        summary["saved"] = roadmap is not None
        self._print(summary, o["json"])
        if not table.ok:
            raise CommandError(f"файл отклонён: ошибок — {len(table.errors)}; ничего не сохранено")

    def _scope(self, o):
        if o["school"]:
            school = School.objects.filter(fis_oko_login=o["school"]).select_related("municipality").first()
            if school is None:
                raise CommandError(f"школа с логином {o['school']} не найдена")
            return school.municipality, school
        try:
            return municipality_by_name(o["municipality"]), None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

    @staticmethod
    def _period(raw: str | None) -> tuple[int, int]:
        from django.utils import timezone

        if not raw:
            year = timezone.localdate().year
            return year, year
        parts = raw.replace("–", "-").split("-")
        try:
            start, end = int(parts[0]), int(parts[-1])
        except ValueError:
            raise CommandError(f"период «{raw}» не в формате ГГГГ-ГГГГ") from None
        if end < start:
            raise CommandError("год окончания периода раньше года начала")
        return start, end

    @staticmethod
    def _date(raw: str | None):
        from datetime import date

        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise CommandError(f"дата приказа «{raw}» не в формате ГГГГ-ММ-ДД") from None

    @staticmethod
    def _summary(table) -> dict:
        sections, unparsed = [], []
        for section in table.sections:
            sections.append({"number": section.number, "title": section.title,
                             "activities": len(section.activities)})
            for activity in section.activities:
                schedule = parse_schedule(activity.deadline_text)
                if not schedule.parsed:
                    unparsed.append({"number": activity.number, "deadline": activity.deadline_text,
                                     "unparsed": schedule.unparsed_part})
        return {"sections": sections, "activity_count": table.activity_count, "unparsed_deadlines": unparsed,
                "errors": [str(e) for e in table.errors], "warnings": [str(w) for w in table.warnings]}

    def _print(self, summary: dict, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=1))
            return
        for section in summary["sections"]:
            self.stdout.write(f"  {section['number']}. {section['title']}: мероприятий {section['activities']}")
        self.stdout.write(f"Разделов: {len(summary['sections'])}, мероприятий: {summary['activity_count']}, "
                          f"нераспознанных сроков: {len(summary['unparsed_deadlines'])}")
        for item in summary["unparsed_deadlines"]:
            self.stdout.write(f"  срок не распознан: {item['number']} «{item['deadline']}»")
        for warning in summary["warnings"]:
            self.stdout.write(self.style.WARNING(f"  {warning}"))
        for error in summary["errors"]:
            self.stderr.write(f"  {error}")
        if summary.get("saved"):
            self.stdout.write(self.style.SUCCESS(f"Дорожная карта сохранена (id {summary['roadmap_id']})."))
        elif not summary["errors"]:
            self.stdout.write("Проверка пройдена; ничего не сохранено (--dry-run).")
