"""A worker is killed (SIGKILL to its whole process group) in the middle of a classification run: the message, never
acknowledged (acks_late), is delivered again to a new worker, and the run ends as a run without the kill does."""

import pytest

from indicators.choices import RunTrigger
from indicators.runs import run_request

from .conftest import finished_run, sending_to, statuses, wait_until, waiting_on_the_lock

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres")]


def test_a_run_killed_with_its_worker_runs_again_to_the_same_result(tutaev, held_lock, redis_server, start_worker):
    municipality, year = tutaev
    first = start_worker(redis_server.url)
    with sending_to(redis_server.url):
        run = run_request(municipality=municipality, academic_year=year, trigger=RunTrigger.MANUAL)
    wait_until(waiting_on_the_lock, 30, "расчёт начат и ждёт блокировки")
    first.kill()
    assert "indicators.classification_run[" in first.output()
    held_lock.close()  # the lock is free again; the killed run's transaction was rolled back
    run.refresh_from_db()
    assert run.status == "pending"

    second = start_worker(redis_server.url)
    killed = wait_until(lambda: finished_run(run.pk), 60, "расчёт после гибели воркера", interval=0.5)
    task_id = first.output().split("indicators.classification_run[")[1].split("]")[0]
    assert f"indicators.classification_run[{task_id}] received" in second.output()  # the same message again
    with sending_to(redis_server.url):  # the same run without any fault, for comparison
        again = run_request(municipality=municipality, academic_year=year, trigger=RunTrigger.MANUAL)
    again = wait_until(lambda: finished_run(again.pk), 60, "расчёт без сбоя", interval=0.5)
    assert killed.status == again.status == "done"
    assert killed.fingerprint == again.fingerprint
    assert statuses(killed) == statuses(again)
    assert killed.statuses.count() == municipality.schools.filter(is_active=True).count()
