from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class PortalModelBackend(ModelBackend):
    """The model backend, except that demo users are locked out unless demo mode is on."""

    def user_can_authenticate(self, user) -> bool:
        if getattr(user, "is_demo", False) and not settings.DEMO_MODE:
            return False
        return super().user_can_authenticate(user)
