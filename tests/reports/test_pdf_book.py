"""A PDF laid out in parts at once (monitoring/pdf_book.py): the same document whatever the number of processes,
exact page numbers and table of contents, and children that never outlive a failure."""

import io
import os
import re
import time

import pytest
from django.conf import settings
from pypdf import PdfReader

from monitoring import pdf_book
from monitoring.pdf_book import Book, compose, groups, weight

BOOK = Book(title="Проверочная книга", stylesheet="css/report.css", numbers_stylesheet="css/report-page.css",
            base_url=str(settings.BASE_DIR / "static"))


def unit(number: int, rows: int) -> str:
    """A chapter of ``rows`` table rows: long enough ones take several pages."""
    body = "".join(f"<tr><td>{number}.{row}</td><td>Строка {row} главы {number}: текст, который переносится "
                   f"по словам</td></tr>" for row in range(rows))
    return (f'<section class="chapter" id="ch-{number}"><h2>Глава {number}</h2>'
            f"<table><colgroup><col style=\"width:15%\"><col style=\"width:85%\"></colgroup><tbody>{body}</tbody>"
            "</table></section>")


UNITS = [unit(number, rows) for number, rows in enumerate([3, 70, 5, 140, 1, 30], start=1)]


def cover(pages) -> str:
    entries = "".join(f'<tr id="toc-ch-{n}"><td class="toc-label"><span>Глава {n}</span></td>'
                      f'<td class="toc-page">{pages.get(f"ch-{n}", "")}</td></tr>' for n in range(1, len(UNITS) + 1))
    return (f'<section class="title-page"><h1>{BOOK.title}</h1></section><nav class="toc chapter"><h2>Содержание</h2>'
            f'<table class="toc-table"><colgroup><col><col class="toc-page"></colgroup>{entries}</table></nav>')


def pages_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_groups_are_contiguous_balanced_and_never_empty():
    units = ["<p>" * w for w in [5, 50, 5, 5, 5, 40, 1, 1, 30]]
    for count in range(1, 12):
        cut = groups(units, count)
        assert [i for group in cut for i in group] == list(range(len(units)))
        assert all(cut) and len(cut) == min(count, len(units))
    weights = [weight(u) for u in units]
    two = groups(units, 2)
    heaviest = max(sum(weights[i] for i in group) for group in two)
    assert heaviest <= sum(weights) / 2 + max(weights) / 2


def test_a_chart_weighs_half_a_table_cell():
    assert weight("<table><tr><td>1</td></tr></table>") == 4
    assert weight("<div><svg><g><line/><line/></g></svg></div>") == 1 + 4 / 2 + 1


@pytest.mark.parametrize("processes", [1, 2, 3])
def test_page_numbers_contents_links_and_outline_are_exact(processes):
    data = compose(BOOK, UNITS, cover, processes=processes)
    reader = PdfReader(io.BytesIO(data))
    texts = [page.extract_text() for page in reader.pages]
    total = len(texts)
    assert f"/ {total}" not in texts[0]  # the title page has no number
    for number, text in enumerate(texts[1:], start=2):
        assert text.rstrip().endswith(f"{number} / {total}"), number
    # the contents name the page each chapter opens, and link to it
    contents = dict(re.findall(r"(Глава \d+) (\d+)", texts[1]))
    assert list(contents) == [f"Глава {n}" for n in range(1, len(UNITS) + 1)]
    page_of = {id(page.indirect_reference.get_object()): index for index, page in enumerate(reader.pages)}
    links = [annot.get_object() for annot in reader.pages[1]["/Annots"]]
    assert len(links) == len(UNITS)
    for (label, named), link in zip(contents.items(), links, strict=True):
        assert texts[int(named) - 1].startswith(label)  # the chapter's heading opens the page
        assert page_of[id(link["/Dest"][0].get_object())] == int(named) - 1
    # every chapter starts a page: the long ones take several
    assert total > 2 + len(UNITS)
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert titles[-len(UNITS):] == [f"Глава {n}" for n in range(1, len(UNITS) + 1)]
    assert reader.metadata["/Title"] == BOOK.title


def test_the_same_document_with_any_number_of_processes():
    one = pages_text(compose(BOOK, UNITS, cover, processes=1))
    assert pages_text(compose(BOOK, UNITS, cover, processes=2)) == one
    assert pages_text(compose(BOOK, UNITS, cover, processes=4)) == one


@pytest.fixture
def in_children(monkeypatch):
    """→ ``patch(action)``: the forked children call ``action(html)`` (to fail, hang or die) before laying out."""
    parent, original = os.getpid(), pdf_book.render

    def patch(action):
        def render(html, base_url):
            if os.getpid() != parent:
                action(html)
            return original(html, base_url)

        monkeypatch.setattr(pdf_book, "render", render)

    return patch


def fails_at_once(match: str, processes: int = 2) -> None:
    started = time.monotonic()
    with pytest.raises(RuntimeError, match=match):
        compose(BOOK, UNITS, cover, processes=processes)
    assert time.monotonic() - started < 30  # not after the 60 s a hanging child would take


def raise_error(html):
    raise ValueError("шрифт не читается")


def test_a_child_that_fails_fails_the_document(in_children, children):
    in_children(raise_error)
    fails_at_once("ошибка вёрстки части отчёта: ValueError: шрифт не читается")
    assert children()


def test_a_failing_part_stops_the_others(in_children, children):
    """The first part (with the cover's draft) fails at once; the other children, still at work, are killed."""
    in_children(lambda html: raise_error(html) if "Содержание" in html else time.sleep(60))
    fails_at_once("шрифт не читается", processes=3)
    assert children()


def test_a_child_that_hangs_is_stopped_at_the_time_limit(in_children, children, settings):
    settings.REPORT_PDF_PART_TIMEOUT = 2
    in_children(lambda html: time.sleep(60))
    fails_at_once("не закончилась за 2 с")
    assert children()


def test_a_child_that_dies_is_reported(in_children, children):
    in_children(lambda html: os._exit(9))  # as if killed: nothing handed over
    fails_at_once(r"завершился без результата \(код 9\)")
    assert children()


def test_collections_are_rarer_only_while_rendering():
    import gc

    before = gc.get_threshold()
    compose(BOOK, UNITS[:2], cover, processes=2)
    assert gc.get_threshold() == before


@pytest.fixture
def children(monkeypatch):
    """The pids of the children the test's documents forked; → a check that all of them are gone and reaped."""
    pids, start = [], pdf_book._Child.start

    def recorded(batch, base_url):
        child = start(batch, base_url)
        pids.append(child.pid)
        return child

    monkeypatch.setattr(pdf_book._Child, "start", staticmethod(recorded))

    def all_reaped() -> bool:
        for pid in pids:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                continue
            return False
        return bool(pids)

    return all_reaped
