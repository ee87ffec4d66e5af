"""Node storage and TLS identity: WAL mode, one-time pairing codes, nonces, offsets
committed only forward, certificate created once and reused."""

from __future__ import annotations

import time

from coordinator.node.storage import NodeStore
from coordinator.node.tls import ensure_certificate


def test_wal_and_files_dirs(tmp_path):
    store = NodeStore(tmp_path / "n")
    assert store.journal_mode() == "wal"
    assert store.incoming_dir.is_dir() and store.packages_dir.is_dir()


def test_pair_code_one_time_and_expiring(tmp_path):
    store = NodeStore(tmp_path / "n")
    code, exp = store.create_pair_code(600)
    assert len(code) == 8 and code.isdigit() and exp > time.time()
    assert store.register_station(code, "a", "A" * 44)
    assert store.register_station(code, "b", "B" * 44) == ""  # used
    old, _ = store.create_pair_code(-1)
    assert store.register_station(old, "c", "C" * 44) == ""  # expired
    again, _ = store.create_pair_code(600)
    sid = store.list_stations()[0].station_id
    assert store.register_station(again, "a2", "A" * 44) == sid  # same key keeps its id


def test_nonce_used_once(tmp_path):
    store = NodeStore(tmp_path / "n")
    assert store.use_nonce("st1", "abc12345")
    assert not store.use_nonce("st1", "abc12345")
    assert store.use_nonce("st2", "abc12345")


def test_offset_commits_only_from_expected_offset(tmp_path):
    store = NodeStore(tmp_path / "n")
    store.start_upload("a" * 64, "st1", 100)
    assert store.commit_offset("a" * 64, 0, 40)
    assert not store.commit_offset("a" * 64, 0, 80)  # a stale writer cannot move it
    assert store.get_upload("a" * 64).offset == 40


def test_certificate_created_once(tmp_path):
    a = ensure_certificate(tmp_path / "tls")
    b = ensure_certificate(tmp_path / "tls")
    assert a.fingerprint == b.fingerprint and len(a.fingerprint) == 64
    assert (a.key_path.stat().st_mode & 0o077) == 0


def test_codes_issued_by_the_school_are_valid_for_stations(tmp_path):
    """Codes from `vpr-node codes generate` count as valid next to imported ones."""
    from coordinator.school import codes as school_codes
    from coordinator.school import roster
    from coordinator.school.store import SchoolStore
    from coordinator.node.storage import NodeStore

    node = NodeStore(tmp_path)
    assert node.list_codes() == []  # no school database yet: nothing breaks
    node.import_codes(["11111"])
    with SchoolStore(tmp_path) as school:
        roster.add_counts(school, {"8А": 2})
        school_codes.generate(school)
        issued = [c.code for c in school_codes.active_codes(school)]
    assert len(issued) == 2
    assert node.list_codes() == sorted(["11111", *issued])
    assert all(node.is_valid_code(c) for c in issued) and node.is_valid_code("11111")
    assert not node.is_valid_code("00000")
