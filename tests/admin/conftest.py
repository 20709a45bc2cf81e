"""Two curators in two municipalities, with an object of every school-linked admin on each side.

Curator A has «Школа Альфа» in «Район Альфа»; «Школа Гамма» in the same municipality is nobody's; curator B has
«Школа Бета» in «Район Бета». Everything A must not see carries «Бета» or «Гамма» in its name or text, so a page can
be checked for leaks by those two words; A's municipal objects carry «Альфа».
"""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from indicators.choices import Assessment, IndexKind, IndexSource, RunStatus, RunTrigger
from indicators.models import ClassificationRun, IndexValue, SchoolResult, SchoolStatus, Subject
from monitoring.models import IndicatorValue, QuarterlyReport, TargetIndicator, TargetValue
from portal.choices import Role
from portal.models import User
from roadmap.models import Activity, ActivityReport, Evidence, ResponsibleParty, Roadmap, RoadmapScope, Section
from schools.models import RiskFactor, RiskLevel, SchoolRiskProfile
from tests.factories import (
    AcademicYearFactory,
    MunicipalityFactory,
    SchoolFactory,
    SchoolYearProfileFactory,
    VisitNoteFactory,
    make_user,
)


@dataclass
class World:
    year: object
    muni_a: object
    muni_b: object
    school_a: object
    school_c: object
    school_b: object
    curator_a: object
    curator_b: object
    staff: object
    superuser: object


def _school_objects(school, year, marker: str, staff) -> None:
    """What belongs to one school: profile, risk level, visit, index, result, a school roadmap with a report."""
    SchoolYearProfileFactory(school=school, academic_year=year, source=f"паспорт {marker}")
    SchoolRiskProfile.objects.create(school=school, academic_year=year, factor=RiskFactor.objects.get(code=1),
                                     level=RiskLevel.HIGH, comment=f"риск {marker}")
    VisitNoteFactory(school=school, topics=f"Визит {marker}", author=staff)
    IndexValue.objects.create(school=school, academic_year=year, kind=IndexKind.OIP, source=IndexSource.IMPORTED,
                              value=Decimal("30.5"), source_note=f"перечень {marker}")
    SchoolResult.objects.create(school=school, academic_year=year, assessment=Assessment.VPR,
                                subject=Subject.objects.get(code="math"), grade=5, participants=20, mark2=2,
                                source="imported")
    roadmap = Roadmap.objects.create(scope=RoadmapScope.SCHOOL, municipality=school.municipality, school=school,
                                     title=f"Школьная дорожная карта {marker}", period_start=2025, period_end=2026,
                                     status="approved")
    section = Section.objects.create(roadmap=roadmap, number="1", title=f"Раздел {marker}")
    activity = Activity.objects.create(roadmap=roadmap, section=section, number="1.1", title=f"Мероприятие {marker}",
                                       deadline_text="ежеквартально")
    ActivityReport.objects.create(activity=activity, school=school, year=2025, quarter=1, status="done",
                                  comment=f"отчёт {marker}", author=staff)
    make_user(Role.PRINCIPAL, school=school, username=f"principal_{school.pk}")


def _municipal_objects(municipality, year, marker: str, schools, staff) -> None:
    """What belongs to a municipality: a run with statuses, a municipal roadmap, indicators, a quarterly report."""
    run = ClassificationRun.objects.create(municipality=municipality, academic_year=year, trigger=RunTrigger.COMMAND,
                                           status=RunStatus.DONE, finished_at=timezone.now())
    roadmap = Roadmap.objects.create(municipality=municipality, title=f"Дорожная карта {marker}", period_start=2025,
                                     period_end=2026, status="approved")
    section = Section.objects.create(roadmap=roadmap, number="1", title=f"Общий раздел {marker}")
    party = ResponsibleParty.objects.create(municipality=municipality, name=f"Отдел образования {marker}")
    activity = Activity.objects.create(roadmap=roadmap, section=section, number="1.1", deadline_text="ежегодно",
                                       title=f"Муниципальное мероприятие {marker}", target_scope="listed")
    activity.responsible.set([party])
    ActivityReport.objects.create(activity=activity, year=2025, quarter=1, status="done", author=staff,
                                  comment=f"муниципальный отчёт {marker}")
    for school, school_marker in schools:
        SchoolStatus.objects.create(run=run, school=school, is_shnor=True, reasons=[])
        activity.target_schools.add(school)
        report = ActivityReport.objects.create(activity=activity, school=school, year=2025, quarter=1, author=staff,
                                               status="done", comment=f"отчёт школы {school_marker}")
        Evidence.objects.create(report=report, file=SimpleUploadedFile("акт.pdf", b"%PDF-1.4 x"), size=10,
                                original_name=f"акт {school_marker}.pdf", content_type="application/pdf")
    indicator = TargetIndicator.objects.create(municipality=municipality, code="1", name=f"Показатель {marker}")
    indicator.activities.set([activity])
    TargetValue.objects.create(indicator=indicator, year=2025, target=Decimal("40"), text=f"цель {marker}")
    IndicatorValue.objects.create(indicator=indicator, year=2025, value=Decimal("35"), author=staff)
    QuarterlyReport.objects.create(municipality=municipality, year=2025, quarter=1, requested_by=staff)


@pytest.fixture
def world(db) -> World:
    year = AcademicYearFactory(start_year=2024)
    staff = make_user(Role.STAFF, username="staff_admin")
    superuser = User.objects.create_superuser(username="root_admin", password="pass-12345-x")
    muni_a = MunicipalityFactory(name="Район Альфа", short_name="Район Альфа")
    muni_b = MunicipalityFactory(name="Район Бета", short_name="Район Бета")
    school_a = SchoolFactory(municipality=muni_a, name="Средняя школа Альфа", short_name="Школа Альфа")
    school_c = SchoolFactory(municipality=muni_a, name="Средняя школа Гамма", short_name="Школа Гамма")
    school_b = SchoolFactory(municipality=muni_b, name="Средняя школа Бета", short_name="Школа Бета")
    curator_a = make_user(Role.CURATOR, curated=[school_a], username="curator_a")
    curator_b = make_user(Role.CURATOR, curated=[school_b], username="curator_b")
    for school, marker in ((school_a, "Альфа"), (school_c, "Гамма"), (school_b, "Бета")):
        _school_objects(school, year, marker, staff)
    _municipal_objects(muni_a, year, "Альфа", [(school_a, "Альфа"), (school_c, "Гамма")], staff)
    _municipal_objects(muni_b, year, "Бета", [(school_b, "Бета")], staff)
    return World(year=year, muni_a=muni_a, muni_b=muni_b, school_a=school_a, school_c=school_c, school_b=school_b,
                 curator_a=curator_a, curator_b=curator_b, staff=staff, superuser=superuser)
