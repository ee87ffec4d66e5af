"""The disk-full scenario, runnable in this process or in a child.

``run(mount_dir)`` expects ``mount_dir`` to be a freshly mounted 2 MB tmpfs: it fills it
to ~48 KB free, records until the disk is full, and reports what happened as a dict
(the test asserts on it). Run as ``python -m tests.harness.diskfull_scenario DIR --mount``
inside ``unshare --user --map-root-user --mount`` where a non-root user may mount a tmpfs
in its own namespace; it then prints the dict as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path


def run(mount_dir: Path) -> dict:
    import numpy as np
    import soundfile as sf

    from audio.errors import DiskFullError
    from audio.journal import find_journals
    from audio.recorder import Recorder
    from audio.recovery import recover

    filler = mount_dir / "filler"
    st = os.statvfs(mount_dir)
    filler.write_bytes(b"\0" * (st.f_bavail * st.f_frsize - 48 * 1024))
    seen: list = []
    event = threading.Event()
    rec = Recorder(mount_dir, "full", on_fault=lambda e: (seen.append(e), event.set()))
    rec.start()
    out: dict = {"fault_reported": event.wait(6)}
    out["on_fault_type"] = type(seen[0]).__name__ if seen else None
    try:
        rec.stop()
        out["stop_raised"] = None
    except DiskFullError as exc:
        out["stop_raised"] = type(exc).__name__
        out["user_text"] = exc.user_text
        out["result_is_none"] = exc.result is None
    out["journals"] = [p.name for p in find_journals(mount_dir)]
    out["leftovers"] = sorted(p.name for p in mount_dir.iterdir() if p.name != "filler")
    filler.unlink()
    res = recover(mount_dir)
    data, _ = sf.read(res.path, dtype="int16")
    out.update(recovered_s=res.duration_s, discarded_bytes=res.discarded_bytes,
               flac_frames_ok=sf.info(str(res.path)).frames == res.frames,
               all_zero=bool(np.all(data == 0)))
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1])
    if "--mount" in sys.argv:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(target)], check=True)
    print(json.dumps(run(target)), flush=True)
