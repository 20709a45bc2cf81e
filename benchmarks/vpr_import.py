"""ВПР import benchmark: a 100 000-row ФИС ОКО file into PostgreSQL vs a bare python-calamine parse of it.

    python benchmarks/vpr_import.py [--rows 100000]

Each measurement runs in a fresh child process, so that its peak RSS is its own. The database is
DATABASE_URL when set, else a throw-away PostgreSQL database «portal_bench» on 127.0.0.1 (created and migrated).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "postgres://postgres@127.0.0.1:5432/portal_bench"


def child_parse(path: str) -> dict:
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    workbook = CalamineWorkbook.from_path(path)
    rows = sum(len(workbook.get_sheet_by_name(n).to_python()) for n in workbook.sheet_names)
    return {"seconds": time.perf_counter() - start, "rows": rows}


def child_import(path: str) -> dict:
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from indicators.models import GradingScale, ParticipantResult, Subject
    from indicators.services import upload_receive
    from portal.celery import app
    from schools.models import AcademicYear, Municipality, School

    # As in production, the recompute is queued for a worker, not run inside the import (in-memory broker here).
    app.conf.update(task_always_eager=False, broker_url="memory://", result_backend=None)
    year, _ = AcademicYear.objects.get_or_create(start_year=2023)
    math = Subject.objects.get(code="math")
    GradingScale.objects.update_or_create(  # the generator's synthetic scale, for the mark check
        assessment="vpr", subject=math, grade=5, academic_year=year,
        defaults={"max_score": 20, "thresholds": {"3": 7, "4": 12, "5": 17}, "source": "benchmark"})
    municipality, _ = Municipality.objects.get_or_create(name="Эталонный район для замеров")
    data = Path(path).read_bytes()
    start = time.perf_counter()
    upload = upload_receive(user=None, file=SimpleUploadedFile("bench.xlsx", data), kind="auto",
                            academic_year=year, school=None, options={"create_missing_schools": True},
                            import_now=True, confirm_warnings=True)
    seconds = time.perf_counter() - start
    stored = ParticipantResult.objects.filter(upload=upload).count()
    schools = School.objects.filter(participant_results__upload=upload).distinct().count()
    return {"seconds": seconds, "status": upload.status, "stored": stored, "schools": schools,
            "errors": upload.errors[:3]}


def run_child(mode: str, path: str, env: dict) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([sys.executable, __file__, "--child", mode, path], env=env, capture_output=True, text=True,
                         check=True, cwd=ROOT)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["peak_rss_mb"] = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
    return result


def prepare_database(env: dict) -> None:
    if "DATABASE_URL" not in os.environ:
        import psycopg2

        conn = psycopg2.connect("dbname=postgres user=postgres host=127.0.0.1")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("DROP DATABASE IF EXISTS portal_bench")
            cur.execute("CREATE DATABASE portal_bench")
        conn.close()
        env["DATABASE_URL"] = BENCH_DB
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        mode, path = args.child
        print(json.dumps(child_parse(path) if mode == "parse" else child_import(path)))
        return
    from benchmarks.generate_vpr import generate

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.base", "DJANGO_DEBUG": "1",
           "PORTAL_VAR_DIR": tempfile.mkdtemp(prefix="portal-bench-")}
    env.pop("CELERY_BROKER_URL", None)
    prepare_database(env)
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "vpr.xlsx")
        generate(path, rows=args.rows)
        parse = min((run_child("parse", path, env) for _ in range(2)), key=lambda r: r["seconds"])
        imported = run_child("import", path, env)
    ratio = imported["seconds"] / parse["seconds"]
    print(f"ВПР import, {args.rows} participant rows, PostgreSQL:")
    print(f"  bare python-calamine parse: {parse['seconds']:.2f} s")
    print(f"  full import (validation, COPY, aggregates): {imported['seconds']:.2f} s, status {imported['status']}, "
          f"stored {imported['stored']} rows of {imported['schools']} schools")
    print(f"  ratio {ratio:.2f}× (target ≤ 2×); peak RSS of the import process {imported['peak_rss_mb']:.0f} MB "
          f"(target < 600 MB)")
    if imported["errors"]:
        print(f"  errors: {imported['errors']}")


if __name__ == "__main__":
    main()
