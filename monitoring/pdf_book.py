"""A long PDF laid out in parts, several at a time, and joined into one numbered document.

WeasyPrint lays a document out in one thread, and the layout of a quarterly report (chapters and a page per ШНОР)
is nearly all of its rendering time. Every unit of the report — a chapter, a school's page — starts on a new page,
so the units can be laid out apart: they are cut into contiguous groups of about equal weight, each group is one
WeasyPrint document, and the groups are rendered at the same time, each in a forked child process (``os.fork``: a
Celery prefork worker may not start ``multiprocessing`` children). Then, in this process:

1. the cover (title page and table of contents) is laid out again, now that the page of every heading is known (a
   draft without the numbers, laid out with the first part, tells how many pages it takes);
2. the parts are joined in order, their outlines kept;
3. the page numbers «N / M», which no part can know alone, are laid out by WeasyPrint as one document of empty
   pages with the same ``@page`` rules and stamped onto the joined pages;
4. the table of contents gets its links to the joined pages.

A part's page count does not depend on its page numbers (they sit in the page margin), so every page number and
every entry of the table of contents is exact. With ``processes=1`` everything is laid out in this process, as one
part; the pages and their text are the same whatever the number of processes (tested), only the font subsets that
each part embeds differ. The collector runs rarely while all this happens (``pdf.fewer_collections``).
"""

from __future__ import annotations

import io
import os
import pickle
import re
import select
import signal
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate

from django.conf import settings
from django.utils.html import escape

from .pdf import fewer_collections

PX_TO_PT = 0.75  # WeasyPrint lays out in CSS pixels; a PDF is in points
_START_TAG = re.compile(r"<[a-zA-Z]")
_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)
_PART_BODY = '<body class="book-part">'


@dataclass(frozen=True)
class Rendered:
    """One laid-out document: the PDF, its page count, its anchors {id: (page index, x1, y1, x2, y2)} in CSS pixels
    from the page's top left corner, and its outline [(label, (page index, x, y), children, state)] (WeasyPrint's
    bookmark tree, in CSS pixels)."""

    pdf: bytes
    pages: int
    anchors: dict[str, tuple[int, float, float, float, float]] = field(default_factory=dict)
    outline: list = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class Book:
    """What the parts share: the document title, the stylesheets (relative to ``base_url``) and the language.

    ``stylesheet`` must give ``body.book-part`` a named page without the page number in its margin.
    ``numbers_stylesheet`` lays out the numbers alone: the page geometry, the number on the pages of ``.book-sheet``
    elements, none on ``.book-sheet-first`` (the title page). Both must place the pages alike."""

    title: str
    stylesheet: str
    numbers_stylesheet: str
    base_url: str
    lang: str = "ru"

    def document(self, body: str, *, stylesheet: str = "", body_tag: str = _PART_BODY) -> str:
        return (f'<!doctype html><html lang="{self.lang}"><head><meta charset="utf-8"><title>{escape(self.title)}'
                f'</title><link rel="stylesheet" href="{escape(stylesheet or self.stylesheet)}"></head>{body_tag}'
                f"{body}</body></html>")

    def numbers(self, total: int) -> str:
        """``total`` empty pages with their numbers, the first (the title page) without."""
        sheets = '<div class="book-sheet book-sheet-first"></div>' + '<div class="book-sheet"></div>' * (total - 1)
        return self.document(sheets, stylesheet=self.numbers_stylesheet, body_tag="<body>")


def weight(html: str) -> float:
    """The layout cost of a unit, by the number of its elements: measured, a chart's element costs about half of a
    table cell or list item."""
    charts = sum(len(_START_TAG.findall(svg)) for svg in _SVG.findall(html))
    return len(_START_TAG.findall(html)) - charts / 2 + 1


def groups(units: Sequence[str], count: int) -> list[list[int]]:
    """The unit indices cut into at most ``count`` contiguous groups of about equal weight, none empty."""
    weights = [weight(unit) for unit in units]
    count = max(1, min(count, len(units)))
    result, start = [], 0
    for number in range(count - 1):
        share = sum(weights[start:]) / (count - number)
        end, taken = start, 0
        while end < len(weights) - (count - number - 1):  # leave a unit for each group still to come
            if end > start and taken + weights[end] / 2 > share:
                break
            taken += weights[end]
            end += 1
        result.append(list(range(start, end)))
        start = end
    result.append(list(range(start, len(weights))))
    return result


