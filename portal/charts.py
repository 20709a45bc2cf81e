"""SVG charts for pages and PDFs: one definition, no JavaScript, no external libraries.

Every public chart function is a pure function returning a ``SafeString`` with one ``<svg>`` element that renders
the same in a browser and in WeasyPrint (only presentation attributes, no CSS, no scripts, no fonts to fetch):

* ``quadrant_chart`` — scatter of schools by two indicators with reference lines (thresholds, means);
* ``line_chart`` — dynamics of one or more series over periods, with an optional target;
* ``bar_chart`` — horizontal bars (e.g. share of «2» by subject) with an optional reference line.

Accessibility: ``role="img"``, ``aria-labelledby`` pointing at ``<title>`` and ``<desc>`` (Russian), categories told
apart by colour *and* marker shape, a ``<title>`` tooltip on every mark.  The text alternative (data table) is built
by ``quadrant_table``/``line_table``/``bar_table`` and rendered by ``templates/inc/chart.html``.

Every text that reaches the markup goes through ``esc`` (XML escaping); ``mark_safe`` is applied once, to the
finished document.  Numbers are written the Russian way by ``format_number`` («22,98», «12 345»).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from urllib.parse import urlsplit
from xml.sax.saxutils import escape as _xml_escape

from django.utils.safestring import SafeString, mark_safe

__all__ = [
    "CATEGORY_STYLES",
    "FONT_FAMILY",
    "NO_DATA",
    "CategoryStyle",
    "RefLine",
    "bar_chart",
    "bar_table",
    "esc",
    "format_number",
    "line_chart",
    "line_table",
    "nice_ticks",
    "quadrant_chart",
    "quadrant_table",
]

FONT_FAMILY = "DejaVu Sans, Arial, sans-serif"
NO_DATA = "Нет данных"
NBSP = "\u00a0"
DASH = "\u2014"
ELLIPSIS = "\u2026"

FONT_SIZE = 12
SMALL_FONT = 11
TEXT_COLOR = "#212529"
MUTED_COLOR = "#5c636a"
GRID_COLOR = "#e3e6ea"
AXIS_COLOR = "#6c757d"
MARKER_OUTLINE = "#1f1f1f"
MARKER_RADIUS = 6.0
LEGEND_ROW = 20.0


# --------------------------------------------------------------------------------------------- text and numbers

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def esc(value) -> str:
    """Escape any value for XML text or a double-quoted attribute; drops characters XML does not allow."""
    text = _INVALID_XML.sub("", "" if value is None else str(value))
    return _xml_escape(text, {'"': "&quot;", "'": "&#x27;"})


def format_number(value, decimals: int = 2, *, strip_zeros: bool = False) -> str:
    """Russian number format: decimal comma, non-breaking space between thousands (CLDR «ru»: 1 234,5).

    Rounds half up to ``decimals`` places; ``strip_zeros=True`` drops trailing zeros of the fraction (and the comma).
    ``None``, NaN and infinities give an em dash.
    """
    if value is None or isinstance(value, bool):
        return DASH
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return DASH
    if not number.is_finite():
        return DASH
    decimals = max(0, int(decimals))
    try:
        number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than the context precision: numbers this big need no fraction
        number = number.to_integral_value(rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""  # "-0,00" never appears: the sign is taken after rounding
    integer, _, fraction = f"{abs(number):f}".partition(".")
    if strip_zeros:
        fraction = fraction.rstrip("0")
    groups = []
    while len(integer) > 3:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    groups.insert(0, integer)
    return sign + NBSP.join(groups) + ("," + fraction if fraction else "")


def _value_text(value, decimals: int, unit: str = "") -> str:
    text = format_number(value, decimals, strip_zeros=True)
    return f"{text}{NBSP}{unit}" if unit and value is not None else text


def _plural(n: int, forms: tuple[str, str, str]) -> str:
    """Russian plural: (1 школа, 2 школы, 5 школ)."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return forms[0]
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return forms[1]
    return forms[2]


_NARROW = set("iljtfrI.,:;!|'()[]{} `")
_WIDE = set("жмшщюыЖМШЩЮЫФфmwMW№%—@")
_DIGITS = set("0123456789")


def _text_width(text: str, size: float = FONT_SIZE) -> float:
    """Estimated advance width of ``text`` in DejaVu Sans (the widest of the fonts listed; Arial is narrower)."""
    width = 0.0
    for char in text:
        if char in _DIGITS:
            width += 0.64
        elif char in _NARROW or char == NBSP:
            width += 0.34
        elif char in _WIDE:
            width += 0.95
        elif char.isupper():
            width += 0.71
        else:
            width += 0.62
    return width * size


def _fit(text: str, max_width: float, size: float = FONT_SIZE) -> str:
    """``text`` cut with an ellipsis so that it fits ``max_width``."""
    text = str(text)
    if _text_width(text, size) <= max_width:
        return text
    while text and _text_width(text + ELLIPSIS, size) > max_width:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS if text else ELLIPSIS


# ------------------------------------------------------------------------------------------------------- ticks


def _step_decimals(step: float) -> int:
    exponent = Decimal(f"{step:.12g}").normalize().as_tuple().exponent
    return max(0, -int(exponent))


def nice_ticks(lo, hi, count: int = 5) -> list[float]:
    """Evenly spaced round ticks (steps 1, 2, 2,5, 5 × 10ⁿ) from a tick ≤ ``lo`` to a tick ≥ ``hi``.

    About ``count`` ticks: among the candidate steps the one whose tick count is nearest to ``count`` while wasting
    the least of the axis wins.  ``lo == hi`` is widened around the value; ``lo > hi`` is swapped.
    """
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError("nice_ticks: границы должны быть конечными числами")
    if lo > hi:
        lo, hi = hi, lo
    if lo == hi:
        pad = 10.0 ** math.floor(math.log10(abs(lo))) if abs(lo) > 1e-300 else 1.0
        lo, hi = lo - pad, hi + pad
    count = max(2, int(count))
    span = hi - lo
    exponent = math.floor(math.log10(span / (count - 1)))
    candidates = [m * 10.0**e for e in (exponent - 1, exponent, exponent + 1) for m in (1, 2, 2.5, 5)]
    best = None
    for step in candidates:
        start = math.floor(lo / step + 1e-9) * step
        stop = math.ceil(hi / step - 1e-9) * step
        n = round((stop - start) / step) + 1
        score = abs(n - count) + 2 * ((stop - start) - span) / span
        if best is None or score < best[0] - 1e-9:
            best = (score, step, start, n)
    _, step, start, n = best
    decimals = _step_decimals(step)
    return [round(start + i * step, decimals) + 0.0 for i in range(n)]


