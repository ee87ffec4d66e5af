#!/usr/bin/env python3
"""Benchmark: station cold start to the first screen and to ready, and UI frame pacing
through the whole test.

1. Start-up: launches ``vpr-station --demo --fast --windowed`` ``--runs`` times (the demo
   package is built once beforehand, as on a prepared station) and reads from the station
   log the time from process start to the first drawn screen and to "ready" (the runtime
   made on its worker thread: audio, crypto, the verified package; the sound check then
   starts). Baseline in the same run: a bare Kivy app that shows one Label (same window
   driver). Target: first screen within 2x the bare app's first frame.
2. Frame pacing: one ``vpr-station --self-test --fast`` on the PulseAudio loopback; the
   self-test reports every main-loop iteration (Kivy draws at most 30 frames a second)
   during the recorded answers and through the whole test, each one over 100 ms with
   the CPU this process and its UI thread used in it (much less CPU than the frame's
   length means the machine was running other programs), and the recorder's overflows.
   Targets: no frame over 100 ms, no overflows.

Runs on this machine's real window driver (SDL offscreen without a display)."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BARE = r"""
import os, time, psutil
os.environ.setdefault("KIVY_NO_ARGS", "1"); os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
from kivy.config import Config
Config.set("graphics", "width", "1024"); Config.set("graphics", "height", "768")
from kivy.app import App
from kivy.clock import Clock
from kivy.uix.label import Label
class A(App):
    kv_file = "none.kv"  # no KV lookup (this code has no source file)
    def load_kv(self, filename=None):
        return None
    def build(self):
        Clock.schedule_once(self.done, 0)
        return Label(text="hello")
    def done(self, dt):
        Clock.schedule_once(lambda dt: (print(time.time() - psutil.Process().create_time()), self.stop()), 0)
A().run()
"""


def env_for(home: Path) -> dict:
    env = dict(os.environ)
    for name in ("VPR_DATA_DIR", "VPR_LOG_DIR", "VPR_CONFIG_DIR", "KIVY_HOME", "XDG_CACHE_HOME"):
        env[name] = str(home / name.lower())
    env.pop("DISPLAY", None)
    return env


def station_start(env: dict, log: Path) -> tuple[float, float]:
    """Seconds from process start to the first screen, and to ready."""
    before = log.read_text("utf-8") if log.exists() else ""
    proc = subprocess.Popen([sys.executable, "-m", "station.cli", "--demo", "--fast", "--windowed"], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.1)
            text = log.read_text("utf-8")[len(before):] if log.exists() else ""
            m = re.search(r"first screen \S+ shown ([0-9.]+) s after process start", text)
            r = re.search(r"station ready ([0-9.]+) s after process start", text)
            if m and r:
                return float(m.group(1)), float(r.group(1))
        raise RuntimeError("the station did not show its first screen and get ready within 60 s")
    finally:
        proc.kill()
        proc.wait()


def bare_kivy(env: dict) -> float:
    proc = subprocess.run([sys.executable, "-c", BARE], env=env, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise RuntimeError(f"bare Kivy baseline failed: {proc.stderr[-1000:]}")
    return float(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-pacing", action="store_true", help="skip the self-test frame-pacing part")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="vpr-bench-") as tmp:
        home = Path(tmp)
        env = env_for(home)
        subprocess.run([sys.executable, "-m", "exam_content.cli", "demo", str(home / "warm")], env=env, cwd=ROOT,
                       check=True, capture_output=True)
        log = home / "vpr_log_dir" / "station.log"
        station_start(env, log)  # first run builds the demo package and warms caches; not counted
        starts, bares = [], []
        for _ in range(args.runs):  # interleaved, so a busy moment of the machine hits both
            starts.append(station_start(env, log))
            bares.append(bare_kivy(env))
        s, r, b = min(x for x, _ in starts), min(y for _, y in starts), min(bares)
        print(f"station cold start to first screen: best {s:.2f} s, all {', '.join(f'{x:.2f}' for x, _ in starts)}")
        print(f"station ready (sound check starts): best {r:.2f} s, all {', '.join(f'{y:.2f}' for _, y in starts)}")
        print(f"bare Kivy app to first frame:       best {b:.2f} s, all {', '.join(f'{x:.2f}' for x in bares)}")
        print(f"ratio first screen/bare Kivy: {s / b:.2f}x (target <= 2x); ready/bare Kivy: {r / b:.2f}x")
        if args.no_pacing:
            return 0
        from tests.harness.pulse_loopback import PulseLoopback

        with PulseLoopback() as lb:
            penv = lb.env(env_for(home / "pacing"))
            proc = subprocess.run([sys.executable, "-m", "station.cli", "--self-test", "--fast"], cwd=ROOT,
                                  env=penv, capture_output=True, text=True, timeout=600)
            out = proc.stdout
            result = json.loads(out[out.index("{"):])
            overflows = []
            for rec in result.get("recordings", []):
                sidecar = Path(rec["file"]).with_suffix(".json")
                overflows.append(json.loads(sidecar.read_text())["overflows"])
        for label, fp in (("during the recorded answers", result.get("frame_pacing", {})),
                          ("through the whole test", result.get("frame_pacing_all", {}))):
            print(f"self-test ok={result['ok']}; frames {label}: {fp.get('frames')}, p50 {fp.get('p50_ms')} ms, "
                  f"p95 {fp.get('p95_ms')} ms, max {fp.get('max_ms')} ms, over 100 ms: {fp.get('over_100ms')}")
        slow = result.get("frame_pacing_all", {}).get("slow_frames", [])
        own = [f for f in slow if f["cpu_ms"] >= 0.8 * f["ms"]]
        print(f"frames over 100 ms: {len(slow)}, of which {len(own)} with this process on the CPU most of the frame; "
              f"worst by phase: {result.get('frame_pacing_all', {}).get('max_ms_by_phase')}")
        for f in slow:
            print(f"  {f['phase']}: {f['ms']} ms (CPU: process {f['cpu_ms']} ms, UI thread {f['ui_cpu_ms']} ms)")
        print(f"recorder overflows per answer: {overflows} (target: all 0)")
        print(f"load average after the run: {os.getloadavg()[0]:.2f} (2 cores shared with other work)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
