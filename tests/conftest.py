import os
import shutil
import socket

import pytest
from django.conf import settings

from portal.choices import Role

from .factories import MunicipalityFactory, SchoolFactory, make_user

# Playwright's sync API runs an event loop in the test thread; the ORM calls of live_server fixtures are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
SHARED_DIR = settings.BASE_DIR.parent / "shared"


def require_service(available: bool, what: str) -> None:
    """Skip when a service is missing locally; in CI a missing service is a failure."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} недоступен, а в CI он обязателен")
    pytest.skip(f"{what} недоступен")


def queued_work(callbacks) -> list:
    """The on-commit callbacks that queue tasks, without the open pages' cache invalidation (public.signals)."""
    return [c for c in callbacks if getattr(c, "__module__", "") != "public.signals"]


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def chromium_path() -> str | None:
    path = os.environ.get("PORTAL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return path if os.path.exists(path) else None


@pytest.fixture
def municipality(db):
    return MunicipalityFactory(name="Тутаевский муниципальный район", short_name="Тутаевский МР")


@pytest.fixture
def school(municipality):
    return SchoolFactory(municipality=municipality, short_name="МОУ СШ № 3")


@pytest.fixture
def other_school(municipality):
    return SchoolFactory(municipality=municipality, short_name="МОУ лицей № 1", kind="lyceum")


@pytest.fixture
def staff_user(db):
    return make_user(Role.STAFF, username="staff_t")


@pytest.fixture
def principal_user(school):
    return make_user(Role.PRINCIPAL, school=school, username="principal_t")


@pytest.fixture
def curator_user(school):
    return make_user(Role.CURATOR, curated=[school], username="curator_t")


@pytest.fixture
def user_by_role(staff_user, principal_user, curator_user):
    return {Role.STAFF: staff_user, Role.PRINCIPAL: principal_user, Role.CURATOR: curator_user}


@pytest.fixture
def client_as(client):
    def login(user):
        client.force_login(user, backend="portal.auth.PortalModelBackend")
        return client

    return login


@pytest.fixture
def worker_pool():
    """The worker's pool: ``solo`` by default; a test parametrizes ``worker_pool`` for another, e.g. ``prefork``
    as in production, where a task runs in a daemonic child process."""
    return "solo"