def _tick_decimals(ticks: Sequence[float]) -> int:
    if len(ticks) < 2:
        return 0
    return _step_decimals(abs(ticks[1] - ticks[0]))


def _axis(values: Iterable[float], explicit, count: int = 5, pad: float = 0.0) -> tuple[float, float, list[float]]:
    """Domain and ticks of an axis: ``explicit`` (lo, hi) is kept as is, otherwise nice ticks around the values."""
    if explicit is not None:
        lo, hi = sorted(float(v) for v in explicit)
        if lo == hi:
            lo, hi = lo - 1, hi + 1
        eps = (hi - lo) * 1e-9
        ticks = [t for t in nice_ticks(lo, hi, count) if lo - eps <= t <= hi + eps]
        return lo, hi, ticks
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        ticks = nice_ticks(0, 1, count)
    else:
        lo, hi = min(finite), max(finite)
        margin = (hi - lo) * pad
        ticks = nice_ticks(lo - margin, hi + margin, count)
    return ticks[0], ticks[-1], ticks


@dataclass(frozen=True)
class _Scale:
    d0: float
    d1: float
    r0: float
    r1: float

    def __call__(self, value: float) -> float:
        if self.d1 == self.d0:
            return (self.r0 + self.r1) / 2
        return self.r0 + (value - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)

    def clamped(self, value: float) -> float:
        lo, hi = sorted((self.r0, self.r1))
        return min(max(self(value), lo), hi)


# ------------------------------------------------------------------------------------------------- SVG writing


