"""The station's Kivy app shell: loads the KV files when it builds, shows the screen
of the flow's current phase, ticks the flow ten times a second, and keeps the student
inside the exam (kiosk): Esc and window close are ignored; the technician menu opens
with Ctrl+Shift+T behind a PIN, and only from there can the program be closed.

Import this module only after :func:`station.kivy_setup.configure`."""

from __future__ import annotations

import logging
import signal
import threading
import time
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from exam_content.model import (InstructionsTask, ListeningTask, MultipleChoiceTask, PhotoDescriptionTask, ReadingMatchingTask,
                                ShortAnswerTask)
from station import frame_sync, messages
from station.config import check_pin
from station.flow.phases import Phase
from station.screens.code_entry import CodeConfirmScreen, CodeEntryScreen
from station.screens.raise_hand import RaiseHandScreen
from station.screens.sound_check import SoundHearScreen, SoundPlaybackScreen, SoundSpeakScreen
from station.screens.tasks import FinishScreen, InstructionsScreen, ListeningScreen, PhotoChoiceScreen, SpeakingScreen
from station.screens.technician import TechnicianScreen
from station.screens.written import WrittenIntroScreen, WrittenScreen
from station import widgets  # noqa: F401 - registers the widget classes for KV

if TYPE_CHECKING:
    from station.runtime import StationRuntime

log = logging.getLogger(__name__)


def _since_process_start() -> float:
    """Seconds since this process started (for the start-up figures in the log)."""
    try:
        import psutil

        return time.time() - psutil.Process().create_time()
    except Exception:  # noqa: BLE001 - a measurement must never break the station
        log.exception("start-up time not measured")
        return float("nan")

#: KV files loaded when the app builds; a screen's own file is loaded when it is made.
KV_FILES = ("style.kv", "sound_check.kv", "raise_hand.kv")
KV_OF_SCREEN = {"code_entry": "code_entry.kv", "code_confirm": "code_entry.kv", "instructions": "tasks.kv",
                "listening": "tasks.kv", "photo_choice": "tasks.kv", "speaking": "tasks.kv", "finish": "tasks.kv",
                "written_intro": "written.kv", "written": "written.kv", "technician": "technician.kv"}
#: Every screen by its name (the ``name`` in its KV rule).
SCREENS = {"sound_hear": SoundHearScreen, "sound_speak": SoundSpeakScreen, "sound_playback": SoundPlaybackScreen,
           "raise_hand": RaiseHandScreen, "code_entry": CodeEntryScreen, "code_confirm": CodeConfirmScreen,
           "instructions": InstructionsScreen, "listening": ListeningScreen, "photo_choice": PhotoChoiceScreen,
           "speaking": SpeakingScreen, "written_intro": WrittenIntroScreen, "written": WrittenScreen,
           "finish": FinishScreen, "technician": TechnicianScreen}
