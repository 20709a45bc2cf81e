"""Classification recompute benchmark: N schools × 3 years of per-school results, and the scaling with 10× N.

    python benchmarks/classification.py [--schools 2000] [--scale 10]

Uses DATABASE_URL when set, else a throw-away PostgreSQL database «portal_bench» on 127.0.0.1.
"""

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("PORTAL_VAR_DIR", tempfile.mkdtemp(prefix="portal-bench-"))
    if "DATABASE_URL" not in os.environ:
        from benchmarks.vpr_import import BENCH_DB, prepare_database

        env = dict(os.environ)
        prepare_database(env)
        os.environ["DATABASE_URL"] = BENCH_DB
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


SUBJECTS = [("vpr", "rus", 5), ("vpr", "math", 5), ("vpr", "rus", 6), ("vpr", "math", 6), ("oge", "rus", 9),
            ("oge", "math", 9), ("ege", "rus", 11), ("ege", "math_prof", 11)]


def build(n: int, seed: int = 7):
    """A municipality of n schools with ОИП, ИСБШ, typology flags and 3 years × 8 procedures of results."""
    from indicators.models import IndexValue, SchoolResult, Subject
    from schools.models import AcademicYear, Municipality, School, SchoolYearProfile

    rng = random.Random(seed)
    municipality = Municipality.objects.create(name=f"Эталонный район на {n} школ {time.time_ns()}")
    School.objects.bulk_create([School(municipality=municipality, name=f"Школа № {i}", short_name=f"Школа № {i}",
                                       kind="sosh", locality="rural" if i % 2 else "urban", has_senior_grades=True)
                                for i in range(n)], batch_size=5000)
    schools = list(School.objects.filter(municipality=municipality))
    years = [AcademicYear.objects.get_or_create(start_year=y)[0] for y in (2022, 2023, 2024)]
    subjects = {s.code: s for s in Subject.objects.all()}
    values, profiles, results = [], [], []
    for school in schools:
        for kind, low, high in (("oip", 10, 70), ("isbs", 25, 70)):
            values.append(IndexValue(school=school, academic_year=years[-1], kind=kind, source="imported",
                                     value=round(rng.uniform(low, high), 2)))
        profiles.append(SchoolYearProfile(school=school, academic_year=years[-1], students=200,
                                          flag_deprived_rural=rng.random() < 0.3, flag_small_rural=rng.random() < 0.3,
                                          flag_limited_transport=rng.random() < 0.3))
        for year in years:
            for assessment, code, grade in SUBJECTS:
                participants = rng.randint(5, 60)
                twos = rng.randint(0, participants // 2)
                rest = participants - twos
                results.append(SchoolResult(school=school, academic_year=year, assessment=assessment,
                                            subject=subjects[code], grade=grade, participants=participants,
                                            mark2=twos if assessment != "ege" else None,
                                            below_minimum=twos if assessment == "ege" else None,
                                            mark3=rest if assessment != "ege" else None, mark4=0, mark5=0,
                                            source="imported"))
    IndexValue.objects.bulk_create(values, batch_size=5000)
    SchoolYearProfile.objects.bulk_create(profiles, batch_size=5000)
    SchoolResult.objects.bulk_create(results, batch_size=5000)
    return municipality, years[-1]


def measure(municipality, year, methodology) -> float:
    from indicators.runs import run_now

    best = None
    for _ in range(3):
        start = time.perf_counter()
        run = run_now(municipality=municipality, academic_year=year, methodology=methodology)
        elapsed = time.perf_counter() - start
        assert run.status == "done"
        best = elapsed if best is None else min(best, elapsed)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=2000)
    parser.add_argument("--scale", type=int, default=10)
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from indicators.models import Methodology

    print(f"classification recompute, {connection.vendor}, 3 years × {len(SUBJECTS)} procedures per school:")
    sizes = (args.schools, args.schools * args.scale)
    built = [build(n) for n in sizes]
    for methodology in Methodology.objects.order_by("pk"):
        times = [measure(m, y, methodology) for m, y in built]
        print(f"  «{methodology.name}»: {sizes[0]} schools {times[0]:.2f} s (target ≤ 2 s); {sizes[1]} schools "
              f"{times[1]:.2f} s — {times[1] / times[0]:.1f}× for {args.scale}× schools (target ≤ {args.scale + 1}×)")


if __name__ == "__main__":
    main()
