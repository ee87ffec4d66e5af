"""Scripted scenarios of the whole test with the keyboard alone, and of typing in the
written section until the process is killed - run in a child process with a real Kivy
window (SDL offscreen) and the real audio loopback:
``python -m tests.station.ui_written NAME SHOTS_DIR [PROGRESS_FILE]``. Prints one JSON
object with what was observed.

Keys go in as SDL delivers them: ``on_key_down`` to the window (a focused text field
takes it there), ``on_keyboard`` when nothing took it, and ``on_textinput`` for a
printable character - so the kiosk handling, the screens' keyboard paths and the
answer field are what is tested."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from tests.station.ui_scenarios import OBSERVED, Reraise  # noqa: F401 - configures Kivy first

from kivy.base import ExceptionManager  # noqa: E402
from kivy.core.window import Window  # noqa: E402
from kivy.uix.button import Button  # noqa: E402

from station.app import StationApp  # noqa: E402
from station.flow.phases import Phase  # noqa: E402
from station.runtime import build_runtime  # noqa: E402
from station.selftest import SelfTestDriver  # noqa: E402
from vpr_common import paths  # noqa: E402

ENTER, TAB, SPACE, BACKSPACE = 13, 9, 32, 8
UP, DOWN, RIGHT, LEFT = 273, 274, 275, 276


def press(key: int, text: str | None = None, modifiers: list[str] | None = None) -> None:
    """One key press as SDL delivers it to Kivy's window."""
    mods = modifiers or []
    if not Window.dispatch("on_key_down", key, 0, text, mods):
        Window.dispatch("on_keyboard", key, 0, text, mods)
    Window.dispatch("on_key_up", key, 0)
    if text and text.isprintable() and not ({"ctrl", "alt"} & set(mods)):
        Window.dispatch("on_textinput", text)


def type_text(s: str) -> None:
    for ch in s:
        press(ord(ch.lower()) if ch.isascii() else 0, ch)


