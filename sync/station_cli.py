"""Station console commands of the sync layer, mounted by ``vpr-station``:
``pair URL CODE``, ``export DEST_DIR``, ``sync`` (send waiting packages now) and
``outbox`` (what is waiting). :func:`register` adds them to a subparsers object."""

from __future__ import annotations

import argparse
import socket
from pathlib import Path

from sync.errors import NodeRefusedError
from sync.outbox import OutboxState
from sync.station_config import StationSync
from sync.tlsfp import grouped
from sync.uploader import SyncWorker
from sync.usb import export_unacked
from vpr_common import paths
from vpr_common.cli import print_json

COMMANDS = ("pair", "export", "sync", "outbox", "check-node")
#: Clock difference to the node above which the station warns (seconds).
CLOCK_WARN_S = 60
STATE_RU = {OutboxState.PENDING: "ждёт отправки", OutboxState.UPLOADING: "отправляется",
            OutboxState.ACKED: "принят узлом", OutboxState.CORRUPT: "ПОВРЕЖДЁН (сохранён)"}


def default_sessions_dir() -> Path:
    """Where the station keeps its sessions (the station package's convention)."""
    return paths.data_dir() / "station" / "sessions"


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", type=Path, default=None, metavar="DIR",
                   help="папка синхронизации станции (по умолчанию: папка данных/station/sync)")
    p.add_argument("--json", action="store_true", help="вывод в формате JSON")


def register(subparsers) -> None:
    p = subparsers.add_parser("pair", help="подключить станцию к узлу координатора")
    p.add_argument("url", metavar="URL", help="адрес узла, например https://192.168.1.10:8443")
    p.add_argument("code", metavar="КОД", help="одноразовый код из vpr-node pair-code")
    p.add_argument("--name", default=socket.gethostname(), help="название станции (кабинет, номер ПК)")
    p.add_argument("--fingerprint", default=None, help="отпечаток сертификата из vpr-node pair-code (проверка)")
    _common(p)
    p.set_defaults(handler=cmd_pair)
    p = subparsers.add_parser("export", help="выгрузить неотправленные пакеты на флешку")
    p.add_argument("dest", type=Path, metavar="ПАПКА")
    p.add_argument("--sessions", type=Path, default=None,
                   help="папка сеансов для переноса на другой ПК (по умолчанию: папка данных/station/sessions)")
    p.add_argument("--no-sessions", action="store_true", help="не копировать папку сеансов")
    _common(p)
    p.set_defaults(handler=cmd_export)
    p = subparsers.add_parser("sync", help="отправить ожидающие пакеты на узел сейчас")
    p.add_argument("--timeout", type=float, default=60.0, help="сколько секунд пытаться (по умолчанию 60)")
    _common(p)
    p.set_defaults(handler=cmd_sync)
    p = subparsers.add_parser("outbox", help="очередь отправки: что отправлено и что ждёт")
    _common(p)
    p.set_defaults(handler=cmd_outbox)
    p = subparsers.add_parser("check-node", help="проверить связь с узлом, часы, материалы и пароль")
    _common(p)
    p.set_defaults(handler=cmd_check_node)


def cmd_pair(args) -> int:
    station = StationSync(args.data)
    pairing = station.pair(args.url, args.code, args.name, args.fingerprint)
    if args.json:
        print_json({"ok": True, **pairing.__dict__})
    else:
        print(f"Станция подключена к узлу {pairing.node_url} как {pairing.station_id}.")
        print(f"Отпечаток сертификата узла: {grouped(pairing.fingerprint)}")
        print("Сверьте его с отпечатком, который показал vpr-node pair-code.")
    return 0


def cmd_export(args) -> int:
    sessions = None if args.no_sessions else (args.sessions or default_sessions_dir())
    report = export_unacked(StationSync(args.data), args.dest, sessions)
    if args.json:
        print_json({"ok": True, **report})
    else:
        print(f"Выгружено пакетов: {len(report['packages'])} в {report['folder']}")
        if report["damaged"]:
            print(f"Повреждённых (выгружены отдельно в damaged/): {len(report['damaged'])}")
        if report["failed"]:
            print(f"НЕ выгружено (копия не прошла проверку): {len(report['failed'])} — повторите на другую флешку")
        if report["sessions"]:
            print(f"Незавершённые сеансы: {report['sessions']}")
        print("На узле: vpr-node import ПАПКА_НА_ФЛЕШКЕ")
    return 0 if not report["failed"] else 1


def cmd_sync(args) -> int:
    station = StationSync(args.data)
    worker = SyncWorker(station.outbox, station.client, station.station_key())
    station.outbox.retry_now()
    done = worker.run_until_idle(args.timeout)
    worker.stop()
    return _show(station, args, done)


def cmd_check_node(args) -> int:
    """Signed round trip, clock difference, and what the node can hand out now."""
    client = StationSync(args.data).client()
    try:
        who = client.whoami()
        offset = client.sync_clock()
        result = {"station_id": who["station_id"], "clock_offset_s": round(offset, 1),
                  "clock_ok": abs(offset) <= CLOCK_WARN_S}
        for key, call in (("exam_package", client.exam_info), ("password_released", client.password),
                          ("codes", client.codes)):
            try:
                value = call()
                result[key] = True if key == "password_released" else (len(value) if key == "codes" else value)
            except NodeRefusedError as exc:
                if exc.status not in (404, 409):
                    raise
                result[key] = False if key == "password_released" else None
    finally:
        client.close()
    if args.json:
        print_json({"ok": True, **result})
        return 0 if result["clock_ok"] else 1
    print(f"Связь с узлом есть, станция {result['station_id']}.")
    if result["clock_ok"]:
        print(f"Часы станции и узла расходятся на {abs(offset):.0f} с — в норме.")
    else:
        print(f"ВНИМАНИЕ: часы станции расходятся с узлом на {abs(offset):.0f} с. Исправьте время на станции.")
    ep = result["exam_package"]
    print(f"Экзаменационный пакет: {ep['name']} ({ep['size']} байт)" if ep else "Экзаменационный пакет: ещё не загружен")
    print("Пароль к материалам: " + ("открыт" if result["password_released"] else "ещё не открыт"))
    print(f"Кодов участников на узле: {result['codes'] or 0}")
    return 0 if result["clock_ok"] else 1


def cmd_outbox(args) -> int:
    return _show(StationSync(args.data), args, None)


def _show(station: StationSync, args, done: bool | None) -> int:
    prog = station.outbox.progress()
    entries = station.outbox.entries()
    if args.json:
        print_json({"ok": True, "done": done, "total": prog.total, "acked": prog.acked, "waiting": prog.waiting,
                    "corrupt": prog.corrupt, "bytes_total": prog.bytes_total, "bytes_done": prog.bytes_done,
                    "percent": prog.percent,
                    "packages": [{"package_id": e.package_id, "participant_code": e.participant_code,
                                  "state": e.state.value, "percent": e.percent, "bytes_sent": e.bytes_sent,
                                  "size": e.size, "attempts": e.attempts, "last_error": e.last_error}
                                 for e in entries]})
    else:
        print(f"Пакетов: {prog.total}, принято узлом: {prog.acked}, ждут: {prog.waiting}, "
              f"повреждено: {prog.corrupt}; передано {prog.percent}%")
        for e in entries:
            err = f" ({e.last_error})" if e.last_error and e.state is not OutboxState.ACKED else ""
            print(f"  код {e.participant_code} {e.package_id[:12]}…: {STATE_RU[e.state]}, {e.percent}%{err}")
    return 0 if (done is None or done) else 1
