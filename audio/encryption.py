"""Recordings encrypted at rest: the keys.

Every recording has its own random 32-byte key. The station never keeps it on disk:
it is *wrapped* for the coordinator node (X25519 with a fresh ephemeral key, HKDF-SHA256,
ChaCha20-Poly1305) and the wrapped form goes into the recording's header, so nothing on
the station - and nothing copied from it - can decrypt the recording; the node unwraps
it with its private recording key (``coordinator/node/recording_key.py``).

Each file made with the key (the journal while recording, the sealed FLAC after) gets
its own sub-key from HKDF with a random salt in that file's header, so piece numbers
can serve as nonces without ever repeating under one key. Keys live in Python objects
while the recording runs; Python cannot wipe memory, so they are dropped, not zeroed.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from audio.errors import RecordingKeyError

ALG = "x25519-hkdf-sha256-chacha20poly1305"
KEY_BYTES = 32
TAG_BYTES = 16
_WRAP_INFO = b"vpr recording key wrap v1"
_FILE_INFO = b"vpr recording file key v1"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(str(text).encode("ascii"), validate=True)


def public_raw(public: X25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_b64(public: X25519PublicKey) -> str:
    return _b64(public_raw(public))


def load_public_key_b64(text: str) -> X25519PublicKey:
    """Raises :class:`RecordingKeyError` for anything but 32 raw bytes in base64."""
    try:
        raw = _unb64(text)
        if len(raw) != 32:
            raise ValueError(f"{len(raw)} bytes")
        return X25519PublicKey.from_public_bytes(raw)
    except (ValueError, TypeError) as exc:
        raise RecordingKeyError(f"bad node recording key: {exc}") from exc


def key_id(public: X25519PublicKey) -> str:
    """A short name of the node key a recording was sealed to (first 16 hex digits of
    SHA-256 of the raw key): tells a wrong key from a damaged file."""
    return hashlib.sha256(public_raw(public)).hexdigest()[:16]


def new_recording_key() -> bytes:
    return os.urandom(KEY_BYTES)


def _kek(shared: bytes, epk: bytes, node_pk: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=_WRAP_INFO + epk + node_pk).derive(shared)


def wrap_key(key: bytes, node_public: X25519PublicKey) -> dict:
    """The recording key sealed for the node: ``{alg, kid, epk, wrapped}`` (JSON-ready)."""
    eph = X25519PrivateKey.generate()
    epk = public_raw(eph.public_key())
    node_pk = public_raw(node_public)
    kek = _kek(eph.exchange(node_public), epk, node_pk)
    wrapped = ChaCha20Poly1305(kek).encrypt(b"\0" * 12, key, _WRAP_INFO)  # the KEK is used once
    return {"alg": ALG, "kid": key_id(node_public), "epk": _b64(epk), "wrapped": _b64(wrapped)}


def unwrap_key(sealed: dict, node_private: X25519PrivateKey) -> bytes:
    """The recording key back from :func:`wrap_key`'s output. Raises
    :class:`RecordingKeyError` (another node's key, or a damaged header)."""
    node_public = node_private.public_key()
    try:
        if sealed.get("alg") != ALG:
            raise ValueError(f"algorithm {sealed.get('alg')!r}")
        epk = _unb64(sealed["epk"])
        wrapped = _unb64(sealed["wrapped"])
        kek = _kek(node_private.exchange(X25519PublicKey.from_public_bytes(epk)), epk, public_raw(node_public))
        key = ChaCha20Poly1305(kek).decrypt(b"\0" * 12, wrapped, _WRAP_INFO)
    except InvalidTag as exc:
        raise RecordingKeyError(f"recording sealed to key {sealed.get('kid')}, this node has {key_id(node_public)}",
                                wrong_node=sealed.get("kid") != key_id(node_public)) from exc
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise RecordingKeyError(f"damaged key header: {exc}") from exc
    if len(key) != KEY_BYTES:
        raise RecordingKeyError("damaged key header: wrong key length")
    return key


class FileCipher:
    """Encrypts and decrypts the pieces of one file under a recording key: sub-key from
    HKDF(key, salt), nonce = piece number, associated data = the file's header hash and
    the piece's header fields (a piece cannot be moved, renumbered or cut)."""

    def __init__(self, key: bytes, salt: bytes, header_hash: bytes) -> None:
        sub = HKDF(hashes.SHA256(), 32, salt=salt, info=_FILE_INFO).derive(key)
        self._aead = ChaCha20Poly1305(sub)
        self._header_hash = header_hash

    def _aad(self, seq: int, first_frame: int, plain_len: int) -> bytes:
        return self._header_hash + struct.pack("<IQI", seq, first_frame, plain_len)

    @staticmethod
    def _nonce(seq: int) -> bytes:
        return struct.pack("<4xQ", seq)

    def encrypt(self, seq: int, first_frame: int, plain: bytes) -> bytes:
        return self._aead.encrypt(self._nonce(seq), bytes(plain), self._aad(seq, first_frame, len(plain)))

    def decrypt(self, seq: int, first_frame: int, sealed: bytes) -> bytes:
        """Raises ``InvalidTag`` when the piece was altered."""
        return self._aead.decrypt(self._nonce(seq), bytes(sealed), self._aad(seq, first_frame, len(sealed) - TAG_BYTES))


def new_salt() -> str:
    return os.urandom(16).hex()
