"""Kivy settings that must be in place before Kivy creates its window: call
:func:`configure` before importing ``station.app``. Kiosk mode means borderless full
screen and no exit on Esc; windowed mode (technicians' trials, tests) is 1024x768, the
smallest screen the station supports."""

from __future__ import annotations

import os


def configure(*, kiosk: bool, size: tuple[int, int] = (1024, 768)) -> None:
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    # Kivy must not take over sys.stderr or the root logger: our CLI prints the
    # Russian error message there and our log file keeps Kivy's messages too.
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    # SDL would turn SIGTERM into a window-close request, which the kiosk refuses; the
    # app handles SIGTERM itself (an OS shutdown closes the station cleanly).
    os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")
    from kivy.config import Config

    Config.set("kivy", "exit_on_escape", "0")
    # 30 frames a second are smooth for a level meter and a countdown, and halve the
    # drawing work of a software renderer (frame pacing: docs/station.md)
    Config.set("graphics", "maxfps", "30")
    Config.set("kivy", "log_enable", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    if kiosk:
        Config.set("graphics", "borderless", "1")
        Config.set("graphics", "fullscreen", "auto")
    else:
        Config.set("graphics", "fullscreen", "0")
        Config.set("graphics", "borderless", "0")
        Config.set("graphics", "width", str(size[0]))
        Config.set("graphics", "height", str(size[1]))
    Config.set("graphics", "resizable", "0" if kiosk else "1")
