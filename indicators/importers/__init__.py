"""Result importers, one module per file layout, and the dispatcher that picks the layout.

- ``vpr``: ФИС ОКО individual ВПР results and the «Протокол» collection form (participant rows);
- ``ege_regional``: the regional per-school ЕГЭ form (aggregates);
- ``templates``: the portal's own templates (ВПР/ОГЭ/ЕГЭ aggregates by school, social passport).
"""

from __future__ import annotations

from portal.spreadsheets import RowError, Sheet, WorkbookError, read_workbook

from . import templates
from .base import ImportResult, SchoolRef

LAYOUT_NAMES = {
    "vpr_fis_oko": "ВПР: индивидуальные результаты ФИС ОКО / протокол",
    "ege_regional": "ЕГЭ: региональная форма по школам",
    **{key: f"шаблон портала «{spec.sheet}»" for key, spec in templates.SPECS.items()},
}


def detect(sheets) -> str | None:
    from . import ege_regional, vpr

    return templates.detect(sheets) or (
        "ege_regional" if ege_regional.detect(sheets) else None) or ("vpr_fis_oko" if vpr.detect(sheets) else None)


def parse(data: bytes, *, kind: str = "auto", year: str = "", subject: str = "", grade: int | None = None,
          school: SchoolRef | None = None, allowed: tuple[tuple[str, ...], str] | None = None,
          max_unzipped: int | None = None, on_rows=None) -> ImportResult:
    """Read the workbook once, choose the layout (or check the chosen one) and parse it.

    ``allowed`` = (layouts, how the choice was made) restricts an automatic choice, e.g. the command's ``--kind``.
    ``on_rows``: see ``vpr.parse`` (participant rows handed over while they are parsed; other layouts ignore it).
    """
    try:
        # streaming: a ВПР sheet's rows are converted as the parser reaches them, while the first ones are written
        sheets = read_workbook(data, max_unzipped=max_unzipped, lazy=on_rows is not None)
        return _parse_sheets(sheets, kind=kind, year=year, subject=subject, grade=grade, school=school,
                             allowed=allowed, on_rows=on_rows)
    except WorkbookError as exc:
        return ImportResult(layout=kind, errors=[RowError(None, "", str(exc))])


def _parse_sheets(sheets, *, kind, year, subject, grade, school, allowed, on_rows) -> ImportResult:
    if not any(any(v not in (None, "") for v in row) for sheet in sheets for row in sheet.rows):
        return ImportResult(layout=kind, errors=[RowError(None, "", "в книге нет ни одного заполненного листа")])
    detected = detect(sheets)
    if kind == "auto":
        if detected is None:
            expected = "; ".join(LAYOUT_NAMES.values())
            return ImportResult(layout="auto", errors=[RowError(
                None, "", f"не удалось определить формат файла. Поддерживаются: {expected}")])
        kind = detected
        if allowed is not None and kind not in allowed[0]:
            return ImportResult(layout=kind, errors=[RowError(
                None, "", f"файл в формате «{LAYOUT_NAMES[kind]}», а указан {allowed[1]}")])
    elif detected is not None and detected != kind:
        return ImportResult(layout=kind, errors=[RowError(
            None, "", f"выбран формат «{LAYOUT_NAMES.get(kind, kind)}», а файл похож на «{LAYOUT_NAMES[detected]}»")])
    from . import ege_regional, vpr

    if on_rows is not None and kind != "vpr_fis_oko":  # only the ВПР parser reads rows as they come
        sheets = [Sheet(name=sheet.name, rows=list(sheet.rows)) for sheet in sheets]
    if kind == "vpr_fis_oko":
        result = vpr.parse(sheets, subject=subject, grade=grade, school=school, on_rows=on_rows)
    elif kind == "ege_regional":
        result = ege_regional.parse(sheets, year=year or None)
    else:
        result = templates.parse(sheets, kind)
    result.layout = kind
    return result
