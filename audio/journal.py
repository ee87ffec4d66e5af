"""The recording journal: the on-disk form of a recording in progress.

One append-only file ``<name>.vprrec`` per recording. It starts with a header
(magic, JSON parameters) and continues with *pieces*: each piece is the audio
written since the previous one (16-bit little-endian PCM, interleaved at the capture
rate and channel count) behind a fixed-size piece header::

    b"PIEC" | seq u32 | first_frame u64 | nbytes u32 | chain 32 bytes | payload

``chain`` is ``sha256(prev_chain || seq || first_frame || nbytes || payload)``; the
first ``prev_chain`` is ``sha256(magic || header JSON)``.

Encrypted journals (a station's recordings, see :mod:`audio.encryption`) carry in the
header ``sealed_to`` (the recording key wrapped for the node) and ``salt``; every
payload on disk is then the piece's ChaCha20-Poly1305 ciphertext (16 bytes longer than
the audio), and the chain runs over the ciphertext, so the structure can be checked and
a torn tail cut without the key. The same layout with ``content: "flac"`` holds a
finished recording's FLAC bytes (``.vprenc``, :mod:`audio.finalize`); there the frame
counter counts 2-byte units. The writer fsyncs after every
piece (the recorder writes one at least every 0.1 s), so a crash or power cut loses at
most the audio of one piece interval plus what was still in the queue, and a piece
cannot be altered without breaking the chain.

Threads: a :class:`JournalWriter` is owned by exactly one thread (the recorder's
writer thread); :func:`read_journal` is used by finalization and recovery.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag

from audio.encryption import TAG_BYTES, FileCipher
from audio.errors import JournalError, JournalTamperedError, RecordingEncryptedError
from vpr_common.atomic import fsync_dir

MAGIC = b"VPRREC01"
SUFFIX = ".vprrec"
_HDR_LEN = struct.Struct("<I")
_PIECE = struct.Struct("<4sIQI32s")
_PIECE_MAGIC = b"PIEC"
_MAX_HEADER = 1 << 20


def _sync(fd: int) -> None:
    # fdatasync is enough for appended data + size on Linux; elsewhere fsync.
    if hasattr(os, "fdatasync"):
        os.fdatasync(fd)
    else:
        os.fsync(fd)


def _piece_chain(prev: bytes, seq: int, first_frame: int, payload: bytes | memoryview) -> bytes:
    h = hashlib.sha256(prev)
    h.update(struct.pack("<IQI", seq, first_frame, len(payload)))
    h.update(payload)
    return h.digest()


def _lock(fd: int) -> None:
    """Hold an exclusive lock while the journal is written, so recovery can tell a live
    recording from an interrupted one (the OS drops the lock when the process dies)."""
    if os.name == "posix":
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    else:  # pragma: no cover - Windows: lock the first byte (others cannot read it)
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)


def journal_in_use(path: Path) -> bool:
    """Whether a live recorder (in any process) is still writing ``path``."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError:
        return False
    try:
        if os.name == "posix":
            import fcntl

            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError:
                return True
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        try:  # pragma: no cover - Windows
            os.read(fd, 1)
        except PermissionError:
            return True
        return False
    finally:
        os.close(fd)


def cipher_for(params: dict, header: bytes, key: bytes | None) -> FileCipher | None:
    if "sealed_to" not in params or key is None:
        return None
    return FileCipher(key, bytes.fromhex(str(params["salt"])), hashlib.sha256(MAGIC + header).digest())


def is_sealed(params: dict) -> bool:
    """Whether the journal's pieces are encrypted for the node."""
    return "sealed_to" in params


class JournalWriter:
    """Appends fsync'd pieces to a new journal. Raises ``OSError`` from the OS (the
    recorder turns ENOSPC into :class:`~audio.errors.DiskFullError`).

    With ``key`` (the recording key; ``params`` then hold ``sealed_to`` and ``salt``)
    every piece is encrypted before it is written. ``sync_each=False`` leaves the fsync
    to the caller (:meth:`sync`), for files written in one go."""

    def __init__(self, path: Path, params: dict, key: bytes | None = None, sync_each: bool = True) -> None:
        self.path = Path(path)
        if key is not None and not ("sealed_to" in params and "salt" in params):
            raise ValueError("an encrypted journal needs sealed_to and salt in its params")
        header = json.dumps(params, ensure_ascii=False, sort_keys=True).encode("utf-8")
        self._cipher = cipher_for(params, header, key)
        self._sync_each = sync_each
        self.channels = int(params["channels"])
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
        try:
            _lock(self._fd)
            self._write_all(MAGIC + _HDR_LEN.pack(len(header)) + header)
            _sync(self._fd)
            fsync_dir(self.path.parent)
        except BaseException:
            os.close(self._fd)
            self.path.unlink(missing_ok=True)
            raise
        self.chain = hashlib.sha256(MAGIC + header).digest()
        self.offset = len(MAGIC) + _HDR_LEN.size + len(header)
        self.seq = 0
        self.frames = 0
        self.closed = False

    def _write_all(self, data: bytes | memoryview) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self._fd, view)
            view = view[n:]

    def append(self, payload: bytes) -> None:
        """Write one piece and fsync it. On an OS error the file is cut back to the last
        complete piece (shrinking needs no space) and the error re-raised."""
        if not payload:
            return
        seq = self.seq + 1
        plain_len = len(payload)
        if self._cipher is not None:
            payload = self._cipher.encrypt(seq, self.frames, payload)
        chain = _piece_chain(self.chain, seq, self.frames, payload)
        record = _PIECE.pack(_PIECE_MAGIC, seq, self.frames, len(payload), chain) + payload
        try:
            self._write_all(record)
            if self._sync_each:
                _sync(self._fd)
        except OSError:
            try:
                os.ftruncate(self._fd, self.offset)
                _sync(self._fd)
            except OSError:
                pass
            raise
        self.offset += len(record)
        self.seq = seq
        self.chain = chain
        self.frames += plain_len // (2 * self.channels)

    def sync(self) -> None:
        _sync(self._fd)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self._fd)


