"""The base of every screen: it is given the flow on each refresh and may handle keys."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen


class FlowScreen(Screen):
    """``refresh(flow)`` is called on entering and on every tick while shown;
    ``on_key(key, text)`` gets keyboard input (return True when handled)."""

    def refresh(self, flow) -> None:  # noqa: ANN001 - ExamFlow
        pass

    def on_key(self, key: int, text: str | None) -> bool:
        return False
