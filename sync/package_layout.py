"""The byte-level shape of a response package file (``sync.package`` owns its
meaning). A package is accepted only when no byte of it is left unverified:

* :func:`check_layout` - the members tile the file from byte 0, the central directory
  follows them, the end record ends the file: no byte before, between or after;
* :func:`check_headers` - every local header, central directory entry and end record
  is byte for byte what the sealer writes for that member (fixed date, flags,
  versions, attributes; zip64 fields exactly when Python's zipfile writes them), so
  the only bytes that vary are the member data (SHA-256 and CRC-32 checked by
  ``sync.package``) and the manifest and signature (signed). No field can be changed
  for one zip reader to see something else than what was verified.

Pure functions on an open :class:`zipfile.ZipFile`; raise :class:`PackageError`
(``bad_format``).
"""

from __future__ import annotations

import struct
import zipfile

from sync.errors import PackageError
from sync.protocol import Reason

#: The header fields the sealer gives every member, on every OS (``create_system`` 3:
#: Unix attributes, even when sealed on Windows) and Python version. Packages sealed on
#: Windows before this was pinned carry ``create_system`` 0 (MS-DOS) with otherwise the
#: same bytes; the reader accepts those two values only (:data:`ACCEPTED_SYSTEMS`).
SEALED_DATE = (2020, 1, 1, 0, 0, 0)
SEALED_SYSTEM = 3
ACCEPTED_SYSTEMS = (3, 0)
SEALED_ATTR = 0o600 << 16
_DOS_DATE = (SEALED_DATE[0] - 1980) << 9 | SEALED_DATE[1] << 5 | SEALED_DATE[2]
_DOS_TIME = 0
_LIMIT = zipfile.ZIP64_LIMIT
_FF4 = 0xFFFFFFFF
_LOCAL = "<4s2B4HL2L2H"             # zipfile.structFileHeader
_CENTRAL = "<4s4B4HL2L5H2L"         # zipfile.structCentralDir
_END64 = "<4sQ2H2L4Q"               # zipfile.structEndArchive64
_LOCATOR64 = "<4sLQL"               # zipfile.structEndArchive64Locator
_END = "<4s4H2LH"                   # zipfile.structEndArchive


def _bad(what: str) -> PackageError:
    return PackageError(Reason.BAD_FORMAT, what)


def check_layout(zf: zipfile.ZipFile, size: int) -> None:
    """Every byte of the file must belong to what is verified: the members, each a
    local header + name + extra + stored data, tile the file from byte 0 without gap
    or overlap up to the central directory, which runs to the end-of-directory record
    (with its zip64 record and locator, if any) that ends the file - no bytes before,
    between or after, no data descriptors, no comment, no member name twice. Raises
    :class:`PackageError` (``bad_format``)."""
    infos = zf.infolist()
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise _bad("a member name appears twice")
    fp = zf.fp
    at = 0
    for info in sorted(infos, key=lambda i: i.header_offset):
        if info.header_offset != at:
            raise _bad(f"{info.filename}: bytes outside any member before it")
        if info.flag_bits & 0x08 or info.compress_type != zipfile.ZIP_STORED:
            raise _bad(f"{info.filename}: not a plain stored member")
        fp.seek(info.header_offset)
        header = fp.read(30)
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            raise _bad(f"{info.filename}: bad local header")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        at = info.header_offset + 30 + name_len + extra_len + info.compress_size
    if at != zf.start_dir:
        raise _bad("bytes between the members and the central directory")
    fp.seek(size - 22)
    eocd = fp.read(22)
    if len(eocd) != 22 or eocd[:4] != b"PK\x05\x06" or struct.unpack("<H", eocd[20:22])[0] != 0:
        raise _bad("the file does not end with the end-of-directory record")
    cd_size, cd_offset = struct.unpack("<II", eocd[12:20])
    end_of_cd = size - 22
    if cd_offset == 0xFFFFFFFF or cd_size == 0xFFFFFFFF:  # zip64: record + locator before the end record
        fp.seek(size - 22 - 20)
        locator = fp.read(20)
        if locator[:4] != b"PK\x06\x07":
            raise _bad("zip64 locator missing")
        record_at = struct.unpack("<Q", locator[8:16])[0]
        fp.seek(record_at)
        record = fp.read(56)
        if record[:4] != b"PK\x06\x06" or struct.unpack("<Q", record[4:12])[0] != 44 \
                or record_at + 56 != size - 22 - 20:
            raise _bad("bad zip64 end record")
        cd_size, cd_offset = struct.unpack("<QQ", record[40:56])
        end_of_cd = record_at
    if cd_offset != zf.start_dir or cd_offset + cd_size != end_of_cd:
        raise _bad("bytes before the archive or around its central directory")


