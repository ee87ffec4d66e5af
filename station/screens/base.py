"""The base of every screen: it is given the flow on each refresh and may handle keys;
and the key codes the screens use (SDL's, as Kivy passes them)."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen

BACKSPACE, TAB, SPACE = 8, 9, 32
ENTER = (13, 271)  # Return and the keypad's Enter
UP, DOWN, RIGHT, LEFT = 273, 274, 275, 276
PAGE_UP, PAGE_DOWN = 280, 281


class FlowScreen(Screen):
    """``refresh(flow)`` is called on entering and on every tick while shown;
    ``on_key(key, text, modifiers)`` gets keyboard input (return True when handled)."""

    def refresh(self, flow) -> None:  # noqa: ANN001 - ExamFlow
        pass

    def on_key(self, key: int, text: str | None, modifiers: list[str] | tuple = ()) -> bool:
        return False
