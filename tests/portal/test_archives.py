"""The zip check every .xlsx/.docx upload passes first (portal/archives.py): limits, messages, and that a zip bomb
is refused from the central directory alone, before anything is decompressed."""

import io
import struct
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest

from portal import archives
from portal.archives import ArchiveError, check_archive, declared_members, ole_message
from portal.spreadsheets import WorkbookError, read_workbook
from roadmap.tables import parse_docx, parse_table
from tests.files.bad import make_bad_files as corpus

BAD = Path(__file__).resolve().parents[1] / "files" / "bad"
BOMBS = {"results_zip_bomb.xlsx": 210, "index_zip_bomb.xlsx": 110, "register_zip_bomb.xlsx": 120,
         "roadmap_zip_bomb.docx": 150, "roadmap_zip_bomb.xlsx": 110}


def _plain_xlsx() -> bytes:
    return corpus._xlsx([["Муниципалитет", "Наименование ОО"], [corpus.MUNICIPALITY, corpus.OWN[1]]])


def test_defaults_are_the_documented_ones(settings):
    assert archives.DEFAULT_MAX_UNZIPPED == 200 * 1024 * 1024
    assert settings.PORTAL_UPLOAD_MAX_UNZIPPED_BYTES == archives.DEFAULT_MAX_UNZIPPED
    assert settings.PORTAL_UPLOAD_MAX_ZIP_RATIO == 200
    assert settings.PORTAL_UPLOAD_MAX_ZIP_MEMBERS == 10_000


def test_an_ordinary_workbook_passes():
    data = _plain_xlsx()
    assert "xl/workbook.xml" in check_archive(data)
    assert declared_members(data) == len(zipfile.ZipFile(io.BytesIO(data)).infolist())


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_bomb_is_refused_from_the_directory_alone(monkeypatch, name):
    data = (BAD / name).read_bytes()
    assert len(data) < 300 * 1024  # the committed file stays small …
    declared = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    assert declared > BOMBS[name] * 1024 * 1024  # … and inflates to hundreds of MB

    def forbidden(*args, **kwargs):
        raise AssertionError("распаковка до проверки")

    monkeypatch.setattr(zipfile.ZipFile, "open", forbidden)
    monkeypatch.setattr(zlib, "decompressobj", forbidden)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ArchiveError) as refused:
            check_archive(data, kind="docx" if name.endswith(".docx") else "xlsx",
                          max_unzipped=100 * 1024 * 1024 if name == "roadmap_zip_bomb.xlsx" else None)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "zip-бомбу" in str(refused.value) or "после распаковки" in str(refused.value)
    assert peak < 2 * 1024 * 1024, f"пик памяти {peak // 1024} КБ"
    assert elapsed < 1.0


def test_total_size_limit_is_a_setting(settings):
    settings.PORTAL_UPLOAD_MAX_UNZIPPED_BYTES = 4096
    with pytest.raises(ArchiveError, match=r"^после распаковки файл занимает \d+ КБ, больше допустимых 4 КБ$"):
        check_archive(_plain_xlsx())


def test_ratio_limit_is_a_setting(settings):
    data = (BAD / "index_zip_bomb.xlsx").read_bytes()
    settings.PORTAL_UPLOAD_MAX_ZIP_RATIO = 2000
    check_archive(data)  # 110 MB at about 1000:1 is within both limits now
    settings.PORTAL_UPLOAD_MAX_ZIP_RATIO = 500
    with pytest.raises(ArchiveError, match="допускается не больше чем в 500 раз"):
        check_archive(data)


def test_member_limit_is_read_from_the_end_record(settings, monkeypatch):
    settings.PORTAL_UPLOAD_MAX_ZIP_MEMBERS = 3
    data = _plain_xlsx()

    def forbidden(*args, **kwargs):
        raise AssertionError("оглавление прочитано целиком")

    monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", forbidden)
    with pytest.raises(ArchiveError, match=r"в архиве \d+ частей, допускается не больше 3"):
        check_archive(data)


