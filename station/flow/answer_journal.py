"""The written section's answers on disk as they change: an append-only journal
``written.jsonl`` in the session folder, one JSON line per change (``seq``, UTC time,
task, item, value), made durable with ``fsync`` by one writer thread - the same
guarantee as the audio pieces: after a kill or a power cut only the change of the last
few milliseconds can be missing, every earlier one is on disk. :func:`replay` reads it
back (a torn last line is skipped).

Why a thread and an append-only file: a change is one short ``write`` plus ``fsync``
(about 1-10 ms on a local disk, measured by ``bench/written_answers.py``), and no atomic
rewrite of a whole file per key press; on a slow or busy disk ``fsync`` can take far
longer than a frame, so the UI thread only queues the change and the writer thread
writes everything queued in one ``write`` and one ``fsync``.

Threads: :meth:`AnswerJournal.record` is called from the UI thread; it puts the change
on a bounded queue (a full queue - the disk has stalled for many changes - makes the UI
thread wait for room: an answer is never dropped). The writer thread owns the file. A
write failure (full disk) is kept in :attr:`AnswerJournal.fault`, which the flow checks
on every tick and shows to the adult; the answers stay in the session state, which is
saved atomically as well.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
from collections import deque
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from vpr_common.atomic import fsync_dir

log = logging.getLogger(__name__)

JOURNAL_FILE = "written.jsonl"
_STOP = object()


def replay(path: Path) -> tuple[dict[str, dict[str, int | str]], int]:
    """The answers a journal holds (the last value of every item; an empty text means
    the item was cleared) and the highest sequence number. A missing file is empty."""
    answers: dict[str, dict[str, int | str]] = {}
    last = 0
    if not Path(path).exists():
        return answers, last
    for line in Path(path).read_bytes().splitlines():
        try:
            rec = json.loads(line)
            task, item, value, seq = rec["task"], rec["item"], rec["value"], int(rec["seq"])
        except (ValueError, KeyError, TypeError):
            log.warning("skipping a torn line of %s", path)
            continue
        last = max(last, seq)
        if value == "":
            answers.get(task, {}).pop(item, None)
        else:
            answers.setdefault(task, {})[item] = value
    return answers, last


class AnswerJournal:
    """See the module docstring. ``latencies`` keeps, for the last changes, the seconds
    from :meth:`record` to their ``fsync`` (read by the self-test and the benchmark)."""

    def __init__(self, path: Path, *, first_seq: int = 0, queue_size: int = 256) -> None:
        self.path = Path(path)
        created = not self.path.exists()
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
        if created:
            fsync_dir(self.path.parent)  # the new file's name survives a power cut too
        elif self._torn():
            os.write(self._fd, b"\n")  # end a line a crash cut, or the next change would join it
            os.fsync(self._fd)
        self._seq = first_seq
        self._queue: queue.Queue = queue.Queue(maxsize=queue_size)
        self._lock = threading.Lock()
        self._durable = threading.Condition(self._lock)
        self.durable_seq = first_seq
        self.durable_at: dict[int, float] = {}  # seq -> monotonic time of its fsync (bounded below)
        self.latencies: deque[float] = deque(maxlen=2000)
        self.fault: OSError | None = None
        self._thread = threading.Thread(target=self._run, name=f"answer-journal-{self.path.parent.name}", daemon=True)
        self._thread.start()

    def _torn(self) -> bool:
        with open(self.path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            if fh.tell() == 0:
                return False
            fh.seek(-1, os.SEEK_END)
            return fh.read(1) != b"\n"

    def record(self, task_id: str, item_id: str, value: int | str) -> int:
        """Queue one change; returns its sequence number (durable soon after)."""
        self._seq += 1
        rec = {"seq": self._seq, "t": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
               "task": task_id, "item": item_id, "value": value}
        self._queue.put((self._seq, time.monotonic(), rec))  # blocks only when the disk has stalled
        return self._seq

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = any(b is _STOP for b in batch)
            batch = [b for b in batch if b is not _STOP]
            if batch:
                self._write(batch)
            if stop:
                return

    def _write(self, batch: list[tuple[int, float, dict[str, Any]]]) -> None:
        data = b"".join(json.dumps(rec, ensure_ascii=False).encode("utf-8") + b"\n" for _s, _t, rec in batch)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view):]
            os.fsync(self._fd)
        except OSError as exc:  # the flow shows it; the answers stay in the session state
            log.exception("answer journal %s: write failed", self.path)
            self.fault = exc
            return
        now = time.monotonic()
        with self._durable:
            self.durable_seq = batch[-1][0]
            for seq, queued, _rec in batch:
                self.latencies.append(now - queued)
                self.durable_at[seq] = now
            while len(self.durable_at) > 4000:
                self.durable_at.pop(next(iter(self.durable_at)))
            self._durable.notify_all()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every recorded change is durable; False on timeout or a fault."""
        deadline = time.monotonic() + timeout
        with self._durable:
            while self.durable_seq < self._seq and self.fault is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._durable.wait(left)
        return self.fault is None

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued, stop the thread and close the file. Never raises."""
        try:
            self._queue.put(_STOP, timeout=timeout)
            self._thread.join(timeout)
        except queue.Full:
            pass
        if self._thread.is_alive():  # the disk stalls: leave the file to the thread (a daemon)
            log.error("answer journal %s: writer stalled at close", self.path)
            return
        try:
            os.close(self._fd)
        except OSError:
            pass
