"""Reusable widgets of the station UI (their look is in ``screens/style.kv``):
big buttons, text labels that wrap, the countdown, and the level meter that the app
refreshes from the recorder's latest-value slot."""

from __future__ import annotations

from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.togglebutton import ToggleButton
from kivy.uix.widget import Widget


class BigButton(Button):
    """A large, high-contrast button. ``primary`` colours it as the main action."""

    primary = BooleanProperty(False)


class OptionButton(ToggleButton):
    """One answer option of a listening question."""

    question_id = StringProperty("")
    option_index = NumericProperty(0)


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