def render(html: str, base_url: str) -> Rendered:
    from weasyprint import HTML  # imported here: loading pango costs time at start-up of every process

    started = time.perf_counter()
    document = HTML(string=html, base_url=base_url).render()
    anchors = {}
    for number, page in enumerate(document.pages):
        for name, (x1, y1, x2, y2) in page.anchors.items():
            anchors.setdefault(name, (number, x1, y1, x2, y2))
    return Rendered(document.write_pdf(), len(document.pages), anchors, document.make_bookmark_tree(),
                    time.perf_counter() - started)


def default_processes() -> int:
    if settings.REPORT_PDF_PROCESSES:
        return settings.REPORT_PDF_PROCESSES
    try:
        return max(1, min(4, len(os.sched_getaffinity(0))))
    except AttributeError:  # not Linux
        return max(1, min(4, os.cpu_count() or 1))


def render_all(batches: Sequence[Sequence[str]], base_url: str, processes: int) -> list[list[Rendered]]:
    """Render the batches of documents at once, each in a forked child (the documents of a batch one after
    another), while this process waits. Laid out here, a part would leave this process some hundred thousand
    objects of cyclic garbage, whose collection costs more later (measured: 0.4 s) than the part's layout gains."""
    if processes <= 1 or len(batches) == 1 or not hasattr(os, "fork"):
        return [[render(html, base_url) for html in batch] for batch in batches]
    children = []
    try:
        children.extend(_Child.start(batch, base_url) for batch in batches)
        deadline = time.monotonic() + settings.REPORT_PDF_PART_TIMEOUT
        return [child.result(deadline) for child in children]
    finally:
        for child in children:
            child.stop()


@dataclass
class _Child:
    pid: int
    fd: int
    done: bool = False

    @classmethod
    def start(cls, batch: Sequence[str], base_url: str) -> _Child:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: render, hand the result over, leave without running the parent's clean-up
            status = 0
            try:
                os.close(read_fd)
                try:
                    payload = pickle.dumps(("ok", [render(html, base_url) for html in batch]))
                except BaseException as exc:  # handed to the parent, which raises it
                    payload = pickle.dumps(("error", f"{exc.__class__.__name__}: {exc}\n{traceback.format_exc()}"))
                    status = 1
                with os.fdopen(write_fd, "wb") as out:
                    out.write(payload)
            finally:
                os._exit(status)
        os.close(write_fd)
        return cls(pid, read_fd)

    def result(self, deadline: float) -> list[Rendered]:
        chunks = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                raise RuntimeError(f"вёрстка части отчёта не закончилась за {settings.REPORT_PDF_PART_TIMEOUT} с")
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        status = self._reap()
        if not chunks:
            raise RuntimeError(f"процесс вёрстки части отчёта завершился без результата (код {status})")
        kind, value = pickle.loads(b"".join(chunks))
        if kind != "ok":
            raise RuntimeError(f"ошибка вёрстки части отчёта: {value}")
        return value

    def _reap(self) -> int:
        _, status = os.waitpid(self.pid, 0)
        self.done = True
        return os.waitstatus_to_exitcode(status)

    def stop(self) -> None:
        """Close the pipe; a child still working (the parent failed or timed out) is killed and reaped."""
        os.close(self.fd)
        if not self.done:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._reap()


def compose(book: Book, units: Sequence[str], cover: Callable[[Mapping[str, int]], str], *,
            processes: int | None = None) -> bytes:
    """The units (HTML fragments, each starting on a new page) after a cover, as one PDF with page numbers.

    ``cover(pages)`` returns the cover's HTML for {anchor id: page number} of the ids in the units; an element of
    the cover with the id ``toc-<anchor>`` becomes a link to that anchor's page. The numbers must not change how
    many pages the cover takes: a draft without them (``cover({})``) is laid out with the parts to learn it, and the
    cover is laid out again once they are known."""
    processes = processes or default_processes()
    draft = book.document(cover({}))
    items = [draft, *units]
    batches = []
    for group in groups(items, processes):
        batch = [draft] if group[0] == 0 else []
        rest = [items[index] for index in group if index]
        if rest:
            batch.append(book.document("".join(rest)))
        batches.append(batch)
    with fewer_collections():  # the children inherit it
        draft_part, *parts = (part for batch in render_all(batches, book.base_url, processes) for part in batch)
        front = draft_part.pages
        for _ in range(3):
            # the cover and the sheet of page numbers, also at once
            pages = {name: index + 1 for name, (index, _x, _y) in _placed(parts, first=front).items()}
            cover_html = book.document(cover(pages))
            [cover_part], [numbers] = render_all([[cover_html], [book.numbers(front + sum(p.pages for p in parts))]],
                                                 book.base_url, processes)
            if cover_part.pages == front:
                return _join(book, cover_part, parts, numbers)
            front = cover_part.pages
    raise RuntimeError("содержание отчёта не укладывается в одно и то же число страниц")


