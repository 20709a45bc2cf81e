"""Classification runs: gather the facts, apply the methodology, store an immutable run with its statuses."""

from __future__ import annotations

import hashlib
import json
import time
import zlib
from collections import defaultdict
from decimal import Decimal
from functools import partial

from django.db import connection, transaction
from django.utils import timezone

from portal.queueing import QUEUE_DOWN_NOTE, SWEEP_BATCH, send, send_each, sweep_cutoff, waiting_since
from schools.choices import TYPOLOGY_FLAGS
from schools.models import AcademicYear, Municipality, School, SchoolYearProfile

from .choices import IndexSource, RunStatus, RunTrigger
from .classification import SchoolFacts, classify
from .index_compute import indices_compute
from .models import ClassificationRun, IndexValue, Methodology, SchoolResult, SchoolStatus
from .objectivity import ObjectivityLimits, check_all, is_biased
from .objectivity_inputs import objectivity_groups

RESULT_YEARS = 3  # the run looks at the results of the year and the two before it
SWEEP_TASK = "Повторная отправка ожидающих расчётов классификации"


def methodology_for(municipality: Municipality) -> Methodology:
    chosen = municipality.methodologies.order_by("-updated_at").first()
    return chosen or Methodology.objects.filter(is_default=True).first() or Methodology.objects.order_by("pk").first()


def _indices(school_ids, year, params) -> dict[tuple[int, str], Decimal]:
    values: dict[tuple[int, str], dict[str, Decimal]] = defaultdict(dict)
    rows = IndexValue.objects.filter(school_id__in=school_ids, academic_year=year).values_list(
        "school_id", "kind", "source", "value")
    for school_id, kind, source, value in rows:
        values[(school_id, kind)][source] = value
    chosen = {}
    for key, by_source in values.items():
        rule = params.get(f"{key[1]}_source", "imported_or_computed")
        if rule == "imported_or_computed":
            value = by_source.get(IndexSource.IMPORTED, by_source.get(IndexSource.COMPUTED))
        else:
            value = by_source.get(rule)
        if value is not None:
            chosen[key] = value
    return chosen


def school_facts(municipality: Municipality, year: AcademicYear, params: dict) -> list[SchoolFacts]:
    """Everything the rules need, in a fixed number of queries whatever the number of schools."""
    schools = list(School.objects.filter(municipality=municipality, is_active=True).values_list("pk", "short_name"))
    ids = [pk for pk, _ in schools]
    indices = _indices(ids, year, params)
    flags = {}
    for row in SchoolYearProfile.objects.filter(school_id__in=ids, academic_year=year).values(
            "school_id", *TYPOLOGY_FLAGS):
        school_id = row.pop("school_id")
        flags[school_id] = sum(1 for v in row.values() if v)
    procedures: dict[int, dict] = defaultdict(dict)
    results = SchoolResult.objects.filter(
        school_id__in=ids, academic_year__start_year__gt=year.start_year - RESULT_YEARS,
        academic_year__start_year__lte=year.start_year,
    ).values_list("school_id", "academic_year__start_year", "assessment", "subject__code", "grade", "participants",
                  "mark2", "below_minimum")
    for school_id, start, assessment, subject, grade, participants, mark2, below in results:
        twos = mark2 if mark2 is not None else below
        if participants and twos is not None:
            procedures[school_id][(start, assessment, subject, grade)] = (participants, twos)
    facts = [SchoolFacts(school_id=pk, name=name, oip=indices.get((pk, "oip")), isbs=indices.get((pk, "isbs")),
                         flags=flags.get(pk), procedures=procedures.get(pk, {})) for pk, name in schools]
    _add_objectivity(facts, municipality, year, params)
    return facts


NOTE_CODES = {"small_sample", "journal_incomplete"}


def _add_objectivity(facts: list[SchoolFacts], municipality, year, params: dict) -> None:
    """ВПР objectivity checks of the year: flags with explanations, and whether the school counts as biased."""
    limits = ObjectivityLimits(**params.get("objectivity_limits", {}))
    by_school = defaultdict(list)
    for flag in check_all(objectivity_groups(municipality, year), limits):
        by_school[flag.school_id].append(flag)
    for f in facts:
        flags = by_school.get(f.school_id, [])
        f.biased = is_biased(flags, limits)
        f.objectivity = [flag.explanation for flag in flags if flag.code not in NOTE_CODES]