def _c(value: float) -> str:
    """A coordinate: at most one decimal, always a dot (SVG syntax, never localized)."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _attrs(attrs: Mapping) -> str:
    parts = []
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        name = key if key in ("viewBox",) else key.rstrip("_").replace("_", "-")
        if isinstance(value, float | int) and not isinstance(value, bool):
            value = _c(value)
        parts.append(f' {name}="{esc(value)}"')
    return "".join(parts)


def _el(tag: str, content: str | None = None, **attrs) -> str:
    """An element; ``content`` must already be markup (escape text with ``esc``)."""
    if content is None:
        return f"<{tag}{_attrs(attrs)}/>"
    return f"<{tag}{_attrs(attrs)}>{content}</{tag}>"


def _text(x: float, y: float, text: str, *, size: float = FONT_SIZE, anchor: str = "start", fill: str = TEXT_COLOR,
          **attrs) -> str:
    return _el("text", esc(text), x=x, y=y, font_size=size if size != FONT_SIZE else None,
               text_anchor=anchor if anchor != "start" else None, fill=fill, **attrs)


def _halo_text(x: float, y: float, text: str, *, anchor: str, fill: str, size: float = SMALL_FONT, **attrs) -> str:
    """Text on a translucent white plate, readable over grid lines and markers."""
    left, top, right, bottom = _text_box(x, y, text, anchor, size)
    plate = _el("rect", x=left - 2, y=top - 1, width=right - left + 4, height=bottom - top + 2, fill="#ffffff",
                fill_opacity=0.85)
    return plate + _text(x, y, text, size=size, anchor=anchor, fill=fill, **attrs)


def _tooltip(text: str) -> str:
    return f"<title>{esc(text)}</title>"


def _safe_id(chart_id) -> str:
    ident = re.sub(r"[^A-Za-z0-9_-]+", "-", str(chart_id or "")).strip("-")
    if not ident or not ident[0].isalpha():
        ident = "chart-" + ident if ident else "chart"
    return ident


def _safe_href(href) -> str | None:
    """Links only to relative, http(s) and mailto addresses; anything else (``javascript:``…) is dropped."""
    if not href:
        return None
    text = str(href).strip()
    if not text or re.search(r"[\x00-\x20\x7f]", text):
        return None
    scheme = urlsplit(text).scheme.lower()
    if scheme and scheme not in ("http", "https", "mailto"):
        return None
    return text


def _document(cid: str, width: float, height: float, title: str, desc: str, body: Sequence[str]) -> SafeString:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{cid}" class="chart" viewBox="0 0 {_c(width)} {_c(height)}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby="{cid}-title {cid}-desc" '
        f'font-family="{esc(FONT_FAMILY)}" font-size="{FONT_SIZE}">'
        f'<title id="{cid}-title">{esc(title)}</title><desc id="{cid}-desc">{esc(desc)}</desc>'
    )
    background = _el("rect", x=0, y=0, width=width, height=height, fill="#ffffff")
    # Safe: attribute values and texts above and in ``body`` all went through ``esc``.
    return mark_safe(head + background + "".join(body) + "</svg>")


def _title_block(title: str, width: float, show: bool) -> tuple[list[str], float]:
    """The visible heading inside the SVG (only for ``show_title``) and the height it takes."""
    if not show:
        return [], 10.0
    text = _fit(title, width - 24, 14)
    return [_text(12, 24, text, size=14, font_weight="bold")], 36.0


def _empty(cid: str, title: str, width: float, height: float, show_title: bool, what: str = "") -> SafeString:
    body, top = _title_block(title, width, show_title)
    top = top if show_title else 1
    body.append(_el("rect", x=1, y=top, width=width - 2, height=height - top - 1, fill="#f8f9fa", stroke=GRID_COLOR))
    body.append(_text(width / 2, (top + height) / 2 + 5, NO_DATA, size=14, anchor="middle", fill=MUTED_COLOR))
    desc = f"{what}: {NO_DATA.lower()}." if what else f"{NO_DATA}."
    return _document(cid, width, height, title, desc, body)


# -------------------------------------------------------------------------------------------------- data input


def _get(obj, name: str, default=None):
    """A field of a dict or an attribute of any object (dataclass, model, namedtuple)."""
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _num(value) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class RefLine:
    """A reference line: ``label`` may hold ``{value}``, replaced by the value in Russian format.

    ``style``: ``"threshold"`` (dashed), ``"mean"`` (dotted), ``"target"`` (dash-dot).
    """

    value: float
    label: str = ""
    style: str = "threshold"

    def text(self, decimals: int = 2) -> str:
        value = format_number(self.value, decimals, strip_zeros=True)
        if not self.label:
            return value
        return str(self.label).replace("{value}", value)


REF_STYLES = {
    "threshold": {"stroke": "#b2182b", "stroke_dasharray": "7 4"},
    "mean": {"stroke": "#3d3d3d", "stroke_dasharray": "2 3"},
    "target": {"stroke": "#1b7837", "stroke_dasharray": "9 3 2 3"},
}


def _ref_line(spec, *, default_style: str = "threshold", default_label: str = "") -> RefLine | None:
    if isinstance(spec, RefLine):
        line = spec
    elif isinstance(spec, Mapping):
        line = RefLine(spec.get("value"), spec.get("label", default_label), spec.get("style", default_style))
    elif isinstance(spec, list | tuple):
        if not spec:
            return None
        label = spec[1] if len(spec) > 1 else default_label
        style = spec[2] if len(spec) > 2 else default_style
        line = RefLine(spec[0], label, style)
    elif _num(spec) is not None:
        line = RefLine(spec, default_label, default_style)
    else:
        line = RefLine(_get(spec, "value"), _get(spec, "label", default_label), _get(spec, "style", default_style))
    value = _num(line.value)
    if value is None:
        return None
    style = line.style or default_style
    if style not in REF_STYLES:
        raise ValueError(f"Неизвестный стиль линии: {style!r}; допустимы {', '.join(REF_STYLES)}")
    return RefLine(value, "" if line.label is None else str(line.label), style)


def _ref_lines(specs, **defaults) -> list[RefLine]:
    if specs is None:
        return []
    single_tuple = (isinstance(specs, list | tuple) and len(specs) in (2, 3) and _num(specs[0]) is not None
                    and all(isinstance(v, str) for v in specs[1:]))  # (value, label[, style]), not a list of lines
    if isinstance(specs, RefLine | Mapping) or _num(specs) is not None or single_tuple:
        specs = [specs]
    return [line for line in (_ref_line(spec, **defaults) for spec in specs) if line is not None]


# ------------------------------------------------------------------------------------------- markers & legend

SHAPES = ("circle", "square", "triangle", "diamond", "cross")


@dataclass(frozen=True)
class CategoryStyle:
    name: str
    color: str
    shape: str


# Okabe–Ito / Tol colours, each with its own shape: still distinct in grey scale and for colour-blind readers.
CATEGORY_STYLES: dict[str, CategoryStyle] = {
    "both": CategoryStyle("ШНОР и ШНСУ", "#882255", "cross"),
    "shnor": CategoryStyle("ШНОР", "#d55e00", "triangle"),
    "shnsu": CategoryStyle("ШНСУ", "#e69f00", "square"),
    "resilient": CategoryStyle("Резильентные", "#009e73", "diamond"),
    "none": CategoryStyle("Прочие школы", "#8c8c8c", "circle"),
}
_EXTRA_COLORS = ("#0072b2", "#56b4e9", "#cc79a7", "#000000", "#f0e442")
SERIES_COLORS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000")
# Darker twins of SERIES_COLORS for value labels: text needs 4.5:1 contrast on white.
SERIES_TEXT_COLORS = ("#005a8c", "#a34700", "#00694c", "#94487a", "#855b00", "#1f6a96", "#000000")
SERIES_DASHES = (None, "6 3", "2 2", "8 3 2 3")


def _category_styles(categories: Iterable[str]) -> dict[str, CategoryStyle]:
    """Styles of the categories present, known ones first in a fixed order, unknown ones after."""
    present = list(dict.fromkeys(categories))
    styles = {key: CATEGORY_STYLES[key] for key in CATEGORY_STYLES if key in present}
    for i, key in enumerate(k for k in present if k not in CATEGORY_STYLES):
        styles[key] = CategoryStyle(str(key), _EXTRA_COLORS[i % len(_EXTRA_COLORS)], SHAPES[i % len(SHAPES)])
    return styles


def _marker(shape: str, cx: float, cy: float, r: float, fill: str, **attrs) -> str:
    """A filled marker of about the same visual weight whatever its shape."""
    style = {"fill": fill, "stroke": MARKER_OUTLINE, "stroke_width": 0.8, **attrs}
    if shape == "square":
        side = r * 1.7
        return _el("rect", x=cx - side / 2, y=cy - side / 2, width=side, height=side, **style)
    if shape == "triangle":
        points = [(cx, cy - r * 1.2), (cx + r * 1.15, cy + r * 0.8), (cx - r * 1.15, cy + r * 0.8)]
    elif shape == "diamond":
        points = [(cx, cy - r * 1.3), (cx + r * 1.1, cy), (cx, cy + r * 1.3), (cx - r * 1.1, cy)]
    elif shape == "cross":
        t, arm = r * 0.42, r * 1.25
        plus = [(-t, -arm), (t, -arm), (t, -t), (arm, -t), (arm, t), (t, t), (t, arm), (-t, arm), (-t, t),
                (-arm, t), (-arm, -t), (-t, -t)]
        k = math.sqrt(0.5)
        points = [(cx + (x - y) * k, cy + (x + y) * k) for x, y in plus]
    else:
        return _el("circle", cx=cx, cy=cy, r=r, **style)
    return _el("polygon", points=" ".join(f"{_c(x)},{_c(y)}" for x, y in points), **style)


@dataclass(frozen=True)
class _LegendEntry:
    label: str
    color: str
    shape: str | None = None
    dash: str | None = None  # a line sample is drawn when dash is not None ("" = solid line)


def _legend_layout(entries: Sequence[_LegendEntry], max_width: float) -> list[tuple[float, float, _LegendEntry]]:
    """Positions (x, row) of legend entries, wrapped to ``max_width``."""
    placed, x, row = [], 0.0, 0
    for entry in entries:
        sample = 30.0 if entry.dash is not None else 16.0
        label = _fit(entry.label, max_width - sample - 8)
        entry_width = sample + 6 + _text_width(label) + 18
        if x and x + entry_width - 18 > max_width:
            x, row = 0.0, row + 1
        placed.append((x, row, _LegendEntry(label, entry.color, entry.shape, entry.dash)))
        x += entry_width
    return placed


def _legend(entries: Sequence[_LegendEntry], x0: float, y0: float, max_width: float) -> tuple[list[str], float]:
    if not entries:
        return [], 0.0
    layout = _legend_layout(entries, max_width)
    out = ['<g class="legend">']
    for x, row, entry in layout:
        cx, cy = x0 + x, y0 + row * LEGEND_ROW + LEGEND_ROW / 2
        sample = 16.0
        if entry.dash is not None:
            sample = 30.0
            out.append(_el("line", x1=cx, y1=cy, x2=cx + sample, y2=cy, stroke=entry.color, stroke_width=2,
                           stroke_dasharray=entry.dash or None))
        if entry.shape:
            out.append(_marker(entry.shape, cx + sample / 2, cy, 5, entry.color))
        out.append(_text(cx + sample + 6, cy + 4, entry.label))
    out.append("</g>")
    rows = max(row for _, row, _ in layout) + 1
    return out, rows * LEGEND_ROW


def _y_label(text: str, x: float, top: float, bottom: float) -> str:
    label = _fit(text, bottom - top)
    cy = (top + bottom) / 2
    return _el("text", esc(label), x=x, y=cy, text_anchor="middle", fill=TEXT_COLOR,
               transform=f"rotate(-90 {_c(x)} {_c(cy)})")


# ------------------------------------------------------------------------------------------- label placement


Box = tuple[float, float, float, float]  # left, top, right, bottom


def _text_box(x: float, y: float, text: str, anchor: str, size: float = FONT_SIZE) -> Box:
    width = _text_width(text, size)
    left = x - width if anchor == "end" else x - width / 2 if anchor == "middle" else x
    return left, y - size * 0.8, left + width, y + size * 0.25


def _overlap(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _outside(box: Box, bounds: Box) -> float:
    width, height = box[2] - box[0], box[3] - box[1]
    inner = _overlap(box, bounds)
    return width * height - inner


def _place_label(cx: float, cy: float, r: float, text: str, obstacles: list[Box], bounds: Box,
                 size: float = FONT_SIZE) -> tuple[float, float, str, bool]:
    """Best spot for a point's label: right, left, above, below, diagonals, then the same farther away.

    Returns x, y (baseline), anchor and whether a leader line is needed (far ring).
    """
    best = None
    for ring, gap in enumerate((r + 3, r + 16)):
        candidates = [
            (cx + gap, cy + size * 0.35, "start"),
            (cx - gap, cy + size * 0.35, "end"),
            (cx, cy - gap - 1, "middle"),
            (cx, cy + gap + size * 0.8, "middle"),
            (cx + gap * 0.8, cy - gap * 0.8, "start"),
            (cx + gap * 0.8, cy + gap * 0.8 + size * 0.6, "start"),
            (cx - gap * 0.8, cy - gap * 0.8, "end"),
            (cx - gap * 0.8, cy + gap * 0.8 + size * 0.6, "end"),
        ]
        for order, (x, y, anchor) in enumerate(candidates):
            box = _text_box(x, y, text, anchor, size)
            cost = sum(_overlap(box, other) for other in obstacles) + 1000 * _outside(box, bounds)
            cost += ring * 40 + order * 0.01
            if best is None or cost < best[0]:
                best = (cost, x, y, anchor, ring == 1, box)
        if best[0] < 40:
            break
    _, x, y, anchor, far, box = best
    obstacles.append(box)
    return x, y, anchor, far


# ---------------------------------------------------------------------------------------------- quadrant chart


@dataclass(frozen=True)
class _Point:
    x: float
    y: float
    label: str
    short: str
    category: str
    href: str | None


def _points(points) -> tuple[list[_Point], int]:
    result, skipped = [], 0
    for item in points or ():
        x, y = _num(_get(item, "x")), _num(_get(item, "y"))
        if x is None or y is None:
            skipped += 1
            continue
        label = str(_get(item, "label", "") or "")
        short = str(_get(item, "short_label", "") or "") or label
        category = str(_get(item, "category", "none") or "none")
        result.append(_Point(x, y, label, _fit(short, 150, SMALL_FONT), category, _safe_href(_get(item, "href"))))
    return result, skipped


QUADRANT_KEYS = ("top_left", "top_right", "bottom_left", "bottom_right")


def _quadrant_labels(labels) -> dict[str, str]:
    if not labels:
        return {}
    if isinstance(labels, Mapping):
        return {key: str(labels[key]) for key in QUADRANT_KEYS if labels.get(key)}
    return {key: str(text) for key, text in zip(QUADRANT_KEYS, labels, strict=False) if text}


def quadrant_chart(points, *, chart_id, title, x_label, y_label, x_lines=(), y_lines=(), x_range=None, y_range=None,
                   width=720, height=520, quadrant_labels=None, desc=None, show_title=False, decimals=2,
                   point_labels=True) -> SafeString:
    """Scatter of schools with reference lines: ``points`` are dicts or objects with ``x``, ``y``, ``label``,
    ``category`` (see ``CATEGORY_STYLES``; unknown ones get their own colour and shape) and optional ``href``
    and ``short_label`` (written next to the marker; the full ``label`` is in the tooltip).

    ``x_lines``/``y_lines``: numbers, ``RefLine``, dicts or tuples ``(value, label[, style])``; a vertical line
    for each x value, a horizontal one for each y value.  ``x_range``/``y_range``: fixed (lo, hi) domains; points
    outside are pinned to the edge (their tooltips keep the true values).  ``quadrant_labels``: captions of the
    plot corners, a dict with keys ``top_left``, ``top_right``, ``bottom_left``, ``bottom_right`` or a 4-sequence in
    that order.  Points without x or y are skipped and counted in the description.
    """
    cid = _safe_id(chart_id)
    pts, skipped = _points(points)
    if not pts:
        return _empty(cid, title, width, height, show_title, "Диаграмма рассеяния")
    xl = _ref_lines(x_lines)
    yl = _ref_lines(y_lines)
    styles = _category_styles(p.category for p in pts)

    body, top = _title_block(title, width, show_title)
    legend_entries = [_LegendEntry(style.name, style.color, style.shape) for style in styles.values()]
    legend, legend_height = _legend(legend_entries, 12, top, width - 24)
    body += legend
    top += legend_height + 12

    x0, x1, x_ticks = _axis([p.x for p in pts] + [line.value for line in xl], x_range, 6, pad=0.03)
    y0, y1, y_ticks = _axis([p.y for p in pts] + [line.value for line in yl], y_range, 6, pad=0.03)
    x_dec, y_dec = _tick_decimals(x_ticks), _tick_decimals(y_ticks)
    y_tick_text = [format_number(t, y_dec) for t in y_ticks]
    left = 12 + 18 + max((_text_width(t, SMALL_FONT) for t in y_tick_text), default=0) + 8
    right = width - 16
    bottom = height - 48
    sx, sy = _Scale(x0, x1, left, right), _Scale(y0, y1, bottom, top)
    bounds = (left, top, right, bottom)

    # Grid and axes
    grid = ['<g class="grid">']
    for t in x_ticks:
        grid.append(_el("line", x1=sx(t), y1=top, x2=sx(t), y2=bottom, stroke=GRID_COLOR))
    for t in y_ticks:
        grid.append(_el("line", x1=left, y1=sy(t), x2=right, y2=sy(t), stroke=GRID_COLOR))
    grid.append(_el("rect", x=left, y=top, width=right - left, height=bottom - top, fill="none", stroke=AXIS_COLOR))
    grid.append("</g>")
    body += grid
    axes = ['<g class="axes">']
    for t in x_ticks:
        axes.append(_el("line", x1=sx(t), y1=bottom, x2=sx(t), y2=bottom + 4, stroke=AXIS_COLOR))
        axes.append(_text(sx(t), bottom + 17, format_number(t, x_dec), size=SMALL_FONT, anchor="middle"))
    for t, text in zip(y_ticks, y_tick_text, strict=True):
        axes.append(_el("line", x1=left - 4, y1=sy(t), x2=left, y2=sy(t), stroke=AXIS_COLOR))
        axes.append(_text(left - 7, sy(t) + 4, text, size=SMALL_FONT, anchor="end"))
    axes.append(_text((left + right) / 2, height - 12, _fit(x_label, right - left), anchor="middle"))
    axes.append(_y_label(y_label, 22, top, bottom))
    axes.append("</g>")
    body += axes

    obstacles: list[Box] = []
    # Quadrant captions in the corners of the plot
    captions = _quadrant_labels(quadrant_labels)
    if captions:
        body.append('<g class="quadrants">')
        for key, caption in captions.items():
            text = _fit(caption, (right - left) / 2 - 12, SMALL_FONT)
            anchor = "start" if key.endswith("left") else "end"
            x = left + 6 if anchor == "start" else right - 6
            y = top + 15 if key.startswith("top") else bottom - 7
            body.append(_text(x, y, text, size=SMALL_FONT, anchor=anchor, fill=MUTED_COLOR, font_style="italic"))
            obstacles.append(_text_box(x, y, text, anchor, SMALL_FONT))
        body.append("</g>")

    # Reference lines (drawn under the points, labelled on top of everything)
    line_marks, line_labels = ['<g class="reference-lines">'], ['<g class="reference-labels">']
    label_boxes: list[Box] = []
    for line in xl:
        if not x0 <= line.value <= x1:
            continue
        style, x = REF_STYLES[line.style], sx(line.value)
        text = _fit(line.text(decimals), (right - left) * 0.45, SMALL_FONT)
        line_marks.append(_el("line", _tooltip(text), x1=x, y1=top, x2=x, y2=bottom, stroke=style["stroke"],
                              stroke_width=1.6, stroke_dasharray=style["stroke_dasharray"],
                              class_=f"ref-line ref-{line.style}"))
        anchor = "start" if x + 4 + _text_width(text, SMALL_FONT) <= right - 2 else "end"
        tx, ty = (x + 4 if anchor == "start" else x - 4), top + 13
        while ty < bottom - 16 and any(_overlap(_text_box(tx, ty, text, anchor, SMALL_FONT), b)
                                       for b in label_boxes + obstacles):
            ty += 14
        label_boxes.append(_text_box(tx, ty, text, anchor, SMALL_FONT))
        line_labels.append(_halo_text(tx, ty, text, anchor=anchor, fill=style["stroke"], class_="ref-label"))
    for line in yl:
        if not y0 <= line.value <= y1:
            continue
        style, y = REF_STYLES[line.style], sy(line.value)
        text = _fit(line.text(decimals), (right - left) * 0.45, SMALL_FONT)
        line_marks.append(_el("line", _tooltip(text), x1=left, y1=y, x2=right, y2=y, stroke=style["stroke"],
                              stroke_width=1.6, stroke_dasharray=style["stroke_dasharray"],
                              class_=f"ref-line ref-{line.style}"))
        # right end above the line, below it, then the left end; the first free spot inside the plot wins
        spots = [(right - 4, y - 4, "end"), (right - 4, y + 13, "end"), (left + 4, y - 4, "start"),
                 (left + 4, y + 13, "start")]
        free = [spot for spot in spots if _outside(_text_box(*spot[:2], text, spot[2], SMALL_FONT), bounds) < 1
                and not any(_overlap(_text_box(*spot[:2], text, spot[2], SMALL_FONT), b)
                            for b in label_boxes + obstacles)]
        inside = [spot for spot in spots if _outside(_text_box(*spot[:2], text, spot[2], SMALL_FONT), bounds) < 1]
        tx, ty, anchor = (free or inside or spots)[0]
        label_boxes.append(_text_box(tx, ty, text, anchor, SMALL_FONT))
        line_labels.append(_halo_text(tx, ty, text, anchor=anchor, fill=style["stroke"], class_="ref-label"))
    body += line_marks + ["</g>"]
    obstacles += label_boxes

    # Points: markers first (all of them are obstacles for labels), labels on top
    r = MARKER_RADIUS
    priority = {key: i for i, key in enumerate(styles)}
    placed = [(p, sx.clamped(p.x), sy.clamped(p.y)) for p in pts]
    obstacles += [(px - r - 1, py - r - 1, px + r + 1, py + r + 1) for _, px, py in placed]
    x_name, y_name = x_label or "X", y_label or "Y"
    marks = ['<g class="points">']
    for p, px, py in sorted(placed, key=lambda item: -priority[item[0].category]):  # important ones drawn last
        style = styles[p.category]
        tip = (f"{p.label} ({style.name}): {x_name} {DASH} {format_number(p.x, decimals, strip_zeros=True)}; "
               f"{y_name} {DASH} {format_number(p.y, decimals, strip_zeros=True)}")
        inner = _tooltip(tip) + _marker(style.shape, px, py, r, style.color)
        attrs = {"class_": "point", "data_category": p.category}
        if p.href:
            inner += _el("circle", cx=px, cy=py, r=r + 4, fill="#ffffff", fill_opacity=0)  # larger click target
            marks.append(_el("a", inner, href=p.href, **attrs))
        else:
            marks.append(_el("g", inner, **attrs))
    marks.append("</g>")
    body += marks
    if point_labels:
        labels = ['<g class="point-labels">']
        for p, px, py in sorted(placed, key=lambda item: (priority[item[0].category], item[2])):
            if not p.short:
                continue
            x, y, anchor, far = _place_label(px, py, r, p.short, obstacles, bounds, SMALL_FONT)
            if far:
                box = obstacles[-1]
                lx = min(max(px, box[0]), box[2])
                ly = min(max(py, box[1]), box[3])
                labels.append(_el("line", x1=px, y1=py, x2=lx, y2=ly, stroke=AXIS_COLOR, stroke_width=0.6))
            labels.append(_text(x, y, p.short, size=SMALL_FONT, anchor=anchor, class_="point-label"))
        labels.append("</g>")
        body += labels
    body += line_labels + ["</g>"]

    if desc is None:
        n = len(pts)
        counts = "; ".join(f"{style.name} {DASH} {sum(p.category == key for p in pts)}" for key, style in
                           styles.items())
        desc = (f"Диаграмма рассеяния: {n} {_plural(n, ('школа', 'школы', 'школ'))}. По горизонтали {DASH} "
                f"{x_label}, по вертикали {DASH} {y_label}. {counts}.")
        lines = [line.text(decimals) for line in xl + yl]
        if lines:
            desc += " Линии: " + "; ".join(lines) + "."
        if skipped:
            desc += f" Без данных: {skipped}."
    return _document(cid, width, height, title, desc, body)


def quadrant_table(points, *, x_label, y_label, decimals=2) -> dict:
    """Headers and rows of the data table for ``quadrant_chart`` (for ``inc/chart.html``)."""
    rows = []
    for item in points or ():
        category = str(_get(item, "category", "none") or "none")
        style = CATEGORY_STYLES.get(category)
        rows.append([str(_get(item, "label", "") or ""), style.name if style else category,
                     format_number(_num(_get(item, "x")), decimals, strip_zeros=True),
                     format_number(_num(_get(item, "y")), decimals, strip_zeros=True)])
    return {"headers": ["Школа", "Категория", x_label, y_label], "rows": rows}


# -------------------------------------------------------------------------------------------------- line chart


@dataclass(frozen=True)
class _Series:
    name: str
    values: list[float | None]


def _series(series, n: int) -> list[_Series]:
    result = []
    for item in series or ():
        name = _get(item, "name", None) or _get(item, "label", None) or ""
        values = [_num(v) for v in (_get(item, "values", None) or ())]
        if len(values) > n:
            raise ValueError(f"Ряд «{name}»: значений ({len(values)}) больше, чем категорий ({n})")
        result.append(_Series(str(name), values + [None] * (n - len(values))))
    return result


def _is_per_category(target, n: int) -> bool:
    return (isinstance(target, list | tuple) and len(target) == n
            and all(v is None or (_num(v) is not None) for v in target)
            and not any(isinstance(v, str) for v in target))


def _runs(points: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Unbroken runs of points: ``None`` breaks the line."""
    runs, current = [], []
    for point in points:
        if point is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(point)
    if current:
        runs.append(current)
    return runs


