"""The coordinator node as the station sees it: reachable, the station paired and
accepted, and the station clock compared with the node's (``GET /api/v1/time``).

:func:`probe_node` talks to the node once (through :mod:`sync`); :func:`check_node`
and :func:`check_clock` judge the probe, so tests can feed either a real node or a
controlled :class:`NodeProbe`. Threads: the caller's thread only (network I/O with
short timeouts; the station calls it off its UI thread).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from diagnostics.checks import CheckId, CheckResult, Status, from_error

CLOCK_WARN_S = 2.0
CLOCK_FAIL_S = 30.0
PROBE_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class NodeProbe:
    """What one conversation with the node showed.

    ``configured``: a node URL was given or the station is paired; ``paired``: the
    station has a pairing for this URL; ``accepted``: the node answered an
    authenticated request (None when not asked); ``offset_s``: node clock minus local
    clock (None when unknown); ``error``: the typed error that stopped the probe."""

    configured: bool
    url: str | None = None
    paired: bool = False
    reachable: bool = False
    accepted: bool | None = None
    station_id: str | None = None
    offset_s: float | None = None
    rtt_s: float | None = None
    node_utc_offset_s: int | None = None
    error: Exception | None = None


def _utc_offset_of(iso: Any) -> int | None:
    try:
        off = datetime.fromisoformat(str(iso)).utcoffset()
    except (TypeError, ValueError):
        return None
    return int(off.total_seconds()) if off is not None else None


def measure_offset(node_time: Callable[[], dict], clock: Callable[[], float] = time.time) -> tuple[float, float, int | None]:
    """(node - local offset s, round trip s, node UTC offset s) from one ``/time`` call."""
    t0 = clock()
    data = node_time()
    t1 = clock()
    return float(data["unix"]) - (t0 + t1) / 2, t1 - t0, _utc_offset_of(data.get("local"))


def probe_node(node_url: str | None = None, sync_root: Path | None = None,
               timeout: float = PROBE_TIMEOUT_S) -> NodeProbe:
    """Ask the node for its time and, when the station is paired with it, who it
    thinks we are. Never raises for network or pairing trouble (it is in ``error``)."""
    from sync.client import NodeClient, fetch_certificate
    from sync.errors import NodeRefusedError, NotPairedError
    from sync.station_config import StationSync
    from vpr_common.errors import VprError

    station = StationSync(sync_root)
    try:
        pairing = station.pairing()
    except NotPairedError:
        pairing = None
    except (OSError, ValueError, KeyError) as exc:  # a damaged pairing.json
        return NodeProbe(configured=True, url=node_url, error=exc)
    url = (node_url or (pairing.node_url if pairing else None))
    if url is None:
        return NodeProbe(configured=False)
    url = url.rstrip("/")
    paired = pairing is not None and pairing.node_url.rstrip("/") == url
    try:
        if paired:
            client = station.client()
        else:
            _, fingerprint = fetch_certificate(url, timeout=timeout)
            client = NodeClient(url, fingerprint)
        client.timeout = (timeout, timeout)
    except VprError as exc:
        return NodeProbe(configured=True, url=url, paired=paired, error=exc)
    try:
        offset, rtt, node_tz = measure_offset(client.node_time)
    except (VprError, KeyError, TypeError, ValueError) as exc:
        client.close()
        return NodeProbe(configured=True, url=url, paired=paired, error=exc)
    accepted = None
    error = None
    station_id = pairing.station_id if paired else None
    if paired:
        try:
            who = client.whoami()
            accepted = True
            station_id = who.get("station_id", station_id)
        except NodeRefusedError as exc:
            accepted = False
            error = exc
        except VprError as exc:
            error = exc
    client.close()
    return NodeProbe(configured=True, url=url, paired=paired, reachable=True, accepted=accepted,
                     station_id=station_id, offset_s=offset, rtt_s=rtt, node_utc_offset_s=node_tz, error=error)


def check_node(probe: NodeProbe) -> CheckResult:
    """Reachable and paired: pass; not configured or reachable but unpaired: warn;
    unreachable, wrong certificate or the station refused: fail."""
    values = {"url": probe.url, "paired": probe.paired, "reachable": probe.reachable,
              "accepted": probe.accepted, "station_id": probe.station_id, "rtt_s": probe.rtt_s}
    pair_remedy = "Подключите станцию: vpr-station pair АДРЕС_УЗЛА КОД (код покажет vpr-node pair-code)."
    if not probe.configured:
        return CheckResult(CheckId.NODE, Status.WARN, "Не настроено: станция ещё не подключена к узлу координатора.",
                           pair_remedy, values)
    if not probe.reachable:
        return from_error(CheckId.NODE, probe.error or RuntimeError("unreachable"), values)
    if not probe.paired:
        return CheckResult(CheckId.NODE, Status.WARN, f"Узел {probe.url} доступен, но станция к нему не подключена.",
                           pair_remedy, values)
    if probe.accepted is False:
        return CheckResult(CheckId.NODE, Status.FAIL,
                           "Узел доступен, но не признаёт станцию (подключение отозвано или выполнено к другому узлу).",
                           "Подключите станцию заново: " + pair_remedy, values | {"error": getattr(probe.error, "reason", None)})
    if probe.accepted is None:
        return from_error(CheckId.NODE, probe.error or RuntimeError("not verified"), values, Status.WARN)
    return CheckResult(CheckId.NODE, Status.PASS, f"Узел {probe.url} доступен, станция подключена.", "", values)


def check_clock(offset_s: float | None, rtt_s: float | None = None) -> CheckResult:
    """Station clock against the node's: warn beyond 2 s, fail beyond 30 s; unknown
    offset (node not configured or unreachable) is a warning "не проверено"."""
    values = {"offset_s": offset_s, "rtt_s": rtt_s, "warn_s": CLOCK_WARN_S, "fail_s": CLOCK_FAIL_S}
    if offset_s is None:
        return CheckResult(CheckId.CLOCK, Status.WARN, "Часы не проверены: узел координатора не настроен или недоступен.",
                           "Проверьте время на станции вручную или подключите станцию к узлу.", values)
    lag = abs(offset_s)
    direction = "отстают" if offset_s > 0 else "спешат"
    remedy = ("Синхронизируйте время (Windows: «Параметры → Время и язык → Дата и время → Синхронизировать»; "
              "Linux: timedatectl set-ntp true) и сверьте часы узла с точным временем.")
    if lag > CLOCK_FAIL_S:
        return CheckResult(CheckId.CLOCK, Status.FAIL, f"Часы станции {direction} на {lag:.0f} с относительно узла.",
                           remedy, values)
    if lag > CLOCK_WARN_S:
        return CheckResult(CheckId.CLOCK, Status.WARN, f"Часы станции {direction} на {lag:.1f} с относительно узла.",
                           remedy, values)
    return CheckResult(CheckId.CLOCK, Status.PASS, f"Часы совпадают с узлом (расхождение {lag:.1f} с).", "", values)
