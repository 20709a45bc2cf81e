"""The open page under load: gunicorn with 2 workers, 16 concurrent clients on loopback.

    python benchmarks/public_load.py [--seconds 15] [--clients 16] [--workers 2]

Serves the portal with production settings (DEBUG off, PostgreSQL, the Redis cache) plus one trivial view, loads
the demo municipalities into a throw-away database «portal_bench_public», and measures the throughput and latency
percentiles of the trivial view and of ``/public/<Тутаевский МР>/`` (ОИП × ИСБШ chart, 18 schools, indicators)
in turns. Targets: the open page reaches ≥ 50 % of the trivial view's throughput, p99 < 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DB = "portal_bench_public"


def env() -> dict:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.base", "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "benchmark-only-secret-key-0b7e1f2d9c4a4e55b1f0a3c9d8e7f6a5",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost", "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SECURE_COOKIES": "0", "DJANGO_HSTS_SECONDS": "0", "DJANGO_ROOT_URLCONF": "benchmarks.urls_public",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
            "CACHE_URL": "rediscache://127.0.0.1:6379/7", "CELERY_BROKER_URL": "", "PYTHONPATH": str(ROOT),
            "DJANGO_STATIC_ROOT": str(Path(tempfile.gettempdir()) / "portal-bench-static")}


def prepare() -> int:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {DB}"], check=True)
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {DB}"], check=True)
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env(), check=True, cwd=ROOT)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env(), check=True, cwd=ROOT)
    subprocess.run([*manage, "load_demo", "--force"], env=env(), check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    out = subprocess.run([*manage, "shell", "-c", "from schools.models import Municipality; "
                          "print(Municipality.objects.get(name__startswith='Тутаевский').pk)"],
                         env=env(), check=True, cwd=ROOT, capture_output=True, text=True).stdout
    return int(out.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def fetch(port: int, path: str) -> tuple[float, int]:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    status = int(data[9:12]) if data[:5] == b"HTTP/" else 0
    return time.perf_counter() - started, status


async def load(port: int, path: str, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client():
        nonlocal errors
        while time.perf_counter() < deadline:
            elapsed, status = await fetch(port, path)
            latencies.append(elapsed)
            errors += status != 200

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    wall = time.perf_counter() - started
    latencies.sort()
    return {"requests": len(latencies), "errors": errors, "rps": len(latencies) / wall,
            "p50": statistics.median(latencies) * 1000, "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    municipality = prepare()
    port = free_port()
    server = subprocess.Popen([PYTHON, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{port}",
                               "--workers", str(args.workers), "--log-level", "warning"], env=env(), cwd=ROOT)
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.2)
        paths = {"trivial": "/bench/trivial/", "public": f"/public/{municipality}/"}
        for path in paths.values():  # warm both workers and the cache
            asyncio.run(load(port, path, args.clients, 2))
        results: dict[str, list[dict]] = {name: [] for name in paths}
        for _ in range(args.rounds):  # in turns, so that noise on the shared machine hits both alike
            for name, path in paths.items():
                results[name].append(asyncio.run(load(port, path, args.clients, args.seconds)))
        for name, runs in results.items():
            for r in runs:
                print(f"{name:8} {r['requests']:6d} запросов, ошибок {r['errors']}, {r['rps']:7.1f} запр./с, "
                      f"p50 {r['p50']:5.1f} мс, p99 {r['p99']:5.1f} мс")
        ratios = [p["rps"] / t["rps"] for p, t in zip(results["public"], results["trivial"], strict=True)]
        p99 = max(r["p99"] for r in results["public"])
        print(f"отношение пропускной способности /public/ к тривиальному представлению: "
              f"{', '.join(f'{r:.0%}' for r in ratios)} (медиана {statistics.median(ratios):.0%}; цель ≥ 50 %)")
        print(f"p99 /public/ наибольший по раундам: {p99:.1f} мс (цель < 100 мс)")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
