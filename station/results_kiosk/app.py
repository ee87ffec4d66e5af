"""The results kiosk's Kivy window: the entry screen (code and PIN from the access card,
typed on the on-screen keypad or a keyboard), the results screen (one participant's
released subjects, scrollable) and the technician's exit screen behind Ctrl+Shift+T and
the station PIN. The results close, and both fields empty, after ``idle_s`` seconds
without a touch or a key (60 s by default): the next person never sees them.

Import this module only after :func:`station.kivy_setup.configure`."""

from __future__ import annotations

import logging
import signal
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Callable

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.metrics import dp, sp
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager

from station import widgets  # noqa: F401 - registers the widget classes for KV
from station.results_kiosk.lookup import CODE_DIGITS, PIN_DIGITS, Found, Refused, ResultsLookup
from station.results_kiosk.render import Line, result_lines

log = logging.getLogger(__name__)

IDLE_S = 60.0
ENTER, ESC, BACKSPACE, TAB, UP, DOWN = 13, 27, 8, 9, 273, 274
KP_ENTER = 271


class DigitBox(Label):
    active = BooleanProperty(False)


class KioskEntryScreen(Screen):
    code = StringProperty("")
    pin = StringProperty("")
    target = StringProperty("code")
    notice = StringProperty("")
    busy = BooleanProperty(False)

    def press(self, digit: str) -> None:
        if self.busy:
            return
        self.notice = ""
        if self.target == "code":
            if len(self.code) < CODE_DIGITS:
                self.code += digit
            if len(self.code) == CODE_DIGITS:
                self.target = "pin"
        elif len(self.pin) < PIN_DIGITS:
            self.pin += digit

    def erase(self) -> None:
        if self.target == "pin" and not self.pin:
            self.target = "code"
        if self.target == "pin":
            self.pin = self.pin[:-1]
        else:
            self.code = self.code[:-1]

    def submit(self) -> None:
        App.get_running_app().submit(self.code, self.pin)

    def reset(self) -> None:
        self.code = self.pin = self.notice = ""
        self.target = "code"
        self.busy = False

    def dirty(self) -> bool:
        return bool(self.code or self.pin or self.notice)

    def on_key(self, key: int, text: str | None) -> bool:
        if text and text.isdigit():
            self.press(text)
        elif key == BACKSPACE:
            self.erase()
        elif key == TAB:
            self.target = "pin" if self.target == "code" else "code"
        elif key in (ENTER, KP_ENTER):
            self.submit()
        else:
            return False
        return True


class KioskResultsScreen(Screen):
    heading = StringProperty("")
    countdown = StringProperty("")

    def show(self, code: str, lines: list[Line]) -> None:
        self.heading = f"Результаты участника с кодом {code}"
        box = self.ids.lines
        box.clear_widgets()
        for line in lines:
            box.add_widget(_row(line))
        self.ids.scroll.scroll_y = 1

    def clear(self) -> None:
        self.heading = self.countdown = ""
        self.ids.lines.clear_widgets()

    def texts(self) -> list[str]:
        """Everything the screen shows now, for tests and logs-free checks."""
        out = [self.heading]
        for row in self.ids.lines.children[::-1]:
            out.extend(w.text for w in row.children[::-1])
        return out

    def on_key(self, key: int, text: str | None) -> bool:
        scroll = self.ids.scroll
        if key in (UP, DOWN):
            step = 0.15 if key == UP else -0.15
            scroll.scroll_y = max(0.0, min(1.0, scroll.scroll_y + step))
            return True
        if key in (ENTER, KP_ENTER):
            App.get_running_app().close_results()
            return True
        return False


class KioskExitScreen(Screen):
    pin = StringProperty("")
    notice = StringProperty("")

    def submit(self) -> None:
        App.get_running_app().try_exit(self.pin)

    def on_key(self, key: int, text: str | None) -> bool:
        if text and text.isdigit():
            self.pin = (self.pin + text)[:12]
        elif key == BACKSPACE:
            self.pin = self.pin[:-1]
        elif key in (ENTER, KP_ENTER):
            self.submit()
        else:
            return False
        return True


_STYLE = {  # kind -> (font size sp, bold, colour)
    "subject": (30, True, (0.10, 0.20, 0.45, 1)),
    "summary": (26, True, (0.10, 0.12, 0.16, 1)),
    "task": (22, False, (0.10, 0.12, 0.16, 1)),
    "criterion": (19, False, (0.25, 0.27, 0.32, 1)),
    "note": (24, False, (0.10, 0.12, 0.16, 1)),
}


def _label(text: str, kind: str, halign: str) -> Label:
    size, bold, colour = _STYLE[kind]
    label = Label(text=text, font_size=sp(size), bold=bold, color=colour, halign=halign, valign="top",
                  size_hint_y=None, height=0)
    label.bind(width=lambda w, width: setattr(w, "text_size", (width, None)),
               texture_size=lambda w, ts: setattr(w, "height", ts[1] + dp(6)))
    return label


def _row(line: Line) -> BoxLayout:
    row = BoxLayout(orientation="horizontal", size_hint_y=None, spacing=dp(12),
                    padding=(dp(36), 0, 0, 0) if line.kind == "criterion" else (0, dp(12) if line.kind == "subject" else 0, 0, 0))
    left = _label(line.text, line.kind, "left")
    right = _label(line.points, "summary" if line.kind == "summary" else line.kind, "right")
    left.size_hint_x, right.size_hint_x = 0.75, 0.25
    row.add_widget(left)
    row.add_widget(right)

    def fit(*_a) -> None:
        row.height = max(left.height, right.height) + row.padding[1] + row.padding[3]

    left.bind(height=fit)
    right.bind(height=fit)
    return row