class KeyboardScenario:
    """The whole demo variant with the keyboard alone: sound check, code, instructions,
    listening, reading aloud, photo, the written section (choices, typing, a special
    letter, Cyrillic by mistake, moving back and forth), finishing it - and the
    technician's Ctrl+Shift+T from inside the answer field."""

    def __init__(self, shots: Path) -> None:
        self.shots = shots
        self.voice = SelfTestDriver(None, 200)  # only for the "student voice" while recording
        self.t0 = time.monotonic()
        self.phase: Phase | None = None
        self.since = time.monotonic()
        self.done: set[str] = set()
        self.steps: list = []
        OBSERVED["switch_ms"] = []

    def once(self, name: str) -> bool:
        if name in self.done:
            return False
        self.done.add(name)
        return True

    def tick(self, app: StationApp) -> None:
        flow = app.flow
        now = time.monotonic()
        if now - self.t0 > 220:
            OBSERVED["timeout_in"] = flow.phase.value
            app.exit_by_technician()
            return
        if flow.phase is not self.phase:
            if self.phase in (Phase.SOUND_SPEAK, Phase.ANSWER):
                self.voice._silence_voice()
            self.phase, self.since = flow.phase, now
            if flow.phase in (Phase.SOUND_SPEAK, Phase.ANSWER):
                self.voice._voice(app)
            return
        if now - self.since < 0.5:
            return
        getattr(self, f"on_{flow.phase.value}", lambda _a, _f: None)(app, flow)

    # one method per phase; each acts once
    def on_sound_hear(self, app, flow) -> None:
        if not flow.audio.playing() and self.once("heard"):
            press(ENTER)

    def on_sound_playback(self, app, flow) -> None:
        if self.once("playback"):
            press(ENTER)

    def on_code_entry(self, app, flow) -> None:
        if self.once("code"):
            type_text("12345")
            press(ENTER)

    def on_code_confirm(self, app, flow) -> None:
        if self.once("confirm"):
            press(ENTER)

    def on_instructions(self, app, flow) -> None:
        if self.once("instructions"):
            press(ENTER)

    def on_listen_read(self, app, flow) -> None:
        if self.once("listening"):
            for i in range(5):  # question i: option i % 3
                for _ in range(i % 3):
                    press(RIGHT)
                press(SPACE if i % 2 else ENTER)
                press(DOWN)
                for _ in range(i % 3):
                    press(LEFT)
            OBSERVED["listening"] = dict(flow.session.listening_answers.get("listening", {}))

    def on_photo_choice(self, app, flow) -> None:
        if self.once("photo"):
            press(RIGHT)
            press(RIGHT)
            press(LEFT)
            press(ENTER)
            OBSERVED["photo"] = flow.session.photo_choice.get("photo")

    def on_written_intro(self, app, flow) -> None:
        if self.once("intro"):
            app.screenshot(self.shots / "written_intro.png")
            press(ENTER)

    def _timed(self, key: int, modifiers: list[str] | None = None) -> None:
        started = time.perf_counter()
        press(key, None, modifiers)
        OBSERVED["switch_ms"].append(round(1000 * (time.perf_counter() - started), 2))

    def on_written(self, app, flow) -> None:
        w = flow.written
        screen = app.root.current_screen
        if self.once("reading"):
            press(DOWN)
            press(DOWN)
            press(SPACE)                    # 4A: heading 3 (index 2), stays on 4A
            OBSERVED["after_space"] = (w.position, w.value(0))
            for i in range(1, 6):           # 4B-4F: a digit marks, Tab moves on
                self._timed(TAB)
                press(ord(str(i)), str(i))
            self._timed(TAB)                # to 5.1: the answer field has the focus
        elif self.once("typing"):
            OBSERVED["field_focused"] = screen._typed_panel.ids.field.focus
            type_text("fuhrn")
            press(BACKSPACE)
            type_text("en")                 # 5.1 "fuhren"
            press(ENTER)                    # Enter: on to 5.2
            type_text("beste")
            self._timed(TAB, ["shift"])    # back to 5.1: what was typed is there
            OBSERVED["back_to"] = (w.item.label, screen._typed_panel.ids.field.text)
            self._timed(TAB)
            self._timed(TAB)                # 5.3
            type_text("Kindern")
            self._timed(TAB)                # 5.4 "wärmer" with the special-letter row
            type_text("w")
            press(DOWN)                     # into the letters: ä is the first
            press(ENTER)                    # inserted, back in the field
            type_text("rmer")
            self._timed(TAB)                # 5.5: Cyrillic by mistake
            type_text("мочте")
            OBSERVED["cyrillic_notice"] = screen._typed_panel.ids.layout_notice.text
            for _ in range(5):
                press(BACKSPACE)
            type_text("mochte")
            OBSERVED["notice_after_fix"] = screen._typed_panel.ids.layout_notice.text
            press(ord("t"), "t", ["ctrl", "shift"])   # the technician's keys work from the field
            OBSERVED["technician_from_field"] = app.root.current
            OBSERVED["field_text_unchanged"] = w.value(w.position)
            app.close_technician()
        elif self.once("after_technician"):
            OBSERVED["back_in"] = (app.root.current, w.item.label)
            app.screenshot(self.shots / "written_typed.png")
            while w.position < len(w.items) - 1:
                self._timed(TAB)
            self._timed(TAB)                # past the last item: "Завершить раздел"
            OBSERVED["finish_focused"] = screen.ids.finish.focused
            press(ENTER)                    # the confirmation, "back" focused
            press(ENTER)                    # back: nothing ends
            OBSERVED["still_written"] = flow.phase.value
            press(ENTER)                    # the finish button still has the focus
        elif self.once("finish_confirm"):
            app.screenshot(self.shots / "written_confirm.png")
            OBSERVED["confirm_text"] = screen._confirm_view.ids.body.text
            press(RIGHT)                    # "yes"
            press(ENTER)
            OBSERVED["answers"] = {k: dict(v) for k, v in flow.session.written_answers.items()}

    def on_done(self, app, flow) -> None:
        if self.once("done"):
            s = flow.session
            OBSERVED["finished"] = s.finished
            OBSERVED["package"] = s.package_path
            OBSERVED["sealed_answers"] = s.written_answers
            app.exit_by_technician()

    def on_raise_hand(self, app, flow) -> None:
        if self.once("hand"):
            OBSERVED["raise_hand"] = flow.raise_hand_reason
            app.exit_by_technician()


class TypeUntilKilled(SelfTestDriver):
    """The self-test's way to the written section, then typing answers to 6.1-6.3 by
    keyboard, one key press a tick (ten a second), writing to ``progress`` (fsync'd)
    how many key presses the UI has processed; then it waits to be killed."""

    WORDS = ("Wissenschaftler", "glücklicher", "freundlich")

    def __init__(self, progress: Path) -> None:
        super().__init__(None, 300)
        self.progress = progress
        self.keys = 0
        self.queue: list[tuple[int, str | None]] | None = None

    def _act(self, app, flow, in_phase: float) -> None:
        if flow.phase is not Phase.WRITTEN:
            super()._act(app, flow, in_phase)
            return
        if in_phase < 0.6:
            return
        if self.queue is None:
            app.root.current_screen.go(12)
            self.queue = [(0, ch) for word in self.WORDS for ch in (*word, None)]
        if self.queue:
            key, ch = self.queue.pop(0)
            press(key, ch) if ch else press(TAB)
            if ch:
                self.keys += 1
                self._report(flow.written.item.label)

    def _report(self, label: str) -> None:
        fd = os.open(self.progress, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, json.dumps({"keys": self.keys, "label": label, "t": time.time()}).encode())
        os.fsync(fd)
        os.close(fd)


