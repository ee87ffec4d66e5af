"""Load benchmark of the node's package ingest.

N simulated stations (threads, each with its own paired key, outbox and HTTPS
client) upload M packages of S MB each to a real node (uvicorn + TLS + SQLite, a
subprocess) on loopback, all at once. Prints:

* the node's ingest throughput (all bytes / wall time until every package is
  acknowledged) against writing the same bytes to the same disk in the same run
  (4 MiB blocks, fsync per file) - a ratio;
* the node process's peak resident memory (psutil, sampled every 50 ms);
* that every package arrived exactly once and was verified.

Usage: python bench/sync_load.py [--stations 30] [--packages 2] [--size-mb 40]
       [--chunk-mb 4] [--workdir DIR] [--keep]
Writes a JSON summary to bench-results/sync_load-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from coordinator.storage import NodeStore  # noqa: E402
from sync.client import fetch_certificate  # noqa: E402
from sync.errors import NodeUnreachableError  # noqa: E402
from sync.outbox import OutboxState  # noqa: E402
from sync.package import seal_package  # noqa: E402
from sync.station_config import StationSync  # noqa: E402
from sync.uploader import SyncWorker  # noqa: E402

MB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree(pid: int) -> list[psutil.Process]:
    p = psutil.Process(pid)
    return [p, *p.children(recursive=True)]


def tree_cpu(pid: int) -> float:
    total = 0.0
    for p in tree(pid):
        try:
            total += sum(p.cpu_times()[:2])
        except psutil.Error:
            pass
    return total


def tree_rss(pid: int) -> int:
    total = 0
    for p in tree(pid):
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def start_node(data: Path, port: int, env: dict, workers: int) -> subprocess.Popen:
    log = open(data.parent / "node.out", "wb")
    # BENCH_NODE_PREFIX lets a profiler wrapper script stand in for "-m coordinator.cli".
    cmd = [sys.executable, *os.environ.get("BENCH_NODE_PREFIX", "-m coordinator.cli").split(), "serve",
           "--data", str(data), "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"node exited: {(data.parent / 'node.out').read_text(errors='replace')}")
        try:
            fetch_certificate(f"https://127.0.0.1:{port}", timeout=1)
            return proc
        except NodeUnreachableError:
            time.sleep(0.2)
    raise SystemExit("node did not start")


def disk_baseline(files: list[Path], dest: Path) -> float:
    """Seconds to write the same bytes (as the node receives them) to ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for i, src in enumerate(files):
        with open(src, "rb") as fin, open(dest / f"{i}.bin", "wb") as fout:
            while block := fin.read(4 * MB):
                fout.write(block)
            fout.flush()
            os.fsync(fout.fileno())
    elapsed = time.perf_counter() - t0
    shutil.rmtree(dest)
    return elapsed


