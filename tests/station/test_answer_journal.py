"""The written answers' journal on real files: every change durable after ``flush``,
replayed in order with the last value winning and a torn last line skipped, many
changes from the UI thread never lost, and a full disk (a real 64 KB tmpfs) reported
as a fault instead of raised into the UI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading

import pytest

from station.flow.answer_journal import AnswerJournal, replay


def test_changes_are_durable_and_replayed(tmp_path):
    path = tmp_path / "written.jsonl"
    j = AnswerJournal(path)
    for text in ("w", "we", "wen", "went"):
        j.record("grammar", "g1", text)
    j.record("reading", "A", 3)
    j.record("reading", "A", 1)
    j.record("vocabulary", "g2", "x")
    j.record("vocabulary", "g2", "")  # cleared
    assert j.flush(2.0)
    assert j.durable_seq == 8 and len(j.latencies) == 8
    j.close()
    answers, last = replay(path)
    assert answers == {"grammar": {"g1": "went"}, "reading": {"A": 1}, "vocabulary": {}} and last == 8
    lines = [json.loads(x) for x in path.read_text("utf-8").splitlines()]
    assert [x["seq"] for x in lines] == list(range(1, 9)) and lines[0]["t"].endswith("+00:00")


def test_a_torn_last_line_is_skipped_and_numbering_continues(tmp_path):
    path = tmp_path / "written.jsonl"
    j = AnswerJournal(path)
    j.record("grammar", "g1", "went")
    j.close()
    with open(path, "ab") as fh:
        fh.write(b'{"seq": 2, "t": "2026-01-01T00:00:00+00:00", "task": "gram')  # power cut mid-line
    answers, last = replay(path)
    assert answers == {"grammar": {"g1": "went"}} and last == 1
    j2 = AnswerJournal(path, first_seq=last)
    assert j2.record("grammar", "g2", "best") == 2
    j2.close()
    assert replay(path)[0] == {"grammar": {"g1": "went", "g2": "best"}}


def test_a_burst_from_another_thread_loses_nothing(tmp_path):
    path = tmp_path / "written.jsonl"
    j = AnswerJournal(path, queue_size=4)  # a tiny queue: record() must wait, never drop

    def burst():
        for i in range(300):
            j.record("grammar", f"g{i % 6}", f"v{i}")

    t = threading.Thread(target=burst)
    t.start()
    t.join(30)
    assert j.flush(10.0)
    j.close()
    answers, last = replay(path)
    assert last == 300 and answers["grammar"] == {f"g{k}": f"v{294 + k}" for k in range(6)}


def test_full_disk_is_a_fault_not_an_exception(tmp_path):
    if not shutil.which("mount") or os.geteuid() != 0:
        pytest.fail("this test mounts a 64 KB tmpfs and needs root (as the audio disk-full test does)")
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)], check=True)
    try:
        j = AnswerJournal(mnt / "written.jsonl")
        j.record("grammar", "g1", "went")
        assert j.flush(2.0)
        st = os.statvfs(mnt)
        (mnt / "filler").write_bytes(b"\0" * (st.f_bavail * st.f_frsize))
        j.record("grammar", "g1", "x" * 60000)
        assert not j.flush(2.0)
        assert j.fault is not None and j.fault.errno == 28  # ENOSPC
        j.close()
        assert replay(mnt / "written.jsonl")[0] == {"grammar": {"g1": "went"}}
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
