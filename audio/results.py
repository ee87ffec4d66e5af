"""The value a finished (or recovered) recording is described by, and its JSON sidecar.

No I/O besides reading/writing the sidecar; no threads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from audio.analysis import Analysis
from vpr_common.atomic import atomic_write_text

SIDECAR_SUFFIX = ".json"


@dataclass(frozen=True)
class RecordingResult:
    """A finalized recording: a mono 16-bit FLAC and what we know about it.

    ``overflows``/``dropped_frames`` are ``None`` for a recovered recording (the counters
    died with the crashed process). ``recovered`` tells a recording rebuilt from its
    journal; ``discarded_bytes`` is the torn tail dropped during that rebuild;
    ``chain_sha256`` is the final hash of the journal's piece chain; ``pcm_sha256`` the
    hash of the decoded 16-bit little-endian samples (independent of FLAC encoding).

    ``sealed``: ``""`` for a plain FLAC; ``"flac"`` for a FLAC encrypted for the node;
    ``"pcm16"`` for a journal recovered without its key (encrypted capture-rate PCM:
    ``analysis`` is then ``None`` and ``pcm_sha256`` empty - the station cannot read it).
    """

    path: Path
    sha256: str
    size_bytes: int
    duration_s: float
    frames: int
    sample_rate: int
    capture_rate: int
    analysis: Analysis | None
    overflows: int | None = 0
    dropped_frames: int | None = 0
    recovered: bool = False
    discarded_bytes: int = 0
    pieces: int = 0
    chain_sha256: str = ""
    pcm_sha256: str = ""
    device: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    faults: tuple[str, ...] = field(default_factory=tuple)
    sealed: str = ""

    @property
    def sidecar_path(self) -> Path:
        return self.path.with_suffix(SIDECAR_SUFFIX)

    def as_dict(self) -> dict:
        """JSON-friendly summary (also the sidecar's content)."""
        return {
            "file": str(self.path),
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "duration_s": round(self.duration_s, 4),
            "frames": self.frames,
            "sample_rate": self.sample_rate,
            "capture_rate": self.capture_rate,
            "format": {"": "FLAC, mono, 16-bit", "flac": "FLAC, mono, 16-bit, encrypted for the node",
                       "pcm16": "recovered journal, mono 16-bit PCM, encrypted for the node"}[self.sealed],
            "sealed": self.sealed,
            "analysis": self.analysis.as_dict() if self.analysis is not None else None,
            "overflows": self.overflows,
            "dropped_frames": self.dropped_frames,
            "recovered": self.recovered,
            "discarded_bytes": self.discarded_bytes,
            "pieces": self.pieces,
            "chain_sha256": self.chain_sha256,
            "pcm_sha256": self.pcm_sha256,
            "device": self.device,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "faults": list(self.faults),
        }

    def write_sidecar(self) -> None:
        """Atomically write ``<name>.json`` beside the FLAC."""
        atomic_write_text(self.sidecar_path, json.dumps(self.as_dict(), ensure_ascii=False, indent=2) + "\n")

    @classmethod
    def from_sidecar(cls, path: Path) -> "RecordingResult":
        """Load a sidecar written by :meth:`write_sidecar`. Raises ``OSError``/``ValueError``."""
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(
            path=Path(d["file"]), sha256=d["sha256"], size_bytes=d["size_bytes"],
            duration_s=d["duration_s"], frames=d["frames"], sample_rate=d["sample_rate"],
            capture_rate=d["capture_rate"], analysis=Analysis.from_dict(d["analysis"]) if d["analysis"] else None,
            overflows=d["overflows"], dropped_frames=d["dropped_frames"], recovered=d["recovered"],
            discarded_bytes=d["discarded_bytes"], pieces=d["pieces"], chain_sha256=d["chain_sha256"],
            pcm_sha256=d.get("pcm_sha256", ""), device=d["device"], started_at=d["started_at"], finished_at=d["finished_at"],
            faults=tuple(d["faults"]), sealed=str(d.get("sealed", "")),
        )
