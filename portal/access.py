"""Role checks for views: the second of the three checks (logged in → role → scope)."""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied

from .choices import Role


def role_required(*roles: str) -> Callable:
    """Allow the view only to users with one of ``roles`` (superusers always pass); others get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not (user.is_superuser or user.role in roles):
                raise PermissionDenied("Эта страница недоступна для вашей роли.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


staff_required = role_required(Role.STAFF)
