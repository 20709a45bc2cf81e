"""SVG charts (portal.charts) and their include: well-formed, accessible, escaped, Russian numbers. No database."""

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from portal import charts
from portal.charts import (
    CATEGORY_STYLES,
    NO_DATA,
    RefLine,
    bar_chart,
    bar_table,
    format_number,
    line_chart,
    line_table,
    nice_ticks,
    quadrant_chart,
    quadrant_table,
)

NS = "{http://www.w3.org/2000/svg}"
NBSP = "\u00a0"


@dataclass
class School:
    x: float
    y: float
    label: str
    category: str
    href: str | None = None
    short_label: str = ""


POINTS = [
    {"x": 22.98, "y": 41.5, "label": "МБОУ «СОШ № 1»", "category": "shnor", "href": "/schools/1/"},
    {"x": 31.0, "y": 63.25, "label": "МБОУ «СОШ № 2»", "category": "shnsu"},
    School(44.4, 38.0, "МБОУ «Гимназия № 3»", "both", href="/schools/3/"),
    School(52.1, 58.7, "МБОУ «Лицей № 4»", "resilient"),
    {"x": 60.0, "y": 50.0, "label": "МБОУ «ООШ № 5»", "category": "none"},
    {"x": 61.0, "y": 50.5, "label": "МБОУ «ООШ № 6»", "category": "none"},
    {"x": 61.5, "y": 49.5, "label": "МБОУ «ООШ № 7»", "category": "shnor"},
]
X_LINES = [(36, "Порог ОИП {value}"), {"value": 50.23, "label": "Среднее по району {value}", "style": "mean"}]
Y_LINES = [RefLine(45, "Порог результата {value}", "threshold")]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))


def texts(root: ET.Element) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter(f"{NS}text")]


def tooltips(root: ET.Element) -> list[str]:
    """``<title>`` of marks, i.e. all titles but the chart's own."""
    return [el.text or "" for el in root.iter(f"{NS}title") if not el.get("id")]


def viewbox(root: ET.Element) -> tuple[float, float]:
    x, y, w, h = (float(v) for v in root.get("viewBox").split())
    assert (x, y) == (0, 0)
    return w, h


def quadrant(**overrides):
    kwargs = {"chart_id": "q-test", "title": "ОИП и результаты", "x_label": "Индекс ОИП", "y_label": "Средний балл",
              "x_lines": X_LINES, "y_lines": Y_LINES}
    points = overrides.pop("points", POINTS)
    kwargs.update(overrides)
    return quadrant_chart(points, **kwargs)


def line(**overrides):
    kwargs = {"chart_id": "l-test", "title": "Динамика", "y_label": "Средний балл",
              "categories": ["2021", "2022", "2023", "2024"]}
    series = overrides.pop("series", [{"name": "Школа", "values": [40.5, None, 47.25, 48.9]},
                                      {"name": "Район", "values": [44, 45.1, 46, 46.5]}])
    kwargs.update(overrides)
    return line_chart(series, **kwargs)


SUBJECTS = [{"label": "Математика", "value": 12.5, "highlight": True}, {"label": "Русский язык", "value": 7.25},
            {"label": "Биология", "value": None}, {"label": "История", "value": 3, "href": "/subjects/history/"}]


def bar(**overrides):
    kwargs = {"chart_id": "b-test", "title": "Доля «2» по предметам", "value_label": "Доля «2», %"}
    items = overrides.pop("items", SUBJECTS)
    kwargs.update(overrides)
    return bar_chart(items, **kwargs)


ALL_CHARTS = {"quadrant": quadrant, "line": line, "bar": bar}


# ------------------------------------------------------------------------------------------------ numbers/ticks


@pytest.mark.parametrize(("value", "decimals", "strip", "expected"), [
    (22.98, 2, False, "22,98"),
    (22.985, 2, False, "22,99"),  # half up, not banker's rounding
    (2.675, 2, False, "2,68"),
    (50, 2, False, "50,00"),
    (50, 2, True, "50"),
    (36.50, 2, True, "36,5"),
    (1234.5, 1, False, f"1{NBSP}234,5"),
    (Decimal("1234567.891"), 2, False, f"1{NBSP}234{NBSP}567,89"),
    (-1234.5, 1, False, f"-1{NBSP}234,5"),
    (-0.001, 2, False, "0,00"),
    (7, 0, False, "7"),
    (0.5, 0, False, "1"),
    (None, 2, False, "\u2014"),
    (float("nan"), 2, False, "\u2014"),
    ("12.5", 1, False, "12,5"),
])
def test_format_number(value, decimals, strip, expected):
    assert format_number(value, decimals, strip_zeros=strip) == expected


