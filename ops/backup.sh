#!/usr/bin/env bash
# Резервная копия портала: база PostgreSQL (pg_dump, формат custom) и загруженные файлы (tar.gz) с контрольными
# суммами. Использование: ops/backup.sh КАТАЛОГ   (DATABASE_URL и DJANGO_MEDIA_ROOT — из окружения, как у портала)
set -euo pipefail
out="${1:?укажите каталог для копии}"
: "${DATABASE_URL:?задайте DATABASE_URL (postgres://…)}"
media="${DJANGO_MEDIA_ROOT:-$(dirname "$0")/../var/media}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
pg_dump --format=custom --no-owner --no-privileges --file="$out/portal-$stamp.dump" "$DATABASE_URL"
mkdir -p "$media"
tar -C "$media" -czf "$out/media-$stamp.tar.gz" .
(cd "$out" && sha256sum "portal-$stamp.dump" "media-$stamp.tar.gz" > "SHA256SUMS-$stamp")
pg_restore --list "$out/portal-$stamp.dump" > /dev/null  # the dump is readable
echo "$out/portal-$stamp.dump"
echo "$out/media-$stamp.tar.gz"