def _path(run: Sequence[tuple[float, float]]) -> str:
    return " ".join(("M" if i == 0 else "L") + f"{_c(x)},{_c(y)}" for i, (x, y) in enumerate(run))


def line_chart(series, *, chart_id, title, y_label, categories, target=None, y_range=None, width=720, height=320,
               desc=None, show_title=False, decimals=2, unit="", show_values=True) -> SafeString:
    """Dynamics over ``categories`` (years, periods): ``series`` are dicts/objects with ``name`` and ``values``
    (one per category; ``None`` breaks the line).

    ``target``: a number / ``RefLine`` / ``(value, label)`` for a horizontal target line, or a sequence of per-category
    values (``None`` allowed), or ``{"values": [...], "label": "…"}``.  ``unit`` is appended to value labels.
    """
    cid = _safe_id(chart_id)
    cats = [str(c) for c in categories or ()]
    data = _series(series, len(cats)) if cats else []
    if not any(v is not None for s in data for v in s.values):
        return _empty(cid, title, width, height, show_title, "Линейная диаграмма")

    target_line, target_values, target_label = None, None, "Цель"
    if isinstance(target, Mapping) and "values" in target:
        target_values = [_num(v) for v in list(target["values"])[: len(cats)]]
        target_values += [None] * (len(cats) - len(target_values))
        target_label = str(target.get("label") or target_label)
    elif _is_per_category(target, len(cats)):
        target_values = [_num(v) for v in target]
    elif target is not None:
        lines = _ref_lines(target, default_style="target", default_label="Цель: {value}")
        target_line = lines[0] if lines else None

    body, top = _title_block(title, width, show_title)
    entries = [_LegendEntry(s.name, SERIES_COLORS[i % len(SERIES_COLORS)], SHAPES[i % len(SHAPES)],
                            SERIES_DASHES[i % len(SERIES_DASHES)] or "") for i, s in enumerate(data)]
    if target_values is not None:
        entries.append(_LegendEntry(target_label, REF_STYLES["target"]["stroke"], None,
                                    REF_STYLES["target"]["stroke_dasharray"]))
    legend, legend_height = _legend(entries, 12, top, width - 24)
    body += legend
    top += legend_height + 22

    values = [v for s in data for v in s.values if v is not None]
    values += [v for v in target_values or () if v is not None]
    if target_line:
        values.append(target_line.value)
    y0, y1, ticks = _axis(values, y_range, 5)
    dec = _tick_decimals(ticks)
    tick_text = [format_number(t, dec) for t in ticks]
    left = 12 + 18 + max(_text_width(t, SMALL_FONT) for t in tick_text) + 8
    right, bottom = width - 16, height - 30
    sy = _Scale(y0, y1, bottom, top)
    slot = (right - left) / len(cats)

    def cx(i: int) -> float:
        return left + slot * (i + 0.5)

    body.append('<g class="grid">')
    for t in ticks:
        body.append(_el("line", x1=left, y1=sy(t), x2=right, y2=sy(t), stroke=GRID_COLOR))
    body.append("</g>")
    axes = ['<g class="axes">', _el("line", x1=left, y1=bottom, x2=right, y2=bottom, stroke=AXIS_COLOR)]
    for t, text in zip(ticks, tick_text, strict=True):
        axes.append(_text(left - 7, sy(t) + 4, text, size=SMALL_FONT, anchor="end"))
    widest = max(_text_width(c, SMALL_FONT) for c in cats)
    every = max(1, math.ceil((widest + 6) / slot))  # thin out labels that would overlap
    for i, cat in enumerate(cats):
        axes.append(_el("line", x1=cx(i), y1=bottom, x2=cx(i), y2=bottom + 4, stroke=AXIS_COLOR))
        if i % every == 0:
            axes.append(_text(cx(i), bottom + 17, _fit(cat, slot * every - 4, SMALL_FONT), size=SMALL_FONT,
                              anchor="middle"))
    axes.append(_y_label(y_label, 22, top, bottom))
    axes.append("</g>")
    body += axes

    target_stroke = REF_STYLES["target"]["stroke"]
    target_caption, caption_box = "", None
    if target_line and y0 <= target_line.value <= y1:
        y = sy(target_line.value)
        text = _fit(target_line.text(decimals), (right - left) * 0.5, SMALL_FONT)
        style = REF_STYLES[target_line.style]
        body.append(_el("line", _tooltip(text), x1=left, y1=y, x2=right, y2=y, stroke=style["stroke"],
                        stroke_width=1.6, stroke_dasharray=style["stroke_dasharray"],
                        class_=f"ref-line ref-{target_line.style}"))
        target_caption = _halo_text(right - 4, y - 4, text, anchor="end", fill=style["stroke"], class_="ref-label")
        caption_box = _text_box(right - 4, y - 4, text, "end", SMALL_FONT)
    if target_values is not None:
        body.append('<g class="target">')
        pts = [(cx(i), sy(v)) if v is not None else None for i, v in enumerate(target_values)]
        for run in _runs(pts):
            if len(run) > 1:
                body.append(_el("path", d=_path(run), fill="none", stroke=target_stroke, stroke_width=1.6,
                                stroke_dasharray=REF_STYLES["target"]["stroke_dasharray"]))
        for i, v in enumerate(target_values):
            if v is None:
                continue
            tip = f"{target_label}, {cats[i]}: {_value_text(v, decimals, unit)}"
            body.append(_el("g", _tooltip(tip) + _el("line", x1=cx(i) - 9, y1=sy(v), x2=cx(i) + 9, y2=sy(v),
                                                    stroke=target_stroke, stroke_width=2.5), class_="target-mark"))
        body.append("</g>")

    # Value labels avoid each other and every marker of the same category
    label_boxes: list[list[Box]] = [[caption_box] if caption_box else [] for _ in cats]
    for s in data:
        for i, v in enumerate(s.values):
            if v is not None:
                label_boxes[i].append((cx(i) - 5, sy(v) - 5, cx(i) + 5, sy(v) + 5))
    for i, v in enumerate(target_values or ()):
        if v is not None:
            label_boxes[i].append((cx(i) - 9, sy(v) - 2, cx(i) + 9, sy(v) + 2))
    value_labels = ['<g class="value-labels">']
    for k, s in enumerate(data):
        color, shape, dash = SERIES_COLORS[k % len(SERIES_COLORS)], SHAPES[k % len(SHAPES)], entries[k].dash
        pts = [(cx(i), sy(v)) if v is not None else None for i, v in enumerate(s.values)]
        group = [f'<g class="series" data-series="{k}">']
        for run in _runs(pts):
            if len(run) > 1:
                group.append(_el("path", d=_path(run), fill="none", stroke=color, stroke_width=2.2,
                                 stroke_dasharray=dash or None, stroke_linejoin="round"))
        for i, v in enumerate(s.values):
            if v is None:
                continue
            px, py = pts[i]
            tip = f"{s.name}, {cats[i]}: {_value_text(v, decimals, unit)}"
            group.append(_el("g", _tooltip(tip) + _marker(shape, px, py, 4.5, color), class_="point"))
            if show_values:
                text = _value_text(v, decimals, unit)
                spots = [(py - 9, "above"), (py + 19, "below"), (py - 23, "above2"), (py + 33, "below2")]
                chosen = spots[0][0]
                for y, _ in spots:
                    box = _text_box(px, y, text, "middle", SMALL_FONT)
                    if box[1] >= top - 18 and box[3] <= bottom and not any(_overlap(box, b)
                                                                           for b in label_boxes[i]):
                        chosen = y
                        break
                label_boxes[i].append(_text_box(px, chosen, text, "middle", SMALL_FONT))
                value_labels.append(_text(px, chosen, text, size=SMALL_FONT, anchor="middle",
                                          fill=SERIES_TEXT_COLORS[k % len(SERIES_TEXT_COLORS)], class_="value-label"))
        group.append("</g>")
        body += group
    value_labels.append("</g>")
    if show_values:
        body += value_labels
    body.append(target_caption)

    if desc is None:
        period = cats[0] if len(cats) == 1 else f"{cats[0]}{DASH}{cats[-1]}"
        parts = []
        for s in data:
            known = [(c, v) for c, v in zip(cats, s.values, strict=True) if v is not None]
            if known:
                parts.append(f"{s.name}: {known[0][0]} {DASH} {_value_text(known[0][1], decimals, unit)}"
                             + (f", {known[-1][0]} {DASH} {_value_text(known[-1][1], decimals, unit)}"
                                if len(known) > 1 else ""))
            else:
                parts.append(f"{s.name}: {NO_DATA.lower()}")
        desc = f"Линейная диаграмма: {y_label}, {period}. " + "; ".join(parts) + "."
        if target_line:
            desc += f" {target_line.text(decimals)}."
        elif target_values is not None:
            desc += f" {target_label}: " + ", ".join(
                f"{c} {DASH} {_value_text(v, decimals, unit)}" for c, v in zip(cats, target_values, strict=True)
                if v is not None) + "."
    return _document(cid, width, height, title, desc, body)


