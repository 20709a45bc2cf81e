"""The open pages are cached per municipality and invalidated by bumping a version number.

Every change that the open pages show (a finished classification run, an indicator, its targets and values,
the municipality's publication setting, a school's name) bumps the version of its municipality; the cached page
and downloads are keyed by that version, so a stale copy is never served again. The version lives in the cache
itself: with several server processes the cache must be shared (Redis, ``CACHE_URL``), which it is in production.
A process reads the version at most once per ``PUBLIC_VERSION_CHECK_SECONDS`` (default 1 s).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache

VERSION_KEY = "public:version:{}"
INDEX = "index"


def timeout() -> int:
    return getattr(settings, "PUBLIC_CACHE_SECONDS", 3600)


# When each process last read a version: within PUBLIC_VERSION_CHECK_SECONDS it is taken as still current, so a
# busy page costs no cache round trip at all. A change made by this process is seen at once (bump() forgets the
# versions it read); one made by another process is seen within that many seconds.
_checked: dict[object, tuple[float, int]] = {}


def version(municipality_id) -> int:
    """The current version of a municipality's open data (``INDEX`` for the list of municipalities)."""
    seen = _checked.get(municipality_id)
    now = time.monotonic()
    if seen is not None and now - seen[0] < getattr(settings, "PUBLIC_VERSION_CHECK_SECONDS", 1.0):
        return seen[1]
    value = _read_version(municipality_id)
    _checked[municipality_id] = (now, value)
    return value


def _read_version(municipality_id) -> int:
    key = VERSION_KEY.format(municipality_id)
    value = cache.get(key)
    if value is None:  # first use or evicted: a fresh number never used before, so no old copy can match it
        cache.add(key, time.time_ns(), None)
        value = cache.get(key, 0)
    return value


def bump(*municipality_ids) -> None:
    """Invalidate the open pages of these municipalities and the list of municipalities."""
    for municipality_id in {*municipality_ids, INDEX}:
        _checked.pop(municipality_id, None)
        key = VERSION_KEY.format(municipality_id)
        try:
            cache.incr(key)
        except ValueError:  # not there yet (or evicted): a fresh number invalidates whatever was keyed before
            cache.set(key, time.time_ns(), None)


# The last value of each page in this process, with its version: a page that has not changed is served without
# fetching it from the shared cache again (only its version, a few bytes, is read).
_local: dict[str, tuple[int, object]] = {}


def cached(name: str, municipality_id, build: Callable[[], object]) -> tuple[object, int]:
    """``build()`` kept under the municipality's current version; returns the value and the version."""
    current = version(municipality_id)
    slot = f"{name}:{municipality_id}"
    hit = _local.get(slot)
    if hit is not None and hit[0] == current:
        return hit[1], current
    key = f"public:{slot}:{current}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout())
    _local[slot] = (current, value)
    return value, current
