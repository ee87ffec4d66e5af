"""Keeping frames short on a software OpenGL renderer.

Many school PCs have no working GPU driver, so Kivy draws through a software
rasterizer (Mesa llvmpipe on Linux; this workplace's SDL offscreen driver uses it
too). Such a renderer queues the frames Kivy submits and rasterizes them on worker
threads; when Kivy submits faster than they are rasterized (the level meter redraws
every frame while an answer is recorded), the queue grows until something must wait
for it - the next upload of a label's texture - and that one frame then lasts as
long as the whole backlog: 0.3-1.8 s measured here under load (docs/station.md,
"Frame pacing"). Waiting for each frame to be finished (``glFinish`` after the buffer
swap) pays that cost every frame instead (p95 about 20 ms here) and the long frames
are gone. The wait is called through ``ctypes``, which releases the GIL: Kivy's own
``glFinish`` holds it, and the audio callbacks and the answer journal's writer thread
would wait with it (measured: an answer change reached the disk 41 ms after its key
press, median, instead of a few).

:func:`install` does it on a known software renderer only (a GPU finishes a simple
frame in about a millisecond, so the wait would only cost parallelism there);
``VPR_FRAME_SYNC=1`` or ``0`` forces it on or off. Threads: the UI thread."""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)

#: Substrings of ``GL_RENDERER`` of software rasterizers.
SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swrast", "software", "swiftshader", "basic render", "warp")


def wanted(renderer: str, env: dict | None = None) -> bool:
    """Whether to finish every frame for ``renderer`` (``VPR_FRAME_SYNC`` overrides)."""
    forced = (env if env is not None else os.environ).get("VPR_FRAME_SYNC")
    if forced in ("0", "1"):
        return forced == "1"
    return any(s in renderer.lower() for s in SOFTWARE_RENDERERS)


#: Libraries whose ``glFinish`` ctypes can call (Linux; ANGLE and plain OpenGL on Windows).
GL_LIBRARIES = ("libGL.so.1", "libGLESv2.dll", "opengl32.dll")


def finish_releasing_gil():
    """``glFinish`` of the loaded OpenGL library through ctypes (the GIL is released
    while it waits), or Kivy's (which holds it) when none is found."""
    import ctypes

    for name in GL_LIBRARIES:
        try:
            fn = ctypes.CDLL(name).glFinish
        except (OSError, AttributeError):
            continue
        fn.restype, fn.argtypes = None, []
        return fn
    from kivy.graphics.opengl import glFinish

    log.warning("glFinish through ctypes not found; Kivy's holds the GIL while it waits")
    return glFinish


def install(window) -> bool:
    """Finish every frame after its swap when :func:`wanted`; returns whether it did."""
    from kivy.graphics.opengl import GL_RENDERER, glGetString

    try:
        renderer = glGetString(GL_RENDERER)
        renderer = renderer.decode("utf-8", "replace") if isinstance(renderer, bytes) else str(renderer)
    except Exception:  # noqa: BLE001 - a renderer that cannot say what it is: leave it alone
        log.exception("GL_RENDERER not readable")
        renderer = ""
    on = wanted(renderer)
    log.info("OpenGL renderer %r: finishing every frame %s", renderer, "on" if on else "off")
    if on:
        finish = finish_releasing_gil()
        window.bind(on_flip=lambda *_args: finish())
    return on
