"""Pairing a station with the node: one-time, short-lived 8-digit codes shown by
``vpr-node pair-code``; a station proves knowledge of a code with an HMAC over its
public key and the certificate fingerprint it saw (the code itself never travels).
Too many wrong proofs expire every open code. Called from HTTP worker threads."""

from __future__ import annotations

import hmac
import threading

from coordinator.node.errors import BadRequestError, PairCodeError
from coordinator.node.storage import NodeStore
from sync.errors import AuthError
from sync.protocol import Reason
from sync.signing import load_public_key_b64, node_pair_proof, pair_proof

CODE_TTL_S = 600
MAX_FAILED_ATTEMPTS = 10

_lock = threading.Lock()
_failed = {"count": 0}


def new_pair_code(store: NodeStore, ttl_s: float = CODE_TTL_S) -> tuple[str, float]:
    """Create a code; returns (code, expires_at unix time)."""
    return store.create_pair_code(ttl_s)


def pair_station(store: NodeStore, fingerprint: str, public_key_b64: str, name: str, proof: str) -> dict:
    """Register a station whose proof matches an open code.

    Raises :class:`PairCodeError` (wrong/used/expired code) or
    :class:`BadRequestError` (``bad_public_key``: not an Ed25519 public key).
    """
    try:
        load_public_key_b64(public_key_b64)
    except AuthError as exc:
        raise BadRequestError(exc.detail, code=Reason.BAD_PUBLIC_KEY,
                              message_ru="Станция прислала при подключении неверный открытый ключ.",
                              remedy_ru="Подключите станцию заново (vpr-station pair); если не поможет, удалите "
                                        "файл station_key.pem в папке синхронизации станции и подключите "
                                        "её ещё раз.") from exc
    name = (name or "").strip()[:64] or "станция"
    with _lock:
        for code in store.active_pair_codes():
            expected = pair_proof(code, public_key_b64, fingerprint)
            if hmac.compare_digest(expected, (proof or "").lower()):
                station_id = store.register_station(code, name, public_key_b64)
                if station_id:
                    _failed["count"] = 0
                    return {"station_id": station_id, "node_proof": node_pair_proof(code, station_id, fingerprint)}
        _failed["count"] += 1
        if _failed["count"] >= MAX_FAILED_ATTEMPTS:
            store.expire_pair_codes()
            _failed["count"] = 0
    raise PairCodeError("no open pairing code matches the proof")


__all__ = ["AuthError", "CODE_TTL_S", "new_pair_code", "pair_station"]
