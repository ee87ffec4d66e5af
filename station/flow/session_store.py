"""On-disk home of participant sessions: ``<root>/<session_id>/`` holds
``session.json`` (atomic), ``events.jsonl`` (the timeline, one fsync'd line per event)
and ``audio/`` (the recorder's journals and FLAC pieces).

Nothing here is deleted: a session folder stays until a technician archives it, so a
sealed package can always be rebuilt from it."""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from station.flow.phases import SessionState
from vpr_common.atomic import atomic_write_text

log = logging.getLogger(__name__)

SESSION_FILE = "session.json"
EVENTS_FILE = "events.jsonl"


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class SessionStore:
    """The sessions folder of one station."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def dir_of(self, session_id: str) -> Path:
        return self.root / session_id

    def audio_dir(self, session_id: str) -> Path:
        d = self.dir_of(session_id) / "audio"
        d.mkdir(parents=True, exist_ok=True)
        return d

    def save(self, state: SessionState) -> None:
        """Atomically persist ``state`` (raises ``OSError`` on a disk fault)."""
        d = self.dir_of(state.session_id)
        d.mkdir(parents=True, exist_ok=True)
        atomic_write_text(d / SESSION_FILE, json.dumps(state.to_json(), ensure_ascii=False, indent=1))

    def load(self, session_id: str) -> SessionState:
        return SessionState.from_json(json.loads((self.dir_of(session_id) / SESSION_FILE).read_text("utf-8")))

    def append_event(self, session_id: str, event: str, **details: Any) -> dict[str, Any]:
        """Append one timeline event, fsync'd, and return it."""
        record = {"t": utc_now(), "event": event, **details}
        d = self.dir_of(session_id)
        d.mkdir(parents=True, exist_ok=True)
        with open(d / EVENTS_FILE, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        return record

    def events(self, session_id: str) -> list[dict[str, Any]]:
        """The timeline; a torn last line (crash mid-write) is skipped."""
        path = self.dir_of(session_id) / EVENTS_FILE
        if not path.exists():
            return []
        out = []
        for line in path.read_text("utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                log.warning("skipping torn event line in %s", path)
        return out

    def unfinished(self) -> list[SessionState]:
        """Sessions that were not sealed, oldest first."""
        found = []
        for d in sorted(self.root.iterdir()) if self.root.exists() else []:
            f = d / SESSION_FILE
            if not f.is_file():
                continue
            try:
                state = SessionState.from_json(json.loads(f.read_text("utf-8")))
            except (ValueError, KeyError, TypeError):
                log.exception("unreadable session file %s", f)
                continue
            if not state.finished:
                found.append(state)
        return sorted(found, key=lambda s: s.created_at)
