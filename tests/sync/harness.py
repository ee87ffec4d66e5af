"""Test harness: a real node (``python -m coordinator.cli serve``: real uvicorn, real
TLS, real SQLite) on a free loopback port in a subprocess, paired real stations, and
real sealed packages. Shared by tests/sync and tests/coordinator."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from coordinator.cli import main as node_main
from coordinator.node.storage import NodeStore
from sync.client import fetch_certificate
from sync.errors import NodeUnreachableError
from sync.package import SealedPackage, seal_package
from sync.signing import public_key_b64
from sync.station_config import StationSync
from tests.conftest import REPO_ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NodeProcess:
    """A node server subprocess on ``data_dir``, on a free loopback port; ``extra``:
    more ``vpr-node serve`` options."""

    def __init__(self, data_dir: Path, port: int | None = None, workers: int = 1, extra: tuple = ()) -> None:
        self.workers = workers
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.extra = tuple(extra)
        self.proc: subprocess.Popen | None = None
        self.log_path = self.data_dir.parent / f"node-{self.port}.out"

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> "NodeProcess":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "coordinator.cli", "serve", "--data", str(self.data_dir),
             "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers), *self.extra],
            cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ))
        log.close()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"node exited: {self.log_path.read_text(errors='replace')}")
            try:
                fetch_certificate(self.url, timeout=1)
                return self
            except NodeUnreachableError:
                time.sleep(0.1)
        raise RuntimeError("node did not start in time")

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers run (a crash / power cut of the process)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def store(self) -> NodeStore:
        return NodeStore(self.data_dir)


def run_node_cli(*argv: str) -> tuple[int, str, str]:
    """Run ``vpr-node`` in-process; returns (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = node_main(list(argv))
    return rc, out.getvalue(), err.getvalue()


def pair_station(node: NodeProcess, root: Path, name: str = "каб. 12, ПК 1", url: str | None = None) -> StationSync:
    code, _ = node.store().create_pair_code(600)
    station = StationSync(root)
    station.pair(url or node.url, code, name)
    return station


def make_package(station: StationSync, tmp: Path, code: str = "12345", size: int = 200_000,
                 variant: str = "1") -> SealedPackage:
    src = tmp / f"src-{os.urandom(4).hex()}"
    src.mkdir(parents=True)
    audio = src / "task1.flac"
    with open(audio, "wb") as fh:
        left = size
        while left > 0:
            n = min(left, 1 << 20)
            fh.write(os.urandom(n))
            left -= n
    (src / "task2.flac").write_bytes(os.urandom(1000))
    meta = {"participant_code": code, "variant": variant, "subject": "english",
            "timeline": [{"at": "2026-04-01T08:00:00+00:00", "event": "recording_started", "task": 1}],
            "readiness": {"ok": True, "summary": "готова"}}
    return seal_package({"task1.flac": audio, "task2.flac": src / "task2.flac"}, meta, station.station_key(),
                        tmp / "sealed")


def offline_station(store: NodeStore, root: Path, name: str = "ПК без сети") -> StationSync:
    """A station registered directly in a node store (no server), for USB tests."""
    station = StationSync(root)
    code, _ = store.create_pair_code(600)
    station_id = store.register_station(code, name, public_key_b64(station.private_key().public_key()))
    (Path(root) / "pairing.json").write_text(json.dumps(
        {"node_url": "https://127.0.0.1:9", "fingerprint": "0" * 64, "station_id": station_id, "name": name,
         "paired_at": 0}), encoding="utf-8")
    return station