class ResultsKioskApp(App):
    """``pin_check(pin)`` decides the technician exit; ``full_screen`` refuses window
    close and Esc."""

    title = "Результаты ВПР"
    #: The station's shared widgets scale their text by it (``station/screens/style.kv``).
    font_scale = NumericProperty(1.0)

    def __init__(self, lookup: ResultsLookup, *, full_screen: bool, pin_check: Callable[[str], bool],
                 idle_s: float = IDLE_S, on_tick: Callable[["ResultsKioskApp"], None] | None = None) -> None:
        super().__init__()
        self.lookup = lookup
        self.full_screen = full_screen
        self.pin_check = pin_check
        self.idle_s = idle_s
        self.on_tick = on_tick
        self.last_input = time.monotonic()
        self._generation = 0
        self._allow_close = False

    # ------------------------------------------------------------------ build
    def build(self):
        Builder.load_file(str(resources.files("station").joinpath("screens", "style.kv")))
        Builder.load_file(str(resources.files("station.results_kiosk").joinpath("kiosk.kv")))
        sm = ScreenManager(transition=NoTransition())
        for cls in (KioskEntryScreen, KioskResultsScreen, KioskExitScreen):
            sm.add_widget(cls())
        Window.bind(on_keyboard=self._on_keyboard, on_request_close=self._on_request_close,
                    on_touch_down=self._touched)
        try:
            signal.signal(signal.SIGTERM, lambda *_a: Clock.schedule_once(lambda _dt: self.exit(), 0))
        except (ValueError, AttributeError, OSError):
            log.warning("SIGTERM handler not installed")
        Clock.schedule_interval(lambda _dt: self._tick(), 0.25)
        return sm

    @property
    def entry(self) -> KioskEntryScreen:
        return self.root.get_screen("entry")

    @property
    def results(self) -> KioskResultsScreen:
        return self.root.get_screen("results")

    # ------------------------------------------------------------------ look-up
    def submit(self, code: str, pin: str) -> None:
        entry = self.entry
        if entry.busy:
            return
        entry.busy = True
        entry.notice = ""
        generation = self._generation

        def work() -> None:
            try:
                outcome = self.lookup.find(code, pin)
            except Exception:  # noqa: BLE001 - the kiosk must keep running for the next person
                log.exception("kiosk lookup failed")
                outcome = Refused("Не удалось получить результаты. Обратитесь к дежурному учителю.")
            Clock.schedule_once(lambda _dt: self._answered(generation, outcome), 0)

        threading.Thread(target=work, name="kiosk-lookup", daemon=True).start()

    def _answered(self, generation: int, outcome: Found | Refused) -> None:
        if generation != self._generation:  # the screen was reset meanwhile: nobody is waiting
            return
        entry = self.entry
        entry.busy = False
        self.last_input = time.monotonic()
        if isinstance(outcome, Refused):
            entry.notice = outcome.message
            if outcome.clear_pin:
                entry.pin = ""
                entry.target = "pin" if len(entry.code) == CODE_DIGITS else "code"
            return
        entry.reset()  # the PIN leaves the screen as soon as it has been used
        self.results.show(outcome.code, result_lines(outcome.subjects))
        self.root.current = "results"
        log.info("kiosk: results shown (%d subjects)", len(outcome.subjects))

    def close_results(self) -> None:
        self._generation += 1
        self.results.clear()
        self.entry.reset()
        self.root.current = "entry"

    # ------------------------------------------------------------------ idle and input
    def _touched(self, *_args) -> bool:
        self.last_input = time.monotonic()
        return False

    def _tick(self) -> None:
        idle = time.monotonic() - self.last_input
        current = self.root.current
        if current == "results":
            left = max(0, int(self.idle_s - idle + 0.999))
            self.results.countdown = f"Экран закроется через {left} с. Закончили - нажмите «Закрыть»."
            if idle >= self.idle_s:
                log.info("kiosk: results closed after %.0f s without input", idle)
                self.close_results()
        elif current == "entry" and idle >= self.idle_s and self.entry.dirty() and not self.entry.busy:
            self._generation += 1
            self.entry.reset()
        elif current == "exit" and idle >= self.idle_s:
            self.leave_exit_screen()
        if self.on_tick:
            self.on_tick(self)

    def _on_keyboard(self, _window, key, _scancode, codepoint, modifiers) -> bool:
        self.last_input = time.monotonic()
        if key == ESC:
            return True
        if codepoint in ("t", "T", "е", "Е") and "ctrl" in modifiers and "shift" in modifiers:
            self.close_results()
            self.root.current = "exit"
            return True
        screen = self.root.current_screen
        return bool(screen.on_key(key, codepoint))

    # ------------------------------------------------------------------ technician exit
    def leave_exit_screen(self) -> None:
        exit_screen = self.root.get_screen("exit")
        exit_screen.pin = exit_screen.notice = ""
        self.root.current = "entry"

    def try_exit(self, pin: str) -> None:
        if self.pin_check(pin):
            self.exit()
            return
        exit_screen = self.root.get_screen("exit")
        exit_screen.pin = ""
        exit_screen.notice = "Неверный PIN."

    def exit(self) -> None:
        log.info("kiosk closed")
        self._allow_close = True
        self.stop()

    def _on_request_close(self, *_args, **_kwargs) -> bool:
        if self._allow_close or not self.full_screen:
            return False
        log.info("window close refused (kiosk)")
        return True

    def screenshot(self, path: Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.root.export_to_png(str(path))
