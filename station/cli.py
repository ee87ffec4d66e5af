"""Console entry point ``vpr-station``: the exam client (configured, ``--demo``, or
``--self-test``), the technician's ``setup`` and ``set-pin``, and the sync commands
(pair, export, sync, outbox) from :mod:`sync.station_cli`. Kivy is imported only when
a window is needed."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Sequence

from vpr_common import paths
from vpr_common.argparse_ru import RuArgumentParser
from vpr_common.cli import print_json, run_cli

LANGS = ("en", "de", "fr")


def _parser() -> RuArgumentParser:
    from sync import station_cli

    p = RuArgumentParser(prog="vpr-station", description="Станция устной части ВПР по иностранному языку.")
    p.add_argument("--demo", action="store_true", help="демонстрационный режим со встроенным пакетом")
    p.add_argument("--language", choices=LANGS, default="en", help="язык демо-пакета (en, de, fr)")
    p.add_argument("--fast", action="store_true", help="сокращённое время заданий (репетиция)")
    p.add_argument("--windowed", action="store_true", help="в окне 1024x768 вместо полноэкранного режима")
    p.add_argument("--self-test", action="store_true", help="автоматический прогон всей работы на этом ПК")
    p.add_argument("--screenshots", type=Path, default=None, help="папка для снимков экранов самопроверки")
    p.add_argument("--node", default=None, help="адрес узла координатора для самопроверки")
    p.add_argument("--timeout", type=float, default=None, help="предел времени самопроверки, с")
    p.add_argument("--json", action="store_true", help=argparse_suppress())
    sub = p.add_subparsers(dest="command", parser_class=RuArgumentParser)
    s = sub.add_parser("setup", help="настроить станцию: пакет, пароль, список кодов, устройства")
    s.add_argument("--from-node", action="store_true",
                   help="получить пакет, пароль (если открыт) и список кодов с узла координатора")
    s.add_argument("--package", type=Path)
    s.add_argument("--password-file", type=Path)
    s.add_argument("--codes", type=Path, help="файл со списком допустимых кодов участников (по одному в строке)")
    s.add_argument("--input", default=None, help="микрофон (имя из vpr-diagnose devices)")
    s.add_argument("--output", default=None, help="наушники (имя из vpr-diagnose devices)")
    s.add_argument("--json", action="store_true")
    im = sub.add_parser("import-sessions", help="перенести незавершённые сеансы с другого ПК (из папки выгрузки)")
    im.add_argument("source", type=Path, metavar="ПАПКА")
    im.add_argument("--json", action="store_true")
    k = sub.add_parser("kiosk", help="киоск результатов: ученик или родитель вводит код и PIN с карточки",
                       description="Киоск результатов на подключённом к узлу ПК: показывает результаты одного "
                                   "участника по коду и PIN с карточки доступа и закрывает их через 60 с без действий. "
                                   "Выход - Ctrl+Shift+T и PIN технического специалиста.")
    k.add_argument("--windowed", action="store_true", help="в окне 1024x768 вместо полноэкранного режима")
    sp = sub.add_parser("set-pin", help="задать PIN технического специалиста (читается со стандартного ввода)")
    sp.add_argument("--json", action="store_true")
    station_cli.register(sub)
    return p


def argparse_suppress():
    import argparse

    return argparse.SUPPRESS


def _cmd_setup(args) -> int:
    from exam_content.archive import open_package, read_password_file
    from station.config import StationConfig

    cfg = StationConfig.load()
    if args.from_node:
        from station.node_link import fetch_materials
        from sync.station_config import StationSync

        got = fetch_materials(StationSync(), cfg)
        print(f"Пакет получен с узла: {got.package_path}")
        print("Пароль получен." if got.password_received else
              "Пароль координатор ещё не открыл: повторите эту команду после 07:30 (или после vpr-node release-password).")
        print(f"Допустимых кодов участников: {got.codes}")
        if got.password_received:
            package = open_package(got.package_path, read_password_file(Path(cfg.password_file)))
            print(f"Пакет проверен: {package.manifest.title}")
    if args.package or args.password_file:
        if not (args.package and args.password_file):
            from vpr_common.errors import UsageError

            raise UsageError("package and password together",
                             message_ru="Пакет и файл с паролем задаются вместе: --package и --password-file.")
        package = open_package(args.package, read_password_file(args.password_file))  # verify before saving
        cfg.package_path = str(args.package.resolve())
        cfg.password_file = str(args.password_file.resolve())
    if args.codes:
        cfg.valid_codes_file = str(args.codes.resolve())
    if args.input is not None:
        cfg.input_device = args.input or None
    if args.output is not None:
        cfg.output_device = args.output or None
    cfg.save()
    codes = cfg.valid_codes()
    if args.json:
        print_json({"ok": True, "config": str(cfg.path()), "package": cfg.package_path,
                    "codes": len(codes) if codes else None})
    else:
        print(f"Настройки станции сохранены: {cfg.path()}")
        if args.package:
            print(f"Пакет проверен и выбран: {package.manifest.title}")
        if codes:
            print(f"Допустимых кодов участников: {len(codes)}")
    return 0


def _cmd_import_sessions(args) -> int:
    from station.config import default_sessions_dir
    from station.session_transfer import import_sessions

    report = import_sessions(args.source, default_sessions_dir())
    if args.json:
        print_json({"ok": True, **report.__dict__})
        return 0
    print(f"Перенесено незавершённых сеансов: {len(report.imported)}" +
          (f" ({', '.join(report.imported)})" if report.imported else ""))
    if report.already_here:
        print(f"Уже есть на этом ПК (не тронуты): {', '.join(report.already_here)}")
    if report.finished:
        print(f"Завершённые (переносить не нужно, их пакеты отправляются с исходного ПК): {', '.join(report.finished)}")
    if report.unreadable:
        print(f"Не читаются (пропущены): {', '.join(report.unreadable)}")
    if report.imported:
        print("Запустите станцию: работа участника продолжится с того же задания.")
    return 0


def _cmd_set_pin(args) -> int:
    from station.config import StationConfig

    pin = getpass.getpass("Новый PIN: ") if sys.stdin.isatty() else sys.stdin.readline().strip()
    cfg = StationConfig.load()
    cfg.set_pin(pin)
    cfg.save()
    print("PIN технического специалиста сохранён.")
    return 0


def _cmd_kiosk(args) -> int:
    from station.config import StationConfig, check_pin
    from station.results_kiosk.lookup import ResultsLookup
    from vpr_common.errors import UsageError

    lookup = ResultsLookup()
    if not lookup.paired():
        raise UsageError("kiosk not paired", message_ru="Этот ПК не подключён к узлу координатора.",
                         remedy_ru="Подключите его как станцию: vpr-station pair АДРЕС КОД (код - на странице "
                                   "«Станции и материалы» консоли).")
    stored = StationConfig.load().pin_hash
    if not stored and not args.windowed:
        raise UsageError("no technician pin", message_ru="Не задан PIN технического специалиста: без него "
                         "полноэкранный киоск нельзя будет закрыть.", remedy_ru="Задайте его: vpr-station set-pin")
    from station.kivy_setup import configure

    configure(kiosk=not args.windowed)
    from station.results_kiosk.app import ResultsKioskApp

    ResultsKioskApp(lookup, full_screen=not args.windowed,
                    pin_check=lambda pin: bool(stored) and check_pin(pin, stored)).run()
    return 0


def _run_app(args) -> int:
    from station.kivy_setup import configure

    self_test = args.self_test
    configure(kiosk=not (args.windowed or self_test))
    sessions = sync_root = None
    if self_test:  # a dry run keeps its sessions and outbox apart from the real ones
        sessions = paths.data_dir() / "station" / "selftest" / "sessions"
        sync_root = paths.data_dir() / "station" / "selftest" / "sync"

    def load():
        from station.runtime import build_runtime  # audio, crypto, the package: after the window

        return build_runtime(demo=args.demo or self_test, language=args.language, fast=args.fast,
                             sessions_dir=sessions, sync_root=sync_root)

    from station.app import StationApp

    if not self_test:  # the window first; the runtime is made while the first screen shows
        StationApp(loader=load, kiosk=not args.windowed).run()
        return 0
    runtime = load()
    from station.selftest import SelfTestDriver

    timeout = args.timeout or (240.0 if args.fast else 1200.0)
    driver = SelfTestDriver(args.screenshots, timeout)
    StationApp(runtime, kiosk=False, on_tick=driver.tick).run()
    result = driver.result or {"ok": False, "failures": ["Самопроверка прервана."]}
    print_json(result)
    return 0 if result["ok"] else 1


def _main(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    if args.command == "setup":
        return _cmd_setup(args)
    if args.command == "set-pin":
        return _cmd_set_pin(args)
    if args.command == "kiosk":
        return _cmd_kiosk(args)
    if args.command == "import-sessions":
        return _cmd_import_sessions(args)
    if args.command:
        return args.handler(args)
    return _run_app(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``vpr-station``; returns the process exit code."""
    return run_cli("station", _main, argv)


if __name__ == "__main__":
    raise SystemExit(main())
