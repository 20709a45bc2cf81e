import pytest

from roadmap import services
from roadmap.models import Activity, Section, TargetScope


@pytest.fixture
def roadmap(municipality, staff_user):
    return services.roadmap_create(user=staff_user, data=services.RoadmapHeaderData(
        title="Дорожная карта по повышению качества образования на 2025-2026 гг.", municipality=municipality,
        period_start=2025, period_end=2026, order_number="54", status="approved"))


@pytest.fixture
def section(roadmap, staff_user):
    return services.section_create(roadmap=roadmap, user=staff_user, number="1", title="Общесистемные мероприятия")


@pytest.fixture
def activity(section, staff_user) -> Activity:
    return services.activity_create(section=section, user=staff_user, fields={
        "number": "1.1", "title": "Создание рабочей группы по вопросам повышения качества образования.",
        "deadline_text": "ежеквартально", "responsible_text": "Управление образования МКУ КРО"})


@pytest.fixture
def targeted_activity(section, staff_user, school) -> Activity:
    return services.activity_create(section=section, user=staff_user, fields={
        "number": "1.2", "title": "Методические рейды в ОО с низкими образовательными результатами.",
        "deadline_text": "ежемесячно", "responsible_text": "Управление образования Администрация ОО",
        "target_scope": TargetScope.LISTED}, target_schools=[school])


@pytest.fixture
def second_section(roadmap, staff_user) -> Section:
    return services.section_create(roadmap=roadmap, user=staff_user, number="2",
                                   title="Повышение профессиональной компетенции педагогов")
