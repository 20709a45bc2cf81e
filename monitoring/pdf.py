"""HTML → PDF with WeasyPrint. Pure: a rendered HTML string in, PDF bytes out.

Fonts come from ``static/fonts`` (DejaVu, with Cyrillic) and are embedded in the file, so the report looks the same
on a machine without any system fonts.
"""

import gc
import threading
from contextlib import contextmanager

from django.conf import settings
from django.template.loader import render_to_string

# WeasyPrint makes millions of short-lived objects; with the default threshold (700) the cyclic collector runs about
# a thousand times per report and, each time a full collection comes, walks every object of the process (Django,
# the data of the report): measured, a third of the rendering. Raised while a PDF is made, it runs a few times, and
# once at the end: the cyclic garbage of the layout (boxes that point to their parents) is freed then, not in
# whatever the process does next.
RENDER_GC_THRESHOLD = 100_000
_gc_lock = threading.Lock()
_gc_users = 0
_gc_saved: tuple[int, ...] = ()


@contextmanager
def fewer_collections():
    """Raise the collector's first threshold while PDFs are made (the process's setting: the first to enter saves
    it, the last to leave puts it back and collects). Nothing is kept from collection, it only happens less often."""
    global _gc_users, _gc_saved
    with _gc_lock:
        if _gc_users == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(max(RENDER_GC_THRESHOLD, _gc_saved[0]), *_gc_saved[1:])
        _gc_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0:
                gc.set_threshold(*_gc_saved)
                gc.collect()


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported here: loading pango costs time at start-up of every process

    with fewer_collections():
        return HTML(string=html, base_url=str(settings.BASE_DIR / "static")).write_pdf()


def render_pdf(template: str, context: dict) -> bytes:
    return html_to_pdf(render_to_string(template, context))
