from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import Municipality, School


def school_list_for(user, *, filters: dict | None = None) -> QuerySet[School]:
    """The schools ``user`` may see, filtered by the list page's criteria."""
    qs = School.objects.visible_to(user).select_related("municipality")
    filters = filters or {}
    if filters.get("municipality"):
        qs = qs.filter(municipality=filters["municipality"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("locality"):
        qs = qs.filter(locality=filters["locality"])
    if filters.get("status") == "active":
        qs = qs.filter(is_active=True)
    elif filters.get("status") == "inactive":
        qs = qs.filter(is_active=False)
    if filters.get("q"):
        qs = qs.filter(search_text__contains=filters["q"].strip().lower().replace("ё", "е"))
    return qs.order_by("municipality__name", "short_name")


def municipality_list_for(user) -> QuerySet[Municipality]:
    """Staff see every municipality; principals and curators those of their schools."""
    if not user.is_authenticated:
        return Municipality.objects.none()
    if user.is_superuser or user.is_department_staff:
        return Municipality.objects.order_by("name")
    return Municipality.objects.filter(schools__in=School.objects.visible_to(user)).distinct().order_by("name")


def access_school(user, pk: int) -> School:
    """The school if ``user`` may see it; Http404 for both missing and forbidden."""
    return get_object_or_404(School.objects.visible_to(user).select_related("municipality"), pk=pk)


def school_card(school: School) -> dict:
    """Everything the school card shows, with a fixed number of queries."""
    profiles = list(school.profiles.select_related("academic_year").order_by("-academic_year__start_year"))
    indices = list(school.indices.select_related("academic_year").order_by("-academic_year__start_year", "kind"))
    return {
        "school": school,
        "profiles": profiles,
        "indices": indices,
        "curators": list(school.curators.all()),
        "principals": list(school.principals.all()),
    }


def municipality_list() -> QuerySet[Municipality]:
    return Municipality.objects.order_by("name")


def municipality_by_name(text: str) -> Municipality:
    """For commands: the full or short name, or an unambiguous part of the name; ValueError (Russian) otherwise."""
    municipality = (Municipality.objects.filter(name=text).first()
                    or Municipality.objects.filter(short_name=text).first())
    if municipality is not None:
        return municipality
    matches = list(Municipality.objects.filter(name__icontains=text)[:2])
    if len(matches) != 1:
        raise ValueError(f"муниципалитет «{text}» не найден или указан неоднозначно")
    return matches[0]
