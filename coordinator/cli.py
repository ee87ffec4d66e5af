"""Console entry point ``vpr-node``: the school coordinator's node.

Subcommands: serve, pair-code, stations, revoke, set-package, release-password,
import-codes, status, import, cleanup; backup, restore and audit (``care_cli``). Each takes ``--data DIR`` (default
``<user data dir>/node``); those that print state take ``--json``.

The school side adds its command groups (``coordinator.school.cli.register``).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import Sequence

from coordinator.node import content, housekeeping, monitoring
from coordinator.node.errors import UnknownStationError
from coordinator.node.usb_import import import_dir
from coordinator.node.pairing import CODE_TTL_S, new_pair_code
from coordinator import care_cli
from coordinator.analytics.cli import register as register_analytics
from coordinator.school.cli import register as register_school
from coordinator.scoring.cli import register as register_scoring
from coordinator.web.cli import register as register_users
from coordinator.node.storage import NodeStore
from coordinator.node.tls import ensure_certificate, format_fingerprint
from vpr_common import paths
from vpr_common.argparse_ru import RuArgumentParser
from vpr_common.cli import print_json, run_cli
from vpr_common.errors import UsageError

log = logging.getLogger(__name__)
DEFAULT_PORT = 8443


def default_data_dir() -> Path:
    return paths.data_dir() / "node"


def add_common(parser: argparse.ArgumentParser, json: bool = True) -> None:
    """The options every ``vpr-node`` subcommand takes."""
    parser.add_argument("--data", type=Path, default=None, metavar="ПАПКА",
                        help="папка с данными программы (по умолчанию - стандартная)")
    if json:
        parser.add_argument("--json", action="store_true", help="ответ в машиночитаемом виде (для других программ)")


def data_dir_of(args: argparse.Namespace) -> Path:
    d = args.data or default_data_dir()
    d.mkdir(parents=True, exist_ok=True)
    return d


def _store(args) -> NodeStore:
    return NodeStore(data_dir_of(args))


def _cmd_serve(args) -> int:
    from coordinator.app import serve  # FastAPI/uvicorn only for this command

    if not 1 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}", message_ru=f"Неверный номер порта {args.port}.",
                         remedy_ru="Укажите число от 1 до 65535.")
    if args.upload_port is not None:  # the second port of older versions: everything uses --port now
        log.info("--upload-port %s ignored: the node receives everything on --port", args.upload_port)
    serve(data_dir_of(args), args.host, args.port, workers=args.workers)
    return 0


def _cmd_pair_code(args) -> int:
    d = data_dir_of(args)
    tls = ensure_certificate(d / "tls")
    code, expires = new_pair_code(NodeStore(d), args.minutes * 60)
    shown = f"{code[:4]}-{code[4:]}"
    exp = datetime.fromtimestamp(expires).astimezone()
    if args.json:
        print_json({"ok": True, "code": code, "expires_at": exp.isoformat(timespec="seconds"),
                    "fingerprint": tls.fingerprint})
    else:
        print(f"Код подключения станции: {shown}")
        print(f"Действует до {exp:%H:%M} ({args.minutes} мин), только для одной станции.")
        print(f"Проверочный код узла: {format_fingerprint(tls.fingerprint)} - станция покажет его при "
              "подключении (как «отпечаток сертификата»); он должен совпасть.")
        print("На станции: vpr-station pair https://АДРЕС_УЗЛА:ПОРТ " + shown)
    return 0


def _cmd_stations(args) -> int:
    stations = monitoring.build_status(_store(args))["stations"]
    if args.json:
        print_json({"ok": True, "stations": stations})
        return 0
    if not stations:
        print("Ни одна станция не подключена. Код подключения: vpr-node pair-code")
    for st in stations:
        state = "ОТКЛЮЧЕНА" if st["revoked"] else "на связи" if st["online"] else "не на связи"
        print(f"{st['station_id']}  «{st['name']}»  {state}  последний раз: {monitoring.shown_time(st['last_seen'])}")
    return 0


def _cmd_revoke(args) -> int:
    store = _store(args)
    if store.get_station(args.station_id) is None:
        raise UnknownStationError(args.station_id)
    changed = store.revoke_station(args.station_id)
    print(f"Станция {args.station_id} отключена: её запросы и пакеты больше не принимаются."
          if changed else f"Станция {args.station_id} уже была отключена.")
    return 0


def _cmd_set_package(args) -> int:
    store = _store(args)
    info = content.set_exam_package(store, args.file)
    if args.password:
        content.set_password(store, args.password, release=False)
    if args.json:
        print_json({"ok": True, "name": info.name, "sha256": info.sha256, "size": info.size})
    else:
        print(f"Экзаменационный пакет загружен: {info.name} ({info.size / 1024 / 1024:.1f} МБ).")
        if args.verbose:
            print(f"Контрольная сумма (SHA-256): {info.sha256}")
        if args.password:
            print("Пароль сохранён, но станциям не открыт: vpr-node release-password")
    return 0


def _cmd_release_password(args) -> int:
    store = _store(args)
    password = args.password
    if not password and not store.get_meta("exam_password") and sys.stdin.isatty():
        password = getpass.getpass("Пароль к материалам (из ЛК ФИС ОКО): ").strip()
    content.release_password(store, password or None)
    print("Пароль открыт станциям.")
    return 0


def _cmd_import_codes(args) -> int:
    result = content.import_codes_file(_store(args), args.file)
    if args.json:
        print_json(dict(result, ok=True))
    else:
        print(f"Кодов в файле: {result['codes_in_file']}, новых: {result['added']}, всего на узле: {result['total']}")
        if result["ignored"]:
            print("Пропущены (не пятизначные коды): " + ", ".join(result["ignored"][:20]))
    return 0


def _cmd_status(args) -> int:
    status = monitoring.build_status(_store(args))
    if args.json:
        print_json(dict(status, ok=True))
    else:
        print(monitoring.render_status(status))
    return 0


def _cmd_import(args) -> int:
    if not args.src.is_dir():
        raise UsageError(f"{args.src} is not a directory", message_ru=f"Папка не найдена: {args.src}.",
                         remedy_ru="Укажите папку на флешке, куда станция выгрузила пакеты.")
    report = import_dir(_store(args), args.src).as_dict()
    if args.json:
        print_json(dict(report, ok=True))
    else:
        c = report["counts"]
        print(f"Новых: {c['new']}, уже были на узле: {c['duplicate']}, отклонено: {c['rejected']}")
        for r in report["rejected"]:
            why = monitoring.REASONS_RU.get(r["reason"], r["reason"])
            print(f"  отклонён {Path(r['file']).name}: {why}")
        for n in report["new"]:
            if n["unknown_code"]:
                print(f"  ВНИМАНИЕ: код {n['participant_code']} не из списка кодов (пакет сохранён)")
    return 0 if not report["rejected"] else 1


def _cmd_cleanup(args) -> int:
    if not args.hours > 0:
        raise UsageError(f"--hours {args.hours}", message_ru="Число часов должно быть больше нуля.",
                         remedy_ru="Например: vpr-node cleanup --hours 24")
    report = housekeeping.clean_incoming(_store(args), older_than_s=args.hours * 3600).as_dict()
    if args.json:
        print_json(dict(report, ok=True))
        return 0
    if not report["dropped"] and not report["orphan_files"]:
        print(f"Брошенных передач (без движения дольше {args.hours:g} ч) нет.")
    for d in report["dropped"]:
        print(f"Удалена незаконченная передача {d['package_id'][:12]}… от {d['station_id']}: "
              f"{d['offset'] / 1024 / 1024:.1f} из {d['size'] / 1024 / 1024:.1f} МБ, без движения {d['idle_hours']:g} ч. "
              "Станция хранит пакет и передаст его заново.")
    for name in report["orphan_files"]:
        print(f"Удалён ничейный файл передачи {name}")
    for name in report["kept_busy"]:
        print(f"Файл {name} сейчас занят; он будет удалён при следующей уборке.")
    if report["freed_bytes"]:
        print(f"Освобождено: {report['freed_bytes'] / 1024 / 1024:.1f} МБ")
    return 0


def _cmd_demo(args) -> int:
    from coordinator.demo import make_demo  # builds packages and audio: only for this command

    print("Создаю демонстрационную школу (около минуты)...", flush=True)
    rep = make_demo(args.folder, args.participants)
    print(f"Готово: {rep.participants} участников (отсутствуют {rep.absent}), получено пакетов ответов "
          f"{rep.packages}, устных ответов для экспертов {rep.responses}.")
    print(f"Учётные записи: {rep.logins_file}; парольная фраза протокола - в {rep.folder / 'demo-readme.txt'}.")
    print(f"Запуск: vpr-node serve --data {rep.folder}  и откройте в браузере https://АДРЕС_УЗЛА:8443/")
    return 0


def build_parser() -> RuArgumentParser:
    parser = RuArgumentParser(prog="vpr-node", description="Узел школьного координатора ВПР: станции, коды, "
                              "протокол, результаты, загрузка в ФИС ОКО. Справка по команде: vpr-node КОМАНДА --help")
    sub = parser.add_subparsers(dest="command", metavar="КОМАНДА", parser_class=RuArgumentParser)

    def cmd(name: str, help_ru: str):
        return sub.add_parser(name, help=help_ru, description=help_ru)

    p = cmd("serve", "запустить узел, к которому подключаются станции")
    add_common(p, json=False)
    p.add_argument("--host", default="0.0.0.0", metavar="АДРЕС",
                   help="сетевой адрес узла (по умолчанию - все адреса этого компьютера)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="НОМЕР",
                   help=f"сетевой порт, на который станции шлют ответы (по умолчанию {DEFAULT_PORT})")
    p.add_argument("--upload-port", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--workers", type=int, default=1,
                   help="число процессов узла (больше - быстрее приём на многоядерном ПК, ~75 МБ памяти каждый)")
    p.set_defaults(handler=_cmd_serve)
    p = cmd("pair-code", "одноразовый код для подключения станции")
    add_common(p)
    p.add_argument("--minutes", type=int, default=CODE_TTL_S // 60, metavar="МИНУТ",
                   help=f"сколько минут действует код (по умолчанию {CODE_TTL_S // 60})")
    p.set_defaults(handler=_cmd_pair_code)
    p = cmd("stations", "подключённые станции")
    add_common(p)
    p.set_defaults(handler=_cmd_stations)
    p = cmd("revoke", "отключить станцию")
    add_common(p, json=False)
    p.add_argument("station_id", metavar="СТАНЦИЯ", help="номер станции из vpr-node stations")
    p.set_defaults(handler=_cmd_revoke)
    p = cmd("set-package", "загрузить экзаменационный пакет для станций")
    add_common(p)
    p.add_argument("file", type=Path, metavar="ФАЙЛ", help="пакет с материалами (zip)")
    p.add_argument("--password", metavar="ПАРОЛЬ",
                   help="пароль к материалам (станциям не открывается до release-password)")
    p.add_argument("--verbose", "--подробно", dest="verbose", action="store_true",
                   help="показать подробности (контрольную сумму пакета)")
    p.set_defaults(handler=_cmd_set_package)
    p = cmd("release-password", "в день проведения: открыть станциям пароль к материалам")
    add_common(p, json=False)
    p.add_argument("password", nargs="?", metavar="ПАРОЛЬ", help="пароль из личного кабинета ФИС ОКО "
                   "(если не указан - программа спросит)")
    p.set_defaults(handler=_cmd_release_password)
    p = cmd("import-codes", "импорт списка кодов участников (текст или CSV)")
    add_common(p)
    p.add_argument("file", type=Path, metavar="ФАЙЛ", help="файл с кодами")
    p.set_defaults(handler=_cmd_import_codes)
    p = cmd("status", "состояние: станции, принятые и недостающие ответы, сроки загрузки результатов")
    add_common(p)
    p.set_defaults(handler=_cmd_status)
    p = cmd("import", "импорт пакетов ответов с флешки")
    add_common(p)
    p.add_argument("src", type=Path, metavar="ПАПКА", help="папка на флешке, куда станция выгрузила ответы")
    p.set_defaults(handler=_cmd_import)
    p = cmd("cleanup", "удалить брошенные незаконченные передачи (станции хранят свои пакеты)")
    add_common(p)
    p.add_argument("--hours", type=float, default=housekeeping.ABANDONED_AFTER_S / 3600,
                   help="без движения дольше стольких часов (по умолчанию 24; работающий узел "
                        "убирает такие сам раз в час)")
    p.set_defaults(handler=_cmd_cleanup)
    p = cmd("demo", "создать демонстрационную школу (вымышленные ученики) для знакомства с консолью")
    p.add_argument("folder", type=Path, metavar="ПАПКА", help="новая пустая папка для данных демонстрационной школы")
    p.add_argument("--participants", type=int, default=75, help="сколько учеников (по умолчанию 75)")
    p.set_defaults(handler=_cmd_demo)
    register_school(sub)
    care_cli.register(sub)
    register_users(sub, add_common, data_dir_of)
    register_scoring(sub, add_common, data_dir_of)
    register_analytics(sub, add_common, data_dir_of)
    return parser


def _main(argv: Sequence[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv))
    handler = getattr(args, "handler", None) or getattr(args, "func", None)
    if handler is None:
        parser.print_help()
        return 2
    return handler(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``vpr-node``; returns the process exit code."""
    return run_cli("coordinator", _main, argv)


if __name__ == "__main__":
    raise SystemExit(main())
