#!/usr/bin/env python3
"""Benchmark: the written section on a real window (SDL offscreen, the PulseAudio
loopback for the oral tasks before it).

1. An answer change on disk: from the key press (dispatched to the window as SDL does)
   to the ``fsync`` of its journal line, for every character typed (200 key presses,
   one every 50 ms, a fast typist). Baseline in the same run: one append + ``fsync``
   of a line of the same size in the same folder, done directly (the disk's floor).
   Target: <= 50 ms.
2. Switching between items (Tab, alternating choice and typed items): from the key
   press to the end of the next drawn frame. Target: <= 100 ms.
3. Frames while typing and switching: every main-loop iteration (Kivy draws at most
   30 frames a second here, so 33 ms is the normal length). Target: none over 100 ms.

Run ``.venv/bin/python bench/written_answers.py``; the child process it starts
(``--child``) is the station itself driven through the flow by the self-test's driver
until the written section begins."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEYS = 200
SWITCHES = 60


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))]


def disk_floor(folder: Path, n: int = 200) -> list[float]:
    """Seconds for one append + fsync of a journal-sized line, done directly."""
    path = folder / "floor.jsonl"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    line = json.dumps({"seq": 1, "t": "2026-01-01T00:00:00.000+00:00", "task": "grammar", "item": "g1",
                       "value": "Wissenschaftler"}).encode() + b"\n"
    out = []
    try:
        for _ in range(n):
            t = time.perf_counter()
            os.write(fd, line)
            os.fsync(fd)
            out.append(time.perf_counter() - t)
            time.sleep(0.01)
    finally:
        os.close(fd)
    return out


def child() -> int:
    """The station, driven to the written section, then measured (JSON on stdout)."""
    from station.kivy_setup import configure

    configure(kiosk=False)
    from kivy.clock import Clock
    from kivy.core.window import Window

    from station.app import StationApp
    from station.flow.phases import Phase
    from station.runtime import build_runtime
    from station.selftest import SelfTestDriver

    result: dict = {}

    def press(key: int, text: str | None = None, modifiers: list | None = None) -> None:
        mods = modifiers or []
        if not Window.dispatch("on_key_down", key, 0, text, mods):
            Window.dispatch("on_keyboard", key, 0, text, mods)
        Window.dispatch("on_key_up", key, 0)
        if text:
            Window.dispatch("on_textinput", text)

    class Bench(SelfTestDriver):
        def __init__(self) -> None:
            super().__init__(None, 600)
            self.stage = "wait"
            self.unchanged = 0
            self.pressed: list[tuple[int, float]] = []
            self.switch_ms: list[float] = []
            self.frames: list[float] = []
            self._pending_switch: float | None = None
            self._last_flip = None

        def _loop(self, dt: float) -> None:
            if self.stage in ("typing", "switching"):  # one main-loop iteration (at most 30 a second)
                self.frames.append(dt)

        def _flip(self, *_args) -> None:
            now = time.perf_counter()
            if self._pending_switch is not None:
                self.switch_ms.append(1000 * (now - self._pending_switch))
                self._pending_switch = None

        def _act(self, app, flow, in_phase: float) -> None:
            if flow.phase is not Phase.WRITTEN:
                super()._act(app, flow, in_phase)
                return
            if self.stage == "wait" and in_phase > 1.0:
                Window.bind(on_flip=self._flip)
                Clock.schedule_interval(self._loop, 0)
                screen = app.root.current_screen
                screen.go(6)  # the first typed item
                word = "Wissenschaftler"  # typed, then erased key by key: every press is a change
                keys = [(0, ch) for ch in word] + [(8, None)] * len(word)
                self.stage, self.keys = "typing", (keys * (KEYS // len(keys) + 1))[:KEYS]
                Clock.schedule_interval(lambda dt: self._type(app), 0.05)

        def _type(self, app):
            if self.stage != "typing":
                return False
            journal = app.flow.written.journal
            i = len(self.pressed) + self.unchanged
            if i >= KEYS:
                self.stage = "switching"
                self.switches = 0
                Clock.schedule_interval(lambda dt: self._switch(app), 0.12)
                return False
            t = time.monotonic()
            before = journal._seq
            press(*self.keys[i])
            if journal._seq > before:  # the press changed the answer
                self.pressed.append((journal._seq, t))
            else:
                self.unchanged += 1
            return True

        def _switch(self, app):
            """Tab to the next item (choices and typed fields in turn); from the last but
            one, the navigator's first button (a click) instead."""
            if self.switches >= SWITCHES:
                self.stage = "done"
                Clock.schedule_once(lambda dt: self._report(app), 0.5)
                return False
            self.switches += 1
            w = app.flow.written
            self._pending_switch = time.perf_counter()
            if w.position >= len(w.items) - 2:
                app.root.current_screen._nav[0].dispatch("on_release")
            else:
                press(9)
            return True

        def _report(self, app) -> None:
            journal = app.flow.written.journal
            journal.flush(5)
            lat = [journal.durable_at[s] - t for s, t in self.pressed if s in journal.durable_at]
            result.update(disk_ms=[round(1000 * x, 2) for x in lat], switch_ms=[round(x, 2) for x in self.switch_ms],
                          frame_ms=[round(1000 * x, 2) for x in self.frames], typed=len(self.pressed),
                          journaled=len(lat), unchanged=self.unchanged)
            app.exit_by_technician()

    runtime = build_runtime(demo=True, language="de", fast=True)
    driver = Bench()
    StationApp(runtime, kiosk=False, on_tick=driver.tick).run()
    print(json.dumps(result))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child()
    from bench.station_start import env_for
    from tests.harness.pulse_loopback import PulseLoopback

    with tempfile.TemporaryDirectory(prefix="vpr-bench-") as tmp:
        home = Path(tmp)
        env = env_for(home)
        data = Path(env["VPR_DATA_DIR"])
        data.mkdir(parents=True, exist_ok=True)
        floor = disk_floor(data)
        with PulseLoopback() as lb:
            proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child"], cwd=ROOT,
                                  env=lb.env(env), capture_output=True, text=True, timeout=900)
        out = proc.stdout
        if "{" not in out:
            print(proc.stderr[-3000:])
            return 1
        r = json.loads(out[out.rindex("{"):])
    disk, sw, frames = r["disk_ms"], r["switch_ms"], r["frame_ms"]
    f_med, f_p95 = 1000 * statistics.median(floor), 1000 * pct(floor, 0.95)
    print(f"disk floor (append + fsync, direct): median {f_med:.2f} ms, p95 {f_p95:.2f} ms, {len(floor)} writes")
    print(f"answer change on disk after the key press: median {statistics.median(disk):.2f} ms, "
          f"p95 {pct(disk, 0.95):.2f} ms, max {max(disk):.2f} ms ({r['journaled']} of {r['typed']} key presses; "
          f"target <= 50 ms); median/floor {statistics.median(disk) / f_med:.1f}x")
    print(f"switching between items, key press to the next frame drawn: median {statistics.median(sw):.1f} ms, "
          f"p95 {pct(sw, 0.95):.1f} ms, max {max(sw):.1f} ms ({len(sw)} switches; target <= 100 ms)")
    print(f"frames while typing and switching: {len(frames)}, p50 {statistics.median(frames):.1f} ms, "
          f"p95 {pct(frames, 0.95):.1f} ms, max {max(frames):.1f} ms, over 100 ms: "
          f"{sum(1 for f in frames if f > 100)} (target 0)")
    print(f"load average during the run: {os.getloadavg()[0]:.2f} (2 cores shared)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
