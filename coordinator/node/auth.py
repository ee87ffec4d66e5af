"""Authentication of station requests (a FastAPI dependency): the station must be
paired and not revoked, the signature must verify, the timestamp must be within the
window and the nonce must be new. Runs in a worker thread (it touches SQLite)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from fastapi import Request

from coordinator.node.storage import NodeStore, Station
from sync.errors import AuthError
from sync.protocol import Reason
from sync.signing import SignedHeaders, load_public_key_b64, parse_signed_headers, verify_request


@dataclass(frozen=True)
class AuthContext:
    station: Station
    signed: SignedHeaders


def authenticate(store: NodeStore, headers, method: str, path: str, query: str) -> AuthContext:
    """Check one station request (blocking: SQLite). Raises :class:`AuthError` with
    reason ``missing_credentials``, ``malformed_credentials``, ``unknown_station``,
    ``revoked_station``, ``stale_timestamp``, ``bad_signature`` or ``replayed_request``."""
    signed = parse_signed_headers(headers)
    station = store.get_station(signed.station_id)
    if station is None:
        raise AuthError(Reason.UNKNOWN_STATION, signed.station_id)
    if station.revoked_at is not None:
        raise AuthError(Reason.REVOKED_STATION, signed.station_id)
    verify_request(load_public_key_b64(station.public_key), signed, method, path, query)
    if not store.use_nonce(station.station_id, signed.nonce):
        raise AuthError(Reason.REPLAYED_REQUEST, f"nonce {signed.nonce} already used")
    return AuthContext(station, signed)


def station_auth(request: Request) -> AuthContext:
    """FastAPI dependency (run in a worker thread): :func:`authenticate` for the request."""
    return authenticate(request.app.state.store, request.headers, request.method, request.url.path,
                        request.url.query)


async def checked_body(request: Request, auth: AuthContext) -> bytes:
    """The (small) request body, refused unless it matches the signed hash."""
    body = await request.body()
    if hashlib.sha256(body).hexdigest() != auth.signed.body_sha256:
        raise AuthError(Reason.BODY_MISMATCH, "body does not match the signed hash")
    return body
