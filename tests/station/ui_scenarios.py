"""Scripted UI scenarios run in a child process with a real Kivy window (SDL
offscreen) and the real audio loopback: ``python -m tests.station.ui_scenarios NAME
SHOTS_DIR``. Prints one JSON object with what was observed. Exceptions in Kivy
callbacks are re-raised (the test harness must not hide them) and reported.

Keys are sent the way the window delivers them (``Window.dispatch('on_keyboard', ...)``),
so the kiosk handling and the keyboard paths of the screens are what is tested."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from station.kivy_setup import configure

configure(kiosk=False)

from kivy.base import ExceptionHandler, ExceptionManager  # noqa: E402
from kivy.core.window import Window  # noqa: E402

from station.app import StationApp  # noqa: E402
from station.flow.phases import Phase  # noqa: E402
from station.runtime import build_runtime  # noqa: E402
from station.selftest import SelfTestDriver  # noqa: E402

ENTER, ESC, BACKSPACE = 13, 27, 8


class Reraise(ExceptionHandler):
    def handle_exception(self, inst):  # noqa: ANN001
        OBSERVED["callback_exception"] = repr(inst)
        return ExceptionManager.RAISE


OBSERVED: dict = {}


def key(code: int, text: str | None = None, modifiers: list[str] | None = None) -> bool:
    return bool(Window.dispatch("on_keyboard", code, 0, text, modifiers or []))


class KioskScenario:
    """Esc and window close are refused; the sound check answered by keyboard; code
    entry errors shown; the technician menu needs the PIN; exit only from there."""

    def __init__(self, shots: Path) -> None:
        self.shots = shots
        self.audio = SelfTestDriver(None, 120)  # reused only for the "student voice"
        self.step = 0
        self.t0 = time.monotonic()
        self.last = time.monotonic()

    def wait(self, seconds: float) -> bool:
        return time.monotonic() - self.last >= seconds

    def next(self) -> None:
        self.step += 1
        self.last = time.monotonic()

    def tick(self, app: StationApp) -> None:
        flow = app.flow
        if time.monotonic() - self.t0 > 150:
            OBSERVED["timeout_at_step"] = self.step
            app.exit_by_technician()
            return
        steps = [self.s_kiosk_keys, self.s_tech_open, self.s_tech_checks_wait, self.s_setup, self.s_setup_wait,
                 self.s_tech_back,
                 self.s_heard, self.s_playback, self.s_short_code, self.s_shot_code, self.s_confirm,
                 self.s_tech_in_session, self.s_tech_shot, self.s_exit]
        if self.step < len(steps):
            steps[self.step](app, flow)

    # each step acts once its condition holds, then calls self.next()
    def s_kiosk_keys(self, app, flow) -> None:
        if flow.phase is Phase.SOUND_HEAR and self.wait(0.5):
            OBSERVED["esc_handled"] = key(ESC)
            OBSERVED["close_refused"] = bool(Window.dispatch("on_request_close"))
            OBSERVED["still_on"] = app.root.current
            self.next()

    def _open_technician(self, app, pin: str = "0000") -> None:
        key(ord("t"), "t", ["ctrl", "shift"])
        screen = app.root.current_screen
        screen.ids.pin.text = pin
        screen.try_pin()

    def s_tech_open(self, app, flow) -> None:
        if self.wait(0.3):
            OBSERVED["technician_key"] = key(ord("t"), "t", ["ctrl", "shift"])
            OBSERVED["technician_screen"] = app.root.current
            screen = app.root.current_screen
            screen.ids.pin.text = "1111"
            screen.try_pin()
            OBSERVED["wrong_pin_notice"] = screen.ids.notice.text
            OBSERVED["menu_hidden_after_wrong_pin"] = screen.ids.menu.opacity == 0
            screen.ids.pin.text = "0000"
            screen.try_pin()
            OBSERVED["menu_shown"] = screen.ids.menu.opacity == 1
            OBSERVED["menu_info"] = screen.ids.info.text
            screen.ids.checks.dispatch("on_release")  # between participants: allowed
            self.next()

    def s_tech_checks_wait(self, app, flow) -> None:
        screen = app.root.current_screen
        if not screen.busy and self.wait(0.5):
            OBSERVED["checks_result"] = screen.ids.result.text
            app.screenshot(self.shots / "technician_checks.png")
            self.next()

    def s_setup(self, app, flow) -> None:
        screen = app.root.current_screen
        screen.ids.setup_button.dispatch("on_release")
        OBSERVED["setup_inputs"] = list(screen.ids.input_device.values)
        OBSERVED["setup_outputs"] = list(screen.ids.output_device.values)
        package = app.runtime.package.path
        password = Path(str(package).replace(".zip", ".password.txt")).read_text().strip()
        screen.ids.package_path.text = str(package)
        screen.ids.package_password.text = "wrong-password"
        screen.save_package()
        OBSERVED["setup_wrong_password"] = screen.ids.setup_result.text
        screen.ids.package_path.text = str(package)
        screen.ids.package_password.text = password
        screen.save_package()
        OBSERVED["setup_package_saved"] = screen.ids.setup_result.text
        OBSERVED["setup_password_field_cleared"] = screen.ids.package_password.text == ""
        screen.ids.node_url.text = "https://127.0.0.1:9"
        screen.ids.pair_code.text = "1234-5678"
        screen.pair()
        self.next()

    def s_setup_wait(self, app, flow) -> None:
        screen = app.root.current_screen
        if screen.ids.setup_result.text != "Подключение к узлу…" and self.wait(0.3):
            OBSERVED["setup_pair_result"] = screen.ids.setup_result.text
            app.screenshot(self.shots / "technician_setup.png")
            screen.ids.setup_back.dispatch("on_release")
            self.next()

    def s_tech_back(self, app, flow) -> None:
        app.root.current_screen.ids.back.dispatch("on_release")
        OBSERVED["back_to"] = app.root.current
        self.next()

    def s_heard(self, app, flow) -> None:
        if flow.phase is Phase.SOUND_HEAR and self.wait(0.3) and not flow.audio.playing():
            key(ENTER)  # "Слышу" by keyboard
            self.audio._voice(app)
            self.next()

    def s_playback(self, app, flow) -> None:
        if flow.phase is Phase.SOUND_PLAYBACK and self.wait(0.3):
            self.audio._silence_voice()
            key(ENTER)
            self.next()

    def s_short_code(self, app, flow) -> None:
        if flow.phase is Phase.CODE_ENTRY and self.wait(0.3):
            for d in "123":
                key(ord(d), d)
            key(ENTER)
            OBSERVED["short_code_notice"] = app.root.current_screen.ids.notice.text
            OBSERVED["phase_after_short_code"] = flow.phase.value
            self.next()

    def s_shot_code(self, app, flow) -> None:
        if self.wait(0.3):
            app.screenshot(self.shots / "code_error.png")  # a frame later: the screen is redrawn
            for _ in range(3):
                key(BACKSPACE)
            OBSERVED["after_erase"] = app.root.current_screen.ids.code.text
            for d in "123456":  # the sixth digit is ignored
                key(ord(d), d)
            OBSERVED["typed"] = app.root.current_screen.ids.code.text
            key(ENTER)
            self.next()

    def s_confirm(self, app, flow) -> None:
        if flow.phase is Phase.CODE_CONFIRM and self.wait(0.3):
            OBSERVED["confirm_text"] = app.root.current_screen.ids.summary.text
            key(ENTER)
            self.next()

    def s_tech_in_session(self, app, flow) -> None:
        if flow.phase is Phase.INSTRUCTIONS and self.wait(0.3):
            self._open_technician(app)
            screen = app.root.current_screen
            screen.ids.checks.dispatch("on_release")  # a participant is working: refused
            OBSERVED["checks_during_session"] = screen.ids.result.text
            self.next()

    def s_tech_shot(self, app, flow) -> None:
        if self.wait(0.3):
            app.screenshot(self.shots / "technician.png")
            app.root.current_screen.ids.back.dispatch("on_release")
            OBSERVED["back_in_session_to"] = app.root.current
            self.next()

    def s_exit(self, app, flow) -> None:
        if self.wait(0.5):
            OBSERVED["phase_kept"] = flow.phase.value
            self._open_technician(app)
            app.root.current_screen.ids.exit.dispatch("on_release")
            OBSERVED["exited_by_technician"] = True
            self.next()


class SilentAnswerScenario(SelfTestDriver):
    """The whole flow with a voice in the sound check but silence during the answers:
    the speaking screen must warn "Мы вас не слышим!" and the timeline must say so."""

    def __init__(self, shots: Path) -> None:
        super().__init__(None, 150)
        self.shots_dir = shots
        self._warned_at: float | None = None

    def _voice(self, app) -> None:
        if app.flow.phase is Phase.SOUND_SPEAK:
            super()._voice(app)

    def tick(self, app) -> None:
        super().tick(app)
        flow = app.flow
        if flow.phase is Phase.ANSWER and flow.silence_warning and "silence_notice" not in OBSERVED:
            self._warned_at = time.monotonic()
            OBSERVED["silence_notice"] = "pending"
        elif self._warned_at is not None and time.monotonic() - self._warned_at > 0.3:
            self._warned_at = None
            OBSERVED["silence_notice"] = app.root.current_screen.ids.notice.text
            app.screenshot(self.shots_dir / "silent_answer.png")
        if self.result is not None:
            OBSERVED["result"] = self.result


def main() -> int:
    from vpr_common.logging_setup import setup_logging

    setup_logging("station")  # as the CLI does: details go to the log file, not the console
    name, shots = sys.argv[1], Path(sys.argv[2])
    shots.mkdir(parents=True, exist_ok=True)
    runtime = build_runtime(demo=True, fast=True)
    scenario = {"kiosk": KioskScenario, "silent": SilentAnswerScenario}[name](shots)
    app = StationApp(runtime, kiosk=False, on_tick=scenario.tick)
    ExceptionManager.add_handler(Reraise())
    app.run()
    print(json.dumps(OBSERVED, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
