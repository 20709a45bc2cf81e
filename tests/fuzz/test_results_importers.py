"""Fuzzing of the result importers: ВПР ФИС ОКО export / protocol, the regional ЕГЭ form, the portal templates, and
the dispatcher that reads the workbook and picks the layout (``indicators.importers.parse``)."""

from hypothesis import given
from hypothesis import strategies as st

from indicators import importers
from indicators.importers import ege_regional, templates, vpr
from indicators.importers.base import ImportResult, SchoolRef

from .support import (
    FUZZ,
    bounded,
    check,
    corpus,
    extra_sheets,
    mutate_header,
    mutate_rows,
    mutated_bytes,
    mutated_member,
    sheet,
)

TEMPLATE_ROWS = {
    "template_ege": lambda: [corpus.ege(), corpus.ege(subject="Математика профильная")],
    "template_oge": lambda: [corpus.marks(), corpus.marks(subject="Русский язык")],
    "template_vpr": lambda: [corpus.marks(grade=5), corpus.marks(grade=6)],
    "passport": lambda: [[*corpus.school_cells(), 420, 35, 100, 40, 10, 5, 12, 3, "да", "нет", "", "да", "", "нет"]],
}
SCHOOL = SchoolRef(login="edu761003", municipality=corpus.MUNICIPALITY, name="МОУ СШ № 3")
VALID_FILES = [
    corpus._template("template_ege", [corpus.ege()]),
    corpus._template("passport", TEMPLATE_ROWS["passport"]()),
    corpus.vpr_export(corpus.people(3)),
    corpus.ege_regional([corpus.ege_school_row()]),
]


def _header(key):
    return [column.header for column in templates.SPECS[key].columns]


@given(st.data(), st.sampled_from(sorted(templates.SPECS)))
@FUZZ
def test_templates_random_cells(data, key):
    rows = mutate_rows(data.draw, [_header(key), *TEMPLATE_ROWS[key]()])
    rows[0] = _header(key)  # cells only: the layout stays valid
    check(bounded(templates.parse, [sheet(templates.SPECS[key].sheet, rows)], key), ImportResult)


@given(st.data(), st.sampled_from(sorted(templates.SPECS)), extra_sheets())
@FUZZ
def test_templates_random_layouts(data, key, others):
    rows = [mutate_header(data.draw, _header(key)), *mutate_rows(data.draw, TEMPLATE_ROWS[key](), changes=3)]
    sheets = [*others, sheet(templates.SPECS[key].sheet, rows)]
    check(bounded(templates.parse, sheets, key), ImportResult)
    assert importers.detect(sheets) in (None, "vpr_fis_oko", "ege_regional", *templates.SPECS)


@given(st.data(), st.sampled_from(["", "Математика"]), st.sampled_from([None, 5, 4, 12]),
       st.sampled_from([None, SCHOOL]))
@FUZZ
def test_vpr_random_cells(data, subject, grade, school):
    rows = mutate_rows(data.draw, corpus.vpr_rows(corpus.people(4)), changes=12)
    result = bounded(vpr.parse, [sheet("Индивидуальные результаты", rows)], subject=subject, grade=grade,
                     school=school)
    check(result, ImportResult)
    for participant in result.participants:
        assert participant.mark is None or 2 <= participant.mark <= 5


@given(st.data(), extra_sheets())
@FUZZ
def test_vpr_random_layouts(data, others):
    header = mutate_header(data.draw, corpus.VPR_HEADER)
    rows = corpus.vpr_rows(corpus.people(3), header=header)
    rows[:5] = mutate_rows(data.draw, rows[:5], changes=4)  # the preamble: title, meta rows, organisation
    sheets = [sheet("Протокол", rows), *others] if data.draw(st.booleans()) else [*others, sheet("Лист1", rows)]
    check(bounded(vpr.parse, sheets, subject="Математика", grade=5, school=SCHOOL), ImportResult)


@given(st.data(), st.sampled_from([None, "2022/2023", "2023/2024", "2023-2024", "2023/2025", "год"]))
@FUZZ
def test_ege_regional_random_cells(data, year):
    rows = corpus.ege_regional_rows([corpus.ege_school_row(), corpus.ege_school_row(corpus.OTHER),
                                     [corpus.MUNICIPALITY, "Итого по району", "", 50, 48, 2, 6, 0, 66, 20, 0, 2, 0,
                                      58]])
    rows[5:] = mutate_rows(data.draw, rows[5:], changes=10)
    check(bounded(ege_regional.parse, [sheet("2023", rows)], year=year), ImportResult)


@given(st.data(), extra_sheets(), st.sampled_from([None, "2022/2023"]))
@FUZZ
def test_ege_regional_random_layouts(data, others, year):
    fixed = mutate_header(data.draw, corpus.EGE_FIXED)
    sub = mutate_header(data.draw, corpus.EGE_SUB)
    subjects = data.draw(st.sampled_from([corpus.EGE_SUBJECTS, ("Русский язык", "Русский язык"),
                                          ("Математика базовая",), ()]))
    rows = corpus.ege_regional_rows([corpus.ege_school_row()], fixed=fixed, subjects=subjects, sub=sub)
    rows[:4] = mutate_rows(data.draw, rows[:4], changes=2)
    check(bounded(ege_regional.parse, [*others, sheet(data.draw(st.sampled_from(["2023", "Лист1"])), rows)],
                  year=year), ImportResult)


@given(st.data(), st.sampled_from(range(len(VALID_FILES))), st.sampled_from(["auto", "template_ege", "vpr_fis_oko"]))
@FUZZ
def test_dispatcher_mutated_bytes(data, index, kind):
    damaged = data.draw(mutated_bytes(VALID_FILES[index]))
    check(bounded(importers.parse, damaged, kind=kind, school=SCHOOL), ImportResult)


@given(st.data(), st.sampled_from(range(len(VALID_FILES))))
@FUZZ
def test_dispatcher_mutated_sheet_xml(data, index):
    damaged = data.draw(mutated_member(VALID_FILES[index], "xl/worksheets/sheet1.xml"))
    check(bounded(importers.parse, damaged, kind="auto", year="2022/2023"), ImportResult)
