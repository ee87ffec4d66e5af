"""Reusable widgets of the station UI (their look is in ``screens/style.kv``):
big buttons, text labels that wrap, the countdown, the level meter that the app
refreshes from the recorder's latest-value slot, and for the written section the item
navigator's buttons, the answer field and the special-letter buttons.

Keyboard focus is drawn by the screens (a ``focused`` ring), not Kivy's focus
behaviour: the screens move it with Tab and the arrows, so the order is the task's."""

from __future__ import annotations

from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.button import Button
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.label import Label
from kivy.uix.textinput import TextInput
from kivy.uix.togglebutton import ToggleButton
from kivy.uix.widget import Widget


class BigButton(Button):
    """A large, high-contrast button. ``primary`` colours it as the main action;
    ``focused`` draws the keyboard ring."""

    primary = BooleanProperty(False)
    focused = BooleanProperty(False)


class OptionButton(ToggleButton):
    """One answer option (a listening question's, a written item's); ``focused``
    draws the keyboard ring."""

    question_id = StringProperty("")
    option_index = NumericProperty(0)
    focused = BooleanProperty(False)


class NavButton(Button):
    """One item of the written section in its navigator: ``answered`` fills it,
    ``current`` marks the one shown."""

    index = NumericProperty(0)
    answered = BooleanProperty(False)
    current = BooleanProperty(False)


class LetterButton(Button):
    """Types a special letter of the language into the answer field."""

    focused = BooleanProperty(False)


class AnswerInput(TextInput):
    """The typed answer's field. Keys the section moves with (Tab, Enter, the arrows,
    the technician's Ctrl+Shift+T) go to ``handler(key, text, modifiers)`` first; a
    True answer means it was handled there."""

    handler = ObjectProperty(None, allownone=True)
    #: The longest answer the field takes (the flow keeps no longer one either).
    max_chars = NumericProperty(80)

    def insert_text(self, substring, from_undo=False):  # noqa: ANN001 - Kivy's signature
        room = int(self.max_chars) - len(self.text) + len(self.selection_text)
        return super().insert_text(substring[:max(room, 0)], from_undo=from_undo)

    def keyboard_on_key_down(self, window, keycode, text, modifiers):  # noqa: ANN001 - Kivy's signature
        if self.handler is not None and self.handler(keycode[0], text, list(modifiers)):
            return True
        if "ctrl" in modifiers and "shift" in modifiers and text in ("t", "T", "е", "Е"):
            return False  # not the field's: the window passes it on to the app (technician menu)
        return super().keyboard_on_key_down(window, keycode, text, modifiers)


class Title(Label):
    pass


class Body(Label):
    pass


class Notice(Label):
    """A warning line (shown only when it has text)."""


class Countdown(Label):
    pass


class LevelMeter(Widget):
    """``level`` 0..1 (from dBFS: -60 -> 0, 0 -> 1); ``speaking`` tints it green."""

    level = NumericProperty(0.0)
    speaking = BooleanProperty(False)

    def set_dbfs(self, dbfs: float | None) -> None:
        if dbfs is None or dbfs != dbfs or dbfs == float("-inf"):
            self.level = 0.0
        else:
            self.level = max(0.0, min(1.0, (dbfs + 60.0) / 60.0))


class Overlay(FloatLayout):
    """A dialog drawn over its screen (a child of the screen, so a screenshot of the
    screen shows it); touches never reach the widgets under it."""

    def on_touch_down(self, touch):  # noqa: ANN001
        super().on_touch_down(touch)
        return True

    def on_touch_move(self, touch):  # noqa: ANN001
        super().on_touch_move(touch)
        return True

    def on_touch_up(self, touch):  # noqa: ANN001
        super().on_touch_up(touch)
        return True
