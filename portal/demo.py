"""Demo users, one per role (and a second principal to show that schools are kept apart).

They can log in only while DJANGO_DEMO is on (see portal.auth.PortalModelBackend).
"""

from schools.models import School

from .choices import Role
from .models import User
from .services import user_create, user_set_role

DEMO_PASSWORD = "demo-portal-2026"
DEMO_MUNICIPALITY = "Тутаевский муниципальный район"

# username, role, last/first/middle name, position, school short name (principal)
DEMO_USERS = (
    ("staff", Role.STAFF, ("Специалистова", "Анна", "Петровна"),
     "главный специалист управления образования", None),
    ("principal", Role.PRINCIPAL, ("Директорова", "Елена", "Ивановна"), "директор",
     "МОУ Столбищенская основная школа"),
    ("principal2", Role.PRINCIPAL, ("Директоров", "Сергей", "Николаевич"), "директор",
     "МОУ лицей № 1"),
    ("curator", Role.CURATOR, ("Кураторова", "Ольга", "Викторовна"), "тьютор ШНОР", None),
)
# The curator is assigned the schools with ОИП below the regional threshold of 36 (Tutaev Table 1).
CURATED_BELOW_OIP = 36


def _school_by_short_name(short_name: str) -> School:
    schools = School.objects.filter(municipality__name=DEMO_MUNICIPALITY)
    for school in schools:
        if short_name in (school.short_name, school.name, *school.aliases):
            return school
    raise LookupError(f"в демо-данных нет школы «{short_name}»")


def _curated_schools() -> list[School]:
    from indicators.models import IndexValue  # the demo runs after indicators' demo step

    values = IndexValue.objects.filter(
        school__municipality__name=DEMO_MUNICIPALITY, kind="oip", value__lt=CURATED_BELOW_OIP)
    return [v.school for v in values.select_related("school")]


def load(report: dict) -> None:
    curated = _curated_schools()
    for username, role, (last, first, middle), position, school_name in DEMO_USERS:
        school = _school_by_short_name(school_name) if school_name else None
        user = User.objects.filter(username=username).first()
        if user is None:
            user_create(username=username, password=DEMO_PASSWORD, role=role, last_name=last, first_name=first,
                        middle_name=middle, position=position, school=school, curated_schools=curated,
                        is_demo=True)
        else:
            user.set_password(DEMO_PASSWORD)
            user.is_demo = True
            user_set_role(user=user, role=role, school=school, curated_schools=curated)
    report["users"] = [(u[0], u[1].label, u[4] or "") for u in DEMO_USERS]
    report["password"] = DEMO_PASSWORD
