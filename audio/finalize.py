"""Turning a recording journal into the final FLAC + JSON sidecar, atomically.

Steps: stream the verified pieces out of the journal (mixing to mono and resampling to
the storage rate on the way), encode a temp FLAC beside the target, fsync it,
``os.replace`` it into place, fsync the directory, hash it, write the sidecar
atomically, decode the FLAC back and compare it with what was written, and only then
delete the journal. A crash at any point leaves either the
journal (recoverable) or the finished FLAC; running finalization again is harmless.

Threads: runs in the caller's thread (the recorder's ``stop()`` or recovery).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import soundfile as sf

from audio.analysis import RunningAnalysis
from audio.devices import STORAGE_RATE
from audio.errors import DiskFullError, EmptyRecordingError, StorageError
from audio.journal import SUFFIX, read_journal, read_params
from audio.resample import Resampler
from audio.results import RecordingResult
from vpr_common.errors import is_disk_full
from vpr_common.atomic import fsync_dir


def file_sha256(path: Path) -> str:
    """SHA-256 hex digest of a file (read in 1 MiB chunks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def flac_path_for(journal: Path) -> Path:
    return journal.with_name(journal.name[: -len(SUFFIX)] + ".flac")


def _os_error(exc: OSError, what: str):
    if is_disk_full(exc):
        return DiskFullError(f"{what}: {exc}")
    return StorageError(f"{what}: {exc}")


def _disk_nearly_full(directory: Path) -> bool:
    """Whether less than 64 KiB is free (libsndfile hides the errno of a failed write)."""
    try:
        return shutil.disk_usage(directory).free < 64 * 1024
    except OSError:
        return False


def _decoded_pcm_sha256(path: Path) -> tuple[int, str]:
    """(frames, SHA-256 of the little-endian 16-bit PCM) of a decoded FLAC: the journal is
    deleted only after the file on disk was read back and matched what was written."""
    h = hashlib.sha256()
    frames = 0
    for block in sf.blocks(str(path), blocksize=1 << 16, dtype="int16"):
        h.update(block.astype("<i2").tobytes())
        frames += len(block)
    return frames, h.hexdigest()


def finalize_journal(journal: Path, *, recovered: bool, overflows: int | None = None,
                     dropped_frames: int | None = None, faults: tuple[str, ...] = ()) -> RecordingResult:
    """Finalize ``journal`` into ``<name>.flac`` + ``<name>.json`` and remove the journal.

    Raises :class:`~audio.errors.JournalError` / ``JournalTamperedError`` for a bad
    journal, ``EmptyRecordingError`` (journal removed) when it holds no audio,
    :class:`~audio.errors.DiskFullError` or ``StorageError`` when the FLAC cannot be
    written (the journal is then kept).
    """
    journal = Path(journal)
    target = flac_path_for(journal)
    params = read_params(journal)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=journal.parent)
        os.close(fd)
    except OSError as exc:
        raise _os_error(exc, f"finalizing {journal}") from exc
    tmp = Path(tmp_name)
    stats = RunningAnalysis(STORAGE_RATE)
    pcm_hash = hashlib.sha256()
    written = 0
    try:
        if int(params["channels"]) != 1:  # the recorder mixes to mono before the journal
            raise StorageError(f"{journal}: {params['channels']} channels in the journal, expected 1")
        rate = int(params["capture_rate"])
        resampler = Resampler(rate, STORAGE_RATE)
        with sf.SoundFile(tmp, "w", samplerate=STORAGE_RATE, channels=1, subtype="PCM_16", format="FLAC",
                          compression_level=1.0) as out:

            def emit(mono: np.ndarray) -> None:
                nonlocal written
                if not len(mono):
                    return
                if mono.dtype != np.int16:
                    mono = np.clip(np.round(mono * 32768.0), -32768, 32767).astype(np.int16)
                out.write(mono)
                pcm_hash.update(mono.astype("<i2").tobytes())
                stats.add(mono)
                written += len(mono)

            def sink(payload: bytes) -> None:
                mono = np.frombuffer(payload, dtype="<i2")
                if resampler.identity:
                    emit(mono)
                else:
                    emit(resampler.feed(mono.astype(np.float64) / 32768.0))

            contents = read_journal(journal, sink)
            if not resampler.identity:
                # Trim the flush so the length matches the input duration exactly.
                tail = resampler.flush()
                want = round(contents.frames * STORAGE_RATE / rate)
                emit(tail[: max(0, want - written)])
        if written == 0:
            tmp.unlink(missing_ok=True)
            journal.unlink()
            fsync_dir(journal.parent)
            raise EmptyRecordingError(f"{journal}: no audio frames")
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _os_error(exc, f"finalizing {journal}") from exc
    except RuntimeError as exc:  # libsndfile reports a failed write as LibsndfileError
        tmp.unlink(missing_ok=True)
        if _disk_nearly_full(journal.parent):
            raise DiskFullError(f"finalizing {journal}: {exc}") from exc
        raise StorageError(f"finalizing {journal}: {exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    pcm_sha256 = pcm_hash.hexdigest()
    if _decoded_pcm_sha256(target) != (written, pcm_sha256):
        raise StorageError(f"{target}: the FLAC does not decode to the audio written (journal kept)")
    result = RecordingResult(
        path=target, sha256=file_sha256(target), size_bytes=target.stat().st_size,
        duration_s=written / STORAGE_RATE, frames=written, sample_rate=STORAGE_RATE,
        capture_rate=rate, analysis=stats.result(), overflows=overflows,
        dropped_frames=dropped_frames, recovered=recovered,
        discarded_bytes=contents.discarded_bytes, pieces=contents.pieces,
        chain_sha256=contents.chain, pcm_sha256=pcm_sha256, device=params.get("device"),
        started_at=params.get("started_at"),
        finished_at=datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        faults=tuple(faults),
    )
    try:
        result.write_sidecar()
        journal.unlink()
        fsync_dir(journal.parent)
    except OSError as exc:
        raise _os_error(exc, f"writing sidecar for {target}") from exc
    return result
