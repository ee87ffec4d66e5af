"""The station outbox: persistent states, idempotent add, backoff that grows, caps
and always reschedules, and a worker that never drops a package when the node is
unreachable."""

from __future__ import annotations

import random
import time

import pytest

from sync.client import NodeClient
from sync.outbox import BACKOFF_CAP_S, Outbox, OutboxState, backoff_delay
from sync.package import seal_package
from sync.signing import StationKey, generate_private_key
from sync.uploader import SyncWorker
from tests.sync.harness import free_port


def _pkg(tmp_path, key, code="12345"):
    src = tmp_path / f"{code}.flac"
    src.write_bytes(b"x" * 5000 + code.encode())
    return seal_package({"a.flac": src}, {"participant_code": code, "variant": "1", "subject": "english"}, key,
                        tmp_path / "sealed")


def test_states_persist_across_reopen(tmp_path):
    key = StationKey("st-1", generate_private_key())
    box = Outbox(tmp_path / "box")
    e = box.add(_pkg(tmp_path, key))
    assert e.state is OutboxState.PENDING and e.path.parent == box.packages_dir
    assert box.add(e.path).package_id == e.package_id and len(box.entries()) == 1  # idempotent
    assert box.mark_uploading(e.package_id)
    box.record_progress(e.package_id, 1234)
    reopened = Outbox(tmp_path / "box")  # as after a crash mid-attempt
    e2 = reopened.get(e.package_id)
    assert e2.state is OutboxState.PENDING and e2.bytes_sent == 1234 and e2.attempts == 1
    reopened.mark_acked(e.package_id, "verified")
    assert Outbox(tmp_path / "box").get(e.package_id).state is OutboxState.ACKED
    assert e.path.exists()  # the outbox never deletes package files


def _meta(code, session):
    return {"participant_code": code, "variant": "1", "subject": "english", "extra": {"session_id": session}}


def test_seal_writes_into_the_outbox_and_queues(tmp_path):
    key = StationKey("st-1", generate_private_key())
    box = Outbox(tmp_path / "box")
    src = tmp_path / "a.flac"
    src.write_bytes(b"x" * 5000)
    e = box.seal({"a.flac": src}, _meta("12345", "s1"), key)
    assert e.state is OutboxState.PENDING and e.path.parent == box.packages_dir
    assert list(box.packages_dir.iterdir()) == [e.path]  # sealed in place: one copy on disk
    [(path, manifest)] = box.packages_of("12345")
    assert path == e.path and manifest["extra"] == {"session_id": "s1"}


def test_packages_of_finds_queued_and_unqueued_packages_of_one_participant(tmp_path, monkeypatch):
    key = StationKey("st-1", generate_private_key())
    box = Outbox(tmp_path / "box")
    src = tmp_path / "a.flac"
    src.write_bytes(b"x" * 5000)
    queued = box.seal({"a.flac": src}, _meta("12345", "s1"), key)
    box.seal({"a.flac": src}, _meta("54321", "s2"), key)  # another participant

    def power_cut(self, pkg):
        raise OSError("power cut")

    monkeypatch.setattr(Outbox, "add", power_cut)
    with pytest.raises(OSError):
        box.seal({"a.flac": src}, _meta("12345", "s3"), key)  # sealed, but the row never written
    monkeypatch.undo()
    (box.packages_dir / f"torn{queued.path.suffix}").write_bytes(b"PK\x03\x04 cut here")
    found = list(box.packages_of("12345"))
    assert [m["extra"]["session_id"] for _, m in found] == ["s1", "s3"]  # queued first; torn file skipped
    assert found[0][0] == queued.path and box.get(queued.package_id) is not None
    assert len(box.entries()) == 2 and list(box.packages_of("99999")) == []


def test_backoff_grows_and_caps():
    rng = random.Random(1)
    delays = [backoff_delay(n, rng) for n in range(1, 12)]
    assert delays[0] < 1.3 and delays[3] > 5
    assert max(delays) <= BACKOFF_CAP_S * 1.2 and delays[-1] >= BACKOFF_CAP_S * 0.8


def test_progress_counts_bytes(tmp_path):
    key = StationKey("st-1", generate_private_key())
    box = Outbox(tmp_path / "box")
    a = box.add(_pkg(tmp_path, key, "11111"))
    b = box.add(_pkg(tmp_path, key, "22222"))
    box.mark_acked(a.package_id, "verified")
    box.record_progress(b.package_id, b.size // 2)
    p = box.progress()
    assert (p.total, p.acked, p.waiting) == (2, 1, 1)
    assert p.bytes_done == a.size + b.size // 2
    assert 0 < p.percent < 100


def test_unreachable_node_always_reschedules(tmp_path):
    key = StationKey("st-1", generate_private_key())
    box = Outbox(tmp_path / "box")
    e = box.add(_pkg(tmp_path, key))
    dead = f"https://127.0.0.1:{free_port()}"
    worker = SyncWorker(box, lambda: NodeClient(dead, "00" * 32, key), key)
    last = 0.0
    for attempt in range(1, 4):
        box.retry_now()
        [res] = worker.run_once()
        assert res.state is OutboxState.PENDING and res.status == "node_unreachable"
        assert res.next_attempt_at > time.time()
        entry = box.get(e.package_id)
        assert entry.attempts == attempt
        assert entry.last_error and entry.last_error.startswith("node_unreachable")
        last = res.next_attempt_at
    assert last > time.time() and box.due() == [] and len(box.entries()) == 1


def test_background_worker_stops_cleanly(tmp_path):
    key = StationKey("st-1", generate_private_key())
    box = Outbox(tmp_path / "box")
    box.add(_pkg(tmp_path, key))
    dead = f"https://127.0.0.1:{free_port()}"
    worker = SyncWorker(box, lambda: NodeClient(dead, "00" * 32, key), key)
    worker.start()
    time.sleep(0.5)
    worker.stop()
    assert box.entries()[0].attempts >= 1 and box.entries()[0].state is OutboxState.PENDING