def test_other_compression_and_encrypted_parts_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_BZIP2) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(ArchiveError, match="сжат неподдерживаемым способом"):
        check_archive(buffer.getvalue())
    data = bytearray(_plain_xlsx())
    central = data.find(b"PK\x01\x02")
    flags = struct.unpack_from("<H", data, central + 8)[0]
    struct.pack_into("<H", data, central + 8, flags | 1)
    with pytest.raises(ArchiveError, match="защищён паролем"):
        check_archive(bytes(data))


def test_broken_directory_is_reported_as_a_damaged_file():
    with pytest.raises(ArchiveError, match=r"^документ|^файл \.docx повреждён"):
        check_archive(_plain_xlsx()[:-30], kind="docx")


def test_a_part_lying_about_its_size_is_never_inflated_past_it():
    """The directory passes (it declares 1 KB), but neither reader inflates past the declared size: calamine stops
    with «larger than its declared size», zipfile stops and fails the CRC. The file is reported as damaged."""
    workbook = corpus._xlsx_bomb(150, declared=1024)
    check_archive(workbook)
    started = time.perf_counter()
    with pytest.raises(WorkbookError, match="книга Excel повреждена"):
        read_workbook(workbook)
    assert time.perf_counter() - started < 1.0
    document = corpus._docx_bomb(150, declared=1024)
    tracemalloc.start()
    try:
        message = parse_docx(document).errors[0].message
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert message.startswith("файл .docx повреждён: часть «word/document.xml» распаковывается в больший объём, чем "
                              "заявлено в архиве (1 КБ)")
    assert peak < 4 * 1024 * 1024, f"пик памяти {peak // 1024} КБ"  # the part inflates to 150 MB


def test_declared_sizes_of_an_honest_document_pass():
    archives.check_declared_sizes(corpus.roadmap_docx([corpus.HEADER, *corpus.activities()]))


def test_old_and_encrypted_office_files_are_told_apart():
    assert ole_message((BAD / "results_encrypted.xlsx").read_bytes()).startswith("файл Excel защищён паролем")
    assert ole_message((BAD / "results_old_format.xls").read_bytes()).startswith("файл в старом формате Excel 97")
    assert ole_message((BAD / "roadmap_encrypted.docx").read_bytes(), word=True).startswith("документ Word защищён")
    assert ole_message((BAD / "roadmap_old_format.doc").read_bytes(), word=True).startswith(
        "файл в старом формате Word 97")
    unknown = archives.OLE_MAGIC + b"\0" * 512
    assert "или защищён паролем" in ole_message(unknown)
    assert "или защищён паролем" in ole_message(unknown, word=True)


def test_too_many_parts_do_not_reach_the_archive_reader_in_roadmaps(settings):
    settings.PORTAL_UPLOAD_MAX_ZIP_MEMBERS = 3
    table = parse_table(corpus.roadmap_docx([corpus.HEADER, *corpus.activities()]), "карта.docx")
    assert "допускается не больше 3" in table.errors[0].message


@pytest.mark.parametrize(("name", "upload_as"), [("roadmap_zip_bomb.docx", "отчёт.docx"),
                                                ("register_zip_bomb.xlsx", "таблица.xlsx"),
                                                ("index_zip_bomb.xlsx", "таблица.ods")])
def test_evidence_of_a_roadmap_report_is_checked_too(name, upload_as):
    """Evidence files are kept and offered for download, not parsed: still, no zip bomb is kept."""
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from roadmap.services import check_evidence

    with pytest.raises(ValidationError, match=f"Файл «{upload_as}»: .*похож на «zip-бомбу»"):
        check_evidence(SimpleUploadedFile(upload_as, (BAD / name).read_bytes()))
    assert check_evidence(SimpleUploadedFile("отчёт.docx", corpus.roadmap_docx([corpus.HEADER]))).endswith(
        "wordprocessingml.document")


def test_declared_sizes_of_a_damaged_directory_do_not_crash():
    """Found by fuzzing: a central directory whose recorded offset is too large gives negative part offsets."""
    data = bytearray(corpus.roadmap_docx([corpus.HEADER, *corpus.activities()]))
    end = data.rfind(b"PK\x05\x06")
    offset = struct.unpack_from("<I", data, end + 16)[0]
    struct.pack_into("<I", data, end + 16, offset + 1)  # the first part then starts at offset -1
    archives.check_declared_sizes(bytes(data))
    assert not parse_docx(bytes(data)).ok
