"""Automatic checks of the station itself: free disk space for the day's recordings,
time zone, screen size and the exam package. (Clock and node: :mod:`diagnostics.node_checks`.)

Every measurement the tests must control is injectable (free-space function, UTC
offset, screen size). Threads: the caller's thread only.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from diagnostics.checks import CheckId, CheckResult, Status, from_error

# Storage format of the audio engine: FLAC, mono, 16-bit, 16 kHz. FLAC never needs much
# more than the raw PCM (32 000 B/s = 1.92 MB per minute; speech compresses to about half),
# so the raw figure is the upper bound we plan with.
STORAGE_BYTES_PER_MINUTE = 16000 * 2 * 60
# Each answer exists twice on the station until the node acknowledges it: the FLAC in the
# session folder and its copy inside the sealed response package.
COPIES = 2
# While an answer is recorded its journal holds raw PCM at the capture rate (up to 48 kHz).
JOURNAL_BYTES_PER_SECOND = 48000 * 2
RESERVE_BYTES = 200 * 1000 * 1000  # logs, the exam package, the outbox bookkeeping
MARGIN = 2.0  # warn below twice the need
DEFAULT_RECORDED_SECONDS = 300  # per participant when the package cannot be read (real: 3.5 min)
DEFAULT_PARTICIPANTS = 30
MIN_SCREEN = (1024, 768)
RUSSIA_UTC_OFFSETS_H = (2, 12)  # Kaliningrad UTC+2 .. Kamchatka UTC+12


@dataclass(frozen=True)
class DayPlan:
    """What the station must hold for one day."""

    participants: int
    recorded_seconds_per_participant: float
    longest_answer_s: float
    source: str  # "package" (timings read from the package) or "default"


def plan_from_manifest(manifest, participants: int) -> DayPlan:
    """The day plan from an opened package's manifest: the recorded answer time of the
    longest variant (read-aloud and photo-description answers are recorded)."""
    from exam_content.model import PhotoDescriptionTask, ReadAloudTask

    best = 0.0
    longest = 0.0
    for variant in manifest.variants:
        total = 0.0
        for task in variant.tasks:
            if isinstance(task, (ReadAloudTask, PhotoDescriptionTask)):
                total += float(task.answer_seconds)
                longest = max(longest, float(task.answer_seconds))
        best = max(best, total)
    if best <= 0:
        return DayPlan(participants, DEFAULT_RECORDED_SECONDS, 180.0, "default")
    return DayPlan(participants, best, longest, "package")


def default_plan(participants: int) -> DayPlan:
    return DayPlan(participants, DEFAULT_RECORDED_SECONDS, 180.0, "default")


def required_bytes(plan: DayPlan) -> int:
    """Bytes the day needs (see the constants above for the reasoning)."""
    minutes = plan.participants * plan.recorded_seconds_per_participant / 60.0
    return int(minutes * STORAGE_BYTES_PER_MINUTE * COPIES
               + plan.longest_answer_s * JOURNAL_BYTES_PER_SECOND + RESERVE_BYTES)


def _mb(n: float) -> str:
    return f"{n / 1e6:,.0f}".replace(",", " ") + " МБ"


def check_disk(directory: Path, plan: DayPlan,
               free_bytes: Callable[[Path], int] | None = None) -> CheckResult:
    """Free space where recordings go (``directory``, or its nearest existing parent)
    against :func:`required_bytes`: fail below the need, warn below twice the need."""
    d = Path(directory)
    while not d.exists() and d.parent != d:
        d = d.parent
    try:
        free = int(free_bytes(d) if free_bytes else shutil.disk_usage(d).free)
    except OSError as exc:
        return from_error(CheckId.DISK, exc, {"directory": str(directory)})
    need = required_bytes(plan)
    values = {"directory": str(directory), "free_bytes": free, "required_bytes": need,
              "participants": plan.participants,
              "recorded_seconds_per_participant": plan.recorded_seconds_per_participant,
              "plan_source": plan.source, "bytes_per_minute": STORAGE_BYTES_PER_MINUTE}
    basis = (f"нужно {_mb(need)} на {plan.participants} участников по "
             f"{plan.recorded_seconds_per_participant / 60:.1f} мин записи")
    if free < need:
        return CheckResult(CheckId.DISK, Status.FAIL, f"Мало места на диске: свободно {_mb(free)}, {basis}.",
                           f"Освободите на диске не меньше {_mb(need - free)} (удалите ненужные файлы, "
                           "очистите корзину) или выберите другую папку для данных.", values)
    if free < need * MARGIN:
        return CheckResult(CheckId.DISK, Status.WARN, f"Места на диске впритык: свободно {_mb(free)}, {basis}.",
                           f"Желательно освободить ещё {_mb(need * MARGIN - free)}.", values)
    return CheckResult(CheckId.DISK, Status.PASS, f"Свободно {_mb(free)}, {basis}.", "", values)


def local_utc_offset_s() -> int:
    """This machine's current UTC offset in seconds."""
    return int(time.localtime().tm_gmtoff)


def _fmt_offset(seconds: float) -> str:
    sign = "+" if seconds >= 0 else "-"
    s = abs(int(seconds))
    return f"UTC{sign}{s // 3600}" + (f":{s % 3600 // 60:02d}" if s % 3600 else "")


