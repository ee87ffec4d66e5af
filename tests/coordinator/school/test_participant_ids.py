"""Issue 20, the school's file without the passphrase: participant ids and the order rows
lie in the file tell nothing about the order of names, and the journal marks (a row of
them identifies a pupil as well as a name) are encrypted with the protocol. A file of
the version before (``fixtures/school_v2.sqlite``, made by main's code, see
``fixtures/make_school_v2.py``) is upgraded and keeps every result, code, protocol entry
and journal mark."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest

from coordinator.school import audit, codes, migrations, protocol, results, roster, subjects, vault
from coordinator.school.errors import JournalLockedError
from coordinator.school.store import SchoolStore
from tests.coordinator.school.conftest import PASSPHRASE, data_dir_with, journal_by_name
from tests.coordinator.school.fixtures.make_school_v2 import NAMES as V2_NAMES
from tests.coordinator.school.sqlite_pages import written_order

V2 = Path(__file__).parent / "fixtures" / "school_v2.sqlite"
SORTED_CLASS = sorted(f"{s} {f}" for s, f in zip(
    ["Абакумов", "Баранова", "Веселов", "Гусева", "Данилов", "Ершова", "Жаров", "Захарова", "Исаев", "Калинина",
     "Ларионов", "Макарова", "Назаров", "Осипова", "Панов", "Родионова", "Савин", "Тимофеева", "Уваров", "Фомина",
     "Харитонов", "Цветкова", "Чернов", "Шарова", "Щукин", "Юдина", "Яковлев", "Ярцева", "Агафонов", "Белова"],
    ["Иван Петрович", "Анна Ильинична", "Олег Иванович", "Вера Олеговна", "Пётр Сергеевич",
     "Мария Львовна", "Глеб Юрьевич", "Нина Павловна", "Лев Андреевич", "Ольга Петровна"] * 3))


def kendall(order: list[str]) -> float:
    """Kendall's tau of ``order`` against the alphabetical order: 1 - the same, -1 -
    reversed, about 0 - no relation."""
    n = len(order)
    rank = {name: i for i, name in enumerate(sorted(order))}
    r = [rank[x] for x in order]
    concordant = sum(1 for i in range(n) for j in range(i + 1, n) if r[i] < r[j])
    pairs = n * (n - 1) // 2
    return (2 * concordant - pairs) / pairs


def order_z(order: list[str]) -> float:
    """Kendall's tau in standard deviations of a random order (sd = sqrt(2(2n+5) /
    (9n(n-1)))): a random order stays within ±4.5 with probability 1 - 7e-6; the
    alphabetical order of 20 names is at 6.2."""
    n = len(order)
    return kendall(order) / (2 * (2 * n + 5) / (9 * n * (n - 1))) ** 0.5


UNRELATED = 4.5


def _checkpoint(store: SchoolStore) -> None:
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _orders(store: SchoolStore, names: dict[int, str], class_name: str) -> dict[str, list[str]]:
    """Names of one class in the orders the file offers without the passphrase: by id,
    by the written order of the participants' rows and of the codes' rows."""
    in_class = {int(r[0]) for r in store.conn.execute("SELECT id FROM participants WHERE class_name=?",
                                                       (class_name,))}
    by_rowid_code = {int(r[0]): int(r[1]) for r in store.conn.execute(
        "SELECT rowid, participant_id FROM codes WHERE status='active'")}
    _checkpoint(store)
    return {
        "id": [names[i] for i in sorted(in_class)],
        "participant rows": [names[i] for i in written_order(store.path, "participants") if i in in_class],
        "code rows": [names[by_rowid_code[r]] for r in written_order(store.path, "codes")
                      if by_rowid_code.get(r) in in_class],
        "code rowids": [names[by_rowid_code[r]] for r in sorted(by_rowid_code) if by_rowid_code[r] in in_class],
    }


def test_regression_participant_ids_do_not_follow_the_class_list(store, key, tmp_path, demo):
    """Regression (issue 20): a class list sorted by surname got ids 1..n in that order
    and the codes were attached to the ids, so the file and the list gave code <-> name
    without the passphrase. Now, from the rows and the bytes of the file: ids are random
    and large, and neither their order nor the order the rows were written in follows
    the names."""
    lst = tmp_path / "8а.csv"
    lst.write_text("Класс;ФИО;Английский язык\n" + "".join(f"8А;{n};{3 + i % 3}\n" for i, n in
                                                          enumerate(SORTED_CLASS)), encoding="utf-8")
    roster.import_class_list(store, lst, key)
    roster.add_counts(store, {"8Б": 5})
    codes.generate(store)
    ids = [int(r[0]) for r in store.conn.execute("SELECT id FROM participants")]
    assert min(ids) >= migrations.ID_MIN and max(ids) - min(ids) > 1000 * len(ids)
    names = protocol.read_names(store, key)
    assert sorted(names.values()) == SORTED_CLASS
    for what, order in _orders(store, names, "8А").items():
        assert sorted(order) == SORTED_CLASS, what
        assert abs(order_z(order)) < UNRELATED, (what, kendall(order))
    # the journal marks are not beside the ids either
    assert {r[0] for r in store.conn.execute("SELECT journal_json FROM participants")} == {"{}"}
    raw = store.path.read_bytes()
    assert '"английский язык"'.encode() not in raw
    assert journal_by_name(store, key)[SORTED_CLASS[0]] == {"английский язык": 3}


def test_regression_journal_marks_encrypted_at_rest(store, key, school, eng8, tmp_path):
    """Regression (issue 20): ``participants.journal_json`` kept every pupil's marks in
    clear beside the code - a row of marks identifies a pupil to anyone with the class
    journal. Now they are in the vault: not in the file's bytes, results carry the
    journal mark only with the key, and a form with the «Отметка по журналу» column
    asks for it (or is made without it on purpose)."""
    _checkpoint(store)
    raw = store.path.read_bytes()
    assert '"eng8": 5'.encode() not in raw and '"математика"'.encode() not in raw
    assert {r[0] for r in store.conn.execute("SELECT journal_json FROM participants")} == {"{}"}
    results.save_entries(store, eng8, [results.Entry(school[0].code, 1, (2, 5, 5, 6, 6, 6))], results.Source.CLI)
    assert results.list_results(store, eng8)[0].journal_mark is None
    assert results.journal_locked(store, None) and not results.journal_locked(store, key)
    assert results.list_results(store, eng8, key=key)[0].journal_mark in (4, 5)
    from coordinator.school import forms

    with pytest.raises(JournalLockedError) as e:
        forms.export_results(store, eng8, tmp_path / "a.xlsx")
    assert "--without-journal" in e.value.remedy_ru and not (tmp_path / "a.xlsx").exists()
    assert forms.export_results(store, eng8, tmp_path / "b.xlsx", without_journal=True) == 1


def _raw_key(con: sqlite3.Connection) -> vault.VaultKey:
    salt = bytes.fromhex(con.execute("SELECT value FROM meta WHERE key='vault_salt'").fetchone()[0])
    n = json.loads(con.execute("SELECT value FROM meta WHERE key='vault_kdf'").fetchone()[0])["n"]
    return vault.VaultKey(vault._derive(PASSPHRASE, salt, n))


def _v2_facts(path: Path) -> dict:
    """What the file of the version before holds, read with sqlite3 and the key alone."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        key = _raw_key(con)
        names = {int(k): v for k, v in vault.get_json(SimpleNamespace(conn=con), key, "protocol", {}).items()}
        people = {int(r[0]): (r[1], json.loads(r[2]), r[3]) for r in con.execute(
            "SELECT id, class_name, journal_json, code FROM participants")}
        return {
            "code_name": {code: names.get(pid, "") for pid, (_, _, code) in people.items() if code},
            "code_marks": {code: marks for pid, (_, marks, code) in people.items() if code},
            "codes": sorted((r[0], r[1], r[2], r[3], r[4], names.get(r[5], "")) for r in con.execute(
                "SELECT code, status, issued_utc, revoke_reason, replaced_by, participant_id FROM codes")),
            "results": sorted(tuple(r) for r in con.execute("SELECT * FROM results")),
            "changes": sorted(tuple(r) for r in con.execute("SELECT * FROM result_changes")),
            "uploads": sorted(tuple(r) for r in con.execute("SELECT * FROM uploads")),
            "rooms": sorted(tuple(r) for r in con.execute("SELECT * FROM room_staff")),
            "names": sorted(names.values()),
        }
    finally:
        con.close()


