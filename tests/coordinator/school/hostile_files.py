"""Hostile inputs for the school's readers (issue 20), built as real files: an xlsx
whose sheet XML unpacks to hundreds of MB (a "zip bomb"), one whose zip directory lies
about the unpacked size, one with an entity-expansion DOCTYPE, a sheet with a value in
row 1,000,000, UTF-16 CSV as Excel's «Текст Юникод» writes it, and a measurement of a
child process's peak memory.

``python -m tests.coordinator.school.hostile_files DIR`` writes them into DIR to try by
hand (``vpr-node classes import DIR/bomb.xlsx``)."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import REPO_ROOT

_CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
       '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Default Extension="xml" ContentType="application/xml"/>'
       '<Override PartName="/xl/workbook.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
       '<Override PartName="/xl/worksheets/sheet1.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships '
         'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
         'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
         'Target="xl/workbook.xml"/></Relationships>')
_WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook '
       'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
       '<sheets><sheet name="Лист1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships '
            'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>')
SHEET = "xl/worksheets/sheet1.xml"
SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><worksheet '
              'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_TAIL = "</sheetData></worksheet>"
#: a header a class list or a results form would have, so a reader that gets past it
#: keeps reading the cells below
HEAD_ROW = ('<row r="1"><c r="A1" t="inlineStr"><is><t>Класс</t></is></c>'
            '<c r="B1" t="inlineStr"><is><t>ФИО</t></is></c><c r="C1" t="inlineStr"><is><t>Код участника</t></is>'
            '</c></row>')


def _skeleton(z: zipfile.ZipFile) -> None:
    z.writestr("[Content_Types].xml", _CT)
    z.writestr("_rels/.rels", _RELS)
    z.writestr("xl/workbook.xml", _WB)
    z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)


def xlsx_with_sheet(path: Path, sheet_xml: str, shared: list[str] | None = None) -> Path:
    """A minimal real xlsx with one sheet of the given XML (and shared strings)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        _skeleton(z)
        z.writestr(SHEET, sheet_xml)
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
                       'spreadsheetml/2006/main">' + "".join(f"<si><t>{t}</t></si>" for t in shared) + "</sst>")
    return path


def zip_bomb(path: Path, unpacked_mb: int = 400) -> Path:
    """An xlsx whose sheet XML is ``unpacked_mb`` MB of rows of inline-string cells
    (every cell a new string object for a naive reader), deflated to a few MB."""
    cells = "".join(f'<c t="inlineStr"><is><t>Иванов Иван {i}</t></is></c>' for i in range(10))
    row = f"<row>{cells}</row>".encode()
    chunk = row * (1024 * 1024 // len(row) + 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        _skeleton(z)
        with z.open(SHEET, "w") as w:
            w.write((SHEET_HEAD + HEAD_ROW).encode())
            for _ in range(unpacked_mb):
                w.write(chunk)
            w.write(SHEET_TAIL.encode())
    return path


def lying_zip(path: Path, real_mb: int = 200) -> Path:
    """A bomb whose zip directory and local header say the sheet unpacks to 1 KB."""
    zip_bomb(path, real_mb)
    with zipfile.ZipFile(path) as z:
        info, start_dir = z.getinfo(SHEET), z.start_dir
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, info.header_offset + 22, 1024)  # local header: uncompressed size
    pos = start_dir
    while data[pos:pos + 4] == b"PK\x01\x02":  # central directory entries
        n, m, k = struct.unpack_from("<HHH", data, pos + 28)
        if bytes(data[pos + 46:pos + 46 + n]) == SHEET.encode():
            struct.pack_into("<I", data, pos + 24, 1024)
        pos += 46 + n + m + k
    path.write_bytes(bytes(data))
    return path


def entity_bomb(path: Path) -> Path:
    """The "billion laughs": a DOCTYPE whose entities expand to gigabytes."""
    ents = '<!ENTITY a0 "Иванов Иван Иванович ">' + "".join(
        f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    sheet = (f'<?xml version="1.0"?><!DOCTYPE worksheet [{ents}]><worksheet '
             'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             f'{HEAD_ROW}<row r="2"><c r="B2" t="inlineStr"><is><t>&a9;</t></is></c></row>{SHEET_TAIL}')
    return xlsx_with_sheet(path, sheet)


def far_row(path: Path, row: int = 1_000_000) -> Path:
    """One value in row ``row``: a naive reader pads a list of that many rows."""
    return xlsx_with_sheet(path, SHEET_HEAD + HEAD_ROW + f'<row r="{row}"><c r="B{row}" t="inlineStr"><is>'
                           f'<t>Иванов Иван</t></is></c></row>' + SHEET_TAIL)


def utf16_tab_text(rows: list[list[str]], *, bom: bool = True, big_endian: bool = False) -> bytes:
    """What Excel's «Текст Юникод (*.txt)» writes: UTF-16 LE with BOM, tab-separated."""
    text = "".join("\t".join(r) + "\r\n" for r in rows)
    enc = "utf-16-be" if big_endian else "utf-16-le"
    prefix = ("\ufeff".encode(enc)) if bom else b""
    return prefix + text.encode(enc)


#: The child's own peak: VmHWM of its memory map (ru_maxrss would not do - Linux carries
#: the parent's size at fork over the exec into it, so a big pytest process would count).
_MEASURE = r"""
import json, sys
sys.argv = ["vpr-node"] + json.loads(sys.argv[1])
from coordinator.cli import main


def peak_mb():
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import psutil
    info = psutil.Process().memory_info()
    return getattr(info, "peak_wset", info.rss) / 2**20


try:
    rc = main(sys.argv[1:])
except SystemExit as exc:
    rc = exc.code
sys.stdout.flush()
sys.stderr.write("\nPEAK_RSS_MB=" + json.dumps(peak_mb()) + "\n")
raise SystemExit(rc)
"""


def run_cli_measured(args: list[str], env: dict | None = None, timeout: float = 300,
                     code_root: Path = REPO_ROOT) -> tuple[int, str, str, float]:
    """Run ``vpr-node ARGS`` in a fresh Python process (the code of ``code_root`` first
    on its path: another checkout measures the code before a fix); (exit code, stdout,
    stderr without the measurement line, peak RSS of that process in MB)."""
    full_env = dict(os.environ, **(env or {}))
    full_env["PYTHONPATH"] = os.pathsep.join([str(code_root), str(REPO_ROOT)])
    p = subprocess.run([sys.executable, "-c", _MEASURE, json.dumps(args)], cwd=code_root, env=full_env,
                       capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    err, _, peak = p.stderr.rpartition("\nPEAK_RSS_MB=")
    if not _:
        return p.returncode, p.stdout, p.stderr, float("nan")
    return p.returncode, p.stdout, err, float(peak)


if __name__ == "__main__":
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    zip_bomb(out / "bomb.xlsx")
    lying_zip(out / "lying.xlsx")
    entity_bomb(out / "entities.xlsx")
    far_row(out / "far_row.xlsx")
    (out / "unicode.txt").write_bytes(utf16_tab_text([["Класс", "ФИО"], ["8А", "Иванов Иван Иванович"]]))
    print(f"written into {out}")
