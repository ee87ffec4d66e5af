"""Turning a recording journal into the final FLAC + JSON sidecar, atomically.

Steps: stream the verified pieces out of the journal (mixing to mono and resampling to
the storage rate on the way), encode a temp FLAC beside the target, fsync it,
``os.replace`` it into place, fsync the directory, hash it, write the sidecar
atomically, decode the FLAC back and compare it with what was written, and only then
delete the journal. A crash at any point leaves either the
journal (recoverable) or the finished FLAC; running finalization again is harmless.

A station's recordings are encrypted (:mod:`audio.encryption`): their journal becomes
``<name>.vprenc`` - the FLAC made in memory and written encrypted at a normal stop, or,
after a crash, the journal's verified encrypted pieces as they are. Only the node opens
them (:func:`open_sealed`).

Threads: runs in the caller's thread (the recorder's ``stop()`` or recovery).
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import soundfile as sf

from audio.analysis import RunningAnalysis
from audio.devices import STORAGE_RATE
from audio.encryption import new_recording_key, new_salt, unwrap_key, wrap_key
from audio.errors import DiskFullError, EmptyRecordingError, JournalError, JournalTamperedError, StorageError
from audio.journal import SUFFIX, JournalWriter, is_sealed, read_journal, read_params
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


def _decoded_pcm_sha256(path) -> tuple[int, str]:
    """(frames, SHA-256 of the little-endian 16-bit PCM) of a decoded FLAC: the journal is
    deleted only after the file on disk was read back and matched what was written."""
    h = hashlib.sha256()
    frames = 0
    for block in sf.blocks(path if hasattr(path, "read") else str(path), blocksize=1 << 16, dtype="int16"):
        h.update(block.astype("<i2").tobytes())
        frames += len(block)
    return frames, h.hexdigest()


SEALED_SUFFIX = ".vprenc"
_SEALED_PIECE = 256 * 1024


def sealed_path_for(journal: Path) -> Path:
    return journal.with_name(journal.name[: -len(SUFFIX)] + SEALED_SUFFIX)


def _encode(journal: Path, params: dict, out, key: bytes | None):
    """Stream the journal's verified audio (decrypted with ``key`` when sealed), mixed
    to mono and resampled to the storage rate, into the FLAC file object ``out``.
    Returns (frames written, PCM SHA-256, analysis, journal contents, capture rate)."""
    if int(params["channels"]) != 1:  # the recorder mixes to mono before the journal
        raise StorageError(f"{journal}: {params['channels']} channels in the journal, expected 1")
    rate = int(params["capture_rate"])
    resampler = Resampler(rate, STORAGE_RATE)
    stats = RunningAnalysis(STORAGE_RATE)
    pcm_hash = hashlib.sha256()
    written = 0
    with sf.SoundFile(out, "w", samplerate=STORAGE_RATE, channels=1, subtype="PCM_16", format="FLAC",
                      compression_level=1.0) as flac:

        def emit(mono: np.ndarray) -> None:
            nonlocal written
            if not len(mono):
                return
            if mono.dtype != np.int16:
                mono = np.clip(np.round(mono * 32768.0), -32768, 32767).astype(np.int16)
            flac.write(mono)
            pcm_hash.update(mono.astype("<i2").tobytes())
            stats.add(mono)
            written += len(mono)

        def sink(payload: bytes) -> None:
            mono = np.frombuffer(payload, dtype="<i2")
            if resampler.identity:
                emit(mono)
            else:
                emit(resampler.feed(mono.astype(np.float64) / 32768.0))

        contents = read_journal(journal, sink, key)
        if not resampler.identity:
            # Trim the flush so the length matches the input duration exactly.
            tail = resampler.flush()
            want = round(contents.frames * STORAGE_RATE / rate)
            emit(tail[: max(0, want - written)])
    return written, pcm_hash.hexdigest(), stats, contents, rate


def _drop_empty(journal: Path) -> None:
    journal.unlink()
    fsync_dir(journal.parent)
    raise EmptyRecordingError(f"{journal}: no audio frames")


def finalize_journal(journal: Path, *, recovered: bool, overflows: int | None = None,
                     dropped_frames: int | None = None, faults: tuple[str, ...] = (),
                     key: bytes | None = None) -> RecordingResult:
    """Finalize ``journal`` into ``<name>.flac`` + ``<name>.json`` and remove the journal.

    An encrypted journal (a station's) becomes ``<name>.vprenc`` instead: with its
    ``key`` (a normal stop: the recorder still holds it) the FLAC is made in memory and
    written encrypted; without it (recovery after a crash: the key only exists wrapped
    for the node) the journal's verified pieces are kept as they are, still encrypted,
    for the node to decode.

    Raises :class:`~audio.errors.JournalError` / ``JournalTamperedError`` for a bad
    journal, ``EmptyRecordingError`` (journal removed) when it holds no audio,
    :class:`~audio.errors.DiskFullError` or ``StorageError`` when the FLAC cannot be
    written (the journal is then kept).
    """
    journal = Path(journal)
    params = read_params(journal)
    if is_sealed(params):
        if key is None:
            return _keep_sealed(journal, params, faults)
        return _finalize_sealed(journal, params, key, recovered, overflows, dropped_frames, faults)
    target = flac_path_for(journal)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=journal.parent)
        os.close(fd)
    except OSError as exc:
        raise _os_error(exc, f"finalizing {journal}") from exc
    tmp = Path(tmp_name)
    try:
        written, pcm_sha256, stats, contents, rate = _encode(journal, params, tmp, None)
        if written == 0:
            tmp.unlink(missing_ok=True)
            _drop_empty(journal)
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
    if _decoded_pcm_sha256(target) != (written, pcm_sha256):
        raise StorageError(f"{target}: the FLAC does not decode to the audio written (journal kept)")
    return _encoded_result(journal, target, params, (written, pcm_sha256, stats, contents, rate),
                           overflows, dropped_frames, recovered, faults)


def _encoded_result(journal: Path, target: Path, params: dict, encoded: tuple, overflows, dropped_frames,
                    recovered: bool, faults, sealed: str = "") -> RecordingResult:
    """The result of a recording encoded to FLAC (``encoded``: what :func:`_encode`
    returned) and now at ``target``, plain or sealed; its sidecar written and the
    journal removed (:func:`_finish`)."""
    written, pcm_sha256, stats, contents, rate = encoded
    result = RecordingResult(
        path=target, sha256=file_sha256(target), size_bytes=target.stat().st_size,
        duration_s=written / STORAGE_RATE, frames=written, sample_rate=STORAGE_RATE,
        capture_rate=rate, analysis=stats.result(), overflows=overflows,
        dropped_frames=dropped_frames, recovered=recovered,
        discarded_bytes=contents.discarded_bytes, pieces=contents.pieces,
        chain_sha256=contents.chain, pcm_sha256=pcm_sha256, device=params.get("device"),
        started_at=params.get("started_at"), finished_at=_now(), faults=tuple(faults), sealed=sealed,
    )
    _finish(journal, result)
    return result


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _finish(journal: Path, result: RecordingResult) -> None:
    try:
        result.write_sidecar()
        journal.unlink()
        fsync_dir(journal.parent)
    except OSError as exc:
        raise _os_error(exc, f"writing sidecar for {result.path}") from exc


def _write_sealed(target: Path, params: dict, key: bytes, data: bytes) -> None:
    """``data`` (FLAC bytes) encrypted into ``target`` atomically, fsync'd."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    header = {"content": "flac", "channels": 1, "sample_rate": STORAGE_RATE, "size": len(data),
              "sealed_to": params["sealed_to"], "salt": new_salt()}
    writer = JournalWriter(tmp, header, key, sync_each=False)
    try:
        for at in range(0, len(data), _SEALED_PIECE):
            writer.append(data[at:at + _SEALED_PIECE])
        writer.sync()
    except BaseException:
        writer.close()
        tmp.unlink(missing_ok=True)
        raise
    writer.close()
    os.replace(tmp, target)
    fsync_dir(target.parent)


