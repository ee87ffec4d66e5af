#!/usr/bin/env python3
"""Benchmark: opening + verifying a large encrypted exam package vs. a plain SHA-256
pass over the same bytes, measured in the same run.

Builds a package of about ``--size-mb`` MB (default 200): the English demo variant
repeated as ``--variants`` variants, each with its own incompressible WAV listening
prompt. Then, after warming the page cache, times:
  * baseline: hashlib.sha256 over the package file in 1 MiB reads;
  * open_package(): structure checks, decrypt (AES-256-CTR + HMAC-SHA1), manifest
    validation, SHA-256 of every media file;
and measures the peak resident memory of the opening in a fresh subprocess.
Targets (issue 2): time ratio <= 3x; peak memory < largest media file + 100 MB.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

from exam_content.builder import build_package  # noqa: E402
from exam_content.demo import demo_source_dir  # noqa: E402

PASSWORD = b"bench-password"


def make_source(root: Path, size_mb: int, variants: int) -> tuple[Path, int]:
    src = root / "src"
    shutil.copytree(demo_source_dir("en"), src)
    manifest = json.loads((src / "manifest.json").read_text("utf-8"))
    base = manifest["variants"][0]
    per_file = size_mb * 1024 * 1024 // variants
    rng = np.random.default_rng(1)
    manifest["variants"] = []
    largest = 0
    for n in range(1, variants + 1):
        name = f"media/listening_v{n}.wav"
        frames = per_file // 2
        sf.write(src / name, rng.integers(-20000, 20000, frames, dtype=np.int16), 16000, subtype="PCM_16")
        largest = max(largest, (src / name).stat().st_size)
        v = json.loads(json.dumps(base))
        v["number"] = n
        v["tasks"][1]["audio"] = name
        manifest["variants"].append(v)
    (src / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    return src, largest


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


CHILD = r"""
import resource, sys, time, json
sys.path.insert(0, sys.argv[3])
from exam_content.archive import open_package
def rss_mb():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS'):
                return int(line.split()[1]) / 1024
before = rss_mb()
t = time.perf_counter()
p = open_package(sys.argv[1], sys.argv[2].encode())
elapsed = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rss_before_mb": before, "peak_rss_mb": peak, "seconds": elapsed, "bytes": p.report.bytes}))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=int, default=200)
    ap.add_argument("--variants", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="vpr-bench-") as tmp:
        root = Path(tmp)
        src, largest = make_source(root, args.size_mb, args.variants)
        pkg = root / "big.zip"
        t = time.perf_counter()
        build_package(src, pkg, PASSWORD)
        build_s = time.perf_counter() - t
        size = pkg.stat().st_size
        sha256_file(pkg)  # warm the page cache for both measurements
        from exam_content.archive import open_package

        base_times, open_times = [], []
        for _ in range(args.repeat):
            t = time.perf_counter()
            sha256_file(pkg)
            base_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            open_package(pkg, PASSWORD)
            open_times.append(time.perf_counter() - t)
        base, opened = min(base_times), min(open_times)
        print(f"package: {size / 1e6:.1f} MB, {args.variants} media files, largest {largest / 1e6:.1f} MB; build {build_s:.2f} s")
        print(f"baseline sha256 of the package bytes: {base:.3f} s ({size / base / 1e6:.0f} MB/s), best of {args.repeat}")
        print(f"open_package (decrypt + verify):     {opened:.3f} s ({size / opened / 1e6:.0f} MB/s), best of {args.repeat}")
        print(f"ratio open/baseline: {opened / base:.2f}x (target <= 3x)")
        if os.name == "posix":
            out = subprocess.run([sys.executable, "-c", CHILD, str(pkg), PASSWORD.decode(),
                                  str(Path(__file__).resolve().parent.parent)],
                                 capture_output=True, text=True, check=True).stdout
            mem = json.loads(out)
            limit = largest / 1024 / 1024 + 100
            print(f"peak RSS while opening (fresh process): {mem['peak_rss_mb']:.1f} MiB "
                  f"(after imports {mem['rss_before_mb']:.1f} MiB); target < largest media + 100 = {limit:.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
