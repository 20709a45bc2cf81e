"""HTML → PDF with WeasyPrint. Pure: a rendered HTML string in, PDF bytes out.

Fonts come from ``static/fonts`` (DejaVu, with Cyrillic) and are embedded in the file, so the report looks the same
on a machine without any system fonts.
"""

from django.conf import settings
from django.template.loader import render_to_string


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported here: loading pango costs time at start-up of every process

    return HTML(string=html, base_url=str(settings.BASE_DIR / "static")).write_pdf()


def render_pdf(template: str, context: dict) -> bytes:
    return html_to_pdf(render_to_string(template, context))

