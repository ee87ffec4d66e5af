"""A same-run ceiling for ``bench/sync_load.py``: the least work a verifying TLS
receiver can do on this machine.

The sink is one process with stdlib blocking ``ssl`` sockets and one thread per
connection. Each connection carries one file: an 8-byte length, then the bytes.
The sink reads them with ``recv_into`` into a 1 MiB buffer, feeds every byte to
SHA-256 and writes it to a file, fsyncs that file and answers the 32-byte digest.
The client compares the digest with the one it computed before the clock started.
There is no HTTP, no signing, no SQLite, no resumable offsets and no asyncio, so it
does strictly less than the node must do for the same bytes.

The clients are as many processes as the node benchmark has stations, at the same
nice value. They send the same package files over TLS on loopback, in 8 MiB pieces.
So the sink shares the two cores with its clients exactly as the node does, and the
ratio "node / sink" in the same run shows how close the node comes to what this
machine allows.

Used by sync_load.py (``measure``). Its own process roles: ``--sink DIR CERT KEY``
and ``--client PORT FILE...`` (internal).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

PIECE = 8 * 1024 * 1024
RECV_BUFFER = 1024 * 1024


@dataclass(frozen=True)
class SinkResult:
    seconds: float
    sink_cpu_s: float
    clients_cpu_s: float
    all_digests_match: bool


def _recv_exact(conn: ssl.SSLSocket, n: int) -> bytes:
    """``n`` bytes, or fewer if the peer closed first."""
    got = b""
    while len(got) < n:
        part = conn.recv(n - len(got))
        if not part:
            break
        got += part
    return got


def _serve_one(conn: ssl.SSLSocket, dest: Path) -> None:
    with conn:
        header = _recv_exact(conn, 8)
        if len(header) < 8:
            return
        (left,) = struct.unpack(">Q", header)
        buf = bytearray(RECV_BUFFER)
        view = memoryview(buf)
        digest = hashlib.sha256()
        with open(dest, "wb", buffering=0) as fh:
            while left > 0:
                # fill the buffer first (one TLS record, 16 KiB, per recv_into), then
                # hash and write it in one call each: fewer GIL hand-overs
                want, filled = min(RECV_BUFFER, left), 0
                while filled < want:
                    n = conn.recv_into(view[filled:], want - filled)
                    if n == 0:
                        return
                    filled += n
                digest.update(view[:filled])
                fh.write(view[:filled])
                left -= filled
            os.fsync(fh.fileno())
        conn.sendall(digest.digest())


def sink_process(dest_dir: Path, cert: Path, key: Path) -> int:
    """Body of the sink process: print the port, serve until stdin closes."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv = socket.create_server(("127.0.0.1", 0), backlog=128)
    dest_dir.mkdir(parents=True, exist_ok=True)
    print(srv.getsockname()[1], flush=True)
    counter = iter(range(10**9))

    def accept_loop() -> None:
        while True:
            raw, _ = srv.accept()
            try:
                conn = ctx.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError):
                raw.close()
                continue
            dest = dest_dir / f"{next(counter)}.bin"
            threading.Thread(target=_serve_one, args=(conn, dest), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    sys.stdin.read()  # the parent closes stdin when done
    return 0


def client_process(port: int, files: list[Path], nice: int) -> int:
    """Body of one client process: hash its files, say ready, wait for go, send each
    file on its own TLS connection, print ``{"ok": bool, "cpu_s": float}``."""
    if nice and hasattr(os, "nice"):  # POSIX only
        os.nice(nice)
    expected = []
    for path in files:
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            while block := fh.read(PIECE):
                digest.update(block)
        expected.append(digest.digest())
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # a throwaway loopback reference, not the product's pinned TLS
    print("ready", flush=True)
    sys.stdin.readline()
    cpu0 = time.process_time()
    ok = True
    for path, want in zip(files, expected):
        with socket.create_connection(("127.0.0.1", port)) as raw, \
                ctx.wrap_socket(raw, server_hostname="localhost") as conn, open(path, "rb") as fh:
            conn.sendall(struct.pack(">Q", path.stat().st_size))
            while block := fh.read(PIECE):
                conn.sendall(block)
            ok = ok and _recv_exact(conn, 32) == want
    print(json.dumps({"ok": ok, "cpu_s": time.process_time() - cpu0}), flush=True)
    return 0


def measure(files_per_client: list[list[Path]], work: Path, cert: Path, key: Path, nice: int,
            env: dict) -> SinkResult:
    """Run the sink and one client process per list in ``files_per_client``; the
    clock runs from "go" until every client has its last digest back."""
    me = Path(__file__).resolve()
    sink = subprocess.Popen([sys.executable, str(me), "--sink", str(work), str(cert), str(key)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    try:
        port = int(sink.stdout.readline())
        clients = [subprocess.Popen([sys.executable, str(me), "--client", str(port), str(nice), *map(str, files)],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
                   for files in files_per_client]
        for c in clients:
            if c.stdout.readline().strip() != "ready":
                raise SystemExit("a reference client did not start")
        sink_ps = psutil.Process(sink.pid)
        cpu0 = sum(sink_ps.cpu_times()[:2])
        t0 = time.perf_counter()
        for c in clients:
            c.stdin.write("go\n")
            c.stdin.flush()
        answers = [json.loads(c.stdout.readline() or "{}") for c in clients]
        seconds = time.perf_counter() - t0
        sink_cpu = sum(sink_ps.cpu_times()[:2]) - cpu0
        for c in clients:
            c.wait(60)
        return SinkResult(seconds, sink_cpu, sum(a.get("cpu_s", 0.0) for a in answers),
                          all(a.get("ok") for a in answers) and len(answers) == len(clients))
    finally:
        sink.stdin.close()
        try:
            sink.wait(10)
        except subprocess.TimeoutExpired:
            sink.kill()


def main(argv: list[str]) -> int:
    if argv[:1] == ["--sink"]:
        return sink_process(Path(argv[1]), Path(argv[2]), Path(argv[3]))
    if argv[:1] == ["--client"]:
        return client_process(int(argv[1]), [Path(a) for a in argv[3:]], int(argv[2]))
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
