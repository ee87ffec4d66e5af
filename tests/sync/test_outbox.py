"""The station outbox: persistent states, idempotent add, backoff that grows, caps
and always reschedules, and a worker that never drops a package when the node is
unreachable."""

from __future__ import annotations

import random
import time

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
