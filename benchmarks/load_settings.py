"""Settings of benchmarks/load_test.py: the production settings (DEBUG off) with three changes of its own.

- Static files are hashed into a manifest, as in production, but not compressed: whitenoise's gzip and brotli pass
  over ~1,100 files (the admin's included) takes over a minute on a 2-core machine, and the load fetches no static
  file — the pages only look names up in the manifest.
- The Celery queue and the cache key prefix belong to the run, so runs sharing one Redis never take each other's
  tasks or pages (django-environ's cache URL cannot set ``KEY_PREFIX``).
"""

from portal.settings.base import *  # noqa: F403
from portal.settings.base import CACHES, STORAGES, env

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
CELERY_TASK_DEFAULT_QUEUE = env.str("LOAD_TEST_QUEUE", default="celery")
CACHES["default"]["KEY_PREFIX"] = env.str("LOAD_TEST_PREFIX", default="")
