import datetime

import factory

from portal.choices import Role
from portal.services import user_create
from schools.choices import Locality, SchoolKind, VisitFormat
from schools.models import AcademicYear, Municipality, School, SchoolYearProfile, VisitNote


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Муниципальный район № {n}")
    short_name = factory.LazyAttribute(lambda o: o.name.replace("Муниципальный район", "МР"))
    region = "Ярославская область"


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Муниципальное общеобразовательное учреждение средняя школа № {n}")
    short_name = factory.Sequence(lambda n: f"МОУ СШ № {n}")
    fis_oko_login = factory.Sequence(lambda n: f"edu{760000 + n:06d}")
    kind = SchoolKind.SOSH
    locality = Locality.URBAN
    has_senior_grades = True


class AcademicYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AcademicYear
        django_get_or_create = ("start_year",)

    start_year = 2024


class SchoolYearProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolYearProfile

    school = factory.SubFactory(SchoolFactory)
    academic_year = factory.SubFactory(AcademicYearFactory)
    students = 200
    teachers = 20


class VisitNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitNote

    school = factory.SubFactory(SchoolFactory)
    date = datetime.date(2025, 3, 12)
    format = VisitFormat.ON_SITE
    topics = "Анализ результатов ВПР по математике, план адресной помощи"
    recommendations = "Провести педсовет по итогам ВПР"
    follow_up = "Представить план мероприятий по повышению качества"
    follow_up_due = datetime.date(2025, 4, 1)


_user_counter = iter(range(1, 10**6))


def make_user(role: str, *, school=None, curated=(), username: str | None = None, password: str = "pass-12345-x"):
    """A user with a role, made through the same service the portal uses."""
    return user_create(
        username=username or f"{role}{next(_user_counter)}", password=password, role=role,
        last_name="Тестов", first_name="Тест", school=school, curated_schools=curated,
    )


__all__ = ["Role", "make_user"]
