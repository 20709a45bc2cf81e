"""Where every change that affects a classification asks for a recompute.

Imports, index edits and methodology changes call ``queue_classification`` inside their transaction: a pending run
is recorded at once (the pages show it) and the task is sent only after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable

from .choices import RunTrigger


def queue_classification(*, municipality_ids: Iterable[int], academic_year_id: int,
                         trigger: str = RunTrigger.IMPORT, user=None) -> list:
    from schools.models import AcademicYear, Municipality

    from .runs import run_request

    year = AcademicYear.objects.get(pk=academic_year_id)
    return [run_request(municipality=m, academic_year=year, trigger=trigger, user=user)
            for m in Municipality.objects.filter(pk__in=set(municipality_ids)).order_by("pk")]
