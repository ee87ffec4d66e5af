"""Faults on the way: connections cut at random offsets (a cutting TCP proxy), the
node killed (SIGKILL) and restarted mid-upload, the node's disk full (a small tmpfs).
In each case nothing is lost, nothing is stored twice, nothing unverified accepted."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time

import pytest

from sync.client import NodeClient
from sync.errors import NodeRefusedError
from sync.outbox import OutboxState
from sync.package import verify_package
from sync.protocol import upload_path
from sync.uploader import SyncWorker
from tests.sync.cutproxy import CuttingProxy
from tests.sync.harness import NodeProcess, make_package, pair_station, run_node_cli


def _one_verified_copy(node, pkg, station):
    rows = [p for p in node.store().list_packages() if p["package_id"] == pkg.package_id]
    files = list(node.store().packages_dir.glob(f"{pkg.package_id}*"))
    assert len(rows) == 1 and len(files) == 1
    verify_package(files[0], station.station_key().private_key.public_key(), expected_id=pkg.package_id)


def test_connection_cut_at_random_offsets(tmp_path):
    node = NodeProcess(tmp_path / "node").start()
    proxy = CuttingProxy(node.port, max_bytes=700_000, cut_first=12, seed=6)
    try:
        st = pair_station(node, tmp_path / "st")
        pkgs = [make_package(st, tmp_path, code=f"6000{i}", size=1_500_000) for i in range(2)]
        for p in pkgs:
            st.outbox.add(p)
        p = st.pairing()
        worker = SyncWorker(st.outbox, lambda: NodeClient(f"https://127.0.0.1:{proxy.port}", p.fingerprint,
                                                          st.station_key()),
                            st.station_key(), chunk_size=256 * 1024)
        import sync.outbox as ob

        ob.BACKOFF_CAP_S, saved = 0.3, ob.BACKOFF_CAP_S  # keep the test short; backoff itself is unit-tested
        try:
            assert worker.run_until_idle(90)
        finally:
            ob.BACKOFF_CAP_S = saved
        assert proxy.cuts >= 5
        assert all(e.state is OutboxState.ACKED for e in st.outbox.entries())
        assert max(e.attempts for e in st.outbox.entries()) > 1  # every cut failed an attempt, retried with backoff
        for pkg in pkgs:
            _one_verified_copy(node, pkg, st)
    finally:
        proxy.close()
        node.stop()


def test_node_killed_and_restarted_mid_upload(tmp_path):
    node = NodeProcess(tmp_path / "node").start()
    try:
        st = pair_station(node, tmp_path / "st")
        pkg = make_package(st, tmp_path, size=6_000_000)
        st.outbox.add(pkg)
        chunk = 512 * 1024

        def kill_node(offset, size):
            if offset >= 3 * chunk and node.proc.poll() is None:
                node.kill()  # the node process dies (SIGKILL) between two chunks

        worker = SyncWorker(st.outbox, st.client, st.station_key(), chunk_size=chunk)
        real_upload = NodeClient.upload

        def upload_with_kill(self, path, pid, progress=None, chunk_size=chunk):
            def both(o, s):
                progress(o, s)
                kill_node(o, s)
            return real_upload(self, path, pid, progress=both, chunk_size=chunk_size)

        NodeClient.upload = upload_with_kill
        try:
            [res] = worker.run_once()
        finally:
            NodeClient.upload = real_upload
        assert node.proc.poll() is not None and res.state is OutboxState.PENDING
        assert res.status == "node_unreachable" and res.next_attempt_at > time.time()
        committed = node.store().get_upload(pkg.package_id).offset
        assert committed >= 3 * chunk  # chunks before the kill were durable
        assert st.outbox.get(pkg.package_id).bytes_sent >= committed
        node.start()  # same data dir, same port
        offsets = []
        assert st.client().upload(pkg.path, pkg.package_id, progress=lambda o, s: offsets.append(o),
                                  chunk_size=chunk) == "verified"
        assert offsets[0] == committed  # resumed at the committed offset, not from zero
        _one_verified_copy(node, pkg, st)
    finally:
        node.stop()


def _mount_tmpfs(path, size):
    path.mkdir(parents=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    return r.returncode == 0


@pytest.fixture()
def small_disk(tmp_path):
    mnt = tmp_path / "small"
    if not _mount_tmpfs(mnt, "40m"):
        pytest.skip("cannot mount tmpfs here (needs root); disk-full test NOT run")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_node_disk_full(small_disk, tmp_path):
    node = NodeProcess(small_disk / "node").start()
    filler = small_disk / "filler.bin"
    try:
        st = pair_station(node, tmp_path / "st")
        pkg = make_package(st, tmp_path, size=10_000_000)
        st.outbox.add(pkg)
        client = st.client()

        def fill_disk(offset, size):
            if offset >= 1024 * 1024 and not filler.exists():
                free = shutil.disk_usage(small_disk).free
                with open(filler, "wb") as fh:
                    fh.write(b"\0" * (free - 256 * 1024))

        with pytest.raises(NodeRefusedError) as err:
            client.upload(pkg.path, pkg.package_id, progress=fill_disk, chunk_size=1024 * 1024)
        assert (err.value.status, err.value.reason) == (507, "node_disk_full")
        assert "место" in err.value.message_ru
        assert pkg.path.exists()
        up = node.store().get_upload(pkg.package_id)
        assert up is not None and up.offset < pkg.size
        # a fresh upload while the disk is full is refused up front with the same clear answer
        other = make_package(st, tmp_path, code="70002", size=2_000_000)
        with pytest.raises(NodeRefusedError) as err:
            client.upload(other.path, other.package_id)
        assert err.value.status == 507
        rc, out, _ = run_node_cli("status", "--json", "--data", str(node.data_dir))
        assert json.loads(out)["uploads_in_progress"][0]["package_id"] == pkg.package_id
        filler.unlink()  # the coordinator frees space; the station's retry completes
        assert client.upload(pkg.path, pkg.package_id, chunk_size=1024 * 1024) == "verified"
        _one_verified_copy(node, pkg, st)
    finally:
        node.stop()
        if filler.exists():
            os.unlink(filler)
        time.sleep(0.2)


def test_node_with_two_worker_processes(tmp_path):
    node = NodeProcess(tmp_path / "node", workers=2).start()
    try:
        stations = [pair_station(node, tmp_path / f"st{i}") for i in range(3)]
        for i, st in enumerate(stations):
            for j in range(2):
                st.outbox.add(make_package(st, tmp_path, code=f"9{i}00{j}", size=1_500_000))
        for st in stations:
            worker = SyncWorker(st.outbox, st.client, st.station_key(), chunk_size=256 * 1024)
            assert worker.run_until_idle(60)
            assert st.client().upload(st.outbox.entries()[0].path, st.outbox.entries()[0].package_id) == "already_have"
        assert len(node.store().list_packages()) == 6 and not node.store().list_rejections()
    finally:
        node.stop()


def test_disk_filling_mid_write_commits_nothing(small_disk, tmp_path):
    # Found in review: the node writes chunks unbuffered, and write() on a disk that
    # fills up returns fewer bytes than asked; had that count been ignored, the chunk
    # would have been committed with a hole. A real small tmpfs holds the node's files
    # (its database stays on the ordinary disk, so only the write can fail).
    from coordinator.node.ingest import final_path, part_path

    (tmp_path / "node").mkdir()
    (tmp_path / "node" / "files").symlink_to(small_disk, target_is_directory=True)
    node = NodeProcess(tmp_path / "node").start()
    filler = small_disk / "filler.bin"
    try:
        station = pair_station(node, tmp_path / "st")
        client = station.client()
        pkg = make_package(station, tmp_path, size=1_500_000)
        data = pkg.path.read_bytes()
        client._json("PUT", upload_path(pkg.package_id), {"size": pkg.size})
        with open(filler, "wb") as fh:  # leave about 256 KiB: the 900 KB chunk gets only part of it
            fh.write(b"\0" * (shutil.disk_usage(small_disk).free - 256 * 1024))
        with pytest.raises(NodeRefusedError) as err:
            client._send("PATCH", upload_path(pkg.package_id), query="offset=0", body=data[:900_000],
                         unsigned_body=True)
        assert (err.value.status, err.value.reason) == (507, "node_disk_full")
        store = node.store()
        assert store.get_upload(pkg.package_id).offset == 0
        assert part_path(store, pkg.package_id).stat().st_size < 900_000  # the write really was cut short
        filler.unlink()  # space freed: the resent chunks complete, byte for byte
        assert client.upload(pkg.path, pkg.package_id, chunk_size=900_000) == "verified"
        assert final_path(store, pkg.package_id).read_bytes() == data
    finally:
        node.stop()
        filler.unlink(missing_ok=True)
