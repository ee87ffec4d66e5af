"""Issue 21, "done when", tried as a new user would through the real ``vpr-node``: import
the class lists of three classes exported from an electronic journal, run a subject
with two absentees and one reserve-day participant, revoke and replace a code after
results exist, upload, change one result and be told to upload again - without one
confusing message; then ``vpr-node audit`` prints a report a school head can sign.

Dates are around today (so the schedule is in the future); the moments of entering
results are fixed with the hidden ``--now`` option of the results commands."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from openpyxl import load_workbook

from tests.conftest import REPO_ROOT
from tests.coordinator.school.conftest import PASSPHRASE
from tests.coordinator.school.journal_exports import ALL_NAMES
from tests.coordinator.school.test_name_leak import file_text

FIXTURES = Path(__file__).parent / "fixtures"
#: words a coordinator should never have to read on the main path
CONFUSING = re.compile(r"Traceback|SHA|IANA|UTC|байт|fingerprint|отпечат|ISO|None|Error|error|usage|[A-Z][a-z]+/[A-Z]")


class Session:
    def __init__(self, tmp: Path) -> None:
        self.data = tmp / "node"
        self.env = dict(os.environ, VPR_LOG_DIR=str(tmp / "logs"), VPR_NODE_PASSPHRASE=PASSPHRASE,
                        TMPDIR=str(tmp / "tmp"))
        (tmp / "tmp").mkdir()
        self.seen: list[str] = []

    def __call__(self, *args: str, code: int = 0) -> str:
        p = subprocess.run([sys.executable, "-m", "coordinator.cli", *args, "--data", str(self.data)], cwd=REPO_ROOT,
                           env=self.env, capture_output=True, text=True, timeout=120)
        out = p.stdout + p.stderr
        assert p.returncode == code, out
        self.seen.append(out)
        return out

    def typed(self, *args: str, answer: str) -> tuple[int, str]:
        """Run with a terminal, typing ``answer`` when asked (no passphrase in the environment)."""
        env = {k: v for k, v in self.env.items() if k != "VPR_NODE_PASSPHRASE"}
        master, slave = pty.openpty()
        p = subprocess.Popen([sys.executable, "-m", "coordinator.cli", *args, "--data", str(self.data)], cwd=REPO_ROOT,
                             env=env, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
        os.close(slave)
        chunks, answered = [], False
        while True:
            ready, _, _ = select.select([master], [], [], 120)
            if not ready:
                break
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
            if not answered and "фраза" in b"".join(chunks).decode("utf-8", "ignore"):
                os.write(master, (answer + "\n").encode("utf-8"))
                answered = True
        os.close(master)
        out = b"".join(chunks).decode("utf-8", "ignore").replace("\r\n", "\n")
        self.seen.append(out)
        return p.wait(timeout=60), out


def at(day: date, hh: int) -> str:
    return datetime(day.year, day.month, day.day, hh, tzinfo=timezone.utc).isoformat()


def test_done_when(tmp_path):
    vpr = Session(tmp_path)
    today = date.today()
    work, upload_day, reserve = today + timedelta(days=1), today + timedelta(days=3), today + timedelta(days=8)
    d = lambda x: x.strftime("%d.%m.%Y")  # noqa: E731
    out_dir = tmp_path / "out"

    vpr("school", "set", "--name", "МАОУ СОШ №4", "--code", "390001", "--municipality", "Черняховск",
        "--tz", "Екатеринбург")
    vpr("protocol", "init")
    out = vpr("classes", "import", str(FIXTURES / "dnevnik_8abv.xlsx"))
    assert out.startswith("Загружено участников: 15 (8А: 5, 8Б: 6, 8В: 4).")
    assert "Не использованы столбцы: «№ п/п», «Дата рождения», «Пол»." in out
    assert "Внимание: Лист «8Б», строка 6 (8Б): те же ФИО, что на листе «8А» в строке 3 (8А)" in out
    vpr("codes", "generate")
    vpr("codes", "pdf", str(out_dir / "коды.pdf"))
    vpr("subjects", "load", "--demo")
    out = vpr("schedule", "set", "--subject", "eng8", "--date", d(work), "--upload-date", d(upload_day),
              "--reserve", d(reserve))
    assert "время Екатеринбурга" in out and "Внимание" not in out
    vpr("rooms", "add", "Кабинет информатики", "--seats", "15", "--stations", "ПК-1,ПК-2,ПК-3,ПК-4,ПК-5")
    for cls in ("8А", "8Б", "8В"):
        vpr("rooms", "place", "--subject", "eng8", "--class", cls, "--room", "Кабинет информатики")
    vpr("rooms", "staff", "Кабинет информатики", "--day", d(work), "--organizer", "Смирнова Ольга Ивановна",
        "--observer", "Кузьмин Олег Петрович")

    codes = [line.split()[0] for line in vpr("codes", "list").splitlines()]
    assert len(codes) == 15
    absent_two, reserve_one, revoked = codes[3:5], codes[5], codes[0]
    out = vpr("results", "absent", "--subject", "eng8", "--code", ",".join(absent_two), "--reason", "болезнь",
              "--now", at(work, 3))
    assert out.strip() == f"Коды {', '.join(absent_two)}: отмечено отсутствие (болезнь)."
    out = vpr("results", "absent", "--subject", "eng8", "--code", reserve_one, "--reason", "соревнования",
              "--reserve-day", d(reserve), "--now", at(work, 3))
    assert out.strip() == (f"Код {reserve_one}: отмечено отсутствие (соревнования). Резервный день: {d(reserve)} - "
                           "с теми же кодами.")
    vpr("rooms", "sheet", str(out_dir / "аудитория.pdf"), "--room", "Кабинет информатики", "--subject", "eng8")

    # the form: the experts' points for everyone present
    vpr("results", "template", str(out_dir / "форма.xlsx"), "--subject", "eng8")
    wb = load_workbook(out_dir / "форма.xlsx")
    ws = wb.active
    for r in range(9, ws.max_row + 1):
        if ws.cell(r, 6).value is None:
            ws.cell(r, 6, 1 + r % 2)
            for j in range(6):
                ws.cell(r, 7 + j, (r + j) % 3)
    wb.save(out_dir / "заполнено.xlsx")
    out = vpr("results", "import", str(out_dir / "заполнено.xlsx"), "--subject", "eng8", "--now", at(work, 12))
    assert out.strip() == "Принято результатов: 12 (ячеек «не выполнял»: 0)."  # the 3 absentees came pre-marked

    # a slip was given twice: the code is revoked after its results exist and replaced
    out = vpr("codes", "revoke", revoked, "--reason", "листок выдан дважды")
    new_code = re.search(r"Взамен выдан код (\d{5})", out)[1]
    assert "Результаты и отметки об отсутствии перенесены на новый код: eng8." in out
    vpr("codes", "pdf", str(out_dir / "новый_код.pdf"), "--code", new_code)
    listed = vpr("results", "list", "--subject", "eng8")
    assert revoked not in listed and new_code in listed

    out = vpr("upload", "prepare", str(out_dir / "загрузка"), "--subject", "eng8")
    assert "Участников с результатами: 12, отсутствовали: 3." in out
    checklist = next((out_dir / "загрузка").glob("*_checklist.txt")).read_text(encoding="utf-8")
    assert f'--data "{vpr.data.resolve()}"' in checklist
    vpr("upload", "confirm", "--subject", "eng8")
    assert "ВПР 2026 Английский язык 8 класс: загружено" in vpr("upload", "status")

    # one result changes after the upload: the coordinator is told to upload again
    vpr("results", "enter", "--subject", "eng8", "--code", new_code, "--variant", "2", "--points",
        "1=5,2=2,3=5,4=6,5=6,6=6", "--now", at(work + timedelta(days=1), 6))
    out = vpr("upload", "status")
    assert f"изменено после загрузки - загрузите ещё раз" in out and new_code in out
    assert "загрузите результаты ещё раз (результаты изменены после загрузки)" in vpr("schedule", "show")

    # the reserve day: the same code, accepted from that day only
    points = ["--subject", "eng8", "--code", reserve_one, "--variant", "1", "--points", "1=2,2=1,3=3,4=4,5=5,6=6"]
    out = vpr("results", "enter", *points, "--now", at(reserve - timedelta(days=1), 6), code=1)
    assert f"пишет работу в резервный день {d(reserve)}" in out
    vpr("results", "enter", *points, "--now", at(reserve, 6))
    vpr("upload", "prepare", str(out_dir / "загрузка2"), "--subject", "eng8")
    vpr("upload", "confirm", "--subject", "eng8")
    assert "ВПР 2026 Английский язык 8 класс: загружено" in vpr("upload", "status")

    # nothing a coordinator reads is confusing, and no name left the protocol
    for text in vpr.seen:
        assert not CONFUSING.search(text), text
    for p in out_dir.rglob("*"):
        if p.is_file():
            body = file_text(p).decode("utf-8", "ignore").lower()
            assert not any(n.lower() in body for n in ALL_NAMES), p

    # the audit, the passphrase typed at the prompt
    rc, out = vpr.typed("audit", "--pdf", str(tmp_path / "аудит.pdf"), "--fix-permissions", "--scan", str(out_dir),
                        answer=PASSPHRASE)
    assert rc == 0, out
    assert "Аудит хранения конфиденциальной информации - МАОУ СОШ №4" in out
    assert "ФИО вне протокола (выгрузки, журналы работы, резервные копии, временные файлы): в порядке." in out
    assert f"Отчёт для руководителя сохранён: {tmp_path / 'аудит.pdf'}" in out
    text = file_text(tmp_path / "аудит.pdf").decode("utf-8", "ignore")
    assert "С результатами ознакомлен (руководитель ОО)" in text and "НАРУШЕНИЕ" not in text