def _fingerprint(facts: list[SchoolFacts], snapshot: dict) -> str:
    """A digest of what the run looked at: the methodology snapshot and, per school, its indices, flags and sums."""
    digest = hashlib.sha256(json.dumps(snapshot, default=str, sort_keys=True).encode())
    for f in facts:
        participants = sum(p for p, _ in f.procedures.values())
        twos = sum(t for _, t in f.procedures.values())
        digest.update(f"{f.school_id}|{f.oip}|{f.isbs}|{f.flags}|{len(f.procedures)}|{participants}|{twos}|"
                      f"{f.biased}\n".encode())
    return digest.hexdigest()


def run_request(*, municipality: Municipality, academic_year: AcademicYear, trigger: str, user=None,
                methodology: Methodology | None = None) -> ClassificationRun:
    """Create a pending run and queue its computation after the commit (a broker that is down leaves it pending,
    with ``error`` saying so, for the sweep)."""
    run = ClassificationRun.objects.create(municipality=municipality, academic_year=academic_year,
                                           methodology=methodology, trigger=trigger, started_by=user)
    transaction.on_commit(partial(run_send, run))
    return run


def run_send(run: ClassificationRun) -> bool:
    """Send the run to the queue; the row (and the instance) records whether the broker took it."""
    from .tasks import classification_run_task

    sent = send(classification_run_task, run.pk) is not None
    run.queued_at, run.error = (timezone.now(), "") if sent else (run.queued_at, QUEUE_DOWN_NOTE)
    ClassificationRun.objects.filter(pk=run.pk, status=RunStatus.PENDING).update(queued_at=run.queued_at,
                                                                                 error=run.error)
    return sent


def sweep_pending_runs() -> int:
    """Send again the runs left pending for PORTAL_PENDING_SWEEP_MINUTES: the broker was down when they were
    requested, or it lost their message. A run that is computed meanwhile is left as it is by ``run_execute``."""
    stale = (ClassificationRun.objects.filter(waiting_since(sweep_cutoff()), status=RunStatus.PENDING)
             .order_by("created_at")[:SWEEP_BATCH])
    return send_each(stale, run_send)


def lock_key(municipality_id: int, year_id: int) -> int:
    return zlib.crc32(f"classification:{municipality_id}:{year_id}".encode())


def _lock(municipality_id: int, year_id: int) -> None:
    """Serialise runs of the same municipality and year (PostgreSQL advisory lock; SQLite has one writer)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(municipality_id, year_id)])


def _snapshot(methodology: Methodology, overrides: dict) -> dict:
    params = {**methodology.params, **overrides}
    return {"id": methodology.pk, "name": methodology.name, "preset": methodology.preset,
            "version": methodology.version, "params": params, "overrides": overrides}


def run_execute(*, run: ClassificationRun, overrides: dict | None = None) -> ClassificationRun:
    """Compute the run's statuses and finish it; the run is never changed afterwards."""
    if run.status == RunStatus.DONE:
        return run
    started = time.perf_counter()
    with transaction.atomic():
        _lock(run.municipality_id, run.academic_year_id)
        if ClassificationRun.objects.filter(pk=run.pk, status=RunStatus.DONE).exists():
            run.refresh_from_db()  # a copy of the task (redelivered, or sent again by the sweep) finished it
            return run
        methodology = run.methodology or methodology_for(run.municipality)
        snapshot = _snapshot(methodology, overrides or {})
        computed = indices_compute(municipality=run.municipality, academic_year=run.academic_year,
                                   params=snapshot["params"])
        facts = school_facts(run.municipality, run.academic_year, snapshot["params"])
        outcome = classify(facts, preset=methodology.preset, params=snapshot["params"],
                           year=run.academic_year.start_year)
        by_id = {f.school_id: f for f in facts}
        SchoolStatus.objects.bulk_create([
            SchoolStatus(run=run, school_id=s.school_id, oip=by_id[s.school_id].oip, isbs=by_id[s.school_id].isbs,
                         flags=by_id[s.school_id].flags, is_shnor=s.shnor, is_shnsu=s.shnsu,
                         is_participant=s.participant, is_resilient=s.resilient,
                         objectivity=by_id[s.school_id].objectivity, reasons=s.reasons)
            for s in outcome.statuses], batch_size=1000)
        run.methodology, run.methodology_snapshot = methodology, snapshot
        run.fingerprint = _fingerprint(facts, snapshot)
        run.context = json.loads(json.dumps({**outcome.context, "computed_indices": computed}, default=str))
        run.inputs = {"schools": len(facts), "with_oip": sum(f.oip is not None for f in facts),
                      "with_isbs": sum(f.isbs is not None for f in facts),
                      "with_results": sum(bool(f.procedures) for f in facts)}
        run.status, run.finished_at, run.error = RunStatus.DONE, timezone.now(), ""
        run.started_at = run.started_at or run.finished_at
        run.duration_ms = int((time.perf_counter() - started) * 1000)
        run.save()
    return run


