"""The check every uploaded Office file (.xlsx, .docx) passes before any parser opens it.

An .xlsx or .docx is a zip archive. ``check_archive`` reads only its central directory — the list of parts with
their declared sizes — and decompresses nothing, so a zip bomb (a few hundred KB inflating to gigabytes) is refused
at the cost of reading a few kilobytes.

A part may lie about its size. python-calamine (every .xlsx) stops at the declared size by itself («File is larger
than its declared uncompressed size»). ``zipfile`` (python-docx) does not: ``ZipFile.read`` inflates a part in one
call of up to 2 GB and only then cuts it to the declared size. So a .docx also passes ``check_declared_sizes``,
which inflates each part in 64 KB steps, holding one step at a time, and stops at the first byte past the
declared size: memory stays flat and the work is bounded by the sizes the directory check has already accepted.

Limits (settings, overridable from the environment):

* ``PORTAL_UPLOAD_MAX_UNZIPPED_BYTES`` — all parts together after decompression;
* ``PORTAL_UPLOAD_MAX_ZIP_RATIO`` — how many times a part larger than 1 MB may inflate (ordinary workbooks and
  documents: 3–20 times; deflate's own maximum is about 1030 times);
* ``PORTAL_UPLOAD_MAX_ZIP_MEMBERS`` — the number of parts (read from the end record, before the directory itself).

Pure code apart from reading those settings; messages are in Russian and name what to do.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

MB = 1024 * 1024
DEFAULT_MAX_UNZIPPED = 200 * MB
DEFAULT_MAX_RATIO = 200
DEFAULT_MAX_MEMBERS = 10_000
RATIO_FLOOR = MB  # smaller parts may compress as well as they like: they cannot hurt

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File: .xls, .doc and password-protected .xlsx/.docx
_ALLOWED_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"


class ArchiveError(ValueError):
    """The upload is not an archive the portal will open; the message says why, in Russian."""


@dataclass(frozen=True)
class Limits:
    max_unzipped: int = DEFAULT_MAX_UNZIPPED
    max_ratio: int = DEFAULT_MAX_RATIO
    max_members: int = DEFAULT_MAX_MEMBERS


def limits(*, max_unzipped: int | None = None) -> Limits:
    """The limits in force: the settings when Django is configured, the defaults otherwise."""
    from django.conf import settings

    configured = settings.configured
    return Limits(
        max_unzipped=max_unzipped if max_unzipped is not None else (
            getattr(settings, "PORTAL_UPLOAD_MAX_UNZIPPED_BYTES", DEFAULT_MAX_UNZIPPED) if configured
            else DEFAULT_MAX_UNZIPPED),
        max_ratio=getattr(settings, "PORTAL_UPLOAD_MAX_ZIP_RATIO", DEFAULT_MAX_RATIO) if configured
        else DEFAULT_MAX_RATIO,
        max_members=getattr(settings, "PORTAL_UPLOAD_MAX_ZIP_MEMBERS", DEFAULT_MAX_MEMBERS) if configured
        else DEFAULT_MAX_MEMBERS,
    )


def human_size(size: int) -> str:
    if size >= MB:
        return f"{size // MB} МБ"
    return f"{max(1, size // 1024)} КБ"


def ole_message(data: bytes, *, word: bool = False) -> str:
    """Why an OLE compound file is not accepted: a password-protected file, an old .xls/.doc, or either."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        what = "документ Word" if word else "файл Excel"
        where = "Word" if word else "Excel"
        return (f"{what} защищён паролем (зашифрован): откройте его в {where}, снимите пароль "
                f"(Файл → Сведения → Защита) и сохраните без пароля")
    if not word and ("Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data):
        return "файл в старом формате Excel 97–2003 (.xls): откройте его в Excel и сохраните как «Книга Excel (*.xlsx)»"
    if word and "WordDocument".encode("utf-16-le") in data:
        return ("файл в старом формате Word 97–2003 (.doc): откройте его в Word и сохраните как "
                "«Документ Word (*.docx)»")
    if word:
        return ("файл в старом формате .doc или защищён паролем; откройте его в Word и сохраните как "
                "«Документ Word (*.docx)» без пароля")
    return "файл в старом формате .xls или защищён паролем; сохраните его как «Книга Excel (*.xlsx)» без пароля"


def declared_members(data: bytes) -> int | None:
    """The number of parts the end record of the archive declares (zip64 too), or None when it cannot be read."""
    end = data.rfind(_EOCD, max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return None
    (total,) = struct.unpack_from("<H", data, end + 10)
    if total != 0xFFFF:
        return total
    locator = end - 20
    if locator < 0 or data[locator:locator + 4] != _EOCD64_LOCATOR:
        return None
    (record,) = struct.unpack_from("<Q", data, locator + 8)
    if record + 56 > len(data) or data[record:record + 4] != _EOCD64:
        return None
    return struct.unpack_from("<Q", data, record + 32)[0]


_NOUNS = {"xlsx": ("файл", "файл .xlsx", "Excel"), "docx": ("документ", "файл .docx", "Word"),
          "ods": ("файл", "файл .ods", "LibreOffice"), "odt": ("документ", "файл .odt", "LibreOffice")}


def check_archive(data: bytes, *, kind: str = "xlsx", max_unzipped: int | None = None) -> set[str]:
    """Check the central directory of a zip-based upload; the names of its parts, or ``ArchiveError``.

    ``kind`` («xlsx», «docx», «ods», «odt») chooses the words of the messages. Nothing is decompressed.
    """
    noun, named, program = _NOUNS[kind]
    limit = limits(max_unzipped=max_unzipped)
    members = declared_members(data)
    if members is not None and members > limit.max_members:
        raise ArchiveError(f"в архиве {members} частей, допускается не больше {limit.max_members}: это не обычный "
                           f"{named}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except Exception as exc:  # BadZipFile, a truncated directory, a broken zip64 record
        raise ArchiveError(f"{named} повреждён и не открывается (архив неполный или испорчен): откройте его в "
                           f"{program}, сохраните заново и загрузите ещё раз") from exc
    if len(infos) > limit.max_members:
        raise ArchiveError(f"в архиве {len(infos)} частей, допускается не больше {limit.max_members}: это не обычный "
                           f"{named}")
    for info in infos:
        if info.flag_bits & 0x1:
            raise ArchiveError(f"{noun} защищён паролем (зашифрован архив): сохраните его без пароля")
        if info.compress_type not in _ALLOWED_METHODS:
            raise ArchiveError(f"{noun} сжат неподдерживаемым способом (часть «{info.filename[:80]}»): сохраните его "
                               f"заново в {program}")
    total = sum(info.file_size for info in infos)
    if total > limit.max_unzipped:
        raise ArchiveError(f"после распаковки {noun} занимает {human_size(total)}, больше допустимых "
                           f"{human_size(limit.max_unzipped)}")
    for info in infos:
        if info.file_size > RATIO_FLOOR and info.file_size > limit.max_ratio * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise ArchiveError(
                f"{noun} похож на «zip-бомбу»: часть «{info.filename[:80]}» после распаковки занимает "
                f"{human_size(info.file_size)}, в {ratio} раз больше, чем в архиве; допускается не больше чем в "
                f"{limit.max_ratio} раз. Файл не распакован и не загружен")
    return {info.filename for info in infos}


_STEP = 64 * 1024
_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")


def check_declared_sizes(data: bytes, *, kind: str = "docx") -> None:
    """Refuse an archive with a part that inflates past its declared size, without ever holding more than 64 KB of
    it; call after ``check_archive``. Damaged parts are left to the reader, which reports them."""
    noun, named, _program = _NOUNS[kind]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
    for info in infos:
        start = info.header_offset  # negative or past the end in a damaged archive
        if start < 0 or start + _LOCAL_HEADER.size > len(data):
            continue
        fields = _LOCAL_HEADER.unpack_from(data, start)
        if fields[0] != 0x04034B50:
            continue
        begin = start + _LOCAL_HEADER.size + fields[9] + fields[10]
        raw = memoryview(data)[begin:begin + info.compress_size]
        if info.compress_type == zipfile.ZIP_STORED:
            produced = len(raw)
        else:
            produced = _inflated_size(raw, limit=info.file_size)
        if produced > info.file_size:
            raise ArchiveError(
                f"{named} повреждён: часть «{info.filename[:80]}» распаковывается в больший объём, чем заявлено в "
                f"архиве ({human_size(info.file_size)}) — так устроены «zip-бомбы»; {noun} не загружен")


def _inflated_size(raw: memoryview, *, limit: int) -> int:
    """How much ``raw`` deflate data inflates to, counted up to ``limit`` + one step (then counting stops)."""
    inflater = zlib.decompressobj(-15)
    produced = 0
    try:
        for offset in range(0, len(raw), 16 * 1024):
            pending = bytes(raw[offset:offset + 16 * 1024])
            while pending:
                produced += len(inflater.decompress(pending, _STEP))
                if produced > limit:
                    return produced
                pending = inflater.unconsumed_tail
            if inflater.eof:
                break
    except zlib.error:
        return produced  # damaged data: the reader reports it
    return produced
