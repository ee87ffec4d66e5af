"""Load benchmark of the node's package ingest.

N simulated stations upload M packages of S MB each to a real node (uvicorn + TLS +
SQLite, a subprocess, its one HTTPS port) on loopback, all at once. Each station is its own process, as
in a school where every station is its own PC (its own paired key, outbox and HTTPS
client - the real ``SyncWorker``); ``--stations-in-threads`` runs them as threads of
one process instead (30 threads then fight over one GIL and OpenSSL's locks, and the
harness costs more CPU than the stations it simulates). The stations still share the
machine's cores with the node. Prints:

* the node's aggregate ingest throughput (all bytes / wall time until every package
  is acknowledged) against the goal of a saturated 1 Gbit school LAN (118 MB/s), and
  against writing the same bytes to the same disk in the same run (4 MiB blocks, fsync
  per file) - a ratio;
* the node's CPU seconds per GB received (goal <= 2), beside the CPU seconds per GB
  the plain disk write of the same run cost (the kernel's share of putting bytes on
  this disk, which no receiver avoids);
* the same bytes sent by as many client processes to a minimal verifying TLS
  receiver (``bench/reference_sink.py``: stdlib ssl, SHA-256 in-stream, fsync per
  file; no HTTP, signing or SQLite) - the ceiling of this machine, whose CPU the
  receiver shares with its clients; the node's throughput is also given as a ratio
  of it (``--no-reference`` skips this);
* the node process's peak resident memory (psutil, sampled every 50 ms);
* that every package arrived exactly once and was verified.

Usage: python bench/sync_load.py [--stations 30] [--packages 2] [--size-mb 40]
       [--chunk-mb 8] [--workers 1] [--stations-in-threads] [--no-reference]
       [--workdir DIR] [--keep]
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

import reference_sink

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from coordinator.node.storage import NodeStore  # noqa: E402
from coordinator.node.tls import CERT_NAME, KEY_NAME  # noqa: E402
from sync.client import fetch_certificate  # noqa: E402
from sync.errors import NodeUnreachableError  # noqa: E402
from sync.outbox import OutboxState  # noqa: E402
from sync.package import seal_package  # noqa: E402
from sync.station_config import StationSync  # noqa: E402
from sync.uploader import SyncWorker  # noqa: E402

MB = 1024 * 1024
#: What a saturated 1 Gbit/s school LAN carries in TCP payload, MB/s.
LAN_GOAL_MB_S = 118


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


def main_thread_cpu(pid: int) -> float:
    """CPU seconds of the node's event-loop thread (the main thread; first worker
    process's with --workers > 1 is not counted here)."""
    try:
        for t in psutil.Process(pid).threads():
            if t.id == pid:
                return t.user_time + t.system_time
    except psutil.Error:
        pass
    return 0.0


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


