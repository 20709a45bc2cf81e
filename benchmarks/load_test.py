"""Mixed load on the whole portal over loopback; the run fails on any server error.

    python benchmarks/load_test.py [--seconds 60] [--users 50] [--database portal_load] [--workers 3] [--threads 4]

The server is production-like: gunicorn (gthread workers) with DEBUG off, PostgreSQL, the Redis cache, and a real
Celery worker on Redis computing the classification runs that confirmed uploads queue. The database is a throw-away
one: migrated, static files collected into a temporary directory, demo data (``load_demo --force``) and the load
test's own users (a staff member, a curator, principals of Тутаевский МР schools and a throw-away user for wrong
passwords). The simulated users, each looping with a random think time (benchmarks/load_users.py):

- visitors of the open pages: ``/public/``, a municipality page, sometimes its CSV;
- staff, curators and principals logging in through the real form (CSRF token from the form), looking at two pages
  and logging out; one intruder trying wrong passwords for the throw-away user until django-axes locks it (429);
- principals uploading their school's ВПР results in the portal's template (filled with openpyxl): upload, preview,
  confirm — two sessions per school, so imports of the same school race;
- staff editing roadmap activities in place (htmx), several editors on the same few activities: 409 on a conflict,
  422 on an empty title.

Every response is counted by kind and status. The run FAILS (exit status 1) on any 5xx, connection error or timeout,
status the step does not expect, error in the server or worker log, or failed classification run.

gunicorn runs 3 gthread workers × 4 threads: no more processes than 2 cores can feed, and threads so that waits on
PostgreSQL and Redis and the long steps (a login's PBKDF2, an import) do not hold up the short open pages. The
prepared database is kept as the template ``<database>_tpl_<digest of the tree>`` and cloned by the next run on
the same tree and day (``--fresh`` rebuilds it). Figures and choices: docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import psycopg2
import redis
import requests
from psycopg2.errors import ObjectInUse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
MUNICIPALITY = "Тутаевский муниципальный район"
REDIS = "127.0.0.1:6379/8"
# lines of the gunicorn and worker logs that fail the run: Django's and Celery's «ERROR …», gunicorn's «[ERROR] …»
LOG_ERRORS = ("Traceback", "WORKER TIMEOUT", " ERROR ", "[ERROR]", "CRITICAL")

from benchmarks.load_users import (  # noqa: E402
    INTRUDER,
    PASSWORD,
    Browser,
    Editor,
    Intruder,
    Plan,
    Principal,
    Stats,
    Visitor,
)


def server_env(database: str, run_id: str, workdir: Path) -> dict:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "benchmarks.load_settings", "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "load-test-only-secret-key-5d2c81f4a0e94b7c9e3a6f1b0d8c7e2a",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost", "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SECURE_COOKIES": "0", "DJANGO_HSTS_SECONDS": "0", "DJANGO_DEMO": "0",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
            "CACHE_URL": f"rediscache://{REDIS}", "CELERY_BROKER_URL": f"redis://{REDIS}",
            "LOAD_TEST_QUEUE": run_id, "LOAD_TEST_PREFIX": run_id, "PYTHONPATH": str(ROOT),
            "PORTAL_VAR_DIR": str(workdir / "var"), "DJANGO_MEDIA_ROOT": str(workdir / "media"),
            "DJANGO_STATIC_ROOT": str(workdir / "static")}


# --- the database (``--prepare`` runs in a child process with the server's environment) ---------------------------

def prepare() -> None:
    """Migrate, collect static files, load the demo, add the load test's users; print what the users need."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_demo", force=True, stdout=quiet)
    print(json.dumps(_create_users()))


def _create_users() -> dict:
    from django.contrib.auth.hashers import make_password

    from portal.choices import Role
    from portal.models import User
    from portal.services import user_set_role
    from roadmap.models import Roadmap
    from schools.models import School

    schools = list(School.objects.filter(municipality__name=MUNICIPALITY).select_related("municipality")
                   .order_by("pk")[:8])
    hashed = make_password(PASSWORD)  # hashed once: each hash takes a sizeable fraction of a second

    def user(username: str, role: str, **kwargs) -> None:
        user_set_role(user=User(username=username, password=hashed, last_name="Нагрузка", first_name=username),
                      role=role, **kwargs)

    user("load_staff", Role.STAFF)
    user("load_curator", Role.CURATOR, curated_schools=schools)
    user(INTRUDER, Role.CURATOR)
    principals = []
    for number, school in enumerate(schools, start=1):
        user(f"load_principal{number}", Role.PRINCIPAL, school=school)
        principals.append({"username": f"load_principal{number}", "name": school.short_name,
                           "municipality": school.municipality.name})
    roadmap = Roadmap.objects.filter(municipality__name=MUNICIPALITY).order_by("pk").first()
    activities = list(roadmap.activities.order_by("position", "pk").values_list("pk", flat=True)[:20])
    return {"principals": principals, "activities": activities, "roadmap": roadmap.pk, "school": schools[0].pk}


