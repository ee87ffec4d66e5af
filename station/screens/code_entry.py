"""Participant code entry with a large keypad (and the keyboard), and the confirmation
screen that shows the variant."""

from __future__ import annotations

from kivy.app import App

from station.flow.errors import InvalidCodeError
from station.messages import t
from station.screens.base import BACKSPACE, ENTER, FlowScreen



class CodeEntryScreen(FlowScreen):
    def on_pre_enter(self, *args) -> None:
        self.ids.code.text = ""
        self.ids.notice.text = ""

    def press(self, digit: str) -> None:
        if len(self.ids.code.text) < 5:
            self.ids.code.text += digit
        self.ids.notice.text = ""

    def erase(self) -> None:
        self.ids.code.text = self.ids.code.text[:-1]

    def submit(self) -> None:
        try:
            App.get_running_app().flow.submit_code(self.ids.code.text)
        except InvalidCodeError as exc:
            self.ids.notice.text = exc.user_text

    def on_key(self, key, text, modifiers=()) -> bool:
        if text and text.isdigit():
            self.press(text)
        elif key == BACKSPACE:
            self.erase()
        elif key in ENTER:
            self.submit()
        else:
            return False
        return True


class CodeConfirmScreen(FlowScreen):
    def refresh(self, flow) -> None:
        v = flow.variant
        self.ids.summary.text = t("confirm.body", code=flow.pending_code or "", variant=v.number if v else "")

    def on_key(self, key, text, modifiers=()) -> bool:
        if key in ENTER:
            App.get_running_app().flow.confirm_code(True)
            return True
        return False
