"""Benchmark: a long recording on the PulseAudio loopback while another process keeps one
core busy, plus repeated SIGKILL trials.

    /work/venv/bin/python bench/recording.py [--minutes 10] [--kill-trials 5]

Prints (no pass/fail): frames expected vs written and the duration error, overflows,
the writer thread's CPU share (and the ratio against an unloaded baseline recording
measured in the same run), FLAC bytes per minute (and the ratio against raw 16-bit
PCM), and the audio lost at each SIGKILL. Targets from issue 3: zero overflows,
duration error below 0.1 %, loss at kill <= 0.25 s, <= 1.2 MB per minute.

Recordings are sealed for a node key made for the run, as a station records them
(issue 20; ``--plain`` for the diagnostics' unencrypted path); an unloaded plain
recording of the baseline's length is measured too, so the cost of the encryption
shows as a ratio from the same run.

The signal played into the sink is synthetic speech (espeak-ng, if installed) over
quiet noise, looped by ``paplay`` in a separate process, so FLAC sizes are realistic.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.harness.pulse_loopback import PulseLoopback  # noqa: E402
from tests.harness.record_child import start_recording_child  # noqa: E402


def make_voice(path: Path) -> str:
    """Write ~20 s of speech-like audio (espeak-ng + -50 dBFS noise) to ``path``."""
    import numpy as np
    import soundfile as sf

    rng = np.random.default_rng(0)
    text = ("Hello. My name is Anna. I live in a small town near the river. In summer I like "
            "to go swimming with my friends, and in winter we play hockey. My favourite "
            "subject at school is English, because I want to travel around the world.")
    if shutil.which("espeak-ng"):
        wav = path.with_suffix(".raw.wav")
        subprocess.run(["espeak-ng", "-v", "en", "-s", "140", "-w", str(wav), text], check=True)
        speech, rate = sf.read(wav, dtype="float64")
        what = "espeak-ng speech"
    else:
        rate = 22050
        t = np.arange(rate * 20) / rate
        speech = 0.3 * np.sin(2 * np.pi * 180 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t))
        what = "modulated tone (espeak-ng missing)"
    speech = speech / max(1e-9, np.max(np.abs(speech))) * 0.4
    x = speech + rng.normal(0, 10 ** (-50 / 20), len(speech))
    sf.write(path, x, rate, subtype="PCM_16")
    return what


def cpu_burner() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def play_loop(lb: PulseLoopback, wav: Path) -> subprocess.Popen:
    return subprocess.Popen(["sh", "-c", f'while true; do paplay "{wav}"; done'], env=lb.env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def thread_cpu(native_id: int) -> float:
    import psutil

    for t in psutil.Process().threads():
        if t.id == native_id:
            return t.user_time + t.system_time
    return 0.0


def record(out_dir: Path, name: str, seconds: float, seal_to=None) -> dict:
    from audio.recorder import Recorder

    rec = Recorder(out_dir, name, seal_to=seal_to)
    rec.start()
    while rec.capture_started_at is None:
        time.sleep(0.005)
    wid = rec._writer_thread.native_id  # noqa: SLF001 - measurement only
    cpu0, wall0 = thread_cpu(wid), time.monotonic()
    time.sleep(min(1.0, seconds / 4))
    f_a, t_a = rec.frames_captured, time.monotonic()
    time.sleep(max(0.0, seconds - (time.monotonic() - wall0)))
    f_b, t_b = rec.frames_captured, time.monotonic()
    cpu1, wall1 = thread_cpu(wid), time.monotonic()
    t_stop = time.monotonic()
    t_fin0 = time.monotonic()
    res = rec.stop()
    finalize_s = time.monotonic() - t_fin0
    expected = (t_stop - rec.capture_started_at) * res.capture_rate
    return {
        "result": res, "expected_frames": expected, "writer_cpu_share": (cpu1 - cpu0) / (wall1 - wall0),
        "finalize_s": finalize_s,
        "steady_error": (f_b - f_a) / ((t_b - t_a) * res.capture_rate) - 1.0,
    }


def kill_trial(lb: PulseLoopback, out_dir: Path, name: str, after: float, seal_to_b64: str | None) -> float:
    from audio.recovery import recover

    proc, t0 = start_recording_child(lb, out_dir, name, seal_to_b64=seal_to_b64)
    time.sleep(max(0.0, t0 + after - time.monotonic()))
    t_kill = time.monotonic()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    res = recover(out_dir / f"{name}.vprrec")
    return (t_kill - t0) - res.duration_s


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0, help="length of the long recording")
    ap.add_argument("--baseline-seconds", type=float, default=20.0, help="unloaded baseline recording")
    ap.add_argument("--kill-trials", type=int, default=5)
    ap.add_argument("--keep", action="store_true", help="keep the recordings (bench-results/)")
    ap.add_argument("--plain", action="store_true", help="record unencrypted (the diagnostics' path)")
    args = ap.parse_args(argv)
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from audio.encryption import public_key_b64

    node_key = None if args.plain else X25519PrivateKey.generate()
    seal_to = node_key.public_key() if node_key else None

    work = Path(tempfile.mkdtemp(prefix="vpr-bench-rec-"))
    lb = PulseLoopback().start()
    lb.export()  # before sounddevice is imported below
    from audio import devices

    devices.reinitialize()
    player = burner = None
    try:
        voice = work / "voice.wav"
        what = make_voice(voice)
        player = play_loop(lb, voice)
        print(f"signal: {what}, looped into the null sink; cores: {os.cpu_count()}")

        print("recordings sealed for a node key (as on a station)" if seal_to else "recordings plain")
        plain = record(work, "plain", args.baseline_seconds) if seal_to else None
        base = record(work, "baseline", args.baseline_seconds, seal_to)
        burner = cpu_burner()
        time.sleep(1.0)
        long = record(work, "long", args.minutes * 60, seal_to)
        burner.terminate()
        burner.wait()
        burner = None

        runs = [("plain, no load", plain)] if plain else []
        for label, m in (*runs, ("baseline (no load)", base), ("long (one core busy)", long)):
            r = m["result"]
            err = (r.frames * r.capture_rate / r.sample_rate - m["expected_frames"]) / m["expected_frames"]
            mb_min = r.size_bytes / (r.duration_s / 60) / 1e6
            print(f"\n== {label}: {r.duration_s:.2f} s")
            print(f"frames expected {m['expected_frames']:.0f} (capture rate {r.capture_rate}), "
                  f"written {r.frames * r.capture_rate // r.sample_rate}, error {err * 100:+.3f} % "
                  f"(start/stop edges included); steady-state frames vs wall clock "
                  f"{m['steady_error'] * 100:+.3f} %")
            print(f"overflows {r.overflows}, dropped frames {r.dropped_frames}, pieces {r.pieces} "
                  f"({r.pieces / r.duration_s:.1f}/s, each fsync'd)")
            print(f"writer thread CPU share {m['writer_cpu_share'] * 100:.2f} % of one core")
            print(f"FLAC {mb_min:.3f} MB per minute = {mb_min / 1.92:.2f} x raw 16 kHz 16-bit PCM "
                  f"(1.92 MB/min); finalize took {m['finalize_s']:.2f} s")
            print(f"analysis: {json.dumps(r.analysis.as_dict())}")
        ratio = long["writer_cpu_share"] / max(1e-9, base["writer_cpu_share"])
        print(f"\nwriter CPU share loaded / unloaded: {ratio:.2f}")
        if plain:
            print(f"sealed / plain (both unloaded): writer CPU share "
                  f"{base['writer_cpu_share'] / max(1e-9, plain['writer_cpu_share']):.2f}, finalize time "
                  f"{base['finalize_s'] / max(1e-9, plain['finalize_s']):.2f}, file size "
                  f"{base['result'].size_bytes / base['result'].duration_s / (plain['result'].size_bytes / plain['result'].duration_s):.3f} "
                  f"(per second of audio)")

        losses = []
        rng = random.Random(1)
        for i in range(args.kill_trials):
            after = rng.uniform(0.5, 4.0)
            loss = kill_trial(lb, work, f"kill{i}", after, public_key_b64(seal_to) if seal_to else None)
            losses.append(loss)
            print(f"SIGKILL trial {i + 1}: killed {after:.2f} s after capture start, lost {loss * 1000:.0f} ms")
        if losses:
            print(f"loss at SIGKILL over {len(losses)} trials: min {min(losses) * 1000:.0f} ms, "
                  f"mean {sum(losses) / len(losses) * 1000:.0f} ms, max {max(losses) * 1000:.0f} ms "
                  f"(target <= 250 ms)")
        if args.keep:
            dest = REPO / "bench-results" / f"recording-{time.strftime('%Y%m%d-%H%M%S')}"
            shutil.copytree(work, dest)
            print(f"recordings kept in {dest}")
    finally:
        for p in (burner, player):
            if p is not None and p.poll() is None:
                (os.killpg(p.pid, signal.SIGTERM) if p is player else p.terminate())
                p.wait()
        lb.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