def sql(statement: str, params=(), database: str = "postgres") -> list[tuple]:
    connection = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname=database)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def tree_digest() -> str:
    """A digest of what the prepared database is built from: the project's Python files, fixtures/, and the day."""
    digest = hashlib.sha256(date.today().isoformat().encode())
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = sorted(d for d in dirs if d not in {".venv", ".git", "var", "tests", "docs", "node_modules"}
                         and not d.startswith((".", "__")))
        in_fixtures = Path(folder).is_relative_to(ROOT / "fixtures")
        for name in sorted(files):
            if in_fixtures or name.endswith(".py"):
                path = Path(folder, name)
                digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def _clone(template: str, database: str) -> None:
    for _ in range(20):  # the backends of the process that built the template may take a moment to go away
        try:
            sql(f"CREATE DATABASE {database} TEMPLATE {template}")
            return
        except ObjectInUse:
            time.sleep(0.5)
    raise RuntimeError(f"шаблон {template} занят / template {template} is in use")


def prepare_database(database: str, environment: dict, fresh: bool) -> dict:
    """Create ``database`` from a template built once per state of the tree (and day); what the users need.

    The template's description holds the JSON printed by ``--prepare``."""
    template = f"{database}_tpl_{tree_digest()}"
    sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    found = sql("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [template])
    if found and found[0][0] and not fresh:
        _clone(template, database)
        subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env=environment, cwd=ROOT,
                       check=True)
        return json.loads(found[0][0])
    for (name,) in sql("SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{database}\\_tpl\\_%"]):
        sql(f"DROP DATABASE {name} WITH (FORCE)")
    sql(f"CREATE DATABASE {template}")
    done = subprocess.run([PYTHON, __file__, "--prepare"], cwd=ROOT, capture_output=True, text=True,
                          env={**environment, "CELERY_BROKER_URL": "",
                               "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{template}"})
    if done.returncode:
        raise RuntimeError(f"подготовка базы не удалась / preparing the database failed:\n{done.stderr[-3000:]}")
    description = done.stdout.strip().splitlines()[-1]
    sql(f"COMMENT ON DATABASE {template} IS %s", [description])
    _clone(template, database)
    return json.loads(description)


def runs_by_status(database: str, since: float) -> dict[str, int]:
    """Classification runs requested during the load, by status."""
    return dict(sql("SELECT status, count(*) FROM indicators_classificationrun WHERE created_at >= to_timestamp(%s) "
                    "GROUP BY status", [since], database=database))