def test_format_number_strips_only_when_asked():
    assert format_number(12.10) == "12,10"
    assert format_number(12.10, strip_zeros=True) == "12,1"


@pytest.mark.parametrize(("lo", "hi", "count", "expected"), [
    (0, 100, 5, [0, 25, 50, 75, 100]),
    (0, 1, 5, [0, 0.25, 0.5, 0.75, 1]),
    (36, 78, 5, [30, 40, 50, 60, 70, 80]),
    (-5, 5, 5, [-5, -2.5, 0, 2.5, 5]),
    (0.001, 0.009, 5, [0, 0.0025, 0.005, 0.0075, 0.01]),
    (50, 50, 5, [40, 45, 50, 55, 60]),
    (100, 0, 5, [0, 25, 50, 75, 100]),
    (0, 0, 5, [-1, -0.5, 0, 0.5, 1]),
    (5e-324, 5e-324, 2, [-1, 0, 1]),
    (1234, 98765, 5, [0, 25000, 50000, 75000, 100000]),
    (3.2, 3.9, 4, [3.2, 3.4, 3.6, 3.8, 4]),
])
def test_nice_ticks(lo, hi, count, expected):
    assert nice_ticks(lo, hi, count) == pytest.approx(expected)


def test_nice_ticks_rejects_infinite():
    with pytest.raises(ValueError):
        nice_ticks(0, math.inf)


@settings(database=None)  # leaves no .hypothesis/ in the work tree
@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6), st.integers(2, 10))
def test_nice_ticks_cover_the_range_with_round_even_steps(a, b, count):
    lo, hi = min(a, b), max(a, b)
    assume(lo == hi or hi - lo > 1e-6 * max(1.0, abs(lo), abs(hi)))  # spans below float precision are not charts
    ticks = nice_ticks(lo, hi, count)
    tolerance = (ticks[-1] - ticks[0]) * 1e-8  # float noise at the ends is forgiven, relative to the axis
    assert ticks[0] <= lo + tolerance and ticks[-1] >= hi - tolerance
    steps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    assert all(s == pytest.approx(steps[0], rel=1e-6) for s in steps)
    mantissa = steps[0] / 10 ** math.floor(math.log10(steps[0]))
    assert any(mantissa == pytest.approx(m) for m in (1, 2, 2.5, 5, 10))  # 10: 0,1 seen as 0,0999…
    assert 2 <= len(ticks) <= 2 * count + 1


# ------------------------------------------------------------------------------------------------ common checks


@pytest.mark.parametrize("kind", ALL_CHARTS)
def test_chart_is_wellformed_accessible_svg(kind):
    svg = ALL_CHARTS[kind]()
    assert isinstance(svg, SafeString)
    root = parse(svg)
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    cid = root.get("id")
    assert root.get("aria-labelledby") == f"{cid}-title {cid}-desc"
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
    assert title.get("id") == f"{cid}-title" and title.text
    assert desc.get("id") == f"{cid}-desc" and re.search("[а-яё]", desc.text)
    assert list(root)[:2] == [title, desc]  # first children: read before anything else
    assert root.get("font-family") == "DejaVu Sans, Arial, sans-serif"
    assert root.get("width") == "100%" and root.get("height") is None
    viewbox(root)
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids))
    assert "<script" not in svg and "javascript:" not in svg


