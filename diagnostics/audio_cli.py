"""The audio subcommands of ``vpr-diagnose``: ``devices``, ``record``, ``recover``.

Thin: argument wiring and printing only; the work lives in ``audio/``.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

from vpr_common.cli import print_json


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register the audio subcommands on ``sub``."""
    p = sub.add_parser("devices", help="список звуковых устройств")
    p.add_argument("--json", action="store_true", help="вывести в формате JSON")
    p.set_defaults(func=cmd_devices)

    p = sub.add_parser("record", help="контрольная запись тем же модулем, что и на экзамене")
    p.add_argument("out_dir", metavar="OUT_DIR", type=Path, help="папка для записи")
    p.add_argument("--seconds", type=float, required=True, help="длительность записи, с")
    p.add_argument("--device", default=None, help="устройство ввода (имя из vpr-diagnose devices)")
    p.add_argument("--name", default=None, help="имя файла записи (по умолчанию control-<время>)")
    p.add_argument("--json", action="store_true", help="(сводка всегда выводится в JSON)")
    p.set_defaults(func=cmd_record)

    p = sub.add_parser("recover", help="восстановить прерванные записи в папке")
    p.add_argument("out_dir", metavar="OUT_DIR", type=Path, help="папка с прерванной записью")
    p.add_argument("--json", action="store_true", help="(сводка всегда выводится в JSON)")
    p.set_defaults(func=cmd_recover)


def _summary(result, **extra) -> dict:
    from audio.analysis import quality_issues

    d = result.as_dict()
    a = d["analysis"] or {}  # none for a sealed recording recovered without its key
    issues = quality_issues(result.analysis) if result.analysis is not None else []
    out = {
        "ok": True, "file": d["file"], "duration_s": d["duration_s"], "sha256": d["sha256"],
        "peak_dbfs": a.get("peak_dbfs"), "rms_dbfs": a.get("rms_dbfs"), "clipped_fraction": a.get("clipped_fraction"),
        "digital_silence": a.get("digital_silence"), "overflows": d["overflows"], "encrypted": bool(result.sealed),
        "warnings": [i.value for i in issues], "warnings_ru": [i.message_ru for i in issues],
    }
    out.update(extra)
    out["details"] = d
    return out


def _warn(summary: dict) -> None:
    for text in summary["warnings_ru"]:
        print(f"Внимание: {text}", file=sys.stderr)


def cmd_devices(args: argparse.Namespace) -> int:
    from audio.devices import list_devices

    devs = list_devices()
    if args.json:
        print_json({"ok": True, "devices": [d.as_dict() for d in devs]})
        return 0
    if not devs:
        print("Звуковые устройства не найдены.")
        return 0
    for d in devs:
        marks = []
        if d.is_default_input:
            marks.append("ввод по умолчанию")
        if d.is_default_output:
            marks.append("вывод по умолчанию")
        mark = f" ({', '.join(marks)})" if marks else ""
        print(f"{d.index:3d}  {d.stable_name}{mark}: входов {d.max_input_channels}, "
              f"выходов {d.max_output_channels}, {d.default_samplerate:g} Гц")
    return 0


def cmd_record(args: argparse.Namespace) -> int:
    from audio.errors import RecordingFault
    from audio.recorder import Recorder
    from vpr_common.errors import UsageError

    if not 0 < args.seconds <= 3600:
        raise UsageError(f"seconds={args.seconds}", message_ru="Длительность записи должна быть от 0 до 3600 секунд.")
    name = args.name or "control-" + datetime.now().strftime("%Y%m%d-%H%M%S")
    stop = threading.Event()
    rec = Recorder(args.out_dir, name, args.device, on_fault=lambda exc: stop.set())
    previous = signal.signal(signal.SIGINT, lambda *a: stop.set())
    try:
        rec.start()
        print(f"Идёт запись {args.seconds:g} с в {rec.journal_path.parent} …", file=sys.stderr, flush=True)
        stop.wait(args.seconds)
        try:
            result = rec.stop()
        except RecordingFault as fault:
            if fault.result is not None:
                print_json({**_summary(fault.result), "ok": False, "error": fault.as_dict()})
                print(f"Ошибка: {fault.user_text}", file=sys.stderr)
                return fault.exit_code
            raise
    finally:
        signal.signal(signal.SIGINT, previous)
    summary = _summary(result)
    print_json(summary)
    _warn(summary)
    return 0


def cmd_recover(args: argparse.Namespace) -> int:
    from audio.errors import JournalError
    from audio.recovery import recover_all

    if not args.out_dir.is_dir():
        raise JournalError(f"{args.out_dir} is not a directory", message_ru=f"Папка {args.out_dir} не найдена.")
    started = time.monotonic()
    report = recover_all(args.out_dir)
    items = [_summary(r, recovered_s=round(r.duration_s, 3), discarded_bytes=r.discarded_bytes)
             for r in report.recovered]
    for item in items:
        sealed = " (зашифровано для узла координатора; прослушать можно только на узле)" if item["encrypted"] else ""
        print(f"Восстановлено {item['recovered_s']} с: {item['file']}{sealed}", file=sys.stderr)
    failed = [{"journal": str(p), "error": exc.as_dict()} for p, exc in report.failed]
    for p, exc in report.failed:
        print(f"Ошибка: {p.name}: {exc.user_text}", file=sys.stderr)
    busy = [str(p) for p in report.in_progress]
    for p in report.in_progress:
        print(f"Пропущено: {p.name} - запись ещё идёт.", file=sys.stderr)
    out = {"ok": not failed, "recovered": items, "failed": failed, "in_progress": busy,
           "elapsed_s": round(time.monotonic() - started, 3)}
    if not (items or failed or busy):
        out["message_ru"] = "Прерванных записей не найдено."
    print_json(out)
    return 0 if not failed else max(exc.exit_code for _, exc in report.failed)
