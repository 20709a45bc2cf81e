#!/usr/bin/env bash
# Восстановление из копии ops/backup.sh в ПУСТУЮ базу DATABASE_URL и каталог DJANGO_MEDIA_ROOT.
# Использование: ops/restore.sh portal-…dump media-….tar.gz
# Порядок: остановить web, worker и beat → restore.sh → python manage.py migrate → запустить сервисы.
set -euo pipefail
dump="${1:?укажите файл .dump}"
media_tar="${2:?укажите архив media .tar.gz}"
: "${DATABASE_URL:?задайте DATABASE_URL (postgres://…)}"
media="${DJANGO_MEDIA_ROOT:-$(dirname "$0")/../var/media}"
sums="$(dirname "$dump")/SHA256SUMS-$(basename "$dump" .dump | sed 's/^portal-//')"
if [ -f "$sums" ]; then (cd "$(dirname "$dump")" && sha256sum --check --quiet "$(basename "$sums")"); fi
pg_restore --exit-on-error --no-owner --no-privileges --single-transaction --dbname="$DATABASE_URL" "$dump"
mkdir -p "$media"
tar -C "$media" -xzf "$media_tar"
echo "восстановлено: $dump, $media_tar → $media"