@pytest.mark.parametrize("kind", ALL_CHARTS)
def test_positions_inside_viewbox(kind):
    root = parse(ALL_CHARTS[kind]())
    width, height = viewbox(root)
    checked = 0
    for el in root.iter():
        for attr, limit in (("x", width), ("x1", width), ("x2", width), ("cx", width),
                            ("y", height), ("y1", height), ("y2", height), ("cy", height)):
            if el.get(attr) is not None:
                assert -0.5 <= float(el.get(attr)) <= limit + 0.5, (el.tag, attr, el.get(attr))
                checked += 1
        if el.tag == f"{NS}rect":
            assert float(el.get("x")) + float(el.get("width")) <= width + 0.5
            assert float(el.get("y")) + float(el.get("height")) <= height + 0.5
        coords = el.get("points") or (el.get("d") or "").replace("M", " ").replace("L", " ")
        for pair in coords.split():
            x, y = (float(v) for v in pair.split(","))
            assert 0 <= x <= width and 0 <= y <= height, (el.tag, pair)
            checked += 1
        if el.tag == f"{NS}text" and el.get("transform") is None:
            size = float(el.get("font-size", 12))
            text = "".join(el.itertext())
            left, _, right, _ = charts._text_box(float(el.get("x")), float(el.get("y")), text,
                                                 el.get("text-anchor", "start"), size)
            assert -1 <= left and right <= width + 1, text
    assert checked > 20


@pytest.mark.parametrize("kind", ALL_CHARTS)
def test_charts_are_deterministic_and_ids_follow_chart_id(kind):
    assert ALL_CHARTS[kind]() == ALL_CHARTS[kind]()
    first, second = parse(ALL_CHARTS[kind](chart_id="a")), parse(ALL_CHARTS[kind](chart_id="b"))
    assert first.get("id") == "a" and second.get("id") == "b"


def test_chart_id_is_sanitized():
    root = parse(quadrant(chart_id='1 "><x>'))
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", root.get("id"))


# ---------------------------------------------------------------------------------------------------- quadrant


def test_quadrant_every_point_has_label_and_tooltip():
    root = parse(quadrant())
    drawn, tips = texts(root), tooltips(root)
    for point in POINTS:
        label = point["label"] if isinstance(point, dict) else point.label
        assert label in drawn
        tip = next(t for t in tips if t.startswith(label))
        x = point["x"] if isinstance(point, dict) else point.x
        y = point["y"] if isinstance(point, dict) else point.y
        assert format_number(x, strip_zeros=True) in tip and format_number(y, strip_zeros=True) in tip
    assert any("22,98" in t and "Индекс ОИП" in t and "Средний балл" in t for t in tips)
    assert len(root.findall(f".//{NS}g[@class='points']/*")) == len(POINTS)


def test_quadrant_points_with_href_are_links():
    root = parse(quadrant())
    links = root.findall(f".//{NS}a")
    assert sorted(a.get("href") for a in links) == ["/schools/1/", "/schools/3/"]
    for a in links:
        assert a.find(f"{NS}title").text.startswith("МБОУ")


def test_quadrant_drops_dangerous_links():
    points = [{"x": 1, "y": 2, "label": "A", "category": "none", "href": "javascript:alert(1)"},
              {"x": 2, "y": 3, "label": "B", "category": "none", "href": "java\tscript:alert(1)"}]
    svg = quadrant(points=points)
    assert parse(svg).find(f".//{NS}a") is None
    assert "alert" not in svg


def test_quadrant_reference_lines_with_labels():
    root = parse(quadrant())
    lines = root.findall(f".//{NS}line[@class]")
    classes = [el.get("class") for el in lines]
    assert classes.count("ref-line ref-threshold") == 2 and classes.count("ref-line ref-mean") == 1
    assert all(el.get("stroke-dasharray") for el in lines if el.get("class", "").startswith("ref-line"))
    dashes = {el.get("class"): el.get("stroke-dasharray") for el in lines}
    assert dashes["ref-line ref-threshold"] != dashes["ref-line ref-mean"]
    labels = texts(root)
    assert "Порог ОИП 36" in labels
    assert "Среднее по району 50,23" in labels
    assert "Порог результата 45" in labels
    # the vertical threshold line stands at x = 36
    width, _ = viewbox(root)
    vertical = [el for el in lines if el.get("class") == "ref-line ref-threshold" and el.get("x1") == el.get("x2")]
    assert len(vertical) == 1


