"""Settings are read from the environment: each variant is loaded in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

PROBE = (
    "import json, django; from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES['default']['NAME']),"
    " 'eager': s.CELERY_TASK_ALWAYS_EAGER, 'broker': s.CELERY_BROKER_URL, 'debug': s.DEBUG,"
    " 'hosts': s.ALLOWED_HOSTS, 'lang': s.LANGUAGE_CODE, 'tz': s.TIME_ZONE, 'demo': s.DEMO_MODE,"
    " 'ssl': getattr(s, 'SECURE_SSL_REDIRECT', False), 'secure_cookie': s.SESSION_COOKIE_SECURE}))"
)
CLEAN_KEYS = ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "DJANGO_DEBUG", "DJANGO_SECRET_KEY",
              "DJANGO_ALLOWED_HOSTS", "DJANGO_DEMO", "DJANGO_TIME_ZONE", "DJANGO_SECURE_SSL_REDIRECT",
              "DJANGO_SECURE_COOKIES", "DJANGO_HSTS_SECONDS", "CACHE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
PROD = {"DJANGO_SECRET_KEY": "x" * 60 + "production-like-secret-Zq8#", "DJANGO_ALLOWED_HOSTS": "portal.example.ru"}


def run_python(code: str, env_overrides: dict, tmp_path, module="portal.settings.base"):
    env = {k: v for k, v in os.environ.items() if k not in CLEAN_KEYS}
    env.update({"DJANGO_SETTINGS_MODULE": module, "PORTAL_VAR_DIR": str(tmp_path)}, **env_overrides)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          cwd=settings.BASE_DIR, timeout=120)


def load(env_overrides, tmp_path):
    result = run_python(PROBE, env_overrides, tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_defaults_are_sqlite_and_eager_celery(tmp_path):
    s = load({"DJANGO_DEBUG": "1"}, tmp_path)
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["name"] == str(tmp_path / "portal.sqlite3")
    assert s["eager"] is True and s["broker"] == ""
    assert s["lang"] == "ru" and s["tz"] == "Europe/Moscow"
    assert s["debug"] is True and "127.0.0.1" in s["hosts"]


def test_database_url_selects_postgresql(tmp_path):
    s = load({**PROD, "DATABASE_URL": "postgres://u:p@db.example:5432/portal"}, tmp_path)
    assert s["engine"] == "django.db.backends.postgresql"
    assert s["name"] == "portal"


def test_broker_url_turns_off_eager_mode(tmp_path):
    s = load({"DJANGO_DEBUG": "1", "CELERY_BROKER_URL": "redis://127.0.0.1:6379/5"}, tmp_path)
    assert s["eager"] is False
    assert s["broker"] == "redis://127.0.0.1:6379/5"


def test_time_zone_is_configurable(tmp_path):
    assert load({"DJANGO_DEBUG": "1", "DJANGO_TIME_ZONE": "Asia/Chita"}, tmp_path)["tz"] == "Asia/Chita"


def test_production_is_strict_by_default(tmp_path):
    s = load(PROD, tmp_path)
    assert s["debug"] is False and s["demo"] is False
    assert s["ssl"] is True and s["secure_cookie"] is True
    assert s["hosts"] == ["portal.example.ru"]


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_requires_secret_and_hosts(tmp_path, missing):
    env = {k: v for k, v in PROD.items() if k != missing}
    result = run_python(PROBE, env, tmp_path)
    assert result.returncode != 0
    assert missing in result.stderr and "ImproperlyConfigured" in result.stderr


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    code = ("import django, sys; django.setup(); from django.core.management import call_command; "
            "call_command('check', deploy=True, fail_level='WARNING')")
    result = run_python(code, PROD, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/public/", "/admin/login/"])
def test_security_headers_on_every_page(client, path):
    response = client.get(path)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_no_inline_scripts_or_handlers_in_templates():
    """The policy allows scripts from the portal's own files only: an inline script or on…= handler would not run."""
    import re

    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = []
    for template in root.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+=\"", text):
            offenders.append(str(template.relative_to(root)))
    assert not offenders, offenders


def test_uploaded_files_are_not_served_by_url_even_in_debug(settings):
    """Uploads go out only through permission-checked views; no URL maps MEDIA_URL to the files."""
    import importlib

    from django.urls import Resolver404, clear_url_caches, resolve

    import portal.urls

    settings.DEBUG = True
    try:
        importlib.reload(portal.urls)
        clear_url_caches()
        with pytest.raises(Resolver404):
            resolve(f"{settings.MEDIA_URL}uploads/2025/protocol.xlsx")
    finally:
        settings.DEBUG = False
        importlib.reload(portal.urls)
        clear_url_caches()
