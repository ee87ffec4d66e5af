"""Kill-and-cut campaign (issue 20): does any answer get lost or stored twice when the
station process or the node dies at a random moment, or the LAN cuts a connection?

    python bench/fault_campaign.py [--station-kills 100] [--node-kills 30] [--seed 20]
    python bench/fault_campaign.py --quick          # 8 station kills, 4 node kills

Not a test (no pass/fail): it prints what it measured, against the targets of issue 20
(100 % of recordings recovered, worst loss <= 0.25 s, 0 packages lost, 0 duplicated).

**Station kills.** Each trial is one participant on its own paired station, run as a
real process: it records an answer with the station's ``audio.Recorder`` on a private
PulseAudio loopback (a tone playing into it), sealed for the node's recording key as a
station records, finalizes it (the encrypted FLAC, ``answer.vprenc``), seals a response
package into its outbox (``Outbox.seal``) and uploads it with the ``SyncWorker``
through a cutting TCP proxy (``tests/sync/cutproxy.py``: the first 0-3 connections
are cut at random byte offsets) to a real node (``vpr-node serve`` in a subprocess).
The campaign SIGKILLs it at a random moment of a phase drawn at random - recording,
finalizing the FLAC, sealing, uploading (reported by the last phase the station
announced before the kill) - then starts the station again in recovery mode (what
the station does at start: ``audio.recovery.recover_all``, queue what was sealed but
not queued (``Outbox.packages_of``), upload until acknowledged). Measured per trial:
the audio captured until the kill (or the stop) against the duration of the recovered
recording (loss; from its sidecar, as the station cannot open it), whether the node
holds exactly one package of the participant whose answer file has the SHA-256 of the
station's file and opens on the node into a FLAC (recovered / duplicated), and every package the
station sealed that the node does not hold (lost). A kill in the first 0.1 s of a
recording, before the journal's first fsync'd piece, leaves nothing to recover or send:
reported on its own line, its whole capture counted as loss.

**Node kills.** Three stations (SyncWorkers in this process, 2-4 MB packages, 256 KiB
chunks, half of them through a cutting proxy) upload while the node is SIGKILLed at a
random moment of the ingest and started again on the same port and data. Measured:
every package acknowledged, stored once, and its stored file verifies.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

MAX_LOSS_S = 0.25


# -- the station process ----------------------------------------------------------------------
def _say(**event) -> None:
    print(json.dumps(event), flush=True)


def station_child(trial: Path, url: str, fingerprint: str, code: str, seconds: float, recover_only: bool) -> int:
    """One participant's answer from recording to acknowledgement (see the module
    docstring). Prints its phases as JSON lines with ``time.monotonic()``."""
    from audio.recovery import recover_all
    from sync.client import NodeClient
    from sync.outbox import OutboxState
    from sync.station_config import StationSync
    from sync.uploader import SyncWorker

    station = StationSync(trial / "sync")
    audio_dir = trial / "audio"
    audio_dir.mkdir(parents=True, exist_ok=True)
    flac = audio_dir / "answer.vprenc"  # sealed for the node, as a station records
    recover_all(audio_dir)  # a journal left by a killed run becomes the sealed file, still encrypted
    if not recover_only and not flac.exists():
        from audio.recorder import Recorder

        rec = Recorder(audio_dir, "answer", seal_to=station.recording_key())
        rec.start()
        deadline = time.monotonic() + 5
        while rec.capture_started_at is None and time.monotonic() < deadline:
            time.sleep(0.005)
        _say(phase="recording", t0=rec.capture_started_at)
        time.sleep(seconds)
        _say(phase="finalizing", at=time.monotonic())
        rec.stop()
    box, key = station.outbox, station.station_key()
    _say(phase="sealing", at=time.monotonic())
    if flac.exists():
        sealed = [path for path, _ in box.packages_of(code)]
        if sealed:
            for path in sealed:
                box.add(path)  # sealed before a kill, perhaps never queued
        else:
            box.seal({"answers/answer.vprenc": flac}, {"participant_code": code, "variant": "1", "subject": "english"}, key)
    _say(phase="uploading", at=time.monotonic())
    worker = SyncWorker(box, lambda: NodeClient(url, fingerprint, key), key, chunk_size=64 * 1024)
    deadline = time.time() + 120
    while time.time() < deadline:
        worker.run_once()
        if not any(e.state in (OutboxState.PENDING, OutboxState.UPLOADING) for e in box.entries()):
            break
        box.retry_now()  # the benchmark measures loss, not the backoff
        time.sleep(0.1)
    _say(phase="done", at=time.monotonic(), acked=[e.package_id for e in box.entries() if e.state is OutboxState.ACKED])
    return 0


# -- the campaign -----------------------------------------------------------------------------
class Campaign:
    def __init__(self, work: Path, seed: int) -> None:
        from tests.sync.harness import NodeProcess

        self.work = work
        self.rng = random.Random(seed)
        self.node = NodeProcess(work / "node" / "data").start()
        from sync.client import fetch_certificate

        self.fingerprint = fetch_certificate(self.node.url)[1]
        self.cuts = 0

    def close(self) -> None:
        self.node.stop()

    def _pair(self, root: Path):
        from sync.station_config import StationSync

        code, _ = self.node.store().create_pair_code(600)
        station = StationSync(root)
        station.pair(self.node.url, code, root.name)
        return station

    def _proxy(self, max_bytes: int):
        from tests.sync.cutproxy import CuttingProxy

        return CuttingProxy(self.node.port, max_bytes, cut_first=self.rng.randint(0, 3),
                            seed=self.rng.randrange(1 << 30))

    # -- station kills ----------------------------------------------------------------------
    def station_trial(self, n: int, loopback) -> dict:
        trial = self.work / f"station-{n:03d}"
        self._pair(trial / "sync")
        code = f"{10000 + n:05d}"
        seconds = self.rng.uniform(0.6, 2.5)
        target = self.rng.choice(["recording", "finalizing", "sealing", "uploading"])
        proxy = self._proxy(40_000)
        url = f"https://127.0.0.1:{proxy.port}"
        argv = [sys.executable, str(Path(__file__).resolve()), "--station-child", str(trial), url, self.fingerprint,
                code, f"{seconds:.3f}"]
        proc = subprocess.Popen(argv, cwd=REPO, env=loopback.env(), stdout=subprocess.PIPE,
                                stderr=open(trial / "child.err", "wb"), text=True)
        t0 = stop_at = None
        phase, killed_in, t_kill = "starting", None, None
        kill_at = None
        for line in proc.stdout:
            ev = json.loads(line)
            phase = ev["phase"]
            if phase == "recording":
                t0 = ev["t0"]
                if target == "recording":
                    kill_at = t0 + self.rng.uniform(0.05, seconds)
            elif phase == "finalizing":
                stop_at = ev["at"]
                if target == "finalizing":
                    kill_at = time.monotonic() + self.rng.uniform(0.0, 0.08)
            elif phase == "sealing" and target == "sealing":
                kill_at = time.monotonic() + self.rng.uniform(0.0, 0.03)
            elif phase == "uploading" and target == "uploading":
                kill_at = time.monotonic() + self.rng.uniform(0.0, 0.4)
            if kill_at is not None:
                break
        if kill_at is not None:
            time.sleep(max(0.0, kill_at - time.monotonic()))
            if proc.poll() is None:
                t_kill = time.monotonic()
                proc.send_signal(signal.SIGKILL)
                killed_in = phase if not (phase == "recording" and stop_at) else "finalizing"
        proc.wait(120)
        if killed_in == "recording" and t_kill and t0 and (stop_at is None or t_kill < stop_at):
            captured = t_kill - t0
        else:
            captured = (stop_at - t0) if (stop_at and t0) else None
            # the kill may have come after "finalizing" was printed but before we read it
        rec_argv = argv + ["--recover-only"]
        subprocess.run(rec_argv, cwd=REPO, env=loopback.env(), stdout=subprocess.DEVNULL,
                       stderr=open(trial / "recover.err", "wb"), timeout=300)
        self.cuts += proxy.cuts
        proxy.close()
        return self._station_outcome(trial, code, captured, killed_in, target)

    def recount(self, result: dict) -> dict:
        """The trial's outcome read again at the end of the campaign: a package the
        station had acknowledged but the check right after it did not see is reported
        (``late``), not hidden."""
        again = self._station_outcome(self.work / f"station-{int(result['code']) - 10000:03d}", result["code"],
                                      result["captured_s"], result["killed_in"], result["target"])
        again["late"] = again["on_node"] != result["on_node"]
        return again

    def _station_outcome(self, trial: Path, code: str, captured: float | None, killed_in, target) -> dict:
        import hashlib
        import json

        from sync.package import read_manifest

        flac = trial / "audio" / "answer.vprenc"
        sidecar = flac.with_suffix(".json")  # the station cannot open its file: the duration is in the sidecar
        duration = json.loads(sidecar.read_text("utf-8"))["duration_s"] if sidecar.exists() else 0.0
        flac_sha = hashlib.sha256(flac.read_bytes()).hexdigest() if flac.exists() else None
        store = self.node.store()
        mine = [p for p in store.list_packages() if p["participant_code"] == code]
        shas = []
        for p in mine:
            manifest, _, _ = read_manifest(store.packages_dir / f"{p['package_id']}.vprpkg")
            shas += [f["sha256"] for f in manifest["files"]]
        from sync.outbox import Outbox

        entries = Outbox(trial / "sync" / "outbox").entries()
        acked_at = [e.acked_at for e in entries if e.acked_at]
        return {"code": code, "target": target, "killed_in": killed_in, "captured_s": captured,
                "checked_at": time.time(), "station_acked_at": max(acked_at) if acked_at else None,
                "node_received_at": [p["received_at"] for p in mine],
                # no FLAC: killed before the first journal piece was on disk (pieces are
                # fsync'd every 0.1 s), so nothing was made to send; its loss is counted
                "nothing_durable": flac_sha is None,
                "packages_sealed": len(entries),
                "packages_not_on_node": len({e.package_id for e in entries} - {p["package_id"] for p in mine}),
                "recovered_s": duration, "loss_s": (captured - duration) if captured is not None else None,
                "on_node": len(mine), "recovered": flac_sha is not None and shas == [flac_sha]
                and self._opens_on_node(store, mine)}

    @staticmethod
    def _opens_on_node(store, mine) -> bool:
        """The node opened the sealed answer on arrival into a FLAC that decodes."""
        import io

        import soundfile as sf

        from coordinator.node.answers import answer_flac

        try:
            return all(sf.info(io.BytesIO(answer_flac(store, p["package_id"], "answer.vprenc"))).frames > 0
                       for p in mine)
        except Exception:  # noqa: BLE001 - counted as not recovered
            return False

    # -- node kills -------------------------------------------------------------------------
    def node_trial(self, n: int) -> dict:
        from sync.client import NodeClient
        from sync.outbox import OutboxState
        from sync.uploader import SyncWorker
        from tests.sync.harness import NodeProcess, make_package

        workers, proxies = [], []
        for s in range(3):
            station = self._pair(self.work / f"node-{n:03d}-st{s}")
            pkg = make_package(station, self.work / f"node-{n:03d}-src{s}", code=f"{20000 + n * 3 + s:05d}",
                               size=self.rng.randint(2_000_000, 4_000_000))
            station.outbox.add(pkg)
            url = self.node.url
            if s % 2:
                proxy = self._proxy(2_000_000)
                proxies.append(proxy)
                url = f"https://127.0.0.1:{proxy.port}"
            key = station.station_key()
            workers.append((station, SyncWorker(station.outbox, lambda u=url, k=key: NodeClient(u, self.fingerprint, k),
                                                key, chunk_size=256 * 1024), pkg))
        done = threading.Event()

        def upload(station, worker) -> None:
            deadline = time.time() + 180
            while time.time() < deadline:
                worker.run_once()
                if all(e.state is OutboxState.ACKED for e in station.outbox.entries()):
                    return
                station.outbox.retry_now()
                time.sleep(0.1)

        threads = [threading.Thread(target=upload, args=(st, w), daemon=True) for st, w, _ in workers]
        for t in threads:
            t.start()
        time.sleep(self.rng.uniform(0.05, 0.8))  # into the ingest
        alive = any(t.is_alive() for t in threads)
        self.node.kill()
        self.node = NodeProcess(self.node.data_dir, port=self.node.port).start()
        for t in threads:
            t.join(200)
        done.set()
        for proxy in proxies:
            self.cuts += proxy.cuts
            proxy.close()
        return self._node_outcome(workers, killed_during_ingest=alive)

    def _node_outcome(self, workers, killed_during_ingest: bool) -> dict:
        from sync.package import verify_package
        from sync.signing import load_public_key_b64

        store = self.node.store()
        lost = dup = bad = 0
        for station, _, pkg in workers:
            rows = [p for p in store.list_packages() if p["participant_code"] == pkg.participant_code]
            lost += not rows
            dup += max(0, len(rows) - 1)
            for row in rows:
                try:
                    verify_package(store.packages_dir / f"{row['package_id']}.vprpkg",
                                   lambda sid: load_public_key_b64(store.get_station(sid).public_key))
                except Exception:  # noqa: BLE001 - counted
                    bad += 1
        return {"packages": len(workers), "lost": lost, "duplicated": dup, "unverifiable": bad,
                "killed_during_ingest": killed_during_ingest}


def run(args) -> dict:
    from tests.harness.pulse_loopback import PulseLoopback

    work = Path(tempfile.mkdtemp(prefix="vpr-fault-"))
    os.environ.setdefault("VPR_DATA_DIR", str(work / "vprdata"))
    os.environ.setdefault("VPR_LOG_DIR", str(work / "logs"))
    os.environ.setdefault("VPR_CONFIG_DIR", str(work / "config"))
    campaign = Campaign(work, args.seed)
    station_results, node_results = [], []
    started = time.monotonic()
    try:
        if args.station_kills:
            with PulseLoopback() as lb:
                from audio.player import Player
                from audio.tones import tone

                lb.export()
                from audio import devices

                devices.reinitialize()
                player = Player()
                for n in range(args.station_kills):
                    if n % 20 == 0:
                        player.play(tone(440, 90, 48000, 0.3), 48000)  # a "voice" in the room
                    station_results.append(campaign.station_trial(n, lb))
                    r = station_results[-1]
                    print(f"station {n + 1}/{args.station_kills} (code {r['code']}, station-{n:03d}): "
                          f"kill in {r['killed_in'] or 'none (finished first)'}"
                          f" (aimed at {r['target']}), loss {_ms(r['loss_s'])}, on node {r['on_node']}, "
                          f"recovered {r['recovered']}", flush=True)
                player.stop()
        for n in range(args.node_kills):
            node_results.append(campaign.node_trial(n))
            print(f"node {n + 1}/{args.node_kills}: {node_results[-1]}", flush=True)
        checked_right_after = station_results
        station_results = [campaign.recount(r) for r in station_results]
    finally:
        campaign.close()
    losses = [r["loss_s"] for r in station_results if r["loss_s"] is not None]
    summary = {
        "station_kills": len(station_results),
        "kills_by_phase": {p: sum(r["killed_in"] == p for r in station_results)
                           for p in ("recording", "finalizing", "sealing", "uploading", None)},
        "recordings_recovered": sum(r["recovered"] for r in station_results),
        "recordings_total": len(station_results),
        "worst_loss_s": max(losses) if losses else None,
        "recordings_nothing_durable": sum(r["nothing_durable"] for r in station_results),
        "nothing_durable_captured_s": sorted(round(r["captured_s"], 3) for r in station_results
                                             if r["nothing_durable"] and r["captured_s"] is not None),
        "station_packages_sealed": sum(r["packages_sealed"] for r in station_results),
        "station_packages_lost": sum(r["packages_not_on_node"] for r in station_results),
        "station_packages_duplicated": sum(max(0, r["on_node"] - 1) for r in station_results),
        "station_packages_seen_late": sum(r["late"] for r in station_results),
        "station_packages_missing_right_after": sum(r["on_node"] == 0 for r in checked_right_after),
        "late_trials": [dict(first, end_on_node=again["on_node"]) for first, again in zip(checked_right_after,
                                                                                          station_results)
                        if again["late"]],
        "node_kills": len(node_results),
        "node_kills_during_ingest": sum(r["killed_during_ingest"] for r in node_results),
        "node_packages_total": sum(r["packages"] for r in node_results),
        "node_packages_lost": sum(r["lost"] for r in node_results),
        "node_packages_duplicated": sum(r["duplicated"] for r in node_results),
        "node_packages_unverifiable": sum(r["unverifiable"] for r in node_results),
        "connections_cut": campaign.cuts,
        "wall_s": round(time.monotonic() - started, 1),
        "work_dir": str(work),
    }
    return summary


def _ms(v) -> str:
    return "-" if v is None else f"{v * 1000:.0f} ms"


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--station-child":
        rest = argv[1:]
        recover_only = "--recover-only" in rest
        rest = [a for a in rest if a != "--recover-only"]
        return station_child(Path(rest[0]), rest[1], rest[2], rest[3], float(rest[4]), recover_only)
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--station-kills", type=int, default=100)
    p.add_argument("--node-kills", type=int, default=30)
    p.add_argument("--seed", type=int, default=20)
    p.add_argument("--quick", action="store_true", help="8 station kills and 4 node kills")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = p.parse_args(argv)
    if args.quick:
        args.station_kills, args.node_kills = 8, 4
    s = run(args)
    if args.json:
        print(json.dumps(s, indent=2))
        return 0
    total = s["recordings_total"]
    print()
    print(f"station kills: {s['station_kills']} (by phase hit: {s['kills_by_phase']}), connections cut: "
          f"{s['connections_cut']}")
    print(f"recordings recovered: {s['recordings_recovered']} / {total}"
          f" ({100.0 * s['recordings_recovered'] / total if total else 0:.1f} %; target 100 %)")
    print(f"  not recovered because killed before the first journal piece reached the disk (nothing to "
          f"recover or send; the whole capture counted as loss): {s['recordings_nothing_durable']}, captured "
          f"{s['nothing_durable_captured_s']} s")
    print(f"worst loss: {_ms(s['worst_loss_s'])} (target <= {MAX_LOSS_S * 1000:.0f} ms)")
    print(f"packages lost: {s['station_packages_lost'] + s['node_packages_lost']} (station phase "
          f"{s['station_packages_lost']} of {s['station_packages_sealed']} sealed, node phase "
          f"{s['node_packages_lost']} of {s['node_packages_total']}; target 0)")
    print(f"packages duplicated: {s['station_packages_duplicated'] + s['node_packages_duplicated']} (target 0)")
    print(f"station packages not seen on the node right after the station finished, seen at the end: "
          f"{s['station_packages_seen_late']}")
    for r in s["late_trials"]:
        print(f"  late: {r}")
    print(f"node kills: {s['node_kills']} ({s['node_kills_during_ingest']} during ingest), packages "
          f"{s['node_packages_total']}, unverifiable on the node: {s['node_packages_unverifiable']}")
    print(f"wall time {s['wall_s']} s; work dir {s['work_dir']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