def run_now(*, municipality: Municipality, academic_year: AcademicYear, trigger: str = RunTrigger.COMMAND,
            methodology: Methodology | None = None, overrides: dict | None = None, user=None,
            persist: bool = True) -> ClassificationRun:
    """Synchronous run (the classify command). With ``persist=False`` everything is rolled back afterwards."""
    with transaction.atomic():
        run = ClassificationRun.objects.create(municipality=municipality, academic_year=academic_year,
                                               methodology=methodology, trigger=trigger, started_by=user,
                                               started_at=timezone.now(), status=RunStatus.RUNNING)
        run_execute(run=run, overrides=overrides)
        statuses = list(run.statuses.select_related("school").order_by("school__short_name"))
        if not persist:
            transaction.set_rollback(True)
    run._statuses = statuses
    return run


def run_mark_failed(*, run_id: int, error: str) -> None:
    ClassificationRun.objects.filter(pk=run_id).exclude(status=RunStatus.DONE).update(
        status=RunStatus.FAILED, error=error[:2000], finished_at=timezone.now())


def latest_run(municipality, academic_year) -> ClassificationRun | None:
    return (ClassificationRun.objects.filter(municipality=municipality, academic_year=academic_year,
                                             status=RunStatus.DONE)
            .select_related("methodology", "academic_year", "municipality").order_by("-finished_at", "-pk").first())


def run_diff(old: ClassificationRun, new: ClassificationRun) -> dict:
    """Which schools entered or left each list between two runs."""
    def lists(run):
        result = defaultdict(set)
        for status in run.statuses.all():
            for field in ("is_shnor", "is_shnsu", "is_participant", "is_resilient"):
                if getattr(status, field):
                    result[field].add(status.school_id)
        return result

    before, after = lists(old), lists(new)
    names = dict(School.objects.filter(statuses__run__in=[old, new]).values_list("pk", "short_name").distinct())
    diff = {}
    for field, label in (("is_shnor", "ШНОР"), ("is_shnsu", "ШНСУ"), ("is_participant", "участники программы"),
                         ("is_resilient", "резилиентные")):
        diff[label] = {"entered": sorted(names[i] for i in after[field] - before[field]),
                       "left": sorted(names[i] for i in before[field] - after[field]),
                       "stayed": len(after[field] & before[field])}
    return diff


def years_with_data(municipality: Municipality) -> list[AcademicYear]:
    starts = set(IndexValue.objects.filter(school__municipality=municipality).values_list(
        "academic_year__start_year", flat=True))
    starts |= set(SchoolResult.objects.filter(school__municipality=municipality).values_list(
        "academic_year__start_year", flat=True))
    return list(AcademicYear.objects.filter(start_year__in=starts).order_by("-start_year"))


def nightly_requests() -> int:
    """Queue one run per municipality for its newest year with data."""
    count = 0
    for municipality in Municipality.objects.all():
        years = years_with_data(municipality)
        if years:
            run_request(municipality=municipality, academic_year=years[0], trigger=RunTrigger.NIGHTLY)
            count += 1
    return count

