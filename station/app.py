"""The station's Kivy app shell: loads the KV files when it builds, shows the screen
of the flow's current phase, ticks the flow ten times a second, and keeps the student
inside the exam (kiosk): Esc and window close are ignored; the technician menu opens
with Ctrl+Shift+T behind a PIN, and only from there can the program be closed.

Import this module only after :func:`station.kivy_setup.configure`."""

from __future__ import annotations

import logging
import signal
import time
from importlib import resources
from pathlib import Path
from typing import Callable

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import NumericProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from exam_content.model import (ListeningTask, MultipleChoiceTask, PhotoDescriptionTask, ReadingMatchingTask,
                                ShortAnswerTask)
from station import frame_sync, messages
from station.config import check_pin
from station.flow.phases import Phase
from station.runtime import StationRuntime
from station.screens.code_entry import CodeConfirmScreen, CodeEntryScreen
from station.screens.raise_hand import RaiseHandScreen
from station.screens.sound_check import SoundHearScreen, SoundPlaybackScreen, SoundSpeakScreen
from station.screens.tasks import FinishScreen, InstructionsScreen, ListeningScreen, PhotoChoiceScreen, SpeakingScreen
from station.screens.technician import TechnicianScreen
from station.screens.written import WrittenIntroScreen, WrittenScreen
from station import widgets  # noqa: F401 - registers the widget classes for KV

log = logging.getLogger(__name__)

KV_FILES = ("style.kv", "sound_check.kv", "raise_hand.kv", "code_entry.kv", "tasks.kv", "written.kv",
            "technician.kv")
SCREEN_CLASSES = (SoundHearScreen, SoundSpeakScreen, SoundPlaybackScreen, RaiseHandScreen, CodeEntryScreen,
                  CodeConfirmScreen, InstructionsScreen, ListeningScreen, PhotoChoiceScreen, SpeakingScreen,
                  WrittenIntroScreen, WrittenScreen, FinishScreen, TechnicianScreen)
PHASE_SCREENS = {
    Phase.SOUND_HEAR: "sound_hear",
    Phase.SOUND_SPEAK: "sound_speak",
    Phase.SOUND_PLAYBACK: "sound_playback",
    Phase.RAISE_HAND: "raise_hand",
    Phase.CODE_ENTRY: "code_entry",
    Phase.CODE_CONFIRM: "code_confirm",
    Phase.INSTRUCTIONS: "instructions",
    Phase.LISTEN_READ: "listening",
    Phase.LISTEN_PLAY: "listening",
    Phase.LISTEN_ANSWER: "listening",
    Phase.PHOTO_CHOICE: "photo_choice",
    Phase.PREPARE: "speaking",
    Phase.ANSWER: "speaking",
    Phase.WRITTEN_INTRO: "written_intro",
    Phase.WRITTEN: "written",
    Phase.SEALING: "finish",
    Phase.DONE: "finish",
}
DEMO_PIN = "0000"
#: Font scale of the task screens for a participant with large print (accommodation).
LARGE_PRINT_SCALE = 1.3
#: The screen that shows each kind of task with content built ahead (FlowScreen.warm).
TASK_SCREENS = {ListeningTask: "listening", PhotoDescriptionTask: "photo_choice", ReadingMatchingTask: "written",
                MultipleChoiceTask: "written", ShortAnswerTask: "written"}
#: Time per frame for building ahead (a frame lasts about 16 ms at 60 frames a second).
WARM_BUDGET_S = 0.008


class _LogAndContinue(ExceptionHandler):
    """In production an exception in a callback must not close the exam: log it and
    let the flow show the raise-hand screen. Tests install a re-raising handler."""

    def __init__(self, app: "StationApp") -> None:
        self.app = app

    def handle_exception(self, inst):  # noqa: ANN001
        log.error("unhandled exception in the UI", exc_info=inst)
        try:
            self.app.flow.raise_hand(messages.t("fault.internal"), can_continue=self.app.flow.session is not None)
        except Exception:  # noqa: BLE001
            log.exception("could not show the raise-hand screen")
        return ExceptionManager.PASS


