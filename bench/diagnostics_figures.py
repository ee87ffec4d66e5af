#!/usr/bin/env python3
"""Benchmark: the figures the diagnostics rely on, measured on the PulseAudio loopback.

1. Storage per recorded minute: speech-like signal with room noise, and loud white noise
   (FLAC's worst case), recorded through the exam ``Recorder`` for ``--seconds`` each;
   FLAC bytes per minute against the raw 16 kHz 16-bit bound (1.92 MB/min) the disk check
   plans with (ratio printed).
2. Duration of ``run_automatic_checks`` (no node, 1.5 s room recording) over ``--runs`` runs,
   with the audio probe in a child process (the CLI) and without (the station), and the
   cost of one ``judge_speech`` on 10 s of 16 kHz audio against ``audio.analysis.analyze``
   of the same samples (baseline).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.harness.pulse_loopback import PulseLoopback  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    lb = PulseLoopback().start()
    lb.export()
    try:
        run(args)
    finally:
        lb.stop()


def run(args) -> None:
    import numpy as np

    from audio.analysis import analyze
    from audio.player import Player
    from audio.recorder import Recorder
    from diagnostics.judge import judge_speech
    from diagnostics.node_checks import NodeProbe
    from diagnostics.runner import AutoCheckOptions, run_automatic_checks
    from diagnostics.system_checks import STORAGE_BYTES_PER_MINUTE
    from tests.diagnostics.signals import noise, speech

    rate = 48000
    signals = {
        "speech -20 dBFS + room -60 dBFS": speech(args.seconds, -20, rate) + noise(args.seconds, -60, rate),
        "white noise -10 dBFS (worst case)": noise(args.seconds, -10, rate),
    }
    print(f"raw bound used by the disk check: {STORAGE_BYTES_PER_MINUTE / 1e6:.2f} MB/min")
    for name, sig in signals.items():
        with tempfile.TemporaryDirectory() as d:
            p = Player(volume=1.0)
            p.play(np.clip(sig, -1, 1).astype(np.float32), rate)
            time.sleep(0.1)
            rec = Recorder(Path(d), "b")
            rec.start()
            p.wait(args.seconds + 5)
            res = rec.stop()
            per_min = res.size_bytes / res.duration_s * 60
            print(f"{name}: {per_min / 1e6:.3f} MB/min FLAC over {res.duration_s:.1f} s "
                  f"= {per_min / STORAGE_BYTES_PER_MINUTE:.2f} x the raw bound")

    probe = NodeProbe(configured=False)
    for sub in (True, False):
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            run_automatic_checks(AutoCheckOptions(probe_audio_in_subprocess=sub), node_probe=probe)
            times.append(time.perf_counter() - t)
        print(f"run_automatic_checks (audio probe in child process: {sub}): median "
              f"{statistics.median(times):.2f} s over {args.runs} runs (of which 1.5 s is the room recording)")

    x = speech(10, -20, 16000) + noise(10, -60, 16000)
    for fn, label in ((lambda: analyze(x, 16000), "analyze (baseline)"), (lambda: judge_speech(x, 16000), "judge_speech")):
        t = time.perf_counter()
        for _ in range(10):
            fn()
        print(f"{label} on 10 s at 16 kHz: {(time.perf_counter() - t) / 10 * 1000:.1f} ms")


if __name__ == "__main__":
    main()