def check_timezone(utc_offset_s: int | None = None, node_utc_offset_s: int | None = None) -> CheckResult:
    """The local UTC offset is a Russian one (UTC+2..UTC+12) and, when the node's is
    known, the same as the node's."""
    off = local_utc_offset_s() if utc_offset_s is None else int(utc_offset_s)
    values = {"utc_offset_s": off, "utc_offset": _fmt_offset(off), "tz_name": time.tzname[time.localtime().tm_isdst > 0]}
    if node_utc_offset_s is not None:
        values["node_utc_offset_s"] = int(node_utc_offset_s)
    remedy = ("Установите правильный часовой пояс (Windows: «Параметры → Время и язык → Дата и время»; "
              "Linux: timedatectl set-timezone Europe/Moscow или ваш город).")
    lo, hi = RUSSIA_UTC_OFFSETS_H
    if not lo * 3600 <= off <= hi * 3600:
        return CheckResult(CheckId.TIMEZONE, Status.WARN,
                           f"Часовой пояс станции {_fmt_offset(off)} — такого нет в России; время в протоколах будет неверным.",
                           remedy, values)
    if node_utc_offset_s is not None and int(node_utc_offset_s) != off:
        return CheckResult(CheckId.TIMEZONE, Status.WARN,
                           f"Часовой пояс станции {_fmt_offset(off)} отличается от пояса узла {_fmt_offset(node_utc_offset_s)}.",
                           remedy, values)
    return CheckResult(CheckId.TIMEZONE, Status.PASS, f"Часовой пояс {_fmt_offset(off)}.", "", values)


def detect_screen_size(timeout: float = 3.0) -> tuple[int, int] | None:
    """The primary screen size without a GUI toolkit: ``GetSystemMetrics`` on Windows,
    ``xrandr`` or ``xdpyinfo`` under X11; None when it cannot be learned. Never raises."""
    try:
        if sys.platform == "win32":
            import ctypes

            user32 = ctypes.windll.user32  # type: ignore[attr-defined]
            w, h = int(user32.GetSystemMetrics(0)), int(user32.GetSystemMetrics(1))
            return (w, h) if w > 0 and h > 0 else None
        import os
        import re

        if not os.environ.get("DISPLAY"):
            return None
        for cmd, pattern in ((["xrandr", "--current"], r"current (\d+) x (\d+)"),
                             (["xdpyinfo"], r"dimensions:\s+(\d+)x(\d+)")):
            if shutil.which(cmd[0]) is None:
                continue
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout).stdout
            m = re.search(pattern, out)
            if m:
                return int(m.group(1)), int(m.group(2))
    except Exception:  # noqa: BLE001 - a probe: any failure means "unknown"
        return None
    return None


def check_screen(size: tuple[int, int] | None) -> CheckResult:
    """At least 1024x768. ``size`` None means it could not be learned: a warning."""
    w0, h0 = MIN_SCREEN
    if size is None:
        return CheckResult(CheckId.SCREEN, Status.WARN, "Разрешение экрана не проверено (не удалось определить).",
                           "Проверьте на экране станции: нужно не меньше 1024×768.", {"width": None, "height": None})
    w, h = int(size[0]), int(size[1])
    values = {"width": w, "height": h, "min_width": w0, "min_height": h0}
    if w < w0 or h < h0:
        return CheckResult(CheckId.SCREEN, Status.FAIL, f"Экран {w}×{h} меньше необходимого {w0}×{h0}: задания не поместятся.",
                           "Установите разрешение не меньше 1024×768 (Параметры экрана) или используйте другой монитор.",
                           values)
    return CheckResult(CheckId.SCREEN, Status.PASS, f"Экран {w}×{h}.", "", values)


def check_package(package_path: Path | str | None, password_file: Path | str | None = None,
                  participants: int = DEFAULT_PARTICIPANTS) -> tuple[CheckResult, DayPlan]:
    """The exam package exists and its structure is verified (no password needed);
    with a readable password file it is also decrypted and fully verified, which gives
    the real answer timings for the disk plan. Returns (result, day plan)."""
    from exam_content.archive import open_package, read_password_file
    from exam_content.errors import ContentError
    from exam_content.archive import archive_facts

    plan = default_plan(participants)
    if not package_path:
        return CheckResult(CheckId.EXAM_PACKAGE, Status.WARN, "Пакет с заданиями не выбран.",
                           "Загрузите пакет с узла координатора или укажите файл пакета в меню технического специалиста.",
                           {"file": None}), plan
    path = Path(package_path)
    if not path.is_file():
        return CheckResult(CheckId.EXAM_PACKAGE, Status.FAIL, f"Файл пакета «{path}» не найден.",
                           "Скопируйте пакет заново или укажите правильный путь.", {"file": str(path)}), plan
    try:
        facts = archive_facts(path)
    except ContentError as exc:
        return from_error(CheckId.EXAM_PACKAGE, exc, {"file": str(path)}), plan
    public = facts.get("public_facts") or {}
    values = {"file": str(path), "size": facts["size"], "sha256": facts["sha256"], "entries": facts["entries"],
              "package_id": public.get("package_id"), "title": public.get("title"), "fully_verified": False}
    title = public.get("title") or path.name
    if password_file:
        try:
            pkg = open_package(path, read_password_file(Path(password_file)))
        except ContentError as exc:
            return from_error(CheckId.EXAM_PACKAGE, exc, values), plan
        values["fully_verified"] = True
        plan = plan_from_manifest(pkg.manifest, participants)
        return CheckResult(CheckId.EXAM_PACKAGE, Status.PASS,
                           f"Пакет «{title}» на месте, расшифрован и проверен полностью.", "", values), plan
    return CheckResult(CheckId.EXAM_PACKAGE, Status.PASS,
                       f"Пакет «{title}» на месте, структура архива проверена (пароль ещё не нужен).", "", values), plan