def test_quadrant_legend_has_distinct_shapes_and_colours():
    points = [{"x": i, "y": i, "label": f"Школа {i}", "category": c} for i, c in enumerate(CATEGORY_STYLES)]
    root = parse(quadrant(points=points))
    legend = root.find(f".//{NS}g[@class='legend']")
    shapes = [el for el in legend if el.tag != f"{NS}text"]
    names = ["".join(el.itertext()) for el in legend if el.tag == f"{NS}text"]
    assert names == [style.name for style in CATEGORY_STYLES.values()]

    def signature(el):
        if el.tag == f"{NS}polygon":
            return f"polygon{len(el.get('points').split())}"
        return el.tag

    assert len({signature(el) for el in shapes}) == len(CATEGORY_STYLES) == 5
    assert len({el.get("fill") for el in shapes}) == 5
    # markers of points use the same shape as their legend entry
    marks = root.find(f".//{NS}g[@class='points']")
    for group in marks:
        category = group.get("data-category")
        legend_shape = shapes[list(CATEGORY_STYLES).index(category)]
        mark = [el for el in group if el.tag not in (f"{NS}title",)][0]
        assert signature(mark) == signature(legend_shape)


def test_quadrant_legend_lists_only_present_and_unknown_categories():
    points = [{"x": 1, "y": 1, "label": "A", "category": "shnor"}, {"x": 2, "y": 2, "label": "B", "category": "new"}]
    legend = parse(quadrant(points=points)).find(f".//{NS}g[@class='legend']")
    assert [t.text for t in legend.iter(f"{NS}text")] == ["ШНОР", "new"]


def test_quadrant_escapes_labels():
    evil = '<script>alert("x")</script> & «Школа»'
    points = [{"x": 40, "y": 50, "label": evil, "category": "shnor", "short_label": "<b>"}]
    svg = quadrant(points=points, title="<script>t</script>", x_label="<i>", y_label="a & b",
                   x_lines=[(40, "<img src=x onerror=alert(1)>")])
    assert "<script" not in svg and "<img" not in svg and "<b>" not in svg and "<i>" not in svg
    root = parse(svg)
    assert root.find(f"{NS}title").text == "<script>t</script>"
    assert any(t.startswith(evil) for t in tooltips(root))
    assert "<b>" in texts(root)
    assert "<img src=x onerror=alert(1)>" in texts(root)


def test_quadrant_strips_characters_invalid_in_xml():
    parse(quadrant(points=[{"x": 1, "y": 1, "label": "A\x00B\x1f", "category": "none"}]))


