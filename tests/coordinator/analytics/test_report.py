"""``vpr-node analytics report`` on the demo school: PDF and xlsx with the same numbers
as the report object, per class, and with names only when the protocol is unlocked."""

from __future__ import annotations

import io
import subprocess
import sys

from openpyxl import load_workbook

from coordinator.analytics import report
from coordinator.school import vault
from coordinator.school.store import SchoolStore
from tests.conftest import REPO_ROOT
from tests.sync.harness import run_node_cli


def test_report_files_from_the_command_line(tmp_path):
    folder = tmp_path / "school"
    assert run_node_cli("demo", str(folder), "--participants", "24")[0] == 0
    rc, out, err = run_node_cli("analytics", "report", str(tmp_path / "a.xlsx"), "--subject", "rus8", "--class",
                                "8А,8Б", "--data", str(folder))
    assert rc == 0, err
    with SchoolStore(folder) as school:
        rep = report.build(school, "rus8", ["8А", "8Б"])
    wb = load_workbook(tmp_path / "a.xlsx")
    assert [c.value for c in wb["Отметки"][4]][1:5] == [rep.marks.counts[k] for k in (2, 3, 4, 5)]
    assert [r[0] for r in wb["Классы"].iter_rows(min_row=2, values_only=True)] == ["8А", "8Б"]
    assert "Ученики" not in wb.sheetnames  # no names without the protocol's passphrase
    rc, out, err = run_node_cli("analytics", "report", str(tmp_path / "a.pdf"), "--subject", "rus8",
                                "--data", str(folder))
    assert rc == 0, err
    text = subprocess.run(["pdftotext", str(tmp_path / "a.pdf"), "-"], capture_output=True, text=True).stdout
    assert "Выполнение заданий" in text and "Отметка ВПР и отметка по журналу" in text
    # issue 20: journal marks are encrypted with the protocol - without the key it says so
    assert "Отметки по журналу зашифрованы" in " ".join(text.split())
    assert load_workbook(tmp_path / "a.xlsx")["Журнал"]["A1"].value.startswith("Отметки по журналу зашифрованы")
    passphrase = (folder / "demo-readme.txt").read_text().split("«код - ФИО»: ")[1].splitlines()[0]
    p = subprocess.run([sys.executable, "-c", "import sys, getpass; getpass.getpass = lambda *a: sys.argv[1]; "
                        "from coordinator.cli import main; raise SystemExit(main(sys.argv[2:]))", passphrase,
                        "analytics", "report", str(tmp_path / "names.xlsx"), "--subject", "rus8", "--class", "8А",
                        "--names", "--data", str(folder)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    with SchoolStore(folder) as school:
        opened = report.build(school, "rus8", ["8А"], protocol_key=vault.unlock(school, passphrase))
    journal = load_workbook(io.BytesIO((tmp_path / "names.xlsx").read_bytes()))["Журнал"]
    assert [c.value for c in journal[2]] == ["Участников", opened.journal.lowered, opened.journal.confirmed,
                                             opened.journal.raised, opened.journal.n] and opened.journal.n > 0
    names = load_workbook(io.BytesIO((tmp_path / "names.xlsx").read_bytes()))["Ученики"]
    assert names.max_row == 1 + rep.classes[0].marks.n and all(len(str(r[2]).split()) == 3 for r in
                                                                names.iter_rows(min_row=2, values_only=True))
    p = subprocess.run([sys.executable, "-c", "import sys, getpass; getpass.getpass = lambda *a: sys.argv[1]; "
                        "from coordinator.cli import main; raise SystemExit(main(sys.argv[2:]))", passphrase,
                        "analytics", "report", str(tmp_path / "journal.xlsx"), "--subject", "rus8", "--class", "8А",
                        "--journal", "--data", str(folder)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    only_journal = load_workbook(tmp_path / "journal.xlsx")
    assert "Ученики" not in only_journal.sheetnames and only_journal["Журнал"]["E2"].value == opened.journal.n
    bad = run_node_cli("analytics", "report", str(tmp_path / "a.txt"), "--subject", "rus8", "--data", str(folder))
    assert bad[0] != 0 and ".pdf или .xlsx" in bad[2]
