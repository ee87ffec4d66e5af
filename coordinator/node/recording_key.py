"""The node's recording key: an X25519 key pair that stations seal every recording to
(:mod:`audio.encryption`). Made once per node data dir (``recording_key.pem``, owner
only), handed to stations at pairing and in ``whoami``; only the node can open what a
station recorded. The node decrypts each answer when its package arrives; losing this
file makes unreadable only the answers still on their way (in station outboxes or on a
USB stick) - copy the data dir, this file included, when moving the node to another PC.
``vpr-node backup`` (the school's data) does not hold it."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from audio.encryption import public_key_b64
from vpr_common.atomic import atomic_write_bytes, fsync_dir

FILE = "recording_key.pem"
_cache: dict[Path, X25519PrivateKey] = {}
_lock = threading.Lock()


def load_or_create(data_dir: Path) -> X25519PrivateKey:
    """The node's private recording key, created on first use. Two processes starting
    at once agree on one key: the file is put in place with a link that fails when it
    exists, and the loser reads the winner's."""
    path = Path(data_dir) / FILE
    with _lock:
        key = _cache.get(path)
        if key is not None:
            return key
        if not path.exists():
            new = X25519PrivateKey.generate()
            pem = new.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
            tmp = path.with_name(f".{FILE}.{os.getpid()}")
            atomic_write_bytes(tmp, pem, mode=0o600)
            try:
                os.link(tmp, path)
                fsync_dir(path.parent)
            except FileExistsError:
                pass
            finally:
                tmp.unlink(missing_ok=True)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, X25519PrivateKey):
            raise ValueError(f"{path}: not an X25519 key")
        _cache[path] = key
        return key


def public_b64(data_dir: Path) -> str:
    return public_key_b64(load_or_create(data_dir).public_key())
