"""Writes to users and roles."""

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import transaction

from .choices import Role
from .models import User
from .roles import GROUP_NAMES


@transaction.atomic
def user_set_role(*, user: User, role: str, school=None, curated_schools: Iterable = ()) -> User:
    """Give ``user`` a role: its group, its school (principal) or curated schools (curator), admin access."""
    user.role = role
    user.school = school if role == Role.PRINCIPAL else None
    user.is_staff = role in (Role.STAFF, Role.CURATOR) or user.is_superuser
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.remove(*Group.objects.filter(name__in=GROUP_NAMES.values()))
    user.groups.add(Group.objects.get(name=GROUP_NAMES[role]))
    if role == Role.CURATOR:
        user.curated_schools.set(curated_schools)
    else:
        user.curated_schools.clear()
    return user


@transaction.atomic
def user_create(*, username: str, password: str, role: str, first_name: str = "", last_name: str = "",
                middle_name: str = "", position: str = "", school=None, curated_schools: Iterable = (),
                is_demo: bool = False) -> User:
    user = User(username=username, first_name=first_name, last_name=last_name, middle_name=middle_name,
                position=position, is_demo=is_demo)
    user.set_password(password)
    return user_set_role(user=user, role=role, school=school, curated_schools=curated_schools)
