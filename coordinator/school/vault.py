"""The coordinator's vault: a key derived from the coordinator's passphrase (scrypt)
and AES-256-GCM blobs in the ``vault`` table - the code-to-name protocol and the upload
credentials. Nothing name-bearing is ever stored outside a vault blob.

The key lives only in memory (a :class:`VaultKey`); the file keeps the salt, the scrypt
parameters and a verifier blob that tells a wrong passphrase from a damaged file.

The first unlock of a file upgraded to schema version 3 finishes that upgrade with the
key (``migrations.finish_rekey``: random participant ids, journal marks into the vault).
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from coordinator.school.errors import (
    PassphraseRequiredError,
    VaultAlreadyInitializedError,
    VaultCorruptError,
    VaultNotInitializedError,
    WeakPassphraseError,
    WrongPassphraseError,
)
from coordinator.school import migrations
from coordinator.school.store import SchoolStore

MIN_PASSPHRASE_LEN = 10
_VERIFIER = b"vpr-school-vault-v1"
# scrypt n=2**15, r=8 costs ~32 MiB and ~0.1 s on a school PC: cheap for one unlock,
# expensive for guessing.
_DEFAULT_N = 2**15
PASSPHRASE_ENV = "VPR_NODE_PASSPHRASE"
#: the code -> name protocol ({participant id: name}) and the journal marks
#: ({participant id: {subject: mark}}); read and written by ``protocol``
PROTOCOL_BLOB, JOURNAL_BLOB = "protocol", "journal"


@dataclass(frozen=True)
class VaultKey:
    """An unlocked 256-bit key. Never logged, never serialised."""

    key: bytes

    def __repr__(self) -> str:  # keep the key out of any accidental log line
        return "VaultKey(<hidden>)"


def _derive(passphrase: str, salt: bytes, n: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=8, p=1).derive(passphrase.encode("utf-8"))


def is_initialized(store: SchoolStore) -> bool:
    return store.get_meta("vault_salt") is not None


def init_vault(store: SchoolStore, passphrase: str, *, n: int = _DEFAULT_N) -> VaultKey:
    """Create the vault with ``passphrase``. Raises WeakPassphraseError,
    VaultAlreadyInitializedError."""
    if is_initialized(store):
        raise VaultAlreadyInitializedError("vault already initialised")
    if len(passphrase.strip()) < MIN_PASSPHRASE_LEN:
        raise WeakPassphraseError("passphrase too short")
    salt = os.urandom(16)
    key = VaultKey(_derive(passphrase, salt, n))
    with store.tx():
        store.set_meta("vault_salt", salt.hex())
        store.set_meta("vault_kdf", json.dumps({"alg": "scrypt", "n": n, "r": 8, "p": 1}))
        put_blob(store, key, "verifier", _VERIFIER)
    _finish_upgrade(store, key)
    return key


def _finish_upgrade(store: SchoolStore, key: VaultKey) -> None:
    migrations.finish_rekey(store.conn, lambda name: get_json(store, key, name, {}),  # type: ignore[arg-type,return-value]
                            lambda name, value: put_json(store, key, name, value), (PROTOCOL_BLOB, JOURNAL_BLOB))


def unlock(store: SchoolStore, passphrase: str | None) -> VaultKey:
    """Derive the key and check it against the verifier. Raises
    VaultNotInitializedError, PassphraseRequiredError, WrongPassphraseError."""
    if not is_initialized(store):
        raise VaultNotInitializedError("vault not initialised")
    if not passphrase:
        raise PassphraseRequiredError("no passphrase given")
    salt = bytes.fromhex(store.get_meta("vault_salt") or "")
    params = json.loads(store.get_meta("vault_kdf") or "{}")
    key = VaultKey(_derive(passphrase, salt, int(params.get("n", _DEFAULT_N))))
    try:
        if get_blob(store, key, "verifier") != _VERIFIER:
            raise WrongPassphraseError("verifier mismatch")
    except VaultCorruptError:
        raise WrongPassphraseError("verifier did not decrypt") from None
    _finish_upgrade(store, key)
    return key


def put_blob(store: SchoolStore, key: VaultKey, name: str, plaintext: bytes) -> None:
    """Encrypt and store ``plaintext`` under ``name`` (the name is the AEAD's associated
    data, so blobs cannot be swapped)."""
    nonce = secrets.token_bytes(12)
    ct = AESGCM(key.key).encrypt(nonce, plaintext, name.encode("utf-8"))
    store.conn.execute(
        "INSERT INTO vault(name, nonce, ciphertext) VALUES(?, ?, ?) "
        "ON CONFLICT(name) DO UPDATE SET nonce=excluded.nonce, ciphertext=excluded.ciphertext",
        (name, nonce, ct),
    )


def get_blob(store: SchoolStore, key: VaultKey, name: str) -> bytes | None:
    """The decrypted blob ``name`` or None. Raises VaultCorruptError when it does not
    authenticate (wrong key or damaged file)."""
    row = store.conn.execute("SELECT nonce, ciphertext FROM vault WHERE name=?", (name,)).fetchone()
    if row is None:
        return None
    try:
        return AESGCM(key.key).decrypt(bytes(row[0]), bytes(row[1]), name.encode("utf-8"))
    except InvalidTag:
        raise VaultCorruptError(f"vault blob {name!r} failed authentication") from None


def get_json(store: SchoolStore, key: VaultKey, name: str, default: object) -> object:
    raw = get_blob(store, key, name)
    return default if raw is None else json.loads(raw.decode("utf-8"))


def put_json(store: SchoolStore, key: VaultKey, name: str, value: object) -> None:
    put_blob(store, key, name, json.dumps(value, ensure_ascii=False).encode("utf-8"))


def change_passphrase(store: SchoolStore, old_key: VaultKey, new_passphrase: str, *, n: int = _DEFAULT_N) -> VaultKey:
    """Re-encrypt every blob under a key from ``new_passphrase`` (one transaction).
    Raises WeakPassphraseError, VaultCorruptError."""
    if len(new_passphrase.strip()) < MIN_PASSPHRASE_LEN:
        raise WeakPassphraseError("passphrase too short")
    names = [r[0] for r in store.conn.execute("SELECT name FROM vault ORDER BY name")]
    plain = {name: get_blob(store, old_key, name) for name in names}
    salt = os.urandom(16)
    new_key = VaultKey(_derive(new_passphrase, salt, n))
    with store.tx():
        store.set_meta("vault_salt", salt.hex())
        store.set_meta("vault_kdf", json.dumps({"alg": "scrypt", "n": n, "r": 8, "p": 1}))
        for name, data in plain.items():
            put_blob(store, new_key, name, data or b"")
    return new_key