def line_table(series, *, categories, target=None, decimals=2) -> dict:
    """Headers and rows (one per category) of the data table for ``line_chart``."""
    cats = [str(c) for c in categories or ()]
    data = _series(series, len(cats))
    headers = ["Период"] + [s.name for s in data]
    columns = [s.values for s in data]
    if isinstance(target, Mapping) and "values" in target:
        headers.append(str(target.get("label") or "Цель"))
        columns.append([_num(v) for v in target["values"]] + [None] * len(cats))
    elif _is_per_category(target, len(cats)):
        headers.append("Цель")
        columns.append([_num(v) for v in target])
    elif target is not None:
        lines = _ref_lines(target, default_style="target")
        if lines:
            headers.append("Цель")
            columns.append([lines[0].value] * len(cats))
    rows = [[cat] + [format_number(col[i], decimals, strip_zeros=True) for col in columns]
            for i, cat in enumerate(cats)]
    return {"headers": headers, "rows": rows}


# --------------------------------------------------------------------------------------------------- bar chart


BAR_COLOR = "#0072b2"
BAR_HIGHLIGHT = "#d55e00"


def bar_chart(items, *, chart_id, title, value_label, max_value=None, width=720, height=None, reference=None,
              desc=None, show_title=False, decimals=2, unit="") -> SafeString:
    """Horizontal bars: ``items`` are dicts/objects with ``label``, ``value`` and optional ``href`` and
    ``highlight`` (other colour and bold label).

    ``max_value`` fixes the end of the axis (e.g. 100 for percentages); ``reference`` — a number, ``RefLine`` or
    ``(value, label[, style])`` — draws a vertical line across the bars.  ``height=None`` grows with the rows.
    """
    cid = _safe_id(chart_id)
    rows = [(str(_get(item, "label", "") or ""), _num(_get(item, "value")), _safe_href(_get(item, "href")),
             bool(_get(item, "highlight", False))) for item in items or ()]
    if not rows or all(v is None for _, v, _, _ in rows):
        return _empty(cid, title, width, height or 160, show_title, "Столбчатая диаграмма")
    ref = (_ref_lines(reference, default_style="threshold") or [None])[0]

    body, top = _title_block(title, width, show_title)
    if ref:
        top += 18
    label_width = min(max(_text_width(label) for label, *_ in rows) + 10, width * 0.4)
    value_width = max(_text_width(_value_text(v, decimals, unit), SMALL_FONT) for _, v, _, _ in rows)
    value_width = max(value_width, _text_width("нет данных", SMALL_FONT)) + 12
    left = 12 + label_width
    right = width - 12 - value_width
    bottom_space = 46.0
    if height is None:
        row_h = 28.0
        height = top + row_h * len(rows) + bottom_space
    else:
        row_h = max(8.0, (height - top - bottom_space) / len(rows))
    bottom = top + row_h * len(rows)

    values = [v for _, v, _, _ in rows if v is not None]
    lo = min(0.0, *values)
    if max_value is not None:
        x0, x1, ticks = _axis([], (lo, float(max_value)), 6)
    else:
        x0, x1, ticks = _axis([lo, *values] + ([ref.value] if ref else []), None, 6)
    dec = _tick_decimals(ticks)
    sx = _Scale(x0, x1, left, right)
    zero = sx.clamped(0.0)

    body.append('<g class="grid">')
    for t in ticks:
        body.append(_el("line", x1=sx(t), y1=top, x2=sx(t), y2=bottom, stroke=GRID_COLOR))
    body.append("</g>")
    axes = ['<g class="axes">', _el("line", x1=left, y1=bottom, x2=right, y2=bottom, stroke=AXIS_COLOR)]
    for t in ticks:
        axes.append(_el("line", x1=sx(t), y1=bottom, x2=sx(t), y2=bottom + 4, stroke=AXIS_COLOR))
        axes.append(_text(sx(t), bottom + 17, format_number(t, dec), size=SMALL_FONT, anchor="middle"))
    axes.append(_text((left + right) / 2, bottom + 38, _fit(value_label, width - 24), anchor="middle"))
    axes.append("</g>")
    body += axes

    bar_h = min(row_h * 0.62, 22)
    bars = ['<g class="bars">']
    for i, (label, value, href, highlight) in enumerate(rows):
        cy = top + row_h * (i + 0.5)
        shown = _fit(label, label_width - 10)
        bars.append(_text(left - 8, cy + 4, shown, anchor="end", class_="bar-label",
                          font_weight="bold" if highlight else None))
        if value is None:
            bars.append(_el("g", _tooltip(f"{label}: {NO_DATA.lower()}")
                            + _text(zero + 5, cy + 4, "нет данных", size=SMALL_FONT, fill=MUTED_COLOR,
                                    font_style="italic"), class_="bar"))
            continue
        end = sx.clamped(value)
        x, w = min(zero, end), abs(end - zero)
        text = _value_text(value, decimals, unit)
        inner = _tooltip(f"{label}: {text}") + _el(
            "rect", x=x, y=cy - bar_h / 2, width=max(w, 0.5), height=bar_h,
            fill=BAR_HIGHLIGHT if highlight else BAR_COLOR)
        tx, anchor = max(zero, end) + 5, "start"
        if value < 0 and end - 5 - _text_width(text, SMALL_FONT) >= left:  # negative: left of the bar's end
            tx, anchor = end - 5, "end"
        inner += _text(tx, cy + 4, text, size=SMALL_FONT, anchor=anchor, class_="value-label",
                       font_weight="bold" if highlight else None)
        bars.append(_el("a", inner, href=href, class_="bar") if href else _el("g", inner, class_="bar"))
    if lo < 0:
        bars.append(_el("line", x1=zero, y1=top, x2=zero, y2=bottom, stroke=AXIS_COLOR))
    bars.append("</g>")
    body += bars

    if ref and x0 <= ref.value <= x1:
        style, x = REF_STYLES[ref.style], sx(ref.value)
        text = _fit(ref.text(decimals), width * 0.5, SMALL_FONT)
        body.append(_el("line", _tooltip(text), x1=x, y1=top - 4, x2=x, y2=bottom, stroke=style["stroke"],
                        stroke_width=1.6, stroke_dasharray=style["stroke_dasharray"],
                        class_=f"ref-line ref-{ref.style}"))
        text_w = _text_width(text, SMALL_FONT)
        tx = min(max(x, 12 + text_w / 2), width - 12 - text_w / 2)
        body.append(_halo_text(tx, top - 8, text, anchor="middle", fill=style["stroke"], class_="ref-label"))

    if desc is None:
        known = [(label, v) for label, v, _, _ in rows if v is not None]
        high = max(known, key=lambda item: item[1])
        low = min(known, key=lambda item: item[1])
        n = len(rows)
        desc = (f"Линейчатая диаграмма: {value_label}, {n} {_plural(n, ('строка', 'строки', 'строк'))}. "
                f"Наибольшее значение {DASH} {high[0]} ({_value_text(high[1], decimals, unit)}), наименьшее {DASH} "
                f"{low[0]} ({_value_text(low[1], decimals, unit)}).")
        if ref:
            desc += f" Линия: {ref.text(decimals)}."
    return _document(cid, width, height, title, desc, body)


def bar_table(items, *, value_label, label_header="Показатель", decimals=2) -> dict:
    """Headers and rows of the data table for ``bar_chart``."""
    rows = [[str(_get(item, "label", "") or ""), format_number(_num(_get(item, "value")), decimals, strip_zeros=True)]
            for item in items or ()]
    return {"headers": [label_header, value_label], "rows": rows}
