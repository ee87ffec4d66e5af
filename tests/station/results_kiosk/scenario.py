"""The results kiosk in a real Kivy window (SDL offscreen) against a real node, run as
a child process: ``python -m tests.station.results_kiosk.scenario CASE.json SHOTS``.
CASE.json names the kiosk's sync folder and the codes/PINs to type. Keys go through
``Window.dispatch('on_keyboard', ...)`` and the on-screen keypad through its buttons'
``on_release``, the way a person's input arrives. Prints one JSON object with what the
screens showed."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from station.kivy_setup import configure

configure(kiosk=False)

from kivy.base import ExceptionHandler, ExceptionManager  # noqa: E402
from kivy.core.window import Window  # noqa: E402

from station.results_kiosk.app import ResultsKioskApp  # noqa: E402
from station.results_kiosk.lookup import ResultsLookup  # noqa: E402
from sync.station_config import StationSync  # noqa: E402

ENTER = 13
OBSERVED: dict = {}
TECH_PIN = "4321"


class Reraise(ExceptionHandler):
    def handle_exception(self, inst):  # noqa: ANN001
        OBSERVED["callback_exception"] = repr(inst)
        return ExceptionManager.RAISE


def key(code: int, text: str | None = None, modifiers: list[str] | None = None) -> bool:
    return bool(Window.dispatch("on_keyboard", code, 0, text, modifiers or []))


def type_digits(digits: str) -> None:
    for d in digits:
        key(ord(d), d)


def keypad(app: ResultsKioskApp, digits: str) -> None:
    """Press the on-screen keypad's buttons."""
    grid = app.entry.ids.show.parent
    buttons = {b.text: b for b in grid.children}
    for d in digits:
        buttons[d].dispatch("on_release")


class Scenario:
    def __init__(self, case: dict, shots: Path) -> None:
        self.case = case
        self.shots = shots
        self.step = 0
        self.t0 = self.last = time.monotonic()
        self.shown: list[str] = []

    def wait(self, seconds: float) -> bool:
        return time.monotonic() - self.last >= seconds

    def next(self) -> None:
        self.step += 1
        self.last = time.monotonic()

    def tick(self, app: ResultsKioskApp) -> None:
        if time.monotonic() - self.t0 > 120:
            OBSERVED["timeout_at_step"] = self.step
            app.exit()
            return
        steps = [self.s_start, self.s_wrong_pin, self.s_wrong_pin_seen, self.s_right_pin, self.s_results,
                 self.s_idle_closed, self.s_guess_other, self.s_guess_wait, self.s_third_code, self.s_third_seen,
                 self.s_exit]
        if self.step < len(steps):
            steps[self.step](app)

    def s_start(self, app) -> None:
        if self.wait(0.5):
            OBSERVED["esc_handled"] = key(27)
            OBSERVED["close_refused"] = bool(Window.dispatch("on_request_close"))
            app.screenshot(self.shots / "entry.png")
            self.next()

    def s_wrong_pin(self, app) -> None:
        me = self.case["me"]
        keypad(app, me["code"][:2])
        type_digits(" " + me["code"][2:])  # typed with a space: the space is ignored
        OBSERVED["target_after_code"] = app.entry.target
        type_digits(self.case["wrong_pin"])
        key(ENTER)
        self.next()

    def s_wrong_pin_seen(self, app) -> None:
        if not app.entry.busy and self.wait(0.2):
            OBSERVED["wrong_pin_notice"] = app.entry.notice
            OBSERVED["pin_cleared"] = app.entry.pin == ""
            OBSERVED["code_kept"] = app.entry.code
            app.screenshot(self.shots / "wrong_pin.png")
            self.next()

    def s_right_pin(self, app) -> None:
        type_digits(self.case["me"]["pin"])
        app.entry.ids.show.dispatch("on_release")
        self.next()

    def s_results(self, app) -> None:
        if app.root.current == "results" and self.wait(0.3):
            OBSERVED["results_texts"] = app.results.texts()
            OBSERVED["entry_emptied"] = (app.entry.code, app.entry.pin)
            OBSERVED["countdown"] = app.results.countdown
            key(274)  # arrow down scrolls
            OBSERVED["scrolled"] = app.results.ids.scroll.scroll_y < 1
            app.results.ids.scroll.scroll_y = 1
            app.screenshot(self.shots / "results.png")
            self.next()

    def s_idle_closed(self, app) -> None:
        if app.root.current == "entry":
            OBSERVED["closed_after_s"] = round(time.monotonic() - self.last, 1)
            OBSERVED["results_after_close"] = app.results.texts()
            self.next()

    def s_guess_other(self, app) -> None:
        other = self.case["other"]
        self.guesses = 0
        self.notices: list[str] = []
        type_digits(other["code"])
        self.next()

    def s_guess_wait(self, app) -> None:
        if app.entry.busy:
            return
        if self.guesses:
            self.notices.append(app.entry.notice)
        if self.guesses == 6:
            OBSERVED["guess_notices"] = self.notices
            app.screenshot(self.shots / "too_many.png")
            self.next()
            return
        self.guesses += 1
        type_digits(self.case["wrong_pin"])
        key(ENTER)

    def s_third_code(self, app) -> None:
        app.close_results()  # what the idle timer does; the next person starts clean
        third = self.case["third"]
        type_digits(third["code"] + third["pin"])
        key(ENTER)
        self.next()

    def s_third_seen(self, app) -> None:
        if app.root.current == "results" and self.wait(0.2):
            OBSERVED["third_texts"] = app.results.texts()
            app.results.ids.close.dispatch("on_release")
            OBSERVED["after_close_button"] = app.root.current
            self.next()
        elif not app.entry.busy and app.entry.notice and self.wait(0.5):
            OBSERVED["third_notice"] = app.entry.notice
            self.next()

    def s_exit(self, app) -> None:
        key(ord("t"), "t", ["ctrl", "shift"])
        OBSERVED["exit_screen"] = app.root.current
        type_digits("1111")
        key(ENTER)
        OBSERVED["wrong_tech_pin"] = app.root.get_screen("exit").notice
        type_digits(TECH_PIN)
        key(ENTER)  # stops the app
        OBSERVED["exited"] = True
        self.next()


def main() -> int:
    case = json.loads(Path(sys.argv[1]).read_text("utf-8"))
    shots = Path(sys.argv[2])
    ExceptionManager.add_handler(Reraise())
    scenario = Scenario(case, shots)
    lookup = ResultsLookup(StationSync(Path(case["sync_root"])))
    ResultsKioskApp(lookup, full_screen=True, pin_check=lambda pin: pin == TECH_PIN,
                    idle_s=float(case["idle_s"]), on_tick=scenario.tick).run()
    print(json.dumps(OBSERVED, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
