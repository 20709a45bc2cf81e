"""Quarterly PDF report benchmark: a municipality of 40 ШНОР, a roadmap of 70 activities, 15 indicators with charts.

    python benchmarks/report.py [--schools 40] [--activities 70] [--indicators 15] [--repeat 3]

Measures the whole rendering as the Celery task does it (gathering the data, HTML, WeasyPrint, storing the file).
The first rendering in a process also loads pango and the fonts; it is reported apart from the warm ones. The
same report is rendered in one process (``REPORT_PDF_PROCESSES=1``) and in parts at once (as configured, by
default one process per CPU), alternately in the same run, and the ratio of the two medians is printed.
Uses DATABASE_URL when set, else a throw-away PostgreSQL database «portal_bench» on 127.0.0.1.
"""

import argparse
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.classification import setup_django  # noqa: E402

DEADLINES = ["ежеквартально", "ежегодно (август)", "1 раз в четверть", "постоянно", "ежемесячно",
             "Январь 2025 года", "март-апрель 2025 года", "2 раза в учебный год", "по отдельному графику",
             "1 раз в полугодие"]
SUBJECTS = [("vpr", "rus", 5), ("vpr", "math", 5), ("oge", "rus", 9), ("oge", "math", 9), ("ege", "rus", 11),
            ("ege", "math_prof", 11)]


def build(schools: int, activities: int, indicators: int, seed: int = 11):
    from indicators.models import ClassificationRun, SchoolResult, SchoolStatus, Subject
    from monitoring.models import IndicatorValue, TargetIndicator, TargetValue
    from roadmap.models import Activity, ActivityReport, Roadmap, Section
    from schools.models import AcademicYear, Municipality, School

    rng = random.Random(seed)
    municipality = Municipality.objects.create(name=f"Эталонный район для отчёта {time.time_ns()}")
    School.objects.bulk_create([School(municipality=municipality, name=f"Муниципальное общеобразовательное "
                                       f"учреждение средняя школа № {i}", short_name=f"СОШ № {i}", kind="sosh",
                                       locality="rural") for i in range(schools)])
    school_list = list(School.objects.filter(municipality=municipality))
    year, _ = AcademicYear.objects.get_or_create(start_year=2024)
    subjects = {s.code: s for s in Subject.objects.all()}
    results = []
    for school in school_list:
        for assessment, code, grade in SUBJECTS:
            n = rng.randint(8, 40)
            twos = rng.randint(0, n // 3)
            results.append(SchoolResult(school=school, academic_year=year, assessment=assessment,
                                        subject=subjects[code], grade=grade, participants=n,
                                        mark2=twos if assessment != "ege" else None,
                                        mark3=n - twos if assessment != "ege" else None, mark4=0, mark5=0,
                                        below_minimum=twos if assessment == "ege" else None,
                                        mean_score=Decimal("55.5") if assessment == "ege" else None,
                                        source="imported"))
    SchoolResult.objects.bulk_create(results)
    run = ClassificationRun.objects.create(municipality=municipality, academic_year=year, trigger="command",
                                           status="done", context={"oip_threshold": "36", "oip_mean": "30.1",
                                                                   "isbs_mean": "45.2"},
                                           methodology_snapshot={"name": "Ярославская область", "params": {}})
    run.finished_at = run.created_at
    run.save(update_fields=["finished_at"])
    SchoolStatus.objects.bulk_create([
        SchoolStatus(run=run, school=s, oip=Decimal(str(round(rng.uniform(10, 35), 2))),
                     isbs=Decimal(str(round(rng.uniform(25, 60), 2))), flags=2, is_shnor=True, is_shnsu=i % 2 == 0,
                     reasons=[f"ОИП {rng.randint(10, 35)},{rng.randint(10, 99)} ниже порога 36",
                              "ИСБШ ниже среднего по району и 2 признака типологии"])
        for i, s in enumerate(school_list)])
    roadmap = Roadmap.objects.create(municipality=municipality, title="Дорожная карта по повышению качества "
                                     "образования на 2024-2026 гг.", period_start=2024, period_end=2026,
                                     status="approved", order_number="54")
    per_section = 10
    for s in range((activities + per_section - 1) // per_section):
        section = Section.objects.create(roadmap=roadmap, number=str(s + 1), title=f"Раздел {s + 1}", position=s)
        for a in range(min(per_section, activities - s * per_section)):
            activity = Activity(roadmap=roadmap, section=section, number=f"{s + 1}.{a + 1}", position=a,
                                title=f"Мероприятие {s + 1}.{a + 1}: методическое сопровождение школ с низкими "
                                      "образовательными результатами, семинары и консультации",
                                deadline_text=DEADLINES[(s * per_section + a) % len(DEADLINES)],
                                responsible_text="Управление образования", target_scope="shnor" if a % 2 else "")
            activity.save()
            if a % 3:
                ActivityReport.objects.create(activity=activity, year=2025, quarter=1, status="done")
    for i in range(indicators):
        indicator = TargetIndicator.objects.create(municipality=municipality, code=f"{i // 5 + 1}.{i % 5 + 1}",
                                                   name=f"Доля ШНОР с положительной динамикой результатов, "
                                                        f"показатель {i + 1}", unit="percent", position=i)
        for y in range(2021, 2026):
            TargetValue.objects.create(indicator=indicator, year=y, target=Decimal(20 + 5 * (y - 2021)),
                                       comparison="gte", text=f"не менее {20 + 5 * (y - 2021)} %")
            IndicatorValue.objects.create(indicator=indicator, year=y, value=Decimal(rng.randint(10, 60)),
                                          source="manual")
    return municipality


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=40)
    parser.add_argument("--activities", type=int, default=70)
    parser.add_argument("--indicators", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    setup_django()
    from monitoring.report_data import Period
    from monitoring.reports import render_report, request_report

    municipality = build(args.schools, args.activities, args.indicators)
    period = Period(2025, 1)
    from django.conf import settings

    from monitoring.pdf_book import default_processes

    parallel = default_processes()
    modes = {"в одном процессе": 1, f"частями в {parallel} процессах": parallel}
    times = {mode: [] for mode in modes}
    for _ in range(args.repeat + 1):
        for mode, processes in modes.items():
            settings.REPORT_PDF_PROCESSES = processes
            report = request_report(municipality=municipality, period=period, enqueue=False)
            started = time.perf_counter()
            report = render_report(report)
            times[mode].append(time.perf_counter() - started)
    import io

    from pypdf import PdfReader

    with report.file.open("rb") as handle:
        pages = len(PdfReader(io.BytesIO(handle.read())).pages)
    print(f"отчёт: {args.schools} школ, {args.activities} мероприятий, {args.indicators} показателей; "
          f"{pages} страниц, {report.size // 1024} КБ")
    for mode, measured in times.items():
        cold, warm = measured[0], measured[1:]
        print(f"{mode}: первый в процессе {cold:.2f} с; следующие: медиана {statistics.median(warm):.2f} с, "
              f"худший {max(warm):.2f} с")
    one, many = (statistics.median(measured[1:]) for measured in times.values())
    print(f"частями / в одном процессе: {many / one:.2f} (цель: ≤ 5 с; {many:.2f} с)")


if __name__ == "__main__":
    main()