# --- the servers -------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_servers(args, environment: dict, port: int, workdir: Path) -> dict[str, tuple[subprocess.Popen, Path]]:
    """gunicorn and the Celery worker, each logging into a file of ``workdir``."""
    commands = {
        "gunicorn": [PYTHON, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{port}",
                     "--worker-class", "gthread", "--workers", str(args.workers), "--threads", str(args.threads),
                     "--timeout", "60", "--graceful-timeout", "10", "--log-level", "warning"],
        "celery": [PYTHON, "-m", "celery", "-A", "portal", "worker", "--pool", "prefork", "--concurrency", "1",
                   "-Q", environment["LOAD_TEST_QUEUE"], "-n", f"{environment['LOAD_TEST_QUEUE']}@%h",
                   "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
    }
    processes = {}
    for name, command in commands.items():
        log = workdir / f"{name}.log"
        with open(log, "w") as handle:
            processes[name] = (subprocess.Popen(command, env=environment, cwd=ROOT, stdout=handle,
                                                stderr=subprocess.STDOUT), log)
    return processes


def wait_ready(port: int, processes: dict, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process, _ in processes.values()):
            raise RuntimeError("сервер или воркер завершился при запуске / a server process exited on start")
        try:
            if requests.get(f"http://127.0.0.1:{port}/public/health/", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn не ответил за минуту / gunicorn did not answer within a minute")


def stop(processes: dict) -> None:
    for process, _ in processes.values():
        if process.poll() is None:
            process.terminate()
    for process, _ in processes.values():
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def log_errors(path: Path) -> list[str]:
    return [line.rstrip() for line in path.read_text(errors="replace").splitlines()
            if any(marker in line for marker in LOG_ERRORS)]


def clean_redis(run_id: str) -> None:
    """Remove the run's cache keys and queue from the shared Redis (task results expire after a day by themselves)."""
    client = redis.Redis.from_url(f"redis://{REDIS}")
    keys = list(client.scan_iter(f"*{run_id}*"))  # cache «<run_id>:1:…», queue «<run_id>», «_kombu.binding.<run_id>»
    if keys:
        client.delete(*keys)


# --- the load ----------------------------------------------------------------------------------------------------

def user_mix(users: int) -> dict[str, int]:
    """How many simulated users of each kind: ~half visitors, the rest logging in, uploading, editing."""
    mix = {"intruder": 1, "editor": max(1, round(users * 0.16)), "principal": max(2, round(users * 0.2)),
           "browser": max(1, round(users * 0.1))}
    mix["visitor"] = users - sum(mix.values())
    if mix["visitor"] < 1:
        raise SystemExit("--users: нужно не меньше 6 / at least 6 users are needed")
    return mix


def make_users(mix: dict[str, int], plan: Plan, stats: Stats, fixture: dict, ramp: float) -> list:
    principals = fixture["principals"][:max(1, mix["principal"] // 2)]  # two sessions per school: imports race
    kinds = ([(Visitor, {})] * mix["visitor"] + [(Browser, {})] * mix["browser"] + [(Intruder, {})] * mix["intruder"]
             + [(Principal, {"school": principals[i % len(principals)]}) for i in range(mix["principal"])]
             + [(Editor, {"username": "load_staff"})] * mix["editor"])
    return [cls(plan, stats, seed=i, start_delay=ramp * i / len(kinds), **extra)
            for i, (cls, extra) in enumerate(kinds)]


def run_load(args, fixture: dict, base: str, stats: Stats) -> float:
    """Run the users for ``args.seconds``; the wall time."""
    mix = user_mix(args.users)
    editors = mix["editor"]
    school_pages = ["/results/uploads/", "/roadmaps/"]
    accounts = [("load_staff", ["/roadmaps/", f"/roadmaps/{fixture['roadmap']}/", "/results/uploads/"]),
                ("load_curator", ["/schools/", f"/schools/{fixture['school']}/", "/roadmaps/"]),
                *((p["username"], school_pages) for p in fixture["principals"][-2:])]
    started = time.monotonic()
    plan = Plan(base=base, deadline=started + args.seconds, think=(args.think_min, args.think_max),
                timeout=args.timeout,
                activities=fixture["activities"][:max(2, editors // 2)], accounts=accounts)
    threads = make_users(mix, plan, stats, fixture, ramp=min(5.0, args.seconds / 6))
    print(f"пользователей / users: {args.users} — " + ", ".join(f"{k} {v}" for k, v in mix.items()), flush=True)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, plan.deadline - time.monotonic() + args.timeout + 10))
    if any(thread.is_alive() for thread in threads):
        stats.problem("connection", "пользователь не закончил шаг вовремя / a user did not finish its step in time")
    return time.monotonic() - started


def wait_for_runs(database: str, since: float, seconds: float) -> dict[str, int]:
    deadline = time.monotonic() + seconds
    while True:
        runs = runs_by_status(database, since)
        if not (runs.get("pending") or runs.get("running")) or time.monotonic() > deadline:
            return runs
        time.sleep(1)


# --- the report --------------------------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def print_report(stats: Stats, wall: float) -> int:
    total = sum(len(v) for v in stats.latencies.values())
    print(f"\n{'вид запроса / kind':<18} {'запросов':>8} {'запр./с':>8} {'p50 мс':>8} {'p95 мс':>8} {'p99 мс':>8}  "
          f"статусы / statuses")
    for kind in sorted(stats.latencies):
        values = stats.latencies[kind]
        statuses = ", ".join(f"{code}×{n}" for code, n in sorted(stats.statuses[kind].items()))
        print(f"{kind:<18} {len(values):>8} {len(values) / wall:>8.1f} {percentile(values, 50) * 1000:>8.0f} "
              f"{percentile(values, 95) * 1000:>8.0f} {percentile(values, 99) * 1000:>8.0f}  {statuses}")
    overall = [v for values in stats.latencies.values() for v in values]
    if overall:
        print(f"{'всего / total':<18} {total:>8} {total / wall:>8.1f} {percentile(overall, 50) * 1000:>8.0f} "
              f"{percentile(overall, 95) * 1000:>8.0f} {percentile(overall, 99) * 1000:>8.0f}")
    by_status: dict[int, int] = {}
    for counter in stats.statuses.values():
        for code, n in counter.items():
            by_status[code] = by_status.get(code, 0) + n
    print("статусы / statuses: " + ", ".join(f"{code}: {n}" for code, n in sorted(by_status.items())))
    print("исходы / outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.outcomes.items())))
    return total


def verdict(stats: Stats, total: int, wall: float, logs: dict[str, list[str]], runs: dict[str, int]) -> int:
    for category, items in stats.problems.items():
        print(f"\n{category}: {len(items)}")
        for item in items[:10]:
            print(f"  {item}")
    for name, lines in logs.items():
        if lines:
            print(f"\nошибки в журнале {name} / errors in the {name} log: {len(lines)}")
            print("\n".join(f"  {line}" for line in lines[:20]))
    print(f"\nрасчёты классификации после нагрузки / classification runs: {runs}")
    fivexx = sum(n for counter in stats.statuses.values() for code, n in counter.items() if code >= 500)
    failed = (fivexx or any(stats.problems.values()) or any(logs.values()) or runs.get("failed", 0)
              or not total)
    print(f"\nRESULT: {'FAIL' if failed else 'PASS'} requests={total} rps={total / wall:.1f} 5xx={fivexx} "
          f"connection_errors={len(stats.problems['connection'])} unexpected={len(stats.problems['unexpected'])} "
          f"client_errors={len(stats.problems['client'])} log_errors={sum(map(len, logs.values()))} "
          f"failed_runs={runs.get('failed', 0)}")
    print("ИТОГ: " + ("ПРОВАЛ — есть ошибки (см. выше)" if failed else
                      f"УСПЕХ — {total} запросов за {wall:.0f} с без единой ошибки сервера"))
    return 1 if failed else 0


# --- main --------------------------------------------------------------------------------------------------------

def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="длительность нагрузки / load duration")
    parser.add_argument("--users", type=int, default=50, help="число пользователей / simulated users")
    parser.add_argument("--database", default="portal_load", help="одноразовая база / throw-away database")
    parser.add_argument("--workers", type=int, default=3, help="процессы gunicorn")
    parser.add_argument("--threads", type=int, default=4, help="потоки на процесс gunicorn")
    parser.add_argument("--think-min", type=float, default=0.2, help="пауза пользователя, от, с")
    parser.add_argument("--think-max", type=float, default=1.0, help="пауза пользователя, до, с")
    parser.add_argument("--timeout", type=float, default=30, help="тайм-аут запроса, с / request timeout")
    parser.add_argument("--drain", type=float, default=60, help="ждать расчётов после нагрузки, с")
    parser.add_argument("--fresh", action="store_true", help="построить базу заново, не из шаблона / rebuild the "
                        "database instead of cloning the template of this tree")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def _terminate(signum, frame):
    raise SystemExit(f"остановлено сигналом {signum} / stopped by signal {signum}")


def main() -> int:
    args = parse_args()
    if args.prepare:
        prepare()
        return 0
    signal.signal(signal.SIGTERM, _terminate)  # so that the servers are stopped in ``finally``
    run_id = f"portal-load-{os.getpid()}-{time.time_ns()}"
    workdir = Path(tempfile.mkdtemp(prefix="portal-load-"))
    environment = server_env(args.database, run_id, workdir)
    processes: dict = {}
    stats = Stats()
    try:
        started = time.monotonic()
        fixture = prepare_database(args.database, environment, args.fresh)
        port = free_port()
        processes = start_servers(args, environment, port, workdir)
        wait_ready(port, processes)
        print(f"подготовка / setup: {time.monotonic() - started:.0f} с; журналы / logs: {workdir}", flush=True)
        since = time.time()
        load_before = os.getloadavg()[0]
        wall = run_load(args, fixture, f"http://127.0.0.1:{port}", stats)
        print(f"load average машины (1 мин) до / после нагрузки: {load_before:.1f} / {os.getloadavg()[0]:.1f} "
              f"на {os.cpu_count()} ядрах", flush=True)
        runs = wait_for_runs(args.database, since, args.drain)
    finally:
        stop(processes)
        clean_redis(run_id)
    total = print_report(stats, wall)
    code = verdict(stats, total, wall, {name: log_errors(log) for name, (_, log) in processes.items()}, runs)
    if code == 0:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"журналы сервера и воркера / server and worker logs: {workdir}")
    return code


if __name__ == "__main__":
    sys.exit(main())
