"""Fixtures for the school side: a real school.sqlite in a temp dir, an unlocked vault
(fast scrypt parameters), the demo subjects, a class list with names, a real uvicorn
server on a free loopback port."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from coordinator.school import codes, protocol, roster, subjects, vault
from coordinator.school.store import SchoolStore

PASSPHRASE = "зелёный слон 2026 ключ"
NAMES = ["Иванова Снежана Викторовна", "Петров Пётр Петрович", "Кузнецова Ярослава Игоревна",
         "Сидоров Аркадий Львович", "Wolfgang Amadeus Mozartov"]
CLASS_LIST_CSV = (
    "Класс;ФИО;eng8;Математика\n"
    f"8А;{NAMES[0]};5;4\n"
    f"8а;{NAMES[1]};4;\n"
    f"8 Б;{NAMES[2]};3;3\n"
    f"8Б;{NAMES[3]};;5\n"
    f"8Б;{NAMES[4]};2;2\n"
)


@pytest.fixture()
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "node"


@pytest.fixture()
def store(data_dir: Path):
    s = SchoolStore(data_dir)
    yield s
    s.close()


@pytest.fixture()
def key(store: SchoolStore) -> vault.VaultKey:
    return vault.init_vault(store, PASSPHRASE, n=2**12)


@pytest.fixture()
def demo(store: SchoolStore) -> list[subjects.Subject]:
    items = subjects.read_subjects_file(subjects.demo_subjects_path())
    subjects.save_subjects(store, items)
    return items


@pytest.fixture()
def eng8(store: SchoolStore, demo) -> subjects.Subject:
    return subjects.get_subject(store, "eng8")


@pytest.fixture()
def class_list(tmp_path: Path) -> Path:
    p = tmp_path / "list.csv"
    p.write_text(CLASS_LIST_CSV, encoding="utf-8")
    return p


@pytest.fixture()
def school(store, key, class_list, demo) -> list[codes.CodeInfo]:
    """Five named participants in 8А/8Б with codes, demo subjects loaded."""
    roster.import_class_list(store, class_list, key)
    codes.generate(store)
    return codes.active_codes(store)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A real uvicorn server for ``app`` on a free loopback port, in a thread."""

    def __init__(self, app) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.time() + 10
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def journal_by_name(store: SchoolStore, key: vault.VaultKey) -> dict[str, dict]:
    """{name: journal marks} from the vault (issue 20: marks are encrypted, ids random);
    asserts that nothing of them is left in clear in ``participants``."""
    assert {r[0] for r in store.conn.execute("SELECT journal_json FROM participants")} <= {"{}"}
    names, marks = protocol.read_names(store, key), protocol.read_journal(store, key)
    return {names[pid]: marks.get(pid, {}) for pid in names}


def data_dir_with(tmp_path: Path, fixture_file: str) -> Path:
    """A data folder holding a copy of ``fixtures/<fixture_file>`` as its school.sqlite
    (a file written by an older release, for the migration tests)."""
    import shutil

    d = tmp_path / "node"
    d.mkdir()
    shutil.copyfile(Path(__file__).parent / "fixtures" / fixture_file, d / "school.sqlite")
    return d
