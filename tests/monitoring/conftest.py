"""Small hand-built data for the target-indicator tests: schools, years, classification runs, results, indices."""

from decimal import Decimal

import pytest
from django.utils import timezone

from indicators.choices import Assessment, IndexKind, IndexSource, RunStatus, RunTrigger
from indicators.models import ClassificationRun, IndexValue, SchoolResult, SchoolStatus, Subject
from monitoring.models import TargetIndicator
from schools.models import AcademicYear
from tests.factories import SchoolFactory


@pytest.fixture
def years(db) -> dict[int, AcademicYear]:
    return {start: AcademicYear.objects.get_or_create(start_year=start)[0] for start in (2022, 2023, 2024)}


@pytest.fixture
def schools(municipality) -> dict[str, object]:
    """Five schools of the test municipality, named by letter."""
    return {letter: SchoolFactory(municipality=municipality, short_name=f"Школа {letter}") for letter in "ABCDE"}


def make_run(municipality, year, flags: dict) -> ClassificationRun:
    """A finished run with a status per school: ``flags`` maps school → {"is_shnor": True, …}."""
    run = ClassificationRun.objects.create(municipality=municipality, academic_year=year, trigger=RunTrigger.COMMAND,
                                           status=RunStatus.DONE, finished_at=timezone.now())
    for school, values in flags.items():
        SchoolStatus.objects.create(run=run, school=school, reasons=[], **values)
    return run


def result(school, year, assessment, subject, participants, *, grade=None, mark2=None, below=None) -> SchoolResult:
    grade = grade or {Assessment.OGE: 9, Assessment.EGE: 11}.get(assessment, 5)
    return SchoolResult.objects.create(school=school, academic_year=year, assessment=assessment,
                                       subject=Subject.objects.get(code=subject), grade=grade,
                                       participants=participants, mark2=mark2, below_minimum=below,
                                       source="imported")


def oip(school, year, value, source=IndexSource.IMPORTED) -> IndexValue:
    return IndexValue.objects.create(school=school, academic_year=year, kind=IndexKind.OIP, source=source,
                                     value=Decimal(str(value)))


@pytest.fixture
def make_indicator(municipality):
    def make(code="1", **fields) -> TargetIndicator:
        fields.setdefault("name", f"Показатель {code}")
        return TargetIndicator.objects.create(municipality=fields.pop("municipality", municipality), code=code,
                                              **fields)

    return make