def _local_zip64(size: int) -> bool:
    """Whether zipfile writes a member's local header in zip64 form: the sealer forces
    it above 2 GiB, zipfile itself from 1/1.05 of its limit."""
    return size > 2**31 or size * 1.05 > _LIMIT


def _expected_member(info: zipfile.ZipInfo) -> tuple[bytes, bytes]:
    """(local header with name and extra, central directory entry) as sealed."""
    try:
        name = info.filename.encode("ascii")
    except UnicodeEncodeError as exc:
        raise _bad(f"{info.filename!r}: not an ASCII name") from exc
    size, offset = info.file_size, info.header_offset
    local64 = _local_zip64(size)
    local_extra = struct.pack("<HHQQ", 1, 16, size, size) if local64 else b""
    local = struct.pack(_LOCAL, b"PK\x03\x04", 45 if local64 else 20, 0, 0, zipfile.ZIP_STORED, _DOS_TIME,
                        _DOS_DATE, info.CRC, *((_FF4, _FF4) if local64 else (size, size)), len(name),
                        len(local_extra)) + name + local_extra
    cd_values = ([size, size] if size > _LIMIT else []) + ([offset] if offset > _LIMIT else [])
    cd_extra = struct.pack("<HH" + "Q" * len(cd_values), 1, 8 * len(cd_values), *cd_values) if cd_values else b""
    version = 45 if local64 or cd_values else 20
    system = info.create_system if info.create_system in ACCEPTED_SYSTEMS else SEALED_SYSTEM
    central = struct.pack(_CENTRAL, b"PK\x01\x02", version, system, version, 0, 0, zipfile.ZIP_STORED,
                          _DOS_TIME, _DOS_DATE, info.CRC, *((_FF4, _FF4) if size > _LIMIT else (size, size)),
                          len(name), len(cd_extra), 0, 0, 0, SEALED_ATTR,
                          _FF4 if offset > _LIMIT else offset) + name + cd_extra
    return local, central


def check_headers(zf: zipfile.ZipFile, size: int) -> None:
    """Every byte outside the member data as the sealer writes it (see the module
    docstring); call after :func:`check_layout`. The CRC-32 fields are compared with
    the data by the caller while it hashes the members."""
    fp = zf.fp
    infos = zf.infolist()
    central = b""
    for info in infos:
        local, entry = _expected_member(info)
        fp.seek(info.header_offset)
        if fp.read(len(local)) != local:
            raise _bad(f"{info.filename}: local header not as sealed")
        central += entry
    fp.seek(zf.start_dir)
    if fp.read(len(central)) != central:
        raise _bad("central directory not as sealed")
    cd_offset, cd_size, count = zf.start_dir, len(central), len(infos)
    tail = b""
    if count > 0xFFFF or cd_offset > _LIMIT or cd_size > _LIMIT:
        tail = struct.pack(_END64, b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, cd_size, cd_offset)
        tail += struct.pack(_LOCATOR64, b"PK\x06\x07", 0, cd_offset + cd_size, 1)
    tail += struct.pack(_END, b"PK\x05\x06", 0, 0, min(count, 0xFFFF), min(count, 0xFFFF), min(cd_size, _FF4),
                        min(cd_offset, _FF4), 0)
    if cd_offset + cd_size + len(tail) != size:
        raise _bad("the end records do not end the file")
    fp.seek(cd_offset + cd_size)
    if fp.read(len(tail)) != tail:
        raise _bad("end of central directory not as sealed")
