"""The station's side of pairing, on disk under the station sync folder
(default ``<user data dir>/station/sync``): ``pairing.json`` (node URL, pinned
certificate fingerprint, station id), ``node_cert.pem`` (the pinned certificate, for
the record) and ``station_key.pem`` (the station's private Ed25519 key, owner-only).
The key is generated once and kept, so pairing again keeps the station's identity."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

from sync import tlsfp
from sync.errors import NotPairedError
from sync.outbox import Outbox
from sync.signing import StationKey, generate_private_key, load_private_key, save_private_key
from vpr_common import paths
from vpr_common.atomic import atomic_write_text

if TYPE_CHECKING:
    from sync.client import NodeClient

PAIRING = "pairing.json"
KEY = "station_key.pem"
CERT = "node_cert.pem"


def default_station_dir() -> Path:
    return paths.data_dir() / "station" / "sync"


@dataclass(frozen=True)
class Pairing:
    node_url: str
    fingerprint: str
    station_id: str
    name: str
    paired_at: float
    recording_key: str = ""  # the node's X25519 key (base64) every recording is sealed to


class StationSync:
    """The station's sync folder: its pairing, key and outbox."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root else default_station_dir()
        self.root.mkdir(parents=True, exist_ok=True)
        self._outbox: Outbox | None = None

    @property
    def outbox(self) -> Outbox:
        if self._outbox is None:
            self._outbox = Outbox(self.root / "outbox")
        return self._outbox

    def private_key(self):
        """The station key, generated and saved on first use."""
        path = self.root / KEY
        if path.exists():
            return load_private_key(path)
        key = generate_private_key()
        save_private_key(key, path)
        return key

    def pairing(self) -> Pairing:
        """Raises :class:`NotPairedError` if the station was never paired."""
        path = self.root / PAIRING
        if not path.exists():
            raise NotPairedError(str(path))
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            pairing = Pairing(str(data["node_url"]), str(data["fingerprint"]), str(data["station_id"]),
                              str(data.get("name", "")), float(data.get("paired_at", 0)),
                              str(data.get("recording_key", "")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise NotPairedError(f"{path}: {exc}", message_ru="Файл подключения к узлу повреждён.",
                                 remedy_ru="Подключите станцию заново: vpr-station pair АДРЕС_УЗЛА КОД.") from exc
        if not tlsfp.is_full(pairing.fingerprint):  # the pin must be the whole fingerprint, never a part
            raise NotPairedError(f"{path}: fingerprint {pairing.fingerprint!r} is not a whole SHA-256",
                                 message_ru="В файле подключения к узлу отпечаток сертификата неполный.",
                                 remedy_ru="Подключите станцию заново: vpr-station pair АДРЕС_УЗЛА КОД.")
        return pairing

    def station_key(self) -> StationKey:
        return StationKey(self.pairing().station_id, self.private_key())

    def pair(self, url: str, code: str, name: str, expected_fingerprint: str | None = None) -> Pairing:
        """Pair with the node (see :func:`sync.client.pair_with_node`) and save it."""
        from sync.client import pair_with_node  # requests: only when the node is talked to

        result = pair_with_node(url, code, name, self.private_key(), expected_fingerprint)
        atomic_write_text(self.root / CERT, result["cert_pem"])
        pairing = Pairing(url.rstrip("/"), result["fingerprint"], result["station_id"], name, time.time(),
                          result.get("recording_key", ""))
        self._save(pairing)
        return pairing

    def _save(self, pairing: Pairing) -> None:
        atomic_write_text(self.root / PAIRING, json.dumps(pairing.__dict__, ensure_ascii=False, indent=2))

    def recording_key(self, ask_node: bool = True):
        """The node's X25519 public key the station seals recordings to, or ``None``
        (not paired; or paired with a node that has none and cannot be asked now).
        A pairing made before recordings were sealed has no key yet: it is asked from
        the node (``whoami``) and saved. Raises :class:`~audio.errors.RecordingKeyError`
        for a damaged key in ``pairing.json``."""
        from audio.encryption import load_public_key_b64

        try:
            pairing = self.pairing()
        except NotPairedError:
            return None
        if not pairing.recording_key and ask_node:
            from sync.errors import SyncError

            client = self.client()
            try:
                got = str(client.whoami().get("recording_key") or "")
            except SyncError:
                got = ""
            finally:
                client.close()
            if got:
                load_public_key_b64(got)  # never save a key that does not load
                pairing = Pairing(**{**pairing.__dict__, "recording_key": got})
                self._save(pairing)
        return load_public_key_b64(pairing.recording_key) if pairing.recording_key else None

    def client(self) -> NodeClient:
        """Raises :class:`NotPairedError` if the station was never paired."""
        from sync.client import NodeClient  # requests: only when the node is talked to

        p = self.pairing()
        return NodeClient(p.node_url, p.fingerprint, StationKey(p.station_id, self.private_key()))