def _word_width(button, word: str) -> float:
    """How wide ``word`` is in the button's font: wider than its text box means broken."""
    from kivy.core.text import Label as CoreLabel

    label = CoreLabel(text=word, font_size=button.font_size, bold=button.bold, font_name=button.font_name)
    label.refresh()
    return label.texture.size[0]


def _inside(view, widget) -> bool:
    """Whether ``widget`` is wholly within the visible part of the scroll view ``view``."""
    vx, vy = view.to_window(*view.pos)
    wx, wy = widget.to_window(*widget.pos)
    return vy - 1 <= wy and wy + widget.height <= vy + view.height + 1


class LargePrint(SelfTestDriver):
    """The self-test's way through the test for a code with large print and extra time:
    the text is larger on every task screen, the timers longer, and in the written
    section the item's side scrolls instead of overlapping."""

    def __init__(self, shots: Path) -> None:
        super().__init__(shots, 300)
        self._typed_at: float | None = None

    def _act(self, app, flow, in_phase: float) -> None:
        if flow.phase is Phase.CODE_CONFIRM:
            OBSERVED["scale_before_code"] = app.font_scale
        if flow.phase is Phase.INSTRUCTIONS and "instructions" not in OBSERVED:
            OBSERVED["instructions"] = {"scale": app.font_scale, "duration": flow.duration_s,
                                        "body_font": app.root.current_screen.ids.text.font_size}
        if flow.phase is Phase.WRITTEN and in_phase > 0.6 and "written" not in OBSERVED:
            screen = app.root.current_screen
            if self._typed_at is None:
                screen.go(6)  # a typed item: the fullest side
                self._typed_at = in_phase
                return
            if in_phase < self._typed_at + 0.5:  # measured once laid out and drawn
                return
            app.screenshot(self.screenshots / "large_print_typed.png")
            boxes = [screen.ids.instruction, screen.ids.prompt.parent, screen.ids.answer_area]
            spans = [(w.to_window(*w.pos)[1], w.to_window(*w.pos)[1] + w.height) for w in boxes]
            buttons = [w for w in screen.walk() if isinstance(w, Button) and w.text and w.get_parent_window()]
            OBSERVED["written"] = {
                "duration": flow.duration_s, "prompt_font": screen.ids.prompt.font_size,
                "item": screen.ids.item_label.text,
                "overlaps": [i for i in range(2) if spans[i + 1][1] > spans[i][0] + 0.5],
                "scrolls": screen.ids.item_scroll.children[0].height > screen.ids.item_scroll.height,
                # a button's word broken over two lines ("Наза-д") is unreadable
                "broken_words": [w for b in buttons if b.text_size[0] is not None  # (no text box: never wrapped)
                                 for w in b.text.split() if _word_width(b, w) > b.text_size[0]],
                "field_visible": _inside(screen.ids.item_scroll, screen._typed_panel.ids.field),
            }
            flow.finish_written()
            return
        super()._act(app, flow, in_phase)


def main() -> int:
    from vpr_common.logging_setup import setup_logging

    setup_logging("station")
    name, shots = sys.argv[1], Path(sys.argv[2])
    shots.mkdir(parents=True, exist_ok=True)
    if name == "keyboard":
        runtime = build_runtime(demo=True, language="de", fast=True)
        scenario = KeyboardScenario(shots)
    elif name == "large_print":
        from sync.protocol import Accommodation

        runtime = build_runtime(demo=True, language="de", fast=True)
        runtime.flow.accommodations = lambda code: Accommodation(1.5, 0, True)
        scenario = LargePrint(shots)
    else:  # "type_until_killed": the self-test's own folders, so the self-test resumes it
        base = paths.data_dir() / "station" / "selftest"
        runtime = build_runtime(demo=True, language="de", fast=True, sessions_dir=base / "sessions",
                                sync_root=base / "sync")
        scenario = TypeUntilKilled(Path(sys.argv[3]))
    app = StationApp(runtime, kiosk=False, on_tick=scenario.tick)
    ExceptionManager.add_handler(Reraise())
    app.run()
    print(json.dumps(OBSERVED, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