class StationApp(App):
    title = messages.t("app.title")
    #: Multiplies every text size of the task screens (KV: ``sp(26) * app.font_scale``).
    font_scale = NumericProperty(1.0)

    def __init__(self, runtime: StationRuntime, *, kiosk: bool = True,
                 on_tick: Callable[["StationApp"], None] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.runtime = runtime
        self.flow = runtime.flow
        self.kiosk = kiosk
        self.on_tick = on_tick
        self.technician_open = False
        self._allow_close = False
        self._exception_handler = _LogAndContinue(self)
        self._warming = None  # the build steps of a coming screen, run a little each frame

    # KV calls app.t('key')
    @staticmethod
    def t(key: str, **kwargs) -> str:
        return messages.t(key, **kwargs)

    def build(self):
        base = resources.files("station").joinpath("screens")
        for name in KV_FILES:
            Builder.load_file(str(base.joinpath(name)))
        sm = ScreenManager(transition=NoTransition())
        for cls in SCREEN_CLASSES:
            sm.add_widget(cls())
        Window.bind(on_keyboard=self._on_keyboard, on_request_close=self._on_request_close)
        frame_sync.install(Window)
        self._install_sigterm()
        ExceptionManager.add_handler(self._exception_handler)
        Clock.schedule_once(lambda _dt: self._start(), 0)
        Clock.schedule_interval(lambda _dt: self._tick(), 0.1)
        return sm

    def _install_sigterm(self) -> None:
        """SIGTERM (OS shutdown, service stop) closes the station cleanly: the running
        answer piece is finished and kept, so the next start continues it."""
        def on_term(_signum, _frame) -> None:
            log.info("SIGTERM: closing the station")
            Clock.schedule_once(lambda _dt: self.exit_by_technician(), 0)

        try:
            signal.signal(signal.SIGTERM, on_term)
        except (ValueError, AttributeError, OSError):  # not the main thread / platform without it
            log.warning("SIGTERM handler not installed")

    # ---------------------------------------------------------------- building ahead
    def _warm_ahead(self) -> None:
        """Start building the screens of the coming tasks, a few milliseconds a frame,
        so that no frame carries a whole screen's build (docs/station.md)."""
        flow = self.flow
        if self._warming is not None or flow.session is None or flow.variant is None:
            return
        for task in flow.variant.tasks[flow.session.task_index:]:
            name = TASK_SCREENS.get(type(task))
            steps = self.root.get_screen(name).warm(flow, task) if name else None
            if steps is not None:
                self._warming = steps
                Clock.schedule_once(self._warm_step, 0)
                return

    def _warm_step(self, _dt) -> None:
        deadline = time.perf_counter() + WARM_BUDGET_S
        try:
            while time.perf_counter() < deadline:
                next(self._warming)
        except StopIteration:
            self._warming = None
            return
        Clock.schedule_once(self._warm_step, 0)

    def _first_screen(self) -> None:
        try:
            import psutil

            since_launch = time.time() - psutil.Process().create_time()
            log.info("first screen %s shown %.3f s after process start", self.root.current, since_launch)
        except Exception:  # noqa: BLE001 - a measurement must never break the station
            log.exception("start-up time not measured")

    def _start(self) -> None:
        self.flow.start()
        self._sync_screen()
        Clock.schedule_once(lambda _dt: self._first_screen(), 0)  # after the first frame is drawn

    def _tick(self) -> None:
        self.flow.tick()
        self._sync_screen()
        if self.on_tick:
            self.on_tick(self)

    def _sync_screen(self) -> None:
        if self.technician_open or self.root is None:
            return
        name = PHASE_SCREENS[self.flow.phase]
        scale = LARGE_PRINT_SCALE if self.flow.large_print else 1.0
        if self.font_scale != scale:
            self.font_scale = scale
        if self.root.current != name:
            self.root.current = name
        self.root.current_screen.refresh(self.flow)
        self._warm_ahead()

    # ---------------------------------------------------------------- kiosk
    def _on_request_close(self, *_args, **_kwargs) -> bool:
        if self._allow_close:
            return False
        log.info("window close refused (kiosk)")
        return True

    def _on_keyboard(self, _window, key, _scancode, codepoint, modifiers) -> bool:
        if key == 27:  # Esc: never leaves the exam
            return True
        if codepoint in ("t", "T", "е", "Е") and "ctrl" in modifiers and "shift" in modifiers:
            self.open_technician()
            return True
        screen = self.root.current_screen if self.root else None
        return bool(screen and screen.on_key(key, codepoint, list(modifiers or ())))

    def open_technician(self) -> None:
        self.technician_open = True
        self.root.current = "technician"

    def close_technician(self) -> None:
        self.technician_open = False
        self._sync_screen()

    def check_pin(self, pin: str) -> bool:
        stored = self.runtime.config.pin_hash
        if stored:
            return check_pin(pin, stored)
        return self.runtime.demo and pin == DEMO_PIN

    def technician_info(self) -> str:
        cfg = self.runtime.config
        m = self.runtime.package.manifest
        try:
            progress = self.runtime.sync.outbox.progress()
            entries = self.runtime.sync.outbox.entries()
            unacked = len(self.runtime.sync.outbox.unacked())
        except Exception:  # noqa: BLE001 - the menu must open whatever the outbox says
            log.exception("outbox unreadable")
            entries, unacked, progress = [], "?", None
        lines = [
            messages.t("tech.station", station=self.flow.station_id),
            messages.t("tech.package", title=m.title),
            messages.t("tech.devices", input=cfg.input_device or messages.t("tech.device_default"),
                       output=cfg.output_device or messages.t("tech.device_default")),
            messages.t("tech.outbox", count=len(entries), unacked=unacked),
        ]
        if progress is not None:
            lines.append(messages.t("tech.sent", percent=progress.percent))
        return "\n".join(lines)

    def run_readiness_checks(self, screen_size: tuple[int, int]) -> str:
        """The automatic checks (worker thread): saves the readiness report, which the
        sync worker sends to the node and the sealer puts into response packages."""
        from diagnostics.report import build_report, save_report
        from diagnostics.runner import AutoCheckOptions, run_automatic_checks
        from station.screens.technician import format_results

        cfg = self.runtime.config
        opts = AutoCheckOptions(input_device=cfg.input_device, output_device=cfg.output_device,
                                package_path=str(self.runtime.package.path), screen_size=screen_size,
                                detect_screen=False, sync_root=self.runtime.sync.root)
        results = run_automatic_checks(opts)
        report = build_report(results, station_name=cfg.station_name, station_id=self.flow.station_id)
        save_report(report)
        self.runtime.sealer.set_readiness_report(report)
        return format_results(results) + "\n" + messages.t("tech.checks_done", overall=report["summary"])

    def fetch_from_node(self) -> str:
        """Package, password and codes from the node (worker thread)."""
        from station.node_link import fetch_materials

        got = fetch_materials(self.runtime.sync, self.runtime.config)
        password = messages.t("tech.password_yes") if got.password_received else messages.t("tech.password_no")
        return messages.t("tech.fetch_done", password=password, codes=got.codes)

    def exit_by_technician(self) -> None:
        log.info("exit by technician")
        self._allow_close = True
        self.stop()

    def on_stop(self) -> None:
        ExceptionManager.remove_handler(self._exception_handler)
        self.flow.shutdown()
        if self.runtime.worker is not None:
            self.runtime.worker.stop(timeout=5)

    def screenshot(self, path: Path) -> None:
        """Save a PNG of what is on screen now."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.root.export_to_png(str(path))
