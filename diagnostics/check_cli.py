"""The ``vpr-diagnose check`` subcommand: run the automatic checks, print a Russian
table (or the readiness report as JSON), exit 0 when nothing failed and 3 otherwise.

Defaults for devices, package and password file come from the station's own
configuration file (``station.json`` in the config dir, read as plain JSON: the
diagnostics layer does not import ``station``); command-line options override them.
Thin: argument wiring and printing only.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap

from diagnostics.checks import CheckResult, Status
from vpr_common.cli import print_json

EXIT_FAILED = 3
_MARK = {Status.PASS: "[ OK ]", Status.WARN: "[ ?? ]", Status.FAIL: "[FAIL]"}


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register ``check`` on ``sub``."""
    p = sub.add_parser("check", help="автоматическая проверка готовности станции")
    p.add_argument("--json", action="store_true", help="вывести отчёт о готовности в формате JSON")
    p.add_argument("--node", default=None, metavar="URL", help="адрес узла координатора (по умолчанию из подключения станции)")
    p.add_argument("--package", default=None, metavar="PATH", help="файл пакета с заданиями (по умолчанию из настроек станции)")
    p.add_argument("--password-file", default=None, metavar="PATH",
                   help="файл с паролем пакета: тогда пакет проверяется полностью")
    p.add_argument("--participants", type=int, default=None, metavar="N",
                   help="сколько участников ожидается на этой станции за день (по умолчанию 30)")
    p.add_argument("--input", default=None, metavar="УСТРОЙСТВО", help="микрофон (имя из vpr-diagnose devices)")
    p.add_argument("--output", default=None, metavar="УСТРОЙСТВО", help="наушники (имя из vpr-diagnose devices)")
    p.set_defaults(func=cmd_check)


def _station_config() -> dict:
    from vpr_common import paths

    path = paths.config_dir() / "station.json"
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def format_table(results: list[CheckResult], width: int = 100) -> str:
    """The results as plain Russian text: a status mark and the title, then the
    message and (unless passed) the remedy indented below."""
    pad = " " * 7

    def wrap(text: str) -> list[str]:
        return textwrap.wrap(text, width, initial_indent=pad, subsequent_indent=pad, break_on_hyphens=False)

    lines = []
    for r in results:
        lines.append(f"{_MARK[r.status]} {r.title_ru}")
        lines.extend(wrap(r.message_ru))
        if r.remedy_ru and r.status is not Status.PASS:
            lines.extend(wrap("Что сделать: " + r.remedy_ru))
    return "\n".join(lines)


def cmd_check(args: argparse.Namespace) -> int:
    from diagnostics.report import build_report
    from diagnostics.runner import AutoCheckOptions, run_automatic_checks
    from diagnostics.system_checks import DEFAULT_PARTICIPANTS
    from vpr_common.errors import UsageError

    if args.participants is not None and not 1 <= args.participants <= 1000:
        raise UsageError(f"participants={args.participants}", message_ru="Число участников должно быть от 1 до 1000.")
    cfg = _station_config()
    opts = AutoCheckOptions(
        input_device=args.input or cfg.get("input_device"),
        output_device=args.output or cfg.get("output_device"),
        package_path=args.package or cfg.get("package_path"),
        password_file=args.password_file or (None if args.package else cfg.get("password_file")),
        participants=args.participants or DEFAULT_PARTICIPANTS,
        node_url=args.node,
        probe_audio_in_subprocess=True,
    )
    if not args.json:
        print("Проверка станции…", file=sys.stderr, flush=True)
    results = run_automatic_checks(opts)
    from diagnostics.audio_checks import versions

    system = next((r for r in results if r.check.value == "audio_system"), None)
    audio_loads = system is None or system.status is not Status.FAIL or system.values.get("devices") == 0
    report = build_report(results, versions=versions(load_portaudio=audio_loads), station_name=cfg.get("station_name"),
                          station_id=next((r.values.get("station_id") for r in results if r.check.value == "node"), None))
    if args.json:
        print_json(report)
    else:
        print(format_table(results))
        v = report["versions"]
        print(f"\nВерсии: Python {v['python']}, Kivy {v['kivy'] or 'нет'}, PortAudio {(v['portaudio'] or 'нет').removeprefix('PortAudio ')}, "
              f"libsndfile {v['libsndfile'] or 'нет'}")
        verdict = {"pass": "Станция готова.", "warn": "Станция готова, но есть замечания (см. выше).",
                   "fail": "Станция НЕ готова: исправьте ошибки, отмеченные [FAIL], и повторите проверку."}
        print(verdict[report["status"]])
    return 0 if report["ok"] else EXIT_FAILED
