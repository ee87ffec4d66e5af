"""Names stay in the school: run every command that produces something, then scan
every produced file (xlsx parts, csv, pdf text, checklist), the log files, what the
collection service received, and the bytes of school.sqlite
(with its WAL) for the imported names. Positive controls prove the scanner sees a
name where one legitimately is (the unlocked protocol, the pre-filled paper protocol,
the class list file itself)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from openpyxl import load_workbook

from tests.conftest import REPO_ROOT
from tests.coordinator.school.conftest import CLASS_LIST_CSV, NAMES, PASSPHRASE, LiveServer
from tests.coordinator.school.reference_receiver import ReceiverState, make_receiver

# whole names and distinctive parts of them
NEEDLES = NAMES + ["Снежана", "Ярослава", "Аркадий", "Mozartov", "Кузнецова", "Сидоров", "Иванова"]


def leaks(data: bytes | str) -> list[str]:
    if isinstance(data, str):
        data = data.encode("utf-8")
    found = []
    for n in NEEDLES:
        for variant in (n, n.upper(), n.lower()):
            if variant.encode("utf-8") in data or variant.encode("utf-16-le") in data:
                found.append(n)
                break
    return found


def file_text(path: Path) -> bytes:
    """What a reader of the file could see: xlsx parts unzipped, PDF text extracted."""
    raw = path.read_bytes()
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            return b"\n".join(z.read(n) for n in z.namelist())
    if path.suffix == ".pdf":
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout
        return raw + text
    return raw


def test_names_never_leave_the_protocol(tmp_path, caplog):
    node, out, logs = tmp_path / "node", tmp_path / "out", tmp_path / "logs"
    out.mkdir()
    lst = tmp_path / "class_list.csv"
    lst.write_text(CLASS_LIST_CSV, encoding="utf-8")
    assert leaks(lst.read_bytes()) == NEEDLES  # control: the scanner sees names in a file

    env = dict(os.environ, VPR_LOG_DIR=str(logs), VPR_NODE_PASSPHRASE=PASSPHRASE,
               VPR_UPLOAD_PASSWORD="секрет-сервиса-42")
    stdout: list[str] = []

    def vpr(*args: str) -> str:
        p = subprocess.run([sys.executable, "-m", "coordinator.school.cli", *args, "--data", str(node)],
                           cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        return p.stdout + p.stderr

    for cmd in (["protocol", "init"], ["classes", "import", str(lst)], ["classes", "counts", "8В=2"],
                ["codes", "generate"], ["subjects", "load", "--demo"],
                ["school", "set", "--name", "МАОУ СОШ №4", "--code", "390001", "--tz", "Asia/Yekaterinburg"],
                ["schedule", "set", "--subject", "eng8", "--date", "2026-04-15", "--reserve", "2026-04-22"],
                ["codes", "pdf", str(out / "codes.pdf")],
                ["protocol", "pdf", str(out / "protocol_blank.pdf"), "--subject", "eng8"],
                ["results", "template", str(out / "template.xlsx"), "--subject", "eng8"],
                ["classes", "list", "--json"], ["codes", "list", "--json"], ["schedule", "show", "--json"]):
        stdout.append(vpr(*cmd))

    # fill the template and import it
    wb = load_workbook(out / "template.xlsx")
    ws = wb.active
    codes = []
    for r in range(9, ws.max_row + 1):
        ws.cell(row=r, column=6, value=1)
        for j in range(6):
            ws.cell(row=r, column=7 + j, value=1)
        codes.append(ws.cell(row=r, column=4).value)
    wb.save(out / "filled.xlsx")
    stdout.append(vpr("results", "import", str(out / "filled.xlsx"), "--subject", "eng8", "--confirm"))
    stdout.append(vpr("results", "absent", "--subject", "eng8", "--code", codes[0], "--reason", "болезнь",
                      "--confirm"))
    stdout.append(vpr("results", "export", str(out / "export.xlsx"), "--subject", "eng8", "--class", "8Б"))
    stdout.append(vpr("results", "export", str(out / "all.xlsx"), "--subject", "eng8"))
    stdout.append(vpr("results", "list", "--subject", "eng8", "--json"))
    stdout.append(vpr("upload", "prepare", str(out / "manual"), "--subject", "eng8"))

    # the upload client against the reference collection service
    state = ReceiverState("oo390001", "секрет-сервиса-42")
    with LiveServer(make_receiver(state)) as srv:
        stdout.append(vpr("upload", "config", "--url", f"{srv.url}/vpr/upload", "--user", "oo390001"))
        stdout.append(vpr("upload", "send", "--subject", "eng8"))
        stdout.append(vpr("upload", "receipts", "--json"))
    assert state.files, "the service received nothing"

    # control: the pre-filled paper protocol (stays in school) and `protocol show` carry names
    vpr("protocol", "pdf", str(tmp_path / "paper_protocol_with_names.pdf"), "--subject", "eng8", "--with-names")
    assert leaks(file_text(tmp_path / "paper_protocol_with_names.pdf"))
    assert leaks(vpr("protocol", "show"))

    produced = sorted(p for p in out.rglob("*") if p.is_file())
    assert {p.suffix for p in produced} >= {".xlsx", ".csv", ".pdf", ".txt"}
    findings: dict[str, list[str]] = {}
    for p in produced:
        findings[str(p.relative_to(out))] = leaks(file_text(p))
    for p in sorted(logs.rglob("*")) if logs.exists() else []:
        if p.is_file():
            findings[f"log:{p.name}"] = leaks(p.read_bytes())
    findings["log:caplog"] = leaks(caplog.text)
    for i, body in enumerate(state.received):
        findings[f"received:{i}"] = leaks(body)
    for i, body in enumerate(state.files):
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            findings[f"received-xlsx:{i}"] = leaks(b"".join(z.read(n) for n in z.namelist()))
    for i, text in enumerate(stdout):
        findings[f"stdout:{i}"] = leaks(text)
    for suffix in ("", "-wal", "-shm"):
        db = node / f"school.sqlite{suffix}"
        if db.exists():
            findings[db.name] = leaks(db.read_bytes())
    assert (node / "school.sqlite").exists() and (logs / "coordinator.log").stat().st_size > 0
    assert {k: v for k, v in findings.items() if v} == {}
