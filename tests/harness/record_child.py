"""A recording process to kill: ``python -m tests.harness.record_child OUT_DIR NAME SECONDS [NODE_KEY_B64]``.

Records with the station's :class:`audio.recorder.Recorder` and prints one JSON line
``{"event": "capturing", "capture_started_at": <time.monotonic() of the first captured
frame>}`` as soon as audio flows (CLOCK_MONOTONIC is system-wide on Linux, so the
parent can compare it with its own clock), then records for SECONDS and prints the
result. With NODE_KEY_B64 (a node's X25519 recording key) it records encrypted, as a
station does. Used by the SIGKILL tests and ``bench/recording.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent


def start_recording_child(lb, out_dir: Path, name: str, seconds: float = 60,
                          seal_to_b64: str | None = None) -> tuple[subprocess.Popen, float]:
    """Start this script against loopback ``lb``; return (process, capture_started_at).
    Raises ``RuntimeError`` (with the child's stderr) when it dies before capturing."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.harness.record_child", str(out_dir), name, str(seconds),
         *([seal_to_b64] if seal_to_b64 else [])],
        cwd=REPO_ROOT, env=lb.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        raise RuntimeError(f"recording child died: {proc.stderr.read()}")
    started = json.loads(line)["capture_started_at"]
    if started is None:
        proc.kill()
        raise RuntimeError("recording child got no audio within 5 s")
    return proc, started


def main(argv: list[str]) -> int:
    out_dir, name, seconds = Path(argv[0]), argv[1], float(argv[2])
    from audio.encryption import load_public_key_b64
    from audio.recorder import Recorder

    rec = Recorder(out_dir, name, seal_to=load_public_key_b64(argv[3]) if len(argv) > 3 else None)
    rec.start()
    deadline = time.monotonic() + 5
    while rec.capture_started_at is None and time.monotonic() < deadline:
        time.sleep(0.005)
    print(json.dumps({"event": "capturing", "capture_started_at": rec.capture_started_at}), flush=True)
    time.sleep(seconds)
    res = rec.stop()
    print(json.dumps({"event": "done", "result": res.as_dict()}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
