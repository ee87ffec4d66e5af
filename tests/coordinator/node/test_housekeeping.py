"""Abandoned partial uploads: dropped with their part files after a day without
progress (real SQLite, real files), by ``vpr-node cleanup`` and by a running node at
start; the station then uploads again from byte 0 and nothing is lost."""

from __future__ import annotations

import json
import os
import time

from coordinator.node.housekeeping import ORPHAN_GRACE_S, clean_incoming, orphan_parts, remove_orphan_part
from coordinator.node.ingest import part_path
from coordinator.node.storage import NodeStore
from tests.sync.harness import NodeProcess, make_package, pair_station, run_node_cli

DAY = 24 * 3600


def _partial(store: NodeStore, package_id: str, size: int, written: int, age_s: float) -> None:
    store.start_upload(package_id, "st001-abcd", size)
    part_path(store, package_id).write_bytes(b"x" * written)
    store.commit_offset(package_id, 0, written)
    with store.tx() as db:
        db.execute("UPDATE uploads SET updated_at=? WHERE package_id=?", (time.time() - age_s, package_id))


def test_stale_upload_dropped_fresh_one_kept(tmp_path):
    store = NodeStore(tmp_path / "n")
    old, fresh = "a" * 64, "b" * 64
    _partial(store, old, 1000, 600, DAY + 60)
    _partial(store, fresh, 1000, 300, 3600)
    report = clean_incoming(store)
    assert [d["package_id"] for d in report.dropped] == [old]
    assert report.dropped[0]["offset"] == 600 and report.dropped[0]["idle_hours"] >= 24
    assert report.freed_bytes == 600
    assert not part_path(store, old).exists() and store.get_upload(old) is None
    assert part_path(store, fresh).exists() and store.get_upload(fresh).offset == 300
    assert clean_incoming(store).dropped == []  # nothing left to do


def test_orphan_part_files_removed_after_grace(tmp_path):
    store = NodeStore(tmp_path / "n")
    orphan = store.incoming_dir / ("c" * 64 + ".part")
    orphan.write_bytes(b"y" * 50)
    young = store.incoming_dir / ("d" * 64 + ".part")
    young.write_bytes(b"z" * 10)
    past = time.time() - ORPHAN_GRACE_S - 60
    os.utime(orphan, (past, past))
    report = clean_incoming(store)
    assert report.orphan_files == [orphan.name] and report.freed_bytes == 50
    assert not orphan.exists() and young.exists()


def test_upload_that_moves_again_is_not_dropped(tmp_path):
    # The row is re-checked inside the deleting transaction: progress made after the
    # list was taken keeps the upload.
    store = NodeStore(tmp_path / "n")
    pid = "e" * 64
    _partial(store, pid, 1000, 100, DAY + 60)
    assert store.drop_upload_if_stale(pid, time.time() - DAY - 3600) is None  # not older than that cutoff
    store.commit_offset(pid, 100, 200)  # a chunk arrives: updated_at is now
    assert store.drop_upload_if_stale(pid, time.time() - DAY) is None
    assert store.get_upload(pid).offset == 200


def test_cleanup_cli_and_node_start_drop_abandoned_uploads_station_resends(tmp_path):
    node = NodeProcess(tmp_path / "node").start()
    try:
        st = pair_station(node, tmp_path / "st")
        c = st.client()
        pkgs = [make_package(st, tmp_path / f"p{i}", code=f"1234{i}", size=300_000) for i in range(2)]
        for pkg in pkgs:  # both uploads stop after their first 100 kB
            c._json("PUT", f"/api/v1/uploads/{pkg.package_id}", {"size": pkg.size})
            c._send("PATCH", f"/api/v1/uploads/{pkg.package_id}", query="offset=0",
                    body=pkg.path.read_bytes()[:100_000], unsigned_body=True)
        store = node.store()
        with store.tx() as db:
            db.execute("UPDATE uploads SET updated_at=? WHERE package_id=?", (time.time() - 2 * DAY,
                                                                                pkgs[0].package_id))
        rc, out, err = run_node_cli("status", "--data", str(node.data_dir))
        assert rc == 0 and "без движения 48 ч" in out

        rc, out, err = run_node_cli("cleanup", "--json", "--data", str(node.data_dir))
        report = json.loads(out)
        assert rc == 0 and [d["package_id"] for d in report["dropped"]] == [pkgs[0].package_id]
        assert report["freed_bytes"] == 100_000
        assert store.get_upload(pkgs[1].package_id).offset == 100_000  # recent: kept

        offsets = []
        assert c.upload(pkgs[0].path, pkgs[0].package_id, progress=lambda o, s: offsets.append(o)) == "verified"
        assert offsets[0] == 0  # started again from byte 0, accepted

        # The running node cleans up by itself at start (then hourly).
        with store.tx() as db:
            db.execute("UPDATE uploads SET updated_at=? WHERE package_id=?", (time.time() - 2 * DAY,
                                                                                pkgs[1].package_id))
        node.stop()
        node.start()
        deadline = time.time() + 15
        while store.get_upload(pkgs[1].package_id) is not None and time.time() < deadline:
            time.sleep(0.2)
        assert store.get_upload(pkgs[1].package_id) is None
        assert not part_path(store, pkgs[1].package_id).exists()
        assert st.client().upload(pkgs[1].path, pkgs[1].package_id) == "verified"
        assert {p["package_id"] for p in store.list_packages()} == {p.package_id for p in pkgs}
    finally:
        node.stop()


def test_cleanup_cli_bad_hours_is_a_russian_usage_error(tmp_path):
    rc, out, err = run_node_cli("cleanup", "--hours", "0", "--data", str(tmp_path / "n"))
    assert rc != 0 and "больше нуля" in (out + err) and "Traceback" not in (out + err)
    rc, out, err = run_node_cli("cleanup", "--hours", "сутки", "--data", str(tmp_path / "n"))
    assert rc != 0 and "Traceback" not in (out + err)


def test_orphan_claimed_by_a_new_upload_is_kept(tmp_path):
    store = NodeStore(tmp_path / "n")
    pid = "9" * 64
    path = part_path(store, pid)
    path.write_bytes(b"q" * 20)
    past = time.time() - ORPHAN_GRACE_S - 60
    os.utime(path, (past, past))
    [candidate] = orphan_parts(store)
    store.start_upload(pid, "st001-abcd", 100)  # a station opens the upload meanwhile
    assert remove_orphan_part(store, candidate) is False and path.exists()


def test_complete_without_its_part_file_restarts_the_upload(tmp_path):
    node = NodeProcess(tmp_path / "node").start()
    try:
        st = pair_station(node, tmp_path / "st")
        c = st.client()
        pkg = make_package(st, tmp_path, size=200_000)
        pid = pkg.package_id
        c._json("PUT", f"/api/v1/uploads/{pid}", {"size": pkg.size})
        c._send("PATCH", f"/api/v1/uploads/{pid}", query="offset=0", body=pkg.path.read_bytes(),
                unsigned_body=True)
        part_path(node.store(), pid).unlink()  # e.g. removed by another process's cleanup
        offsets = []
        assert c.upload(pkg.path, pid, progress=lambda o, s: offsets.append(o)) == "verified"
        assert 0 in offsets and node.store().has_package(pid)
    finally:
        node.stop()
