"""Benchmark of expert scoring on a real node.

The demo school with N participants (default 600: 600 responses x 2 spoken tasks) is
served by a real node (uvicorn + TLS, a subprocess); E simulated experts (default 10,
each its own signed-in HTTPS session, in threads) score responses as fast as they can:
open the next response of a task, submit points, again. Prints the node's own server
time (``Server-Timing``) of "the next response is ready" - the page that leases and
renders the next response after a submit - as median and p95, and of the submit
itself; the node's peak RSS; and, in a real Chromium, how long after the expert's
Enter the next response's audio starts playing (median of R tries, loopback). Same-run
baseline: the server's cheapest answer (``/ping``).

Targets (issue 17): next response ready <= 150 ms p95 (server side); audio plays
<= 300 ms after "next"; node RSS <= 250 MB.
Usage: python bench/scoring_load.py [--participants 600] [--experts 10] [--seconds 30] [--think 1]
       [--browser-tries 8]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from coordinator.demo import make_demo  # noqa: E402
from coordinator.scoring import settings as scoring_settings  # noqa: E402
from coordinator.scoring.store import ScoringStore  # noqa: E402
from coordinator.web import accounts  # noqa: E402
from coordinator.web.store import ConsoleStore  # noqa: E402
from sync.client import fetch_certificate  # noqa: E402
from sync.errors import NodeUnreachableError  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def p95(values: list[float]) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(round(0.95 * (len(v) - 1))))]


def session(url: str, login: str, password: str) -> requests.Session:
    s = requests.Session()
    s.verify, s.trust_env = False, False
    token = re.search(r'name="csrf_token" value="([^"]+)"', s.get(url + "/login").text).group(1)
    r = s.post(url + "/login", data={"login": login, "password": password, "csrf_token": token},
               allow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    return s


def expert_loop(url: str, login: str, password: str, task: str, stop: threading.Event, out: dict,
                think: float) -> None:
    s = session(url, login, password)
    nxt, sub = out.setdefault("next", []), out.setdefault("submit", [])
    while not stop.is_set():
        r = s.get(f"{url}/experts/eng8/task/{task}")
        if "response_id" not in r.text:
            break  # nothing left for this expert
        nxt.append(float(r.headers["Server-Timing"].split("dur=")[1]))
        rid = re.search(r'name="response_id" value="([0-9a-f]{16})"', r.text).group(1)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)
        crits = sorted(set(re.findall(r'name="c_([^"]+)"', r.text)))
        stop.wait(think)  # the expert listens and decides
        form = {"csrf_token": csrf, "response_id": rid, "task": task, "purpose": "live"}
        form.update({f"c_{c}": "1" for c in crits})
        r = s.post(f"{url}/experts/eng8/submit", data=form, allow_redirects=False)
        sub.append(float(r.headers["Server-Timing"].split("dur=")[1]))


def browser_audio_start(url: str, login: str, password: str, tries: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
            "--autoplay-policy=no-user-gesture-required"])
        page = b.new_context(ignore_https_errors=True).new_page()
        page.goto(url + "/login")
        page.fill("input[name=login]", login)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.goto(url + "/experts/eng8/task/3")
        for _ in range(tries):
            page.locator("body").click(position={"x": 5, "y": 5})
            for _ in page.locator(".criterion").all():
                page.keyboard.press("1")
            t0 = time.perf_counter()
            with page.expect_navigation():
                page.keyboard.press("Enter")
            page.evaluate("() => document.getElementById('answer-audio').play()")
            for _ in range(300):
                if page.evaluate("() => document.getElementById('answer-audio').currentTime") > 0:
                    break
                time.sleep(0.002)
            out.append((time.perf_counter() - t0) * 1000)
        b.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--participants", type=int, default=600)
    ap.add_argument("--experts", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=30.0, help="how long the experts score")
    ap.add_argument("--browser-tries", type=int, default=8)
    ap.add_argument("--think", type=float, default=1.0,
                    help="seconds a simulated expert spends on a response (real ones take 1-2 minutes); 0 = hammer")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vpr-scoring-load-"))
    env = dict(os.environ, VPR_LOG_DIR=str(work / "logs"), VPR_DATA_DIR=str(work / "xdg"),
               VPR_CONFIG_DIR=str(work / "cfg"))
    os.environ.update({k: env[k] for k in ("VPR_LOG_DIR", "VPR_DATA_DIR", "VPR_CONFIG_DIR")})
    data = work / "school"
    proc = None
    try:
        t0 = time.perf_counter()
        rep = make_demo(data, args.participants)
        print(f"Demo school: {rep.participants} participants, {rep.responses} responses, made in "
              f"{time.perf_counter() - t0:.0f} s", flush=True)
        scoring = ScoringStore(data)
        with scoring.tx() as db:
            db.execute("DELETE FROM definitive")  # no qualification gate for the simulated experts
            db.execute("DELETE FROM finals")
        scoring_settings.update(scoring, "eng8", double_share=0.2)
        store = ConsoleStore(data)
        experts = []
        for i in range(args.experts + 1):
            login = f"bench{i:02d}"
            _, pw = accounts.add_user(store, login, accounts.Role.EXPERT)
            experts.append((login, pw))
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
        idle = psutil.Process(proc.pid).memory_info().rss
        base = session(url, *experts[0])
        ping = []
        for _ in range(50):
            ping.append(float(base.get(url + "/ping").headers["Server-Timing"].split("dur=")[1]))
        audio = browser_audio_start(url, *experts[0], args.browser_tries)  # before the load empties the tasks
        peak = [psutil.Process(proc.pid).memory_info().rss]
        stop = threading.Event()
        results: dict[str, dict] = {}
        threads = [threading.Thread(target=expert_loop, args=(url, login, pw, "2" if i % 2 else "3", stop,
                                                               results.setdefault(login, {}), args.think),
                                daemon=True)
                   for i, (login, pw) in enumerate(experts[1:])]
        for t in threads:
            t.start()
        end = time.time() + args.seconds
        while time.time() < end and any(t.is_alive() for t in threads):
            peak.append(psutil.Process(proc.pid).memory_info().rss)
            time.sleep(0.2)
        stop.set()
        for t in threads:
            t.join(30)
        nxt = [v for r in results.values() for v in r.get("next", [])]
        sub = [v for r in results.values() for v in r.get("submit", [])]
        peak.append(psutil.Process(proc.pid).memory_info().rss)
        print()
        print(f"{args.experts} experts scoring for {args.seconds:g} s, {args.think:g} s on each response: "
              f"{len(sub)} readings submitted "
              f"({len(sub) / args.seconds:.1f} per second), TLS on loopback, {os.cpu_count()} cores shared")
        print(f"Baseline /ping server time: median {statistics.median(ping):.2f} ms")
        print(f"Next response ready (lease + page), server time: median {statistics.median(nxt):.1f} ms, "
              f"p95 {p95(nxt):.1f} ms (target p95 <= 150 ms): " + ("met" if p95(nxt) <= 150 else "MISSED"))
        print(f"Submit, server time: median {statistics.median(sub):.1f} ms, p95 {p95(sub):.1f} ms")
        print(f"Audio playing after Enter in Chromium: median {statistics.median(audio):.0f} ms, "
              f"max {max(audio):.0f} ms over {len(audio)} tries (target <= 300 ms): "
              + ("met" if statistics.median(audio) <= 300 else "MISSED"))
        print(f"Node peak RSS: {max(peak) / 1024 / 1024:.0f} MB (idle {idle / 1024 / 1024:.0f} MB; target <= 250 MB): "
              + ("met" if max(peak) <= 250 * 1024 * 1024 else "MISSED"))
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
