"""Station keys and request signatures.

A station owns an Ed25519 key pair generated on the station; the public half is
registered with the node at pairing. Every station request carries five headers
(station id, timestamp, nonce, SHA-256 of the body, signature) and the signature
covers method, path, query, timestamp, nonce, body hash and station id, so a request
cannot be altered, and - with the node remembering nonces inside the time window -
cannot be replayed. Pure functions; safe from any thread.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sync.errors import AuthError
from sync.protocol import (H_BODY, H_NONCE, H_SIGNATURE, H_STATION, H_TIMESTAMP, UNSIGNED_PAYLOAD,  # noqa: F401 - re-exported
                           Reason)
from vpr_common.atomic import atomic_write_bytes


#: Requests whose timestamp differs from the node clock by more are refused.
MAX_CLOCK_SKEW_S = 300
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_PREFIX = b"VPR-REQUEST-1\n"


@dataclass(frozen=True)
class StationKey:
    """The station's identity after pairing: its id on the node and its private key."""

    station_id: str
    private_key: Ed25519PrivateKey

    @property
    def public_key_b64(self) -> str:
        return public_key_b64(self.private_key.public_key())


def generate_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def public_key_b64(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def load_public_key_b64(text: str) -> Ed25519PublicKey:
    """Raises :class:`AuthError` (``bad_public_key``) on anything but 32 raw bytes."""
    try:
        raw = base64.b64decode(text, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, TypeError) as exc:
        raise AuthError(Reason.BAD_PUBLIC_KEY, str(exc)) from exc


def save_private_key(key: Ed25519PrivateKey, path: Path) -> None:
    """Write the key as unencrypted PKCS#8 PEM, readable by the owner only (POSIX)."""
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    atomic_write_bytes(path, pem)
    if os.name == "posix":
        os.chmod(path, 0o600)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """Raises ``OSError`` if unreadable, ``ValueError`` if it is not an Ed25519 key."""
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 key")
    return key


def canonical_request(method: str, path: str, query: str, timestamp: str, nonce: str,
                      body_sha256: str, station_id: str) -> bytes:
    """The exact bytes a request signature covers (see docs/sync-protocol.md)."""
    parts = [method.upper(), path, query, timestamp, nonce, body_sha256.lower(), station_id]
    return _PREFIX + "\n".join(parts).encode("utf-8")


def sign_request(key: StationKey, method: str, path: str, query: str = "",
                 body_sha256: str = EMPTY_SHA256, now: float | None = None) -> dict[str, str]:
    """Return the authentication headers for one request."""
    ts = str(int(now if now is not None else time.time()))
    nonce = secrets.token_hex(16)
    msg = canonical_request(method, path, query, ts, nonce, body_sha256, key.station_id)
    sig = base64.b64encode(key.private_key.sign(msg)).decode("ascii")
    return {H_STATION: key.station_id, H_TIMESTAMP: ts, H_NONCE: nonce, H_BODY: body_sha256,
            H_SIGNATURE: sig}


@dataclass(frozen=True)
class SignedHeaders:
    """The authentication headers of one request, parsed but not yet trusted."""

    station_id: str
    timestamp: int
    nonce: str
    body_sha256: str
    signature: bytes


#: Unix seconds as ASCII digits; 12 digits reach the year 33658 (``int()`` alone would
#: take "1_700", Arabic-Indic digits, spaces, and 400 digits that overflow a float).
_TIMESTAMP_RE = re.compile(r"[0-9]{1,12}")
_NONCE_RE = re.compile(r"[0-9A-Za-z_-]{8,64}")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_SIGNATURE_BYTES = 64  # Ed25519


def parse_signed_headers(headers) -> SignedHeaders:
    """Raises :class:`AuthError` (``missing_credentials`` / ``malformed_credentials``)
    for anything but the documented forms (docs/sync-protocol.md, section 3)."""
    values = {h: headers.get(h) for h in (H_STATION, H_TIMESTAMP, H_NONCE, H_BODY, H_SIGNATURE)}
    missing = [h for h, v in values.items() if not v]
    if missing:
        raise AuthError(Reason.MISSING_CREDENTIALS, "missing " + ", ".join(missing))
    nonce, body = values[H_NONCE], values[H_BODY].lower()
    if not _TIMESTAMP_RE.fullmatch(values[H_TIMESTAMP]):
        raise AuthError(Reason.MALFORMED_CREDENTIALS, f"timestamp {values[H_TIMESTAMP][:20]!r}")
    if not _NONCE_RE.fullmatch(nonce) or not (_SHA256_RE.fullmatch(body) or body == UNSIGNED_PAYLOAD):
        raise AuthError(Reason.MALFORMED_CREDENTIALS, "bad nonce or body hash")
    try:
        sig = base64.b64decode(values[H_SIGNATURE], validate=True)
    except (ValueError, TypeError) as exc:
        raise AuthError(Reason.MALFORMED_CREDENTIALS, str(exc)) from exc
    if len(sig) != _SIGNATURE_BYTES:
        raise AuthError(Reason.MALFORMED_CREDENTIALS, f"signature of {len(sig)} bytes")
    return SignedHeaders(values[H_STATION], int(values[H_TIMESTAMP]), nonce, body, sig)


def verify_request(public_key: Ed25519PublicKey, signed: SignedHeaders, method: str, path: str,
                   query: str, now: float | None = None) -> None:
    """Check the clock window and the signature; raises :class:`AuthError`
    (``stale_timestamp`` or ``bad_signature``). Nonce reuse is the caller's check."""
    now = time.time() if now is None else now
    if abs(now - signed.timestamp) > MAX_CLOCK_SKEW_S:
        raise AuthError(Reason.STALE_TIMESTAMP, f"timestamp {signed.timestamp} vs node {int(now)}")
    msg = canonical_request(method, path, query, str(signed.timestamp), signed.nonce,
                            signed.body_sha256, signed.station_id)
    try:
        public_key.verify(signed.signature, msg)
    except InvalidSignature as exc:
        raise AuthError(Reason.BAD_SIGNATURE, "signature does not verify") from exc


def pair_proof(code: str, public_key_b64: str, fingerprint: str) -> str:
    """What a station sends at pairing: HMAC(code) over its key and the certificate
    fingerprint it saw, so the code never crosses the wire and a node with another
    certificate (a man in the middle) cannot use the proof."""
    msg = f"VPR-PAIR-1\n{public_key_b64}\n{fingerprint.lower()}".encode()
    return hmac.new(code.encode(), msg, hashlib.sha256).hexdigest()


def node_pair_proof(code: str, station_id: str, fingerprint: str) -> str:
    """What the node answers at pairing, proving it knew the code too."""
    msg = f"VPR-PAIR-NODE-1\n{station_id}\n{fingerprint.lower()}".encode()
    return hmac.new(code.encode(), msg, hashlib.sha256).hexdigest()
