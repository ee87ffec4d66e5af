"""Sealing a finished session into a response package (format of :mod:`sync.package`)
and queueing it in the station outbox.

The package holds every answer piece (FLAC) with its sidecar (hash, duration,
analysis), the listening answers and photo choices, the event timeline and the latest
readiness report; :func:`sync.package.seal_package` signs it with the station key. A
station that was never paired signs with its own key under the id ``unpaired-<host>``
so its packages are still sealed and verifiable; the node accepts them after the
technician pairs the station and imports them (USB) - see docs/station.md."""

from __future__ import annotations

import json
import logging
import platform
from pathlib import Path

from station.flow.phases import SessionState
from station.flow.session_store import SessionStore
from sync.errors import NotPairedError, PackageError
from sync.package import SUFFIX, read_manifest, seal_package
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
    """Callable the flow uses: ``sealer(state, store) -> package path``."""

    def __init__(self, sync: StationSync, readiness_report: dict | None = None) -> None:
        self.sync = sync
        self.readiness_report = readiness_report or {}
        self.on_sealed = None  # e.g. wake the sync worker

    def already_sealed(self, state: SessionState) -> Path | None:
        """The package sealed for this session before a crash (or power cut) stopped
        the flow from recording it, if there is one: queued in the outbox, or written
        into its folder but not yet queued. Sealing again would send the node a second,
        slightly different package for the same session."""
        outbox = self.sync.outbox
        known = {e.path.name for e in outbox.entries()}
        candidates = [e.path for e in outbox.entries() if e.participant_code == state.participant_code]
        candidates += [f for f in sorted(outbox.packages_dir.glob(f"*{SUFFIX}")) if f.name not in known]
        for path in candidates:
            try:
                manifest, _, _ = read_manifest(path)
            except PackageError:
                continue  # not a whole package (a torn copy): never ours to reuse
            if (manifest.get("extra") or {}).get("session_id") == state.session_id:
                return path
        return None

    def __call__(self, state: SessionState, store: SessionStore) -> str:
        done = self.already_sealed(state)
        if done is not None:
            self.sync.outbox.add(done)  # idempotent; queues it if the crash came before that
            if self.on_sealed is not None:
                self.on_sealed()
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
        choices = {
            "listening_answers": state.listening_answers,
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
            "readiness": self.readiness_report,
            "extra": {"session_id": state.session_id, "exam_package_id": state.package_id,
                      "resumes": state.resumes},
        }
        # sealed straight into the outbox folder: one copy on disk, queued in place
        sealed = seal_package(files, meta, station_key(self.sync), self.sync.outbox.packages_dir)
        self.sync.outbox.add(sealed)
        if self.on_sealed is not None:
            self.on_sealed()
        log.info("sealed %s for %s: %s (%d bytes)", state.session_id, state.participant_code, sealed.path, sealed.size)
        return str(sealed.path)
