"""Benchmark of the results' analytics and the results kiosk on a real node.

A school of N participants (default 2,000 in classes of 25, journal marks) with results
in 5 subjects is served by a real node (uvicorn + TLS, a subprocess). Measured:

* the «Аналитика» page of each subject (whole school), server time (``Server-Timing``),
  first and later requests, against the same run's baseline (``/ping``); and its three
  charts, which the browser fetches as images after the page (drawn on the first
  request, then kept);
* the report as PDF (server time and wall time);
* the kiosk look-up: a paired kiosk PC asks for one participant's results with code and
  PIN (signed request, TLS, loopback), end to end as the kiosk sees it.

Targets (issue 19): analytics page <= 300 ms server time; its PDF <= 2 s; a kiosk look-up
<= 200 ms end to end.
Usage: python bench/analytics_load.py [--participants 2000] [--repeat 10]
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
import time
from contextlib import redirect_stdout
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from coordinator.cli import main as node_cli  # noqa: E402
from coordinator.kiosk import access  # noqa: E402
from coordinator.kiosk.store import KioskStore  # noqa: E402
from coordinator.node.storage import NodeStore  # noqa: E402
from coordinator.school import codes, results, roster, subjects  # noqa: E402
from coordinator.school.store import SchoolStore  # noqa: E402
from sync.client import fetch_certificate  # noqa: E402
from sync.errors import NodeUnreachableError  # noqa: E402
from sync.station_config import StationSync  # noqa: E402

LOGIN, PASSWORD = "coordinator", "bench-password-2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_school(data: Path, participants: int, rng: random.Random) -> list[str]:
    with SchoolStore(data) as store:
        letters, counts, n, i = "АБВГДЕЖИКЛМНОПРСТУФХ", {}, participants, 0
        while n > 0:
            counts[f"{5 + (i // len(letters)) % 7}{letters[i % len(letters)]}"] = min(25, n)
            n -= 25
            i += 1
        roster.add_counts(store, counts)
        codes.generate(store)
        plan = subjects.read_subjects_file(subjects.demo_subjects_path())
        subjects.save_subjects(store, plan)
        all_codes = [c.code for c in codes.active_codes(store)]
        for subject in plan:
            entries = [results.Entry(c, rng.choice(subject.variants),
                                     tuple(min(t.max_points, max(0, round(rng.gauss(t.max_points * 0.6, 1))))
                                           for t in subject.tasks)) for c in all_codes if rng.random() > 0.03]
            results.save_entries(store, subject, entries, results.Source.CLI)
    with redirect_stdout(io.StringIO()):
        sys.stdin = io.StringIO(PASSWORD + "\n")
        assert node_cli(["users", "add", "--role", "coordinator", "--login", LOGIN, "--password-stdin",
                         "--data", str(data)]) == 0
    return all_codes


def p95(v: list[float]) -> float:
    s = sorted(v)
    return s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--participants", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vpr-analytics-load-"))
    env = dict(os.environ, VPR_LOG_DIR=str(work / "logs"), VPR_DATA_DIR=str(work / "xdg"),
               VPR_CONFIG_DIR=str(work / "cfg"))
    os.environ.update({k: env[k] for k in ("VPR_LOG_DIR", "VPR_DATA_DIR", "VPR_CONFIG_DIR")})
    data = work / "node"
    data.mkdir()
    proc = None
    try:
        rng = random.Random(19)
        all_codes = make_school(data, args.participants, rng)
        kiosk = KioskStore(data)
        pins = access.issue_pins(kiosk, all_codes)
        with SchoolStore(data) as s:
            subject_ids = [x.id for x in subjects.list_subjects(s)]
        for sid in subject_ids:
            access.release(kiosk, sid, "bench")
        port = free_port()
        url = f"https://127.0.0.1:{port}"
        proc = subprocess.Popen([sys.executable, "-m", "coordinator.cli", "serve", "--data", str(data), "--host",
                                 "127.0.0.1", "--port", str(port)], cwd=REPO, env=env,
                                stdout=open(work / "node.out", "wb"), stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                fetch_certificate(url, timeout=1)
                break
            except NodeUnreachableError:
                time.sleep(0.2)
        requests.packages.urllib3.disable_warnings()
        s = requests.Session()
        s.verify, s.trust_env = False, False
        token = re.search(r'name="csrf_token" value="([^"]+)"', s.get(url + "/login").text).group(1)
        s.post(url + "/login", data={"login": LOGIN, "password": PASSWORD, "csrf_token": token}, allow_redirects=False)

        def timing(r) -> float:
            return float(r.headers["Server-Timing"].split("dur=")[1])

        ping = [timing(s.get(url + "/ping")) for _ in range(20)]
        first, later, pdf_server, pdf_wall, charts = [], [], [], [], []
        for sid in subject_ids:
            page = s.get(f"{url}/analytics?subject={sid}")
            first.append(timing(page))
            for src in re.findall(r'src="(/analytics/chart/[^"]+)"', page.text):
                charts.append(timing(s.get(url + src)))
            later += [timing(s.get(f"{url}/analytics?subject={sid}")) for _ in range(args.repeat)]
            t0 = time.perf_counter()
            r = s.get(f"{url}/analytics/report.pdf?subject={sid}")
            pdf_wall.append(time.perf_counter() - t0)
            pdf_server.append(timing(r) / 1000)
            assert r.content.startswith(b"%PDF")
        station = StationSync(work / "kiosk")
        code, _ = NodeStore(data).create_pair_code(600)
        station.pair(url, code, "Холл, киоск")
        client = station.client()
        client.sync_clock()
        lookups = []
        for c in rng.sample(all_codes, min(len(all_codes), 5 * args.repeat)):
            t0 = time.perf_counter()
            answer = client.kiosk_lookup(c, pins[c])
            lookups.append((time.perf_counter() - t0) * 1000)
            assert answer["code"] == c
        client.close()
        print(f"School: {len(all_codes)} participants, {len(subject_ids)} subjects with results; TLS on loopback, "
              f"{os.cpu_count()} shared cores")
        print(f"Baseline /ping server time: median {statistics.median(ping):.2f} ms")
        print(f"Analytics page, first request of a subject: median {statistics.median(first):.0f} ms, "
              f"max {max(first):.0f} ms; its charts, drawn on their first request: median "
              f"{statistics.median(charts):.0f} ms, max {max(charts):.0f} ms each")
        print(f"Analytics page, later requests (charts reused): median {statistics.median(later):.0f} ms, "
              f"p95 {p95(later):.0f} ms (target <= 300 ms): " + ("met" if max(max(first), p95(later)) <= 300
                                                                 else "MISSED (first requests included)"
                                                                 if p95(later) <= 300 else "MISSED"))
        print(f"Report PDF: server median {statistics.median(pdf_server):.2f} s, wall max {max(pdf_wall):.2f} s "
              f"(target <= 2 s): " + ("met" if max(pdf_wall) <= 2 else "MISSED"))
        print(f"Kiosk look-up end to end: median {statistics.median(lookups):.0f} ms, p95 {p95(lookups):.0f} ms "
              f"(target <= 200 ms): " + ("met" if p95(lookups) <= 200 else "MISSED"))
        return 0
    finally:
        if proc:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
