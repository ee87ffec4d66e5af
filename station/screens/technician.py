"""The technician's menu behind the PIN: station, package, devices, outbox; back to
the exam or exit. Opened with Ctrl+Shift+T (there is no visible way for a student)."""

from __future__ import annotations

from kivy.app import App

from station.messages import t
from station.screens.base import FlowScreen

ENTER = (13, 271)


class TechnicianScreen(FlowScreen):
    unlocked = False

    def on_pre_enter(self, *args) -> None:
        self.unlocked = False
        self.ids.pin.text = ""
        self.ids.notice.text = ""
        self._show()

    def _show(self) -> None:
        self.ids.locked.opacity = 0 if self.unlocked else 1
        self.ids.locked.disabled = self.unlocked
        self.ids.menu.opacity = 1 if self.unlocked else 0
        self.ids.menu.disabled = not self.unlocked

    def try_pin(self) -> None:
        app = App.get_running_app()
        if app.check_pin(self.ids.pin.text):
            self.unlocked = True
            self.ids.info.text = app.technician_info()
        else:
            self.ids.notice.text = t("tech.pin_wrong")
        self.ids.pin.text = ""
        self._show()

    def on_key(self, key, text) -> bool:
        if key in ENTER and not self.unlocked:
            self.try_pin()
            return True
        return False
