"""Running the automatic checks (no person needed) in the federal order: time first,
then audio devices, then the rest. Used by ``vpr-diagnose check`` and by the station's
technician screen (which then adds the interactive checks and builds the report).

Every check is isolated: an unexpected exception becomes a failed check with a Russian
message (the traceback goes to the log), so one broken probe never hides the others.
Threads: the caller's thread (the station runs this off its UI thread).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from diagnostics import audio_checks, node_checks, system_checks
from diagnostics.checks import CheckId, CheckResult, Status, from_error

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AutoCheckOptions:
    """Inputs of the automatic checks.

    Devices are stable names (None = the system default). ``screen_size`` is what the
    station's window reports (diagnostics never imports Kivy); when None and
    ``detect_screen`` is true a cheap OS probe is tried. ``probe_audio_in_subprocess``
    enumerates audio devices in a child process first (the CLI does it: a broken audio
    setup can abort the process); the station, whose PortAudio is already loaded, does not.
    """

    input_device: str | None = None
    output_device: str | None = None
    package_path: str | None = None
    password_file: str | None = None
    participants: int = system_checks.DEFAULT_PARTICIPANTS
    node_url: str | None = None
    sync_root: Path | None = None
    data_dir: Path | None = None
    screen_size: tuple[int, int] | None = None
    detect_screen: bool = True
    probe_audio_in_subprocess: bool = False
    room_seconds: float = 1.5


def _guard(check: CheckId, fn: Callable[[], CheckResult]) -> CheckResult:
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others
        log.exception("check %s crashed", check.value)
        return from_error(check, exc)


def run_automatic_checks(opts: AutoCheckOptions = AutoCheckOptions(), *,
                         node_probe: node_checks.NodeProbe | None = None,
                         free_bytes: Callable[[Path], int] | None = None,
                         on_result: Callable[[CheckResult], None] | None = None) -> list[CheckResult]:
    """Run every automatic check and return the results in display order.

    ``node_probe`` replaces talking to the node and ``free_bytes`` the disk query (tests
    inject them); ``on_result`` is called after each check (a progress display).
    Never raises for a failing check.
    """
    from vpr_common import paths

    results: list[CheckResult] = []

    def add(r: CheckResult) -> None:
        results.append(r)
        if on_result is not None:
            on_result(r)

    probe = node_probe
    if probe is None:
        try:
            probe = node_checks.probe_node(opts.node_url, opts.sync_root)
        except Exception as exc:  # noqa: BLE001
            log.exception("node probe crashed")
            probe = node_checks.NodeProbe(configured=True, url=opts.node_url, error=exc)
    add(_guard(CheckId.CLOCK, lambda: node_checks.check_clock(probe.offset_s, probe.rtt_s)))
    add(_guard(CheckId.TIMEZONE, lambda: system_checks.check_timezone(node_utc_offset_s=probe.node_utc_offset_s)))

    audio_ok = True
    skipped_ru = ""
    if opts.probe_audio_in_subprocess:
        system = _guard(CheckId.AUDIO_SYSTEM, audio_checks.probe_audio_system)
        add(system)
        if system.status is Status.FAIL:
            audio_ok = False
            skipped_ru = ("Не проверено: нет звуковых устройств (см. выше)." if system.values.get("devices") == 0
                          else "Не проверено: звуковая подсистема неисправна (см. выше).")
    if audio_ok:
        add(_guard(CheckId.OUTPUT_DEVICE, lambda: audio_checks.check_output_device(opts.output_device)))
        add(_guard(CheckId.INPUT_DEVICE, lambda: audio_checks.check_input_device(opts.input_device)))
        inp = results[-1]
        if inp.status is Status.FAIL:
            add(CheckResult(CheckId.INPUT_ALIVE, Status.FAIL, "Не проверено: микрофон недоступен (см. выше).",
                            "", {"skipped": True}))
        else:
            add(_guard(CheckId.INPUT_ALIVE,
                       lambda: audio_checks.check_input_alive(opts.input_device, opts.room_seconds)))
    else:
        for cid in (CheckId.OUTPUT_DEVICE, CheckId.INPUT_DEVICE, CheckId.INPUT_ALIVE):
            add(CheckResult(cid, Status.FAIL, skipped_ru, "", {"skipped": True}))

    package, plan = None, system_checks.default_plan(opts.participants)
    try:
        package, plan = system_checks.check_package(opts.package_path, opts.password_file, opts.participants)
    except Exception as exc:  # noqa: BLE001
        log.exception("package check crashed")
        package = from_error(CheckId.EXAM_PACKAGE, exc)
    data_dir = opts.data_dir or paths.data_dir()
    add(_guard(CheckId.DISK, lambda: system_checks.check_disk(data_dir, plan, free_bytes)))
    size = opts.screen_size
    if size is None and opts.detect_screen:
        size = system_checks.detect_screen_size()
    add(_guard(CheckId.SCREEN, lambda: system_checks.check_screen(size)))
    add(package)
    add(_guard(CheckId.NODE, lambda: node_checks.check_node(probe)))
    return results