def disk_baseline(files: list[Path], dest: Path) -> tuple[float, float]:
    """(seconds, CPU seconds of this process) to write the same bytes (as the node
    receives them) to ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    for i, src in enumerate(files):
        with open(src, "rb") as fin, open(dest / f"{i}.bin", "wb") as fout:
            while block := fin.read(4 * MB):
                fout.write(block)
            fout.flush()
            os.fsync(fout.fileno())
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    shutil.rmtree(dest)
    return elapsed, cpu


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


def run_in_threads(stations: list, chunk: int, node_pid: int) -> tuple[float, float, float, dict]:
    """All stations as threads of this process; returns (seconds, node CPU s, stations CPU s, results)."""
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
    node_cpu0, me_cpu0 = tree_cpu(node_pid), sum(me.cpu_times()[:2])
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    return elapsed, tree_cpu(node_pid) - node_cpu0, sum(me.cpu_times()[:2]) - me_cpu0, results


def run_in_processes(stations: list, chunk: int, node_pid: int, env: dict,
                     nice: int) -> tuple[float, float, float, dict]:
    """One process per station (``--run-station``), started and loaded before the
    clock starts, released together by one line on their stdin."""
    procs = [subprocess.Popen([sys.executable, __file__, "--run-station", str(st.root), "--chunk-bytes", str(chunk),
                               "--station-nice", str(nice)],
                              cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for st in stations]
    for p in procs:
        if p.stdout.readline().strip() != "ready":
            raise SystemExit("a simulated station did not start")
    node_cpu0 = tree_cpu(node_pid)
    t0, wall0 = time.perf_counter(), time.time()
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    answers = [json.loads(p.stdout.readline() or "{}") for p in procs]
    elapsed = time.perf_counter() - t0
    done = sorted(a.get("finished_at", wall0) - wall0 for a in answers)
    print(f"  stations finished after: first {done[0]:.1f} s, median {done[len(done) // 2]:.1f} s, "
          f"last {done[-1]:.1f} s", flush=True)
    node_cpu = tree_cpu(node_pid) - node_cpu0
    for p in procs:
        p.wait(60)
    results = {st.root.name: bool(a.get("idle")) for st, a in zip(stations, answers)}
    return elapsed, node_cpu, sum(a.get("cpu_s", 0.0) for a in answers), results


def station_process(root: Path, chunk: int, nice: int) -> int:
    """Body of one simulated station process: load, say ready, wait for go, upload
    everything in the outbox, print ``{"idle": bool, "cpu_s": float}``."""
    if nice and hasattr(os, "nice"):  # POSIX only
        os.nice(nice)
    st = StationSync(root)
    worker = SyncWorker(st.outbox, st.client, st.station_key(), chunk_size=chunk)
    print("ready", flush=True)
    sys.stdin.readline()
    cpu0 = time.process_time()
    idle = worker.run_until_idle(3600)
    worker.stop()
    print(json.dumps({"idle": idle, "cpu_s": time.process_time() - cpu0, "finished_at": time.time()}), flush=True)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stations", type=int, default=30)
    ap.add_argument("--packages", type=int, default=2, help="packages per station")
    ap.add_argument("--size-mb", type=float, default=40.0, help="size of each package's audio, MB")
    ap.add_argument("--chunk-mb", type=float, default=8.0)
    ap.add_argument("--workers", type=int, default=1, help="node worker processes (vpr-node serve --workers)")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--stations-in-threads", action="store_true",
                    help="simulate the stations as threads of one process instead of one process each")
    ap.add_argument("--station-nice", type=int, default=10,
                    help="nice value of the station processes (POSIX; default 10): real stations are other "
                         "PCs, so the simulated ones should not take the node's CPU away from it; 0 = same priority")
    ap.add_argument("--no-reference", action="store_true",
                    help="skip the minimal-TLS-receiver ceiling measured after the node's run")
    ap.add_argument("--run-station", type=Path, help=argparse.SUPPRESS)  # internal: one station process
    ap.add_argument("--chunk-bytes", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.run_station:
        return station_process(args.run_station, args.chunk_bytes, args.station_nice)

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

        base_s, base_cpu = disk_baseline(files, node_data / "baseline")
        base_mbps = total / MB / base_s

        sampler = RssSampler(proc.pid)
        rss_idle = tree_rss(proc.pid)
        sampler.start()
        chunk = int(args.chunk_mb * MB)
        loop_cpu0 = main_thread_cpu(proc.pid)
        if args.stations_in_threads:
            ingest_s, node_cpu, client_cpu, results = run_in_threads(stations, chunk, proc.pid)
        else:
            ingest_s, node_cpu, client_cpu, results = run_in_processes(stations, chunk, proc.pid, env, args.station_nice)
        loop_cpu = main_thread_cpu(proc.pid) - loop_cpu0
        sampler.stop.set()
        sampler.join()
        ingest_mbps = total / MB / ingest_s
        ref, ref_mbps = None, 0.0
        if not args.no_reference:
            groups = [files[i * args.packages:(i + 1) * args.packages] for i in range(args.stations)]
            ref = reference_sink.measure(groups, work / "reference", node_data / "tls" / CERT_NAME,
                                         node_data / "tls" / KEY_NAME,
                                         0 if args.stations_in_threads else args.station_nice, env)
            ref_mbps = total / MB / ref.seconds

        rows = store.list_packages()
        ids = [r["package_id"] for r in rows]
        stored_files = list(store.packages_dir.glob("*.vprpkg"))
        acked = sum(e.state is OutboxState.ACKED for st in stations for e in st.outbox.entries())
        attempts = sum(e.attempts for st in stations for e in st.outbox.entries())
        ok = (set(ids) == expected and len(ids) == len(expected) and len(stored_files) == len(expected)
              and acked == len(expected) and not store.list_uploads() and not store.list_rejections()
              and all(results.values()))
        gb = total / 1e9
        summary = {
            "stations": args.stations, "stations_as": "threads" if args.stations_in_threads else "processes",
            "station_nice": None if args.stations_in_threads else args.station_nice,
            "node_workers": args.workers, "packages_per_station": args.packages,
            "package_mb": round(total / MB / len(files), 1),
            "total_mb": round(total / MB, 1), "chunk_mb": args.chunk_mb, "cpus": os.cpu_count(),
            "ingest_seconds": round(ingest_s, 2), "ingest_mb_s": round(ingest_mbps, 1),
            "disk_write_seconds": round(base_s, 2), "disk_write_mb_s": round(base_mbps, 1),
            "ingest_vs_disk": round(ingest_mbps / base_mbps, 3), "lan_goal_mb_s": LAN_GOAL_MB_S,
            "node_cpu_s_per_gb": round(node_cpu / gb, 2), "disk_write_cpu_s_per_gb": round(base_cpu / gb, 2),
            "node_cpu_s": round(node_cpu, 1), "node_event_loop_cpu_s": round(loop_cpu, 1), "stations_cpu_s": round(client_cpu, 1),
            "node_rss_idle_mb": round(rss_idle / MB, 1), "node_rss_peak_mb": round(sampler.peak / MB, 1),
            "packages_expected": len(expected), "packages_stored": len(ids), "files_stored": len(stored_files),
            "station_acks": acked, "upload_attempts": attempts, "rejections": len(store.list_rejections()),
            "all_arrived_once_and_verified": ok,
        }
        if ref is not None:
            summary["reference"] = {
                "what": "minimal stdlib-TLS receiver, thread per connection, SHA-256 in-stream, fsync per file",
                "seconds": round(ref.seconds, 2), "mb_s": round(ref_mbps, 1),
                "vs_disk": round(ref_mbps / base_mbps, 3), "node_vs_reference": round(ingest_mbps / ref_mbps, 3),
                "sink_cpu_s": round(ref.sink_cpu_s, 1), "clients_cpu_s": round(ref.clients_cpu_s, 1),
                "all_digests_match": ref.all_digests_match}
        print()
        print(f"Node ingest: {total / MB:.0f} MB in {ingest_s:.1f} s = {ingest_mbps:.1f} MB/s "
              f"({args.stations} stations x {args.packages} packages, {args.chunk_mb:g} MiB chunks, TLS, loopback, "
              f"{args.workers} node process(es), stations as "
              f"{'threads of one process' if args.stations_in_threads else f'one process each at nice {args.station_nice}'})")
        print(f"Aggregate: {ingest_mbps:.1f} MB/s against a saturated 1 Gbit LAN's {LAN_GOAL_MB_S} MB/s "
              f"(goal >= {LAN_GOAL_MB_S}): " + ("met" if ingest_mbps >= LAN_GOAL_MB_S else "MISSED"))
        print(f"Plain disk write of the same bytes: {base_s:.1f} s = {base_mbps:.1f} MB/s, "
              f"{base_cpu / gb:.2f} CPU s per GB (this disk's own cost of writing)")
        print(f"Ratio ingest / disk write: {100 * ingest_mbps / base_mbps:.0f} %")
        print(f"Node CPU: {node_cpu / gb:.2f} s per GB received (goal <= 2; of which writing to this disk costs "
              f"{base_cpu / gb:.2f} in the plain write above)")
        print(f"CPU during ingest: node {node_cpu:.1f} s ({100 * node_cpu / ingest_s:.0f} % of one core), "
              f"simulated stations {client_cpu:.1f} s, on {os.cpu_count()} cores shared by both")
        if args.workers == 1:
            print(f"  node event-loop thread: {loop_cpu:.1f} s ({100 * loop_cpu / ingest_s:.0f} % of the wall time)")
        if ref is not None:
            print(f"Reference (minimal verifying TLS receiver, same clients and bytes): {ref.seconds:.1f} s = "
                  f"{ref_mbps:.1f} MB/s = {100 * ref_mbps / base_mbps:.0f} % of disk write; "
                  f"CPU receiver {ref.sink_cpu_s:.1f} s, clients {ref.clients_cpu_s:.1f} s; digests "
                  + ("match" if ref.all_digests_match else "DIFFER"))
            print(f"Node / reference: {100 * ingest_mbps / ref_mbps:.0f} %")
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
