"""docker-compose.yml cannot be run here (no Docker engine), so it is checked by parsing."""

import json
import re
import shlex
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def command_words(service):
    cmd = service.get("command", [])
    return cmd if isinstance(cmd, list) else shlex.split(cmd)


def test_services_present_with_healthchecks():
    services = compose()["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name
    for name in ("web", "worker", "beat", "migrate"):
        assert services[name]["build"] == "." and services[name]["env_file"] == ".env"
        env = services[name]["environment"]
        assert {"DATABASE_URL", "CELERY_BROKER_URL"} <= set(env)
    assert {"pgdata", "media"} <= set(compose()["volumes"])


def test_commands_refer_to_things_in_the_project():
    services = compose()["services"]
    web = command_words(services["web"])
    assert web[0] == "gunicorn"
    module, _, attribute = web[1].partition(":")
    assert (ROOT / (module.replace(".", "/") + ".py")).exists()
    assert f"{attribute} =" in (ROOT / (module.replace(".", "/") + ".py")).read_text()
    for name in ("worker", "beat"):
        words = command_words(services[name])
        assert words[:3] == ["celery", "-A", "portal"]
        assert (ROOT / "portal" / "celery.py").exists()
    beat = command_words(services["beat"])
    scheduler = beat[beat.index("--scheduler") + 1]
    assert scheduler == settings.CELERY_BEAT_SCHEDULER
    assert command_words(services["migrate"])[:2] == ["python", "manage.py"]
    health = " ".join(services["web"]["healthcheck"]["test"])
    path = re.search(r"http://localhost:8000(\S+)", health).group(1)
    from django.urls import resolve

    assert resolve(path).url_name == "health"


def test_dockerfile_and_env_example_agree_with_settings():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install ." in dockerfile and "collectstatic" in dockerfile
    keys = {line.split("=", 1)[0] for line in (ROOT / ".env.example").read_text().splitlines()
            if line and not line.startswith("#")}
    base = (ROOT / "portal" / "settings" / "base.py").read_text()
    for key in keys:
        assert f'"{key}"' in base, f"{key} из .env.example не читается настройками"
    for required in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL"):
        assert required in keys


def test_the_web_server_runs_as_the_load_test_measured_it():
    """docker-compose and the image start gunicorn alike, with the gthread workers of benchmarks/load_test.py."""
    web = command_words(compose()["services"]["web"])
    image = json.loads(re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.MULTILINE).group(1))
    assert web == image
    options = dict(zip(web[2::2], web[3::2], strict=True))
    assert options["--worker-class"] == "gthread" and int(options["--threads"]) > 1
    load_test = (ROOT / "benchmarks" / "load_test.py").read_text()
    assert '"--worker-class", "gthread"' in load_test

