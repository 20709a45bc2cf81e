"""Test settings: the base settings plus overrides that make tests fast and deterministic.

The database still comes from DATABASE_URL (PostgreSQL in CI, SQLite otherwise). Tasks run eagerly;
the tests that need a real worker start one themselves against CELERY_BROKER_URL.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production-3f9a1c7e5b2d4068a1e2")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
os.environ.setdefault("DJANGO_HSTS_SECONDS", "0")

from .base import *  # noqa: E402,F403
from .base import CELERY_BROKER_TRANSPORT_OPTIONS, STORAGES, env  # noqa: E402

# The broker the worker tests use; ordinary tests never touch it.
TEST_CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# The fault tests shorten, for the workers they start, how soon a message left unacknowledged by a killed worker is
# delivered again (an hour in production: the visibility timeout must exceed the longest task).
CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS,
                                   **env.json("PORTAL_TEST_BROKER_TRANSPORT_OPTIONS", default={})}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = TEST_CELERY_BROKER_URL or "memory://"
CELERY_RESULT_BACKEND = TEST_CELERY_BROKER_URL or None

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    **STORAGES,
    # a worker process started by the tests keeps files on disk (DJANGO_MEDIA_ROOT) so that the test can read them
    "default": {"BACKEND": "django.core.files.storage." + (
        "FileSystemStorage" if env.bool("PORTAL_TEST_FILE_STORAGE", default=False) else "InMemoryStorage")},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DEMO_MODE = True
AXES_FAILURE_LIMIT = 3
PUBLIC_VERSION_CHECK_SECONDS = 0  # every request reads the open pages' version from the cache
LOGGING = {"version": 1, "disable_existing_loggers": False}