def _finalize_sealed(journal: Path, params: dict, key: bytes, recovered: bool, overflows, dropped_frames,
                     faults) -> RecordingResult:
    """A normal stop of an encrypted recording: FLAC in memory, written encrypted, read
    back and decrypted once to prove the file holds exactly that FLAC."""
    target = sealed_path_for(journal)
    buf = io.BytesIO()
    try:
        written, pcm_sha256, stats, contents, rate = _encode(journal, params, buf, key)
        if written == 0:
            _drop_empty(journal)
        data = buf.getvalue()
        if _decoded_pcm_sha256(io.BytesIO(data)) != (written, pcm_sha256):
            raise StorageError(f"{journal}: the FLAC made in memory does not decode to the audio written")
        _write_sealed(target, params, key, data)
    except OSError as exc:
        raise _os_error(exc, f"finalizing {journal}") from exc
    except RuntimeError as exc:
        raise StorageError(f"finalizing {journal}: {exc}") from exc
    back = hashlib.sha256()
    check = read_journal(target, back.update, key)
    if back.digest() != hashlib.sha256(data).digest() or check.discarded_bytes:
        raise StorageError(f"{target}: the encrypted file does not read back as written (journal kept)")
    return _encoded_result(journal, target, params, (written, pcm_sha256, stats, contents, rate),
                           overflows, dropped_frames, recovered, faults, sealed="flac")


