"""A small TCP proxy for tests that cuts connections: each connection forwards a
random number of client->server bytes (below ``max_bytes``), then both sides are
closed abruptly. ``cuts`` counts the connections it cut. Runs in daemon threads."""

from __future__ import annotations

import random
import socket
import threading


class CuttingProxy:
    def __init__(self, target_port: int, max_bytes: int, cut_first: int, seed: int = 1) -> None:
        self.target_port = target_port
        self.max_bytes = max_bytes
        self.cut_first = cut_first  # connections to cut; later ones pass untouched
        self.rng = random.Random(seed)
        self.cuts = 0
        self.connections = 0
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self.sock.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                limit = self.rng.randint(1, self.max_bytes) if self.connections <= self.cut_first else None
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:  # the server is down (killed, restarting): refuse this one, keep serving
                client.close()
                continue
            threading.Thread(target=self._pump, args=(client, server, limit), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, None), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, limit: int | None) -> None:
        sent = 0
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if limit is not None and sent + len(data) >= limit:
                    dst.sendall(data[: limit - sent])
                    with self._lock:
                        self.cuts += 1
                    break
                dst.sendall(data)
                sent += len(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
