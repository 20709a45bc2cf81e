"""ops/backup.sh and ops/restore.sh on the real database: a copy restored into a new database holds the same rows,
and the uploaded files come back with it."""

import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from schools.models import School
from tests.conftest import require_service
from tests.factories import MunicipalityFactory, SchoolFactory

OPS = Path(settings.BASE_DIR) / "ops"
pytestmark = pytest.mark.django_db(transaction=True)


def _url(name: str) -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _psql(url: str, sql: str) -> str:
    return subprocess.run(["psql", url, "-XAtqc", sql], capture_output=True, text=True, check=True).stdout


def _counts(url: str) -> dict[str, int]:
    tables = _psql(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename").split()
    union = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables)
    return {name: int(n) for name, n in (line.split("|") for line in _psql(url, union).splitlines())}


def test_backup_then_restore_gives_the_same_rows_and_files(tmp_path):
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")

    municipality = MunicipalityFactory(name="Тутаевский муниципальный район")
    SchoolFactory.create_batch(3, municipality=municipality)
    media = tmp_path / "media"
    (media / "uploads" / "2025").mkdir(parents=True)
    (media / "uploads" / "2025" / "протокол.xlsx").write_bytes(b"PK\x03\x04 test")
    source = _url(connection.settings_dict["NAME"])
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": source, "DJANGO_MEDIA_ROOT": str(media)}

    out = subprocess.run(["bash", str(OPS / "backup.sh"), str(tmp_path / "copy")], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    dump, media_tar = out[-2], out[-1]

    target = f"portal_restore_check_{connection.settings_dict['NAME']}"[:60]
    admin = _url("postgres")
    _psql(admin, f'DROP DATABASE IF EXISTS "{target}"')
    _psql(admin, f'CREATE DATABASE "{target}"')
    try:
        restored_media = tmp_path / "restored-media"
        subprocess.run(["bash", str(OPS / "restore.sh"), dump, media_tar], check=True, capture_output=True,
                       env={**env, "DATABASE_URL": _url(target), "DJANGO_MEDIA_ROOT": str(restored_media)})
        assert _counts(_url(target)) == _counts(source)
        assert _counts(_url(target))["schools_school"] == School.objects.count() == 3
        assert (restored_media / "uploads" / "2025" / "протокол.xlsx").read_bytes() == b"PK\x03\x04 test"
    finally:
        _psql(admin, f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')


def test_restore_refuses_a_damaged_copy(tmp_path):
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    media = tmp_path / "media"
    media.mkdir()
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": _url(connection.settings_dict["NAME"]),
           "DJANGO_MEDIA_ROOT": str(media)}
    dump, media_tar = subprocess.run(["bash", str(OPS / "backup.sh"), str(tmp_path / "copy")], env=env,
                                     capture_output=True, text=True, check=True).stdout.split()[-2:]
    with open(dump, "r+b") as f:
        f.seek(100)
        f.write(b"\x00" * 16)
    result = subprocess.run(["bash", str(OPS / "restore.sh"), dump, media_tar], env=env, capture_output=True,
                            text=True)
    assert result.returncode != 0
    assert "FAILED" in result.stdout + result.stderr  # sha256sum names the damaged file