def _firsts(parts: Sequence[Rendered], first: int) -> list[int]:
    """The index of each part's first page once the parts follow one another from page index ``first``."""
    return list(accumulate((part.pages for part in parts), initial=first))[:len(parts)]


def _placed(parts: Sequence[Rendered], first: int) -> dict[str, tuple[int, float, float]]:
    """{id: (page index, x, y)} of the parts' anchors once the parts follow one another from page index ``first``;
    the first of equal ids counts."""
    placed = {}
    for part, start in zip(parts, _firsts(parts, first), strict=True):
        for name, (index, x1, y1, _x2, _y2) in part.anchors.items():
            placed.setdefault(name, (start + index, x1, y1))
    return placed


def _join(book: Book, cover: Rendered, parts: Sequence[Rendered], numbers: Rendered) -> bytes:
    """One PDF of the cover and the parts, with the page numbers stamped, the links of the table of contents and the
    outline of all parts; written with object streams (qpdf), as compact as one WeasyPrint file."""
    import pikepdf

    out = pikepdf.new()
    for part in (cover, *parts):
        with pikepdf.open(io.BytesIO(part.pdf)) as source:
            out.pages.extend(source.pages)
            if part is cover:  # the document's title and producer
                for key in ("/Title", "/Producer"):
                    if key in source.docinfo:
                        out.docinfo[key] = pikepdf.String(str(source.docinfo[key]))
    total = len(out.pages)
    if numbers.pages != total:
        raise RuntimeError(f"номера страниц свёрстаны на {numbers.pages} страницах вместо {total}")
    with pikepdf.open(io.BytesIO(numbers.pdf)) as source:
        for page, sheet in zip(out.pages[1:], source.pages[1:], strict=True):  # the title page has no number
            page.add_overlay(out.copy_foreign(sheet.as_form_xobject()))
    _link_contents(out, cover, _placed(parts, first=cover.pages))
    _outline(out, list(zip((cover, *parts), _firsts((cover, *parts), first=0), strict=True)))
    out.Root.Lang = pikepdf.String(book.lang)
    buffer = io.BytesIO()
    out.save(buffer, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)
    return buffer.getvalue()


def _xyz(out, index: int, x: float, y: float):
    """A destination: page ``index`` with (x, y) in CSS pixels from its top left corner at the top left of the
    window."""
    import pikepdf

    page = out.pages[index]
    return pikepdf.Array([page.obj, pikepdf.Name.XYZ, x * PX_TO_PT, _height(page) - y * PX_TO_PT, 0])


def _height(page) -> float:
    return float(page.mediabox[3]) - float(page.mediabox[1])


def _link_contents(out, cover: Rendered, destinations: Mapping[str, tuple[int, float, float]]) -> None:
    """A link from each ``toc-<anchor>`` element of the cover to the top of the anchor's box."""
    import pikepdf

    for name, (index, x1, y1, x2, y2) in cover.anchors.items():
        if not name.startswith("toc-") or name[4:] not in destinations:
            continue
        page = out.pages[index]
        height = _height(page)
        link = out.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Border=pikepdf.Array([0, 0, 0]),
            Rect=pikepdf.Array([x1 * PX_TO_PT, height - y2 * PX_TO_PT, x2 * PX_TO_PT, height - y1 * PX_TO_PT]),
            Dest=_xyz(out, *destinations[name[4:]])))
        if "/Annots" not in page.obj:
            page.obj.Annots = pikepdf.Array()
        page.obj.Annots.append(link)


def _outline(out, parts: Sequence[tuple[Rendered, int]]) -> None:
    """The outlines of the parts (their headings) one after another, pointing into the joined pages."""
    from pikepdf import OutlineItem

    def items(tree, first: int) -> list:
        result = []
        for label, (index, x, y), children, state in tree:
            item = OutlineItem(label, _xyz(out, first + index, x, y))
            item.children.extend(items(children, first))
            item.is_closed = state == "closed"
            result.append(item)
        return result

    with out.open_outline() as outline:
        for part, first in parts:
            outline.root.extend(items(part.outline, first))
