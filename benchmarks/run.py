"""Performance workloads. Prints ratios measured within one run; record the figures in docs/BENCHMARKS.md.

Uses a throw-away SQLite database under a temporary directory, or the database of DATABASE_URL when set
(then a benchmark municipality is created and removed again).
"""

import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if not os.environ.get("DATABASE_URL"):
    os.environ["PORTAL_VAR_DIR"] = tempfile.mkdtemp(prefix="portal-bench-")
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from portal.spreadsheets import read_workbook  # noqa: E402
from schools.models import Municipality, School  # noqa: E402
from schools.register import HEADER_BY_KEY  # noqa: E402
from schools.services import register_import  # noqa: E402

BENCH_MUNICIPALITY = "Эталонный район для замеров"


def register_file(n: int) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Реестр ОО")
    ws.append(list(HEADER_BY_KEY.values()))
    for i in range(n):
        ws.append([BENCH_MUNICIPALITY, f"Муниципальное общеобразовательное учреждение школа № {i}",
                   f"МОУ школа № {i}", f"edu{900000 + i:06d}", "СОШ" if i % 3 else "ООШ",
                   "Сельская" if i % 2 else "Городская", "нет", "да" if i % 3 else "нет", "", "", "да"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def cleanup():
    School.objects.filter(municipality__name=BENCH_MUNICIPALITY).delete()
    Municipality.objects.filter(name=BENCH_MUNICIPALITY).delete()


def bench_register_import(n: int) -> dict:
    data = register_file(n)
    parse_best, _ = best_of(lambda: read_workbook(data))

    def full_import():
        cleanup()
        report = register_import(data=data, user=None, create_municipalities=True)
        assert report.ok and report.created == n, report.errors[:3]

    import_best, _ = best_of(full_import)
    cleanup()
    return {"rows": n, "parse_s": parse_best, "import_s": import_best, "ratio": import_best / parse_best}


def main() -> None:
    call_command("migrate", verbosity=0)
    print(f"database: {django.db.connection.vendor}")
    print("register import (create every school) vs bare python-calamine parse of the same file:")
    results = [bench_register_import(n) for n in (200, 2000)]
    for r in results:
        print(f"  {r['rows']:>5} rows: parse {r['parse_s']:.3f} s, import {r['import_s']:.3f} s, "
              f"ratio {r['ratio']:.1f}×")
    growth = results[1]["import_s"] / results[0]["import_s"]
    print(f"  import time for 10× rows: {growth:.1f}× (linear is 10×)")


if __name__ == "__main__":
    main()