def _keep_sealed(journal: Path, params: dict, faults) -> RecordingResult:
    """Recovery of an encrypted journal without its key: its verified pieces (the torn
    tail cut off) become ``<name>.vprenc``, still encrypted; the node decodes them."""
    target = sealed_path_for(journal)
    contents = read_journal(journal)  # the chain, without the key
    if contents.pieces == 0:
        _drop_empty(journal)
    keep = journal.stat().st_size - contents.discarded_bytes
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(journal, "rb") as src, open(tmp, "wb") as dst:
            left = keep
            while left:
                block = src.read(min(left, 1 << 20))
                if not block:
                    raise StorageError(f"{journal}: shorter than read a moment ago")
                dst.write(block)
                left -= len(block)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _os_error(exc, f"recovering {journal}") from exc
    rate = int(params["capture_rate"])
    result = RecordingResult(
        path=target, sha256=file_sha256(target), size_bytes=target.stat().st_size,
        duration_s=contents.frames / rate, frames=contents.frames, sample_rate=rate, capture_rate=rate,
        analysis=None, overflows=None, dropped_frames=None, recovered=True,
        discarded_bytes=contents.discarded_bytes, pieces=contents.pieces, chain_sha256=contents.chain,
        pcm_sha256="", device=params.get("device"), started_at=params.get("started_at"),
        finished_at=_now(), faults=tuple(faults), sealed="pcm16",
    )
    _finish(journal, result)
    return result


def seal_flac(data: bytes, target: Path, node_public) -> None:
    """Write FLAC bytes made elsewhere as an encrypted recording for the node (the
    node's demo school builds its answers so; a station always goes through a journal)."""
    key = new_recording_key()
    _write_sealed(Path(target), {"sealed_to": wrap_key(key, node_public)}, key, data)


def open_sealed(path: Path, node_private) -> tuple[bytes, dict]:
    """On the node: the FLAC bytes of an encrypted recording (``.vprenc``) and its header.
    A finished recording is decrypted; a recovered journal is decrypted and encoded.
    Raises :class:`~audio.errors.RecordingKeyError` (another node's key),
    ``JournalError``/``JournalTamperedError``, ``EmptyRecordingError``."""
    params = read_params(path)
    if not is_sealed(params):
        raise JournalError(f"{path}: not an encrypted recording")
    key = unwrap_key(params["sealed_to"], node_private)
    if params.get("content") == "flac":
        out = io.BytesIO()
        contents = read_journal(path, out.write, key)
        if contents.discarded_bytes or out.tell() != int(params.get("size", -1)):
            raise JournalTamperedError(f"{path}: the encrypted FLAC is cut short")
        return out.getvalue(), params
    out = io.BytesIO()
    written, _sha, _stats, _contents, _rate = _encode(Path(path), params, out, key)
    if written == 0:
        raise EmptyRecordingError(f"{path}: no audio frames")
    return out.getvalue(), params