@dataclass(frozen=True)
class JournalContents:
    """What :func:`read_journal` found."""

    params: dict
    pieces: int
    frames: int
    chain: str
    discarded_bytes: int


def find_journals(directory: Path) -> list[Path]:
    """The journals (interrupted or not yet finalized recordings) in ``directory``."""
    return sorted(p for p in Path(directory).glob(f"*{SUFFIX}") if p.is_file())


def read_params(path: Path) -> dict:
    """Only the journal's header parameters. Raises :class:`JournalError`."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(MAGIC) + _HDR_LEN.size)
            if len(head) < len(MAGIC) + _HDR_LEN.size or head[: len(MAGIC)] != MAGIC:
                raise JournalError(f"{path}: not a recording journal")
            (hlen,) = _HDR_LEN.unpack(head[len(MAGIC):])
            if hlen > _MAX_HEADER:
                raise JournalError(f"{path}: header too large")
            return json.loads(fh.read(hlen).decode("utf-8"))
    except OSError as exc:
        raise JournalError(f"{path}: {exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise JournalError(f"{path}: damaged header") from exc


def _later_piece_follows(fh, start: int, seq: int) -> bool:
    """Whether the header of piece ``seq`` appears anywhere after ``start`` (a damaged
    length field would otherwise pass for a torn tail and silently drop the rest)."""
    fh.seek(start)
    needle = _PIECE_MAGIC + struct.pack("<I", seq)
    tail = b""
    while True:
        chunk = fh.read(1 << 20)
        if not chunk:
            return False
        if needle in tail + chunk:
            return True
        tail = chunk[-(len(needle) - 1):]


def read_journal(path: Path, sink=None, key: bytes | None = None) -> JournalContents:
    """Verify the journal and feed every valid payload to ``sink(bytes)`` in order.

    An encrypted journal's structure is checked without a key; to feed its audio to
    ``sink`` the recording ``key`` is needed (raises
    :class:`~audio.errors.RecordingEncryptedError` without it); a piece whose
    ciphertext was altered (the chain can be recomputed by anyone, the tag cannot)
    raises :class:`JournalTamperedError`.

    A torn tail (an incomplete last piece, or a last piece whose hash does not match,
    as after a power cut) is dropped and counted in ``discarded_bytes``. A piece that
    breaks the chain and is followed by more data means tampering or corruption:
    raises :class:`JournalTamperedError`. Raises :class:`JournalError` when the file
    is missing or is not a journal.
    """
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise JournalError(f"{path}: {exc}") from exc
    with fh:
        size = os.fstat(fh.fileno()).st_size
        head = fh.read(len(MAGIC) + _HDR_LEN.size)
        if len(head) < len(MAGIC) + _HDR_LEN.size or head[: len(MAGIC)] != MAGIC:
            raise JournalError(f"{path}: not a recording journal")
        (hlen,) = _HDR_LEN.unpack(head[len(MAGIC):])
        if hlen > _MAX_HEADER:
            raise JournalError(f"{path}: header too large")
        header = fh.read(hlen)
        try:
            params = json.loads(header.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise JournalError(f"{path}: damaged header") from exc
        chain = hashlib.sha256(MAGIC + header).digest()
        channels = int(params.get("channels", 1))
        sealed = is_sealed(params)
        if sealed and sink is not None and key is None:
            raise RecordingEncryptedError(f"{path}: sealed for the node")
        cipher = cipher_for(params, header, key) if sink is not None else None
        overhead = TAG_BYTES if sealed else 0
        pos = len(head) + hlen
        pieces = frames = 0
        while pos < size:
            raw = fh.read(_PIECE.size)
            if len(raw) < _PIECE.size:
                break
            magic, seq, first_frame, nbytes, want = _PIECE.unpack(raw)
            end = pos + _PIECE.size + nbytes
            if magic != _PIECE_MAGIC or end > size:
                # A torn last write, unless a later piece follows (then the middle was damaged).
                if _later_piece_follows(fh, pos + 4, pieces + 2):
                    raise JournalTamperedError(f"{path}: damaged piece header at offset {pos}")
                break
            payload = fh.read(nbytes)
            got = _piece_chain(chain, seq, first_frame, payload)
            if got != want or seq != pieces + 1 or first_frame != frames:
                if end < size:
                    raise JournalTamperedError(f"{path}: piece {pieces + 1} at offset {pos} breaks the chain")
                break
            if nbytes < overhead:
                raise JournalTamperedError(f"{path}: piece {pieces + 1} shorter than its tag")
            if sink is not None:
                if cipher is not None:
                    try:
                        payload = cipher.decrypt(seq, first_frame, payload)
                    except InvalidTag as exc:
                        raise JournalTamperedError(f"{path}: piece {pieces + 1} fails its authentication tag") from exc
                sink(payload)
            chain = got
            pieces += 1
            frames += (nbytes - overhead) // (2 * channels)
            pos = end
        return JournalContents(params=params, pieces=pieces, frames=frames, chain=chain.hex(),
                               discarded_bytes=size - pos)