def test_quadrant_labels_avoid_each_other():
    crowd = [{"x": 50 + i * 0.05, "y": 50 + i * 0.05, "label": f"Школа {i}", "category": "none"} for i in range(6)]
    root = parse(quadrant(points=crowd, x_range=(0, 100), y_range=(0, 100)))
    boxes = []
    for el in root.findall(f".//{NS}g[@class='point-labels']/{NS}text"):
        boxes.append(charts._text_box(float(el.get("x")), float(el.get("y")), el.text,
                                      el.get("text-anchor", "start"), float(el.get("font-size"))))
    assert len(boxes) == 6
    overlaps = sum(charts._overlap(a, b) > 0 for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert overlaps == 0


def test_quadrant_reference_labels_do_not_overlap():
    root = parse(quadrant(points=[{"x": 5, "y": 5, "label": "A", "category": "none"}], x_range=(0, 100),
                          y_range=(0, 100), x_lines=[(99, "Линия у правого края")], y_lines=[(99, "Линия у верха")]))
    labels = root.findall(f".//{NS}text[@class='ref-label']")
    assert {el.text for el in labels} == {"Линия у правого края", "Линия у верха"}
    a, b = (charts._text_box(float(el.get("x")), float(el.get("y")), el.text, el.get("text-anchor", "start"), 11)
            for el in labels)
    assert charts._overlap(a, b) == 0


def test_quadrant_fixed_range_pins_outside_points_to_edge():
    points = [{"x": 500, "y": -3, "label": "Выброс", "category": "shnor"}]
    root = parse(quadrant(points=points, x_range=(0, 100), y_range=(0, 100)))
    assert any("500" in t and "-3" in t for t in tooltips(root))
    x_ticks = [t for t in texts(root) if t in {"0", "20", "25", "40", "50", "60", "75", "80", "100"}]
    assert "0" in x_ticks and "100" in x_ticks


def test_quadrant_captions_and_description():
    svg = quadrant(quadrant_labels={"top_left": "Резильентные", "bottom_right": "Зона риска"})
    root = parse(svg)
    assert {"Резильентные", "Зона риска"} <= set(texts(root))
    desc = root.find(f"{NS}desc").text
    assert "7 школ" in desc and "Индекс ОИП" in desc and "Порог ОИП 36" in desc and "ШНОР — 2" in desc


def test_quadrant_tick_labels_use_decimal_comma():
    points = [{"x": 0.1, "y": 0.2, "label": "A", "category": "none"}, {"x": 0.9, "y": 0.4, "label": "B",
                                                                       "category": "none"}]
    labels = texts(parse(quadrant_chart(points, chart_id="c", title="t", x_label="x", y_label="y")))
    assert "0,5" in labels or "0,25" in labels
    assert not any(re.fullmatch(r"\d+\.\d+", t) for t in labels)


def test_quadrant_empty_and_unplottable_points_say_no_data():
    for points in ([], None, [{"x": None, "y": 1, "label": "A", "category": "none"}]):
        root = parse(quadrant(points=points))
        assert NO_DATA in texts(root)
        assert root.get("role") == "img" and root.find(f"{NS}title").text == "ОИП и результаты"


def test_quadrant_table():
    table = quadrant_table(POINTS, x_label="ОИП", y_label="Балл")
    assert table["headers"] == ["Школа", "Категория", "ОИП", "Балл"]
    assert table["rows"][0] == ["МБОУ «СОШ № 1»", "ШНОР", "22,98", "41,5"]
    assert len(table["rows"]) == len(POINTS)


# -------------------------------------------------------------------------------------------------------- line


def series_paths(root: ET.Element, index: int) -> list[ET.Element]:
    group = root.find(f".//{NS}g[@data-series='{index}']")
    return group.findall(f"{NS}path")


def test_line_none_breaks_the_line():
    root = parse(line(series=[{"name": "Школа", "values": [40.5, 42, None, 47.25, 48.9]}],
                      categories=["2020", "2021", "2022", "2023", "2024"]))
    paths = series_paths(root, 0)
    assert len(paths) == 2
    assert [p.get("d").count("L") for p in paths] == [1, 1]
    assert len(root.findall(f".//{NS}g[@data-series='0']/{NS}g[@class='point']")) == 4
    assert "47,25" in texts(root)
    assert not any("2022" in t for t in tooltips(root))


def test_line_isolated_value_gets_a_marker_without_path():
    root = parse(line(series=[{"name": "A", "values": [None, 5, None]}], categories=["1", "2", "3"]))
    assert series_paths(root, 0) == []
    assert len(root.findall(f".//{NS}g[@class='point']")) == 1


def test_line_series_legend_value_labels_and_tooltips():
    root = parse(line())
    legend = [t.text for t in root.find(f".//{NS}g[@class='legend']").iter(f"{NS}text")]
    assert legend == ["Школа", "Район"]
    assert {"40,5", "48,9", "44", "45,1", "46,5"} <= set(texts(root))
    assert "Школа, 2024: 48,9" in tooltips(root)
    assert {"2021", "2022", "2023", "2024"} <= set(texts(root))
    dashes = [series_paths(root, i)[0].get("stroke-dasharray") for i in (0, 1)]
    assert dashes[0] != dashes[1]


def test_line_target_line():
    root = parse(line(target=(47, "Цель {value}")))
    ref = root.find(f".//{NS}line[@class='ref-line ref-target']")
    assert ref is not None and ref.get("y1") == ref.get("y2")
    assert "Цель 47" in texts(root)
    assert "Цель 47" in root.find(f"{NS}desc").text
    assert "Цель: 50" in texts(parse(line(target=50)))


def test_line_per_category_target():
    root = parse(line(target=[None, 45, 47, 50], unit="%"))
    marks = root.findall(f".//{NS}g[@class='target-mark']")
    assert len(marks) == 3
    assert "Цель, 2024: 50\u00a0%" in tooltips(root)
    assert "Цель" in [t.text for t in root.find(f".//{NS}g[@class='legend']").iter(f"{NS}text")]


def test_line_empty_series_says_no_data():
    for series in ([], [{"name": "A", "values": [None, None, None, None]}]):
        root = parse(line(series=series))
        assert NO_DATA in texts(root)
        assert root.get("role") == "img"
    assert NO_DATA in texts(parse(line(categories=[])))


def test_line_rejects_more_values_than_categories():
    with pytest.raises(ValueError):
        line(series=[{"name": "A", "values": [1, 2, 3, 4, 5]}])


def test_line_table():
    table = line_table([{"name": "Школа", "values": [40.5, None]}], categories=["2023", "2024"], target=[45, 46])
    assert table == {"headers": ["Период", "Школа", "Цель"], "rows": [["2023", "40,5", "45"], ["2024", "—", "46"]]}


# --------------------------------------------------------------------------------------------------------- bar


def test_bar_labels_values_and_links():
    root = parse(bar(unit="%"))
    drawn = texts(root)
    assert {"Математика", "Русский язык", "Биология", "История"} <= set(drawn)
    assert {"12,5\u00a0%", "7,25\u00a0%", "3\u00a0%", "нет данных"} <= set(drawn)
    assert "Математика: 12,5\u00a0%" in tooltips(root)
    assert [a.get("href") for a in root.iter(f"{NS}a")] == ["/subjects/history/"]
    rects = root.findall(f".//{NS}g[@class='bar']/{NS}rect") + root.findall(f".//{NS}a[@class='bar']/{NS}rect")
    widths = sorted(float(r.get("width")) for r in rects)
    assert widths[0] < widths[1] < widths[2]


def test_bar_reference_line_and_max_value():
    root = parse(bar(max_value=100, reference=(10, "Порог {value} %")))
    assert root.find(f".//{NS}line[@class='ref-line ref-threshold']") is not None
    assert "Порог 10 %" in texts(root)
    assert "100" in texts(root)


def test_bar_negative_values_grow_left_from_zero():
    root = parse(bar(items=[{"label": "Прирост", "value": -5.5}, {"label": "Балл", "value": 10}]))
    value_labels = {el.text: el for el in root.iter(f"{NS}text") if el.get("class") == "value-label"}
    assert value_labels["-5,5"].get("text-anchor") == "end"
    assert value_labels["10"].get("text-anchor") is None
    assert "-5" in texts(root) and "0" in texts(root)


def test_bar_height_grows_with_rows():
    few = viewbox(parse(bar(items=SUBJECTS[:2])))[1]
    many = viewbox(parse(bar(items=SUBJECTS * 3)))[1]
    assert many > few
    assert viewbox(parse(bar(height=400)))[1] == 400


def test_bar_long_labels_are_shortened_but_kept_in_tooltips():
    long = "Окружающий мир (естествознание и обществознание) — очень длинное название предмета"
    root = parse(bar(items=[{"label": long, "value": 5}]))
    assert any(t.endswith("…") for t in texts(root))
    assert f"{long}: 5" in tooltips(root)


def test_bar_empty_says_no_data():
    for items in ([], [{"label": "A", "value": None}]):
        assert NO_DATA in texts(parse(bar(items=items)))


def test_bar_table():
    assert bar_table(SUBJECTS[:2], value_label="Доля «2», %") == {
        "headers": ["Показатель", "Доля «2», %"], "rows": [["Математика", "12,5"], ["Русский язык", "7,25"]]}


# ----------------------------------------------------------------------------------------------- include & PDF


def test_include_renders_figure_with_data_table():
    html = render_to_string("inc/chart.html", {"svg": quadrant(), "caption": "Рис. 1. ОИП и результаты",
                                               **quadrant_table(POINTS + [{"x": 1, "y": 2, "label": "<script>",
                                                                           "category": "none"}],
                                                                x_label="ОИП", y_label="Балл")})
    assert html.count("<svg") == 1 and 'role="img"' in html  # SafeString is not escaped again
    assert "<figure" in html and "<figcaption" in html and "Рис. 1. ОИП и результаты" in html
    assert "<details" in html and "<summary>Данные диаграммы</summary>" in html
    assert '<th scope="col"' in html and "МБОУ «СОШ № 1»" in html and "22,98" in html
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_include_without_rows_has_no_table():
    html = render_to_string("inc/chart.html", {"svg": bar()})
    assert "<figure" in html and "<details" not in html and "<figcaption" not in html


def test_quadrant_chart_renders_to_pdf():
    weasyprint = pytest.importorskip("weasyprint")
    html = render_to_string("inc/chart.html", {"svg": quadrant(), "caption": "ОИП", "open": True,
                                               **quadrant_table(POINTS, x_label="ОИП", y_label="Балл")})
    pdf = weasyprint.HTML(string=f"<!doctype html><html lang='ru'><meta charset='utf-8'><body>{html}</body>"
                                 "</html>").write_pdf()
    assert pdf.startswith(b"%PDF")
