"""The technician's menu behind the PIN: station, package, devices and outbox; the
automatic hardware check (with the readiness report the station sends to the node and
seals into every response package); fetching the package, password and codes from the
node; back to the exam or exit. Opened with Ctrl+Shift+T (no visible way for a student).

Long work (checks, downloads) runs on a worker thread; results come back through
``Clock.schedule_once``."""

from __future__ import annotations

import logging
import threading

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window

from station.messages import t
from station.screens.base import FlowScreen

log = logging.getLogger(__name__)
ENTER = (13, 271)
MARK = {"pass": "[OK]", "warn": "[!]", "fail": "[СБОЙ]"}


class TechnicianScreen(FlowScreen):
    unlocked = False
    busy = False

    def on_pre_enter(self, *args) -> None:
        self.unlocked = False
        self.ids.pin.text = ""
        self.ids.notice.text = ""
        self.ids.result.text = ""
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

    # ---------------------------------------------------------------- actions
    def _run(self, title: str, work) -> None:
        if self.busy:
            return
        self.busy = True
        self.ids.result.text = title

        def worker() -> None:
            try:
                text = work()
            except Exception as exc:  # noqa: BLE001 - shown to the technician, detail in the log
                log.exception("technician action failed")
                text = getattr(exc, "user_text", None) or f"Не выполнено: {exc}"
            Clock.schedule_once(lambda _dt: self._done(text), 0)

        threading.Thread(target=worker, name="technician-action", daemon=True).start()

    def _done(self, text: str) -> None:
        self.busy = False
        self.ids.result.text = text
        self.ids.info.text = App.get_running_app().technician_info()

    def run_checks(self) -> None:
        app = App.get_running_app()
        flow = app.flow
        if flow.session is not None and not flow.session.finished or flow.audio.recording():
            self.ids.result.text = t("tech.checks_busy")
            return
        size = tuple(Window.size)
        self._run(t("tech.checks_running"), lambda: app.run_readiness_checks(size))

    def fetch_from_node(self) -> None:
        app = App.get_running_app()
        self._run(t("tech.fetch_running"), app.fetch_from_node)


def format_results(results) -> str:
    """One line per check: mark, title, what was found and what to do."""
    lines = (f"{MARK.get(r.status.value, r.status.value)} {r.title_ru}: {r.text_ru}" for r in results)
    return "\n".join(lines).replace("→", ">")  # the UI font has no arrow glyph