@pytest.fixture()
def v2_dir(tmp_path: Path) -> Path:
    return data_dir_with(tmp_path, V2.name)


def test_regression_v2_file_gets_random_ids_and_keeps_everything(v2_dir):
    """Regression (issue 20): the file of main before the fix (ids in the alphabetical
    order, marks in clear) is upgraded; the part that needs the key runs at the first
    unlock, and afterwards every result, code, change, upload, protocol entry and journal
    mark is what it was - under random ids whose order tells nothing."""
    before = _v2_facts(v2_dir / "school.sqlite")
    assert sorted(before["names"]) == sorted(V2_NAMES["8А"] + V2_NAMES["8Б"])
    old_orders = {what: order_z(o) for what, o in _orders_v2(v2_dir / "school.sqlite").items()}
    assert all(z > UNRELATED for z in old_orders.values()), old_orders  # the leak the fix closes
    with SchoolStore(v2_dir) as s:
        assert s.upgraded_from == 2 and s._schema_version() == migrations.LATEST == 4
        assert migrations.rekey_pending(s.conn)
        assert results.journal_locked(s, None)
        report = audit.run_audit(s, passphrase=None, scan_dirs=[])
        assert [f.status for f in report.findings if f.check == "participant_ids"] == [audit.Status.WARN]
    with SchoolStore(v2_dir) as s:
        key = vault.unlock(s, PASSPHRASE)
        assert not migrations.rekey_pending(s.conn)
        entries = protocol.entries(s, key)
        assert {e.code: e.name for e in entries if e.code} == before["code_name"]
        assert sorted(e.name for e in entries if e.name) == before["names"]
        marks = protocol.read_journal(s, key)
        assert {e.code: marks.get(e.participant_id, {}) for e in entries if e.code} == before["code_marks"]
        names = {e.participant_id: e.name for e in entries}
        assert sorted((r[0], r[1], r[2], r[3], r[4], names.get(r[5], "")) for r in s.conn.execute(
            "SELECT code, status, issued_utc, revoke_reason, replaced_by, participant_id FROM codes")) == before["codes"]
        assert sorted(tuple(r) for r in s.conn.execute("SELECT * FROM results")) == before["results"]
        assert sorted(tuple(r) for r in s.conn.execute("SELECT * FROM result_changes")) == before["changes"]
        assert sorted(tuple(r) for r in s.conn.execute("SELECT * FROM uploads")) == before["uploads"]
        assert sorted(tuple(r) for r in s.conn.execute("SELECT * FROM room_staff")) == before["rooms"]
        assert {r[0] for r in s.conn.execute("SELECT journal_json FROM participants")} == {"{}"}
        eng8 = subjects.get_subject(s, "eng8")
        got = {r.code: r.journal_mark for r in results.list_results(s, eng8, key=key)}
        assert got == {c: results.journal_mark(before["code_marks"][c], eng8) for c in got}
        for cls in ("8А", "8Б"):
            for what, order in _orders(s, names, cls).items():
                assert abs(order_z(order)) < UNRELATED, (cls, what, kendall(order))
        assert '"английский язык"'.encode() not in s.path.read_bytes()
        assert not Path(str(s.path) + "-wal").exists() or Path(str(s.path) + "-wal").stat().st_size == 0
    with SchoolStore(v2_dir) as s:  # once only: a second unlock changes nothing
        ids = sorted(int(r[0]) for r in s.conn.execute("SELECT id FROM participants"))
        vault.unlock(s, PASSPHRASE)
        assert sorted(int(r[0]) for r in s.conn.execute("SELECT id FROM participants")) == ids


def _orders_v2(path: Path) -> dict[str, list[str]]:
    """The same orders in the old file (to show the test sees the leak there)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        key = _raw_key(con)
        names = {int(k): v for k, v in vault.get_json(SimpleNamespace(conn=con), key, "protocol", {}).items()}
        in_class = {int(r[0]) for r in con.execute("SELECT id FROM participants WHERE class_name='8А'")}
    finally:
        con.close()
    return {"id": [names[i] for i in sorted(in_class)],
            "participant rows": [names[i] for i in written_order(path, "participants") if i in in_class]}


def test_a_file_without_vault_is_rekeyed_at_once(data_dir):
    """Counts only (names on paper): nothing needs the key, the upgrade is whole."""
    with SchoolStore(data_dir) as s:
        roster.add_counts(s, {"8А": 3})
        assert not migrations.rekey_pending(s.conn)
        assert min(int(r[0]) for r in s.conn.execute("SELECT id FROM participants")) >= migrations.ID_MIN
