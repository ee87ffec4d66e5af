"""Sealing a finished session into a response package (format of :mod:`sync.package`)
and queueing it in the station outbox - only through the outbox's own methods
(:meth:`sync.outbox.Outbox.seal`, ``packages_of``, ``add``), never its folder.

The package holds every answer piece (FLAC) with its sidecar (hash, duration,
analysis), the listening answers, the written section's answers (``responses.json``)
with the journal of every change to them (``written.jsonl``), the photo choices, the
event timeline, the participant's accommodation and the latest readiness report; :func:`sync.package.seal_package` signs it with the station key. A
station that was never paired signs with its own key under the id ``unpaired-<host>``
so its packages are still sealed and verifiable; the node accepts them after the
technician pairs the station and imports them (USB) - see docs/station.md."""

from __future__ import annotations

import json
import logging
import platform
from pathlib import Path
from typing import Callable

from station.flow.answer_journal import JOURNAL_FILE
from station.flow.phases import SessionState
from station.flow.session_store import SessionStore
from sync.errors import NotPairedError
from sync.signing import StationKey
from sync.station_config import StationSync
from vpr_common.atomic import atomic_write_text

log = logging.getLogger(__name__)


def station_key(sync: StationSync) -> StationKey:
    """The paired identity, or a local one for an unpaired (demo) station."""
    try:
        return sync.station_key()
    except NotPairedError:
        return StationKey(f"unpaired-{platform.node() or 'station'}", sync.private_key())


class Sealer:
    """Callable the flow uses: ``sealer(state, store) -> package path``.

    ``on_sealed`` is called once a package is queued (the station wakes its upload
    worker with it); the readiness report sealed into packages is replaced with
    :meth:`set_readiness_report` when the technician runs the checks again."""

    def __init__(self, sync: StationSync, readiness_report: dict | None = None, *,
                 on_sealed: Callable[[], None] | None = None) -> None:
        self.sync = sync
        self._readiness_report = readiness_report or {}
        self._on_sealed = on_sealed

    def set_readiness_report(self, report: dict) -> None:
        """Seal ``report`` into every package from now on (called from a worker thread:
        one reference is swapped, a package being sealed keeps the one it read)."""
        self._readiness_report = report

    def already_sealed(self, state: SessionState) -> Path | None:
        """The package sealed for this session before a crash (or power cut) stopped
        the flow from recording it, if there is one: queued in the outbox, or sealed
        into it but not yet queued. Sealing again would send the node a second,
        slightly different package for the same session."""
        for path, manifest in self.sync.outbox.packages_of(state.participant_code):
            if (manifest.get("extra") or {}).get("session_id") == state.session_id:
                return path
        return None

    def _queued(self) -> None:
        if self._on_sealed is not None:
            self._on_sealed()

    def __call__(self, state: SessionState, store: SessionStore) -> str:
        done = self.already_sealed(state)
        if done is not None:
            self.sync.outbox.add(done)  # idempotent; queues it if the crash came before that
            self._queued()
            log.info("session %s was already sealed as %s; not sealing again", state.session_id, done)
            return str(done)
        session_dir = store.dir_of(state.session_id)
        audio_dir = store.audio_dir(state.session_id)
        files: dict[str, Path] = {}
        for task_id, pieces in state.pieces.items():
            for piece in pieces:
                flac = audio_dir / piece.file
                files[f"answers/{piece.file}"] = flac
                sidecar = flac.with_suffix(".json")
                if sidecar.exists():
                    files[f"answers/{sidecar.name}"] = sidecar
        journal = session_dir / JOURNAL_FILE
        if journal.exists():
            files["written.jsonl"] = journal
        choices = {
            "listening_answers": state.listening_answers,
            "written_answers": state.written_answers,
            "photo_choice": state.photo_choice,
            "pieces": {k: [p.__dict__ for p in v] for k, v in state.pieces.items()},
        }
        choices_file = session_dir / "responses.json"
        atomic_write_text(choices_file, json.dumps(choices, ensure_ascii=False, indent=1))
        files["responses.json"] = choices_file
        meta = {
            "participant_code": state.participant_code,
            "variant": str(state.variant),
            "subject": state.subject,
            "timeline": store.events(state.session_id),
            "readiness": self._readiness_report,
            "extra": {"session_id": state.session_id, "exam_package_id": state.package_id,
                      "resumes": state.resumes, "accommodation": state.accommodation,
                      "time_factor": round(state.time_factor, 4)},
        }
        entry = self.sync.outbox.seal(files, meta, station_key(self.sync))
        self._queued()
        log.info("sealed %s for %s: %s (%d bytes)", state.session_id, state.participant_code, entry.path, entry.size)
        return str(entry.path)