#: Screens made before the first frame; the others are made one a frame after it (or
#: at once when one is needed sooner), so the first screen shows sooner.
FIRST_SCREENS = ("sound_hear", "raise_hand")
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
TASK_SCREENS = {InstructionsTask: "instructions", ListeningTask: "listening", PhotoDescriptionTask: "photo_choice", ReadingMatchingTask: "written",
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
        if self.app.flow is None:  # nothing to show a raise-hand screen with yet
            return ExceptionManager.PASS
        try:
            self.app.flow.raise_hand(messages.t("fault.internal"), can_continue=self.app.flow.session is not None)
        except Exception:  # noqa: BLE001
            log.exception("could not show the raise-hand screen")
        return ExceptionManager.PASS


class StationApp(App):
    """Given a ready ``runtime``, or a ``loader`` that makes one: then the window and
    the first screen come first and the loader runs on a worker thread after the first
    frame (importing the audio and crypto libraries and verifying the package take
    most of a start); the screen's buttons wait for it (``ready``). A loader's error
    closes the window and is raised again by :meth:`run`, so the CLI prints it."""

    title = messages.t("app.title")
    #: Multiplies every text size of the task screens (KV: ``sp(26) * app.font_scale``).
    font_scale = NumericProperty(1.0)
    #: The runtime is there: the flow runs and the screens take input.
    ready = BooleanProperty(False)

    def __init__(self, runtime: StationRuntime | None = None, *, loader: Callable[[], StationRuntime] | None = None,
                 kiosk: bool = True, on_tick: Callable[["StationApp"], None] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.runtime = runtime
        self.flow = runtime.flow if runtime is not None else None
        self._loader = loader
        self.load_error: BaseException | None = None
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
        self._kv_loaded: set[str] = set()
        for name in KV_FILES:
            self._load_kv(name)
        sm = ScreenManager(transition=NoTransition())
        for name in FIRST_SCREENS:
            sm.add_widget(SCREENS[name]())
        Window.bind(on_keyboard=self._on_keyboard, on_request_close=self._on_request_close)
        frame_sync.install(Window)
        self._install_sigterm()
        ExceptionManager.add_handler(self._exception_handler)
        if self.runtime is not None:
            Clock.schedule_once(lambda _dt: self._start(), 0)
        else:
            Clock.schedule_once(lambda _dt: self._first_screen(), 0)  # after the first frame is drawn
            Clock.schedule_once(lambda _dt: self._load(), 0.02)
        Clock.schedule_interval(lambda _dt: self._tick(), 0.1)
        return sm

    def _load(self) -> None:
        """Make the runtime on a worker thread; then start the flow on the UI thread."""
        def work() -> None:
            try:
                runtime = self._loader()
            except BaseException as exc:  # noqa: BLE001 - given to run()'s caller on the UI thread
                Clock.schedule_once(lambda _dt, err=exc: self._load_failed(err), 0)
            else:
                Clock.schedule_once(lambda _dt: self._loaded(runtime), 0)

        threading.Thread(target=work, name="station-load", daemon=True).start()

    def _loaded(self, runtime: StationRuntime) -> None:
        self.runtime, self.flow = runtime, runtime.flow
        log.info("station ready %.3f s after process start", _since_process_start())
        self._start(first=False)

    def _load_failed(self, exc: BaseException) -> None:
        log.error("the station could not start: %r", exc)
        self.load_error = exc
        self.exit_by_technician()

    def run(self) -> None:
        super().run()
        if self.load_error is not None:
            raise self.load_error

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
    def screen(self, name: str):
        """The screen ``name``, made now if it was not made yet."""
        if not self.root.has_screen(name):
            if name in KV_OF_SCREEN:
                self._load_kv(KV_OF_SCREEN[name])
            self.root.add_widget(SCREENS[name]())
        return self.root.get_screen(name)

    def _load_kv(self, name: str) -> None:
        if name not in self._kv_loaded:
            Builder.load_file(str(resources.files("station").joinpath("screens", name)))
            self._kv_loaded.add(name)

    def _make_screens(self, _dt=None) -> None:
        """After the first frame: the screens not made yet, one a frame."""
        for name in SCREENS:
            if not self.root.has_screen(name):
                self.screen(name)
                Clock.schedule_once(self._make_screens, 0)
                return

    def _warm_ahead(self) -> None:
        """Start building the screens of the coming tasks, a few milliseconds a frame,
        so that no frame carries a whole screen's build (docs/station.md)."""
        flow = self.flow
        if self._warming is not None or flow.variant is None:
            return
        if flow.session is None:  # the code is being confirmed: only the instruction may come next
            coming = [t for t in flow.variant.tasks[:1] if isinstance(t, InstructionsTask)]
        else:
            coming = flow.variant.tasks[flow.session.task_index:]
        for task in coming:
            name = TASK_SCREENS.get(type(task))
            steps = self.screen(name).warm(flow, task) if name else None
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
        log.info("first screen %s shown %.3f s after process start", self.root.current, _since_process_start())

    def _start(self, first: bool = True) -> None:
        self.flow.start()
        self.ready = True
        self._sync_screen()
        if first:
            Clock.schedule_once(lambda _dt: self._first_screen(), 0)  # after the first frame is drawn
        Clock.schedule_once(self._make_screens, 0.05)

    def _tick(self) -> None:
        if self.flow is None:
            return
        self.flow.tick()
        self.runtime.track_live()
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
            self.screen(name)
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
        if self.flow is None:  # still starting: nothing takes input yet
            return True
        if codepoint in ("t", "T", "е", "Е") and "ctrl" in modifiers and "shift" in modifiers:
            self.open_technician()
            return True
        screen = self.root.current_screen if self.root else None
        return bool(screen and screen.on_key(key, codepoint, list(modifiers or ())))

    def open_technician(self) -> None:
        self.technician_open = True
        self.screen("technician")
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
        if self.flow is None:
            return
        self.flow.shutdown()
        if self.runtime.worker is not None:
            self.runtime.worker.stop(timeout=5)

    def screenshot(self, path: Path) -> None:
        """Save a PNG of what is on screen now."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.root.export_to_png(str(path))
