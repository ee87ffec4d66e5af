#!/usr/bin/env python3
"""Benchmark: station cold start to the first screen, and UI frame pacing while an
answer is recorded with the live level meter.

1. Start-up: launches ``vpr-station --demo --fast --windowed`` ``--runs`` times (the demo
   package is built once beforehand, as on a prepared station) and reads the time from
   process start to the first drawn screen from the station log. Baseline in the same
   run: a bare Kivy app that shows one Label (same window driver). Target: <= 3 s.
2. Frame pacing: one ``vpr-station --self-test --fast`` on the PulseAudio loopback; the
   self-test reports frame intervals during the recorded answers and the recorder's
   overflows. Target: no overflows.

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


def station_start(env: dict, log: Path) -> float:
    before = log.read_text("utf-8") if log.exists() else ""
    proc = subprocess.Popen([sys.executable, "-m", "station.cli", "--demo", "--fast", "--windowed"], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.1)
            text = log.read_text("utf-8")[len(before):] if log.exists() else ""
            m = re.search(r"first screen \S+ shown ([0-9.]+) s after process start", text)
            if m:
                return float(m.group(1))
        raise RuntimeError("the station did not show its first screen within 60 s")
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
        starts = [station_start(env, log) for _ in range(args.runs)]
        bares = [bare_kivy(env) for _ in range(args.runs)]
        s, b = min(starts), min(bares)
        print(f"station cold start to first screen: best {s:.2f} s, all {', '.join(f'{x:.2f}' for x in starts)} (target <= 3 s)")
        print(f"bare Kivy app to first frame:       best {b:.2f} s, all {', '.join(f'{x:.2f}' for x in bares)}")
        print(f"ratio station/bare Kivy: {s / b:.2f}x")
        if args.no_pacing:
            return 0
        from tests.harness.pulse_loopback import PulseLoopback

        with PulseLoopback() as lb:
            penv = lb.env(env_for(home / "pacing"))
            proc = subprocess.run([sys.executable, "-m", "station.cli", "--self-test", "--fast"], cwd=ROOT,
                                  env=penv, capture_output=True, text=True, timeout=600)
        out = proc.stdout
        result = json.loads(out[out.index("{"):])
        fp = result.get("frame_pacing", {})
        overflows = []
        for rec in result.get("recordings", []):
            sidecar = Path(rec["file"]).with_suffix(".json")
            overflows.append(json.loads(sidecar.read_text())["overflows"])
        print(f"self-test ok={result['ok']}; frames during answers: {fp.get('frames')}, mean {fp.get('mean_fps')} fps, "
              f"p50 {fp.get('p50_ms')} ms, p95 {fp.get('p95_ms')} ms, max {fp.get('max_ms')} ms")
        print(f"recorder overflows per answer: {overflows} (target: all 0)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
