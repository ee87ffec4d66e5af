"""Benchmark of the coordinator's web console under a school day's load.

A real node (uvicorn + TLS, a subprocess) holds a school of N participants (default
2,000: classes of 25, codes issued, the demo subjects, today's schedule) while S
simulated stations (default 30, each a thread with its own paired key) send their
heartbeat with a changing live state every 2 s. A signed-in coordinator then requests
every console page R times in turn. Prints, per page, the server time (the node's own
``Server-Timing`` header: from the request reaching the app to the answer being ready)
as median and p95, against the same run's baseline - the server's cheapest answer
(``/ping``, plain text, no template) - and the size of a live update of «Сегодня».

Targets (issue 16): every page median <= 30 ms and p95 <= 80 ms; a live update <= 20 KB.
Usage: python bench/console_load.py [--participants 2000] [--stations 30] [--requests 60]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import redirect_stdout
from datetime import date
from pathlib import Path

import psutil
import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from coordinator.cli import main as node_cli  # noqa: E402
from coordinator.node.storage import NodeStore  # noqa: E402
from coordinator.school import codes, roster, settings, subjects  # noqa: E402
from coordinator.school import schedule as school_schedule  # noqa: E402
from coordinator.school.store import SchoolStore  # noqa: E402
from sync.client import fetch_certificate  # noqa: E402
from sync.errors import NodeUnreachableError  # noqa: E402
from sync.protocol import Activity  # noqa: E402
from sync.station_config import StationSync  # noqa: E402

PAGES = ["/", "/today/live", "/school", "/codes", "/protocol?subject=eng8", "/results?subject=eng8", "/upload",
         "/stations", "/scoring", "/analytics?subject=eng8", "/kiosk", "/users", "/journal"]
LOGIN, PASSWORD = "coordinator", "bench-password-2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_school(data: Path, participants: int) -> None:
    with SchoolStore(data) as store:
        settings.set_info(store, name="МАОУ «Школа нагрузки»", code="390000", tz="Europe/Kaliningrad")
        per_class, letters, counts = 25, "АБВГДЕЖИКЛМНОПРСТУФХ", {}
        n, i = participants, 0
        while n > 0:
            counts[f"{5 + (i // len(letters)) % 7}{letters[i % len(letters)]}"] = min(per_class, n)
            n -= per_class
            i += 1
        roster.add_counts(store, counts)
        codes.generate(store)
        subjects.save_subjects(store, subjects.read_subjects_file(subjects.demo_subjects_path()))
        school_schedule.set_item(store, "eng8", date.today().isoformat())
    with redirect_stdout(io.StringIO()):
        sys.stdin = io.StringIO(PASSWORD + "\n")
        assert node_cli(["users", "add", "--role", "coordinator", "--login", LOGIN, "--password-stdin",
                         "--data", str(data)]) == 0


def start_node(data: Path, port: int, env: dict) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "coordinator.cli", "serve", "--data", str(data), "--host",
                             "127.0.0.1", "--port", str(port)], cwd=REPO, env=env,
                            stdout=open(data.parent / "node.out", "wb"), stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            fetch_certificate(f"https://127.0.0.1:{port}", timeout=1)
            return proc
        except NodeUnreachableError:
            time.sleep(0.2)
    raise SystemExit("node did not start")


class Stations:
    """S paired stations, each a thread sending a heartbeat with a changing live state."""

    def __init__(self, work: Path, url: str, store: NodeStore, n: int, codes_pool: list[str], interval: float):
        self.stop = threading.Event()
        self.sent = 0
        self.threads = []
        for i in range(n):
            code, _ = store.create_pair_code(600)
            st = StationSync(work / "stations" / f"st{i:02d}")
            st.pair(url, code, f"Кабинет {10 + i // 10}, ПК {i % 10 + 1}")
            self.threads.append(threading.Thread(target=self._run, args=(st, codes_pool, interval, i), daemon=True))

    def _run(self, st: StationSync, pool: list[str], interval: float, seed: int) -> None:
        rng = random.Random(seed)
        client = st.client()
        readiness = {"status": "pass", "summary": "готова", "checks": []}
        while not self.stop.is_set():
            live = rng.choice([{"activity": Activity.READY},
                               {"activity": Activity.IN_TASK, "task": rng.randint(1, 6), "tasks": 6,
                                "remaining_s": rng.randint(5, 120), "code": rng.choice(pool)},
                               {"activity": Activity.DONE, "code": rng.choice(pool)}])
            try:
                client.heartbeat(readiness, live)
                self.sent += 1
            except Exception:  # noqa: BLE001 - a busy node: the next beat tries again
                pass
            self.stop.wait(interval)
        client.close()

    def start(self) -> None:
        for t in self.threads:
            t.start()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--participants", type=int, default=2000)
    ap.add_argument("--stations", type=int, default=30)
    ap.add_argument("--interval", type=float, default=2.0, help="seconds between a station's heartbeats")
    ap.add_argument("--requests", type=int, default=60, help="requests per page")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vpr-console-load-"))
    env = dict(os.environ, VPR_LOG_DIR=str(work / "logs"), VPR_DATA_DIR=str(work / "xdg"),
               VPR_CONFIG_DIR=str(work / "cfg"))
    os.environ.update({k: env[k] for k in ("VPR_LOG_DIR", "VPR_DATA_DIR", "VPR_CONFIG_DIR")})
    data = work / "node"
    data.mkdir()
    proc = None
    stations = None
    try:
        t0 = time.perf_counter()
        make_school(data, args.participants)
        with SchoolStore(data) as store:
            pool = [c.code for c in codes.active_codes(store)]
        print(f"School of {len(pool)} participants made in {time.perf_counter() - t0:.1f} s", flush=True)
        port = free_port()
        url = f"https://127.0.0.1:{port}"
        proc = start_node(data, port, env)
        stations = Stations(work, url, NodeStore(data), args.stations, pool, args.interval)
        stations.start()
        s = requests.Session()
        s.verify, s.trust_env = False, False
        requests.packages.urllib3.disable_warnings()
        token = re.search(r'name="csrf_token" value="([^"]+)"', s.get(url + "/login").text).group(1)
        r = s.post(url + "/login", data={"login": LOGIN, "password": PASSWORD, "csrf_token": token},
                   allow_redirects=False)
        assert r.status_code == 303, r.text
        time.sleep(max(3.0, 2 * args.interval))  # every station has reported at least once
        rows = []
        live_sizes = []
        for path in ["/ping", *PAGES]:
            server, wall = [], []
            for _ in range(args.requests):
                t = time.perf_counter()
                r = s.get(url + path)
                wall.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, (path, r.status_code)
                server.append(float(r.headers["Server-Timing"].split("dur=")[1]))
                if path == "/today/live":
                    live_sizes.append(len(r.content))
            rows.append((path, statistics.median(server), percentile(server, 0.95), statistics.median(wall),
                         len(r.content)))
        rss = psutil.Process(proc.pid).memory_info().rss
        base_med = rows[0][1]
        print()
        print(f"Console under load: {len(pool)} participants, {args.stations} stations beating every "
              f"{args.interval:g} s ({stations.sent} heartbeats during the run), {args.requests} requests per page, "
              f"TLS on loopback, {os.cpu_count()} cores shared by node, stations and client")
        print(f"{'page':<14} {'server median':>14} {'server p95':>11} {'x baseline':>11} {'wall median':>12} "
              f"{'size':>9}")
        for path, med, p95, wmed, size in rows:
            print(f"{path:<14} {med:>11.1f} ms {p95:>8.1f} ms {med / base_med:>10.1f}x {wmed:>9.1f} ms "
                  f"{size / 1024:>6.1f} KB")
        worst_med = max(r[1] for r in rows[1:])
        worst_p95 = max(r[2] for r in rows[1:])
        print(f"Worst page: median {worst_med:.1f} ms (target <= 30), p95 {worst_p95:.1f} ms (target <= 80): "
              + ("met" if worst_med <= 30 and worst_p95 <= 80 else "MISSED"))
        print(f"Live update of «Сегодня»: {max(live_sizes) / 1024:.1f} KB (target <= 20 KB): "
              + ("met" if max(live_sizes) <= 20 * 1024 else "MISSED"))
        print(f"Node RSS after the run: {rss / 1024 / 1024:.0f} MB")
        return 0
    finally:
        if stations:
            stations.stop.set()
        if proc:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
