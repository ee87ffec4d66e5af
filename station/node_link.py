"""What the station takes from and gives to the coordinator node, without Kivy:
fetching the exam package, its password (once released) and the valid participant
codes with their accommodations into the station's folders; the cached code list for
offline restarts; and the background sync worker that uploads sealed packages from the
outbox."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from station.config import StationConfig
from sync.errors import NodeRefusedError, NotPairedError, SyncError
from sync.protocol import Accommodation
from station.flow.codes import basic_code_check, code_check_from_list
from sync.station_config import StationSync
from vpr_common import paths
from vpr_common.atomic import atomic_write_text

if TYPE_CHECKING:
    from sync.uploader import SyncWorker

log = logging.getLogger(__name__)


def materials_dir() -> Path:
    d = paths.data_dir() / "station" / "materials"
    d.mkdir(parents=True, exist_ok=True)
    return d


CODES_CACHE = "codes.json"


@dataclass(frozen=True)
class FetchSummary:
    package_path: Path
    package_sha256: str
    password_received: bool
    codes: int


def fetch_materials(sync: StationSync, config: StationConfig) -> FetchSummary:
    """Download the exam package, the password if the coordinator released it, and the
    code list; save them and point the station config at them.

    Raises :class:`~sync.errors.NotPairedError`, ``NodeUnreachableError``,
    ``NodeRefusedError`` (e.g. no package on the node yet).
    """
    client = sync.client()
    d = materials_dir()
    info = client.download_exam(d / "exam-package.zip")
    config.package_path = str(d / "exam-package.zip")
    password_received = False
    try:
        password = client.password()
    except NodeRefusedError as exc:
        log.info("password not released yet: %s", exc.detail)
    else:
        pw_file = d / "exam-password.txt"
        atomic_write_text(pw_file, password + "\n", mode=0o600)
        config.password_file = str(pw_file)
        password_received = True
    got = client.code_list()
    atomic_write_text(d / CODES_CACHE, json.dumps(got))
    config.save()
    return FetchSummary(d / "exam-package.zip", info.get("sha256", ""), password_received, len(got["codes"]))


@dataclass(frozen=True)
class KnownCodes:
    """The valid codes (None: any five digits) and the accommodations of some of them."""

    codes: set[str] | None
    accommodations: dict[str, Accommodation]

    def accommodation(self, code: str) -> Accommodation:
        return self.accommodations.get(code, Accommodation())


def _parse_accommodations(raw: dict) -> dict[str, Accommodation]:
    out = {}
    for code, wire in (raw or {}).items():
        try:
            out[code] = Accommodation.from_wire(wire)
        except (ValueError, TypeError, AttributeError) as exc:  # the node checks them; this would be a bug there
            log.error("accommodation of a code ignored: %s", exc)
    return out


def _read_cache(cache: Path) -> dict | None:
    """The cached answer of the node: ``{"codes", "accommodations"}`` (an older station
    cached a bare list of codes)."""
    try:
        got = json.loads(cache.read_text("utf-8"))
    except (OSError, ValueError):
        log.exception("code cache unreadable")
        return None
    return {"codes": got, "accommodations": {}} if isinstance(got, list) else got


def known_codes(sync: StationSync, config: StationConfig, *, ask_node: bool = True) -> KnownCodes:
    """Codes and accommodations from the node (refreshing the cache), else the cache,
    else the config file's codes; no list known means any five digits are accepted.
    ``ask_node=False``: the cache or the config file only (no network)."""
    cache = materials_dir() / CODES_CACHE
    got = None
    try:
        if ask_node:
            got = sync.client().code_list()
            atomic_write_text(cache, json.dumps(got))
    except NotPairedError:
        pass
    except SyncError as exc:
        log.warning("node codes unavailable (%s); using the cached list", exc.code)
    if not (got and got["codes"]) and cache.exists():
        got = _read_cache(cache)
    if got and got.get("codes"):
        return KnownCodes(set(got["codes"]), _parse_accommodations(got.get("accommodations", {})))
    return KnownCodes(config.valid_codes(), {})


class CodeBook:
    """The codes and accommodations the station knows now. The station starts with
    what it has on disk and asks the node in the background (:meth:`refresh`), so a
    slow or absent node never delays the first screen; the code is checked only at
    code entry, minutes later. Threads: :meth:`refresh` on a worker thread swaps one
    reference; the UI thread reads it."""

    def __init__(self, known: KnownCodes) -> None:
        self.known = known

    def check(self, code: str) -> None:
        """Raises :class:`~station.flow.errors.InvalidCodeError`."""
        codes = self.known.codes
        (code_check_from_list(codes) if codes else basic_code_check)(code)

    def accommodation(self, code: str) -> Accommodation:
        return self.known.accommodation(code)

    def refresh(self, sync: StationSync, config: StationConfig) -> None:
        """Ask the node (never raises: a failure keeps what is known)."""
        try:
            self.known = known_codes(sync, config)
        except Exception:  # noqa: BLE001 - a background refresh must not kill its thread
            log.exception("code list not refreshed")


def start_sync_worker(sync: StationSync, live: Callable[[], dict] | None = None) -> "SyncWorker | None":
    """Upload sealed packages in the background when the station is paired; its
    heartbeats carry ``live()`` (what the station is doing, for the node's live board)."""
    try:
        key = sync.station_key()
    except NotPairedError:
        log.info("station not paired: sealed packages stay in the outbox (USB export possible)")
        return None
    from diagnostics.report import load_report
    from sync.uploader import SyncWorker

    worker = SyncWorker(sync.outbox, sync.client, key, readiness=lambda: load_report() or {}, live=live)
    worker.start()
    return worker
