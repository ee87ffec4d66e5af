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
from station.screens.base import ENTER, FlowScreen

log = logging.getLogger(__name__)
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

    def _show(self, panel: str | None = None) -> None:
        panel = panel or ("menu" if self.unlocked else "locked")
        for name in ("locked", "menu", "setup"):
            self.ids[name].opacity = 1 if name == panel else 0
            self.ids[name].disabled = name != panel

    def open_setup(self) -> None:
        from audio.devices import DeviceKind
        from station.setup_actions import DEFAULT_DEVICE, device_names

        cfg = App.get_running_app().runtime.config
        self.ids.input_device.values = device_names(DeviceKind.INPUT)
        self.ids.output_device.values = device_names(DeviceKind.OUTPUT)
        self.ids.input_device.text = cfg.input_device or DEFAULT_DEVICE
        self.ids.output_device.text = cfg.output_device or DEFAULT_DEVICE
        self.ids.package_path.text = cfg.package_path or ""
        self.ids.setup_result.text = ""
        self._show("setup")

    def close_setup(self) -> None:
        self.ids.info.text = App.get_running_app().technician_info()
        self._show("menu")

    def _run_setup(self, work) -> None:
        """Quick set-up actions run here; their message (or error) goes below the form."""
        try:
            self.ids.setup_result.text = work()
        except Exception as exc:  # noqa: BLE001 - shown to the technician, detail in the log
            log.exception("set-up action failed")
            self.ids.setup_result.text = getattr(exc, "user_text", None) or f"Не выполнено: {exc}"

    def save_devices(self) -> None:
        from station.setup_actions import save_devices

        cfg = App.get_running_app().runtime.config
        self._run_setup(lambda: save_devices(cfg, self.ids.input_device.text, self.ids.output_device.text))

    def save_package(self) -> None:
        from station.setup_actions import save_package

        cfg = App.get_running_app().runtime.config
        password, self.ids.package_password.text = self.ids.package_password.text, ""
        self._run_setup(lambda: save_package(cfg, self.ids.package_path.text, password))

    def pair(self) -> None:
        from station.setup_actions import pair

        app = App.get_running_app()
        url, code = self.ids.node_url.text, self.ids.pair_code.text
        self.ids.setup_result.text = "Подключение к узлу…"

        def work() -> None:
            try:
                text = pair(app.runtime.sync, app.runtime.config, url, code)
            except Exception as exc:  # noqa: BLE001
                log.exception("pairing failed")
                text = getattr(exc, "user_text", None) or f"Не выполнено: {exc}"
            Clock.schedule_once(lambda _dt: setattr(self.ids.setup_result, "text", text), 0)

        threading.Thread(target=work, name="technician-pair", daemon=True).start()

    def try_pin(self) -> None:
        app = App.get_running_app()
        if app.check_pin(self.ids.pin.text):
            self.unlocked = True
            self.ids.info.text = app.technician_info()
            self._show("menu")
            return
        else:
            self.ids.notice.text = t("tech.pin_wrong")
        self.ids.pin.text = ""
        self._show()

    def on_key(self, key, text, modifiers=()) -> bool:
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