class RssSampler(threading.Thread):
    """Peak resident memory of the node's whole process tree (workers included)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.peak = max(self.peak, tree_rss(self.pid))
            except psutil.Error:
                return
            time.sleep(0.05)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stations", type=int, default=30)
    ap.add_argument("--packages", type=int, default=2, help="packages per station")
    ap.add_argument("--size-mb", type=float, default=40.0, help="size of each package's audio, MB")
    ap.add_argument("--chunk-mb", type=float, default=8.0)
    ap.add_argument("--workers", type=int, default=1, help="node worker processes (vpr-node serve --workers)")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()

    work = Path(args.workdir or tempfile.mkdtemp(prefix="vpr-sync-load-"))
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, VPR_LOG_DIR=str(work / "logs"), VPR_DATA_DIR=str(work / "xdg"),
               VPR_CONFIG_DIR=str(work / "cfg"))
    os.environ.update({k: env[k] for k in ("VPR_LOG_DIR", "VPR_DATA_DIR", "VPR_CONFIG_DIR")})
    node_data = work / "node"
    node_data.mkdir()
    port = free_port()
    proc = start_node(node_data, port, env, args.workers)
    url = f"https://127.0.0.1:{port}"
    try:
        store = NodeStore(node_data)
        size = int(args.size_mb * MB)
        audio = work / "audio.flac"
        with open(audio, "wb") as fh:
            left = size
            while left > 0:
                fh.write(os.urandom(min(left, 4 * MB)))
                left -= min(left, 4 * MB)
        print(f"Sealing {args.stations} x {args.packages} packages of {args.size_mb:g} MB ...", flush=True)
        stations, expected, files = [], set(), []
        t_seal = time.perf_counter()
        for i in range(args.stations):
            code, _ = store.create_pair_code(600)
            st = StationSync(work / "stations" / f"st{i:02d}")
            st.pair(url, code, f"bench-{i:02d}")
            for j in range(args.packages):
                pkg = seal_package({"task1.flac": audio}, {"participant_code": f"{10000 + i * 100 + j}",
                                                          "variant": "1", "subject": "english"},
                                   st.station_key(), st.outbox.packages_dir)
                st.outbox.add(pkg)
                expected.add(pkg.package_id)
                files.append(pkg.path)
            stations.append(st)
        seal_s = time.perf_counter() - t_seal
        total = sum(p.stat().st_size for p in files)
        print(f"  sealed {len(files)} packages, {total / MB:.0f} MB, in {seal_s:.1f} s", flush=True)

        base_s = disk_baseline(files, node_data / "baseline")
        base_mbps = total / MB / base_s

        sampler = RssSampler(proc.pid)
        rss_idle = tree_rss(proc.pid)
        sampler.start()
        chunk = int(args.chunk_mb * MB)
        barrier = threading.Barrier(len(stations) + 1)
        results: dict[str, bool] = {}

        def run(st: StationSync) -> None:
            worker = SyncWorker(st.outbox, st.client, st.station_key(), chunk_size=chunk)
            barrier.wait()
            results[st.root.name] = worker.run_until_idle(3600)
            worker.stop()

        threads = [threading.Thread(target=run, args=(st,)) for st in stations]
        for t in threads:
            t.start()
        me = psutil.Process()
        node_cpu0, me_cpu0 = tree_cpu(proc.pid), sum(me.cpu_times()[:2])
        barrier.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        ingest_s = time.perf_counter() - t0
        node_cpu = tree_cpu(proc.pid) - node_cpu0
        client_cpu = sum(me.cpu_times()[:2]) - me_cpu0
        sampler.stop.set()
        sampler.join()
        ingest_mbps = total / MB / ingest_s

        rows = store.list_packages()
        ids = [r["package_id"] for r in rows]
        stored_files = list(store.packages_dir.glob("*.vprpkg"))
        acked = sum(e.state is OutboxState.ACKED for st in stations for e in st.outbox.entries())
        attempts = sum(e.attempts for st in stations for e in st.outbox.entries())
        ok = (set(ids) == expected and len(ids) == len(expected) and len(stored_files) == len(expected)
              and acked == len(expected) and not store.list_uploads() and not store.list_rejections()
              and all(results.values()))
        summary = {
            "stations": args.stations, "node_workers": args.workers, "packages_per_station": args.packages,
            "package_mb": round(total / MB / len(files), 1),
            "total_mb": round(total / MB, 1), "chunk_mb": args.chunk_mb, "cpus": os.cpu_count(),
            "ingest_seconds": round(ingest_s, 2), "ingest_mb_s": round(ingest_mbps, 1),
            "disk_write_seconds": round(base_s, 2), "disk_write_mb_s": round(base_mbps, 1),
            "ingest_vs_disk": round(ingest_mbps / base_mbps, 3),
            "node_cpu_s": round(node_cpu, 1), "stations_cpu_s": round(client_cpu, 1),
            "node_rss_idle_mb": round(rss_idle / MB, 1), "node_rss_peak_mb": round(sampler.peak / MB, 1),
            "packages_expected": len(expected), "packages_stored": len(ids), "files_stored": len(stored_files),
            "station_acks": acked, "upload_attempts": attempts, "rejections": len(store.list_rejections()),
            "all_arrived_once_and_verified": ok,
        }
        print()
        print(f"Node ingest: {total / MB:.0f} MB in {ingest_s:.1f} s = {ingest_mbps:.1f} MB/s "
              f"({args.stations} stations x {args.packages} packages, {args.chunk_mb:g} MiB chunks, TLS, loopback, "
              f"{args.workers} node process(es))")
        print(f"Plain disk write of the same bytes: {base_s:.1f} s = {base_mbps:.1f} MB/s")
        print(f"Ratio ingest / disk write: {100 * ingest_mbps / base_mbps:.0f} %  (target >= 50 %)")
        print(f"CPU during ingest: node {node_cpu:.1f} s ({100 * node_cpu / ingest_s:.0f} % of one core), "
              f"simulated stations {client_cpu:.1f} s, on {os.cpu_count()} cores shared by both")
        print(f"Node peak RSS: {sampler.peak / MB:.0f} MB (idle {rss_idle / MB:.0f} MB; target <= 200 MB)")
        print(f"Packages: expected {len(expected)}, stored {len(ids)} rows / {len(stored_files)} files, "
              f"acked on stations {acked}, upload attempts {attempts}, rejections {summary['rejections']}")
        print("Every package arrived once and verified: " + ("YES" if ok else "NO"))
        out = REPO / "bench-results"
        out.mkdir(exist_ok=True)
        (out / f"sync_load-{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(json.dumps(summary, indent=2))
        return 0 if ok else 1
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
