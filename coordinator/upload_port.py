"""The upload data port: a second HTTPS listener of the node that takes only upload
chunks (``PATCH /api/v1/uploads/{id}?offset=N``, the same request, signature and
answers as on the main port; see docs/sync-protocol.md section 5).

Why a second listener: on the main port a chunk's bytes pass through uvloop's TLS
memory buffers, the HTTP parser and the ASGI stack, two to three copies per byte
and Python work per 256 KiB piece. Here each connection has a thread with a
blocking TLS socket that decrypts straight into a reusable buffer which is written
to the part file, the way the benchmark's reference receiver works
(``bench/reference_sink.py``). Everything else (opening an upload, ``complete``,
content, pairing) stays on the main port; if the data port cannot be reached (a
firewall), stations send their chunks to the main port and lose nothing but speed.

Same certificate as the main port (stations pin its fingerprint), same station
authentication (:func:`coordinator.auth.authenticate`), same per-package locks
(:data:`coordinator.package_locks.LOCKS`) and the same offset rules
(:func:`coordinator.ingest.chunk_precheck` / :func:`coordinator.ingest.commit_chunk`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from coordinator.auth import authenticate
from coordinator.errors import BadRequestError, NodeDiskFullError, NotFoundError, error_response
from coordinator.ingest import STREAMED, chunk_precheck, commit_chunk, open_part, write_all
from coordinator.package_locks import LOCKS
from coordinator.storage import NodeStore, Upload, is_disk_full
from coordinator.tls import NodeTls
from coordinator.upload_api import MAX_CHUNK
from sync.signing import UNSIGNED_PAYLOAD
from vpr_common.errors import VprError

log = logging.getLogger(__name__)

#: Bytes read from TLS and written to the part file at a time (one buffer per connection).
BUFFER = 1024 * 1024
#: Connections served at once; more are closed at once (the station then sends that
#: chunk to the main port). A station keeps one connection here while it uploads.
MAX_CONNECTIONS = 64
#: Seconds for the TLS handshake and for each read within a request.
TIMEOUT_S = 30
#: Seconds an idle keep-alive connection may wait for its next request.
IDLE_S = 10
#: Longest a chunk's body may take to arrive (its package stays locked meanwhile):
#: 16 MiB in 5 minutes is 55 KB/s, far below any school LAN.
BODY_DEADLINE_S = 300
#: Longest a chunk waits for its package's lock before it is answered 503 (retried).
LOCK_WAIT_S = 30
_ROUTE = re.compile(r"/api/v1/uploads/([0-9a-f]{64})")


class _ConnectionLost(Exception):
    """The station's connection broke or stalled mid-request: nobody to answer."""


class _ChunkHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "vpr-node"
    sys_version = ""
    timeout = TIMEOUT_S
    server: "UploadPortServer"

    def setup(self) -> None:
        self.request.settimeout(TIMEOUT_S)
        self.request.do_handshake()  # here, in the connection's thread, not in the accept loop
        super().setup()
        self._buffer: bytearray | None = None
        self._body_left = 0  # body bytes not read yet; -1: unknown (the body cannot be skipped)

    def handle_one_request(self) -> None:
        self.request.settimeout(IDLE_S)  # waiting for the next request on a kept-alive connection
        super().handle_one_request()

    def parse_request(self) -> bool:
        self.request.settimeout(TIMEOUT_S)  # the request line arrived: reads within it
        return super().parse_request()

    # -- the one route -----------------------------------------------------------
    def do_PATCH(self) -> None:  # noqa: N802 - http.server's naming
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            length = -1
        self._body_left = length if 0 < length <= MAX_CHUNK and not self.headers.get("Transfer-Encoding") else -1
        try:
            if length < 0 or self.headers.get("Transfer-Encoding"):
                raise BadRequestError("Content-Length required", code="length_required")
            if not 0 < length <= MAX_CHUNK:
                raise BadRequestError(f"chunk of {length} bytes", code="bad_chunk_size")
            parts = urlsplit(self.path)
            route = _ROUTE.fullmatch(parts.path)
            if route is None:
                raise NotFoundError(f"no route {parts.path}", code="not_found")
            try:
                offset = int(parse_qs(parts.query, strict_parsing=True)["offset"][0])
            except (KeyError, ValueError) as exc:
                raise BadRequestError(f"bad query {parts.query!r}", code="bad_offset") from exc
            store = self.server.store
            auth = authenticate(store, self.headers, "PATCH", parts.path, parts.query)
            package_id = route.group(1)
            with LOCKS.held(package_id, timeout=LOCK_WAIT_S):
                answer = chunk_precheck(store, package_id, auth.station.station_id, offset, length)
                if isinstance(answer, Upload):
                    answer = self._receive(store, answer, offset, length, auth.signed.body_sha256)
        except _ConnectionLost as exc:
            log.info("upload port: PATCH %s: connection lost: %s", self.path, exc)
            self.close_connection = True
        except VprError as exc:
            status, body = error_response(exc)
            log.info("upload port: PATCH %s -> %s %s %s", self.path, status, exc.code, exc.detail)
            self._answer(status, body)
        except Exception:  # noqa: BLE001 - a bug or a file fault must not kill the port; the log keeps it
            log.exception("upload port: PATCH %s failed", self.path)
            self._body_left = -1
            self._answer(500, {"error": {"code": "node", "reason": "node", "message": "internal error",
                                         "message_ru": "Ошибка узла координатора при приёме части пакета.",
                                         "remedy_ru": "Станция повторит передачу автоматически; если ошибка "
                                                      "повторяется, проверьте диск узла и журнал vpr-node."}})
        else:
            self._answer(200, answer)

    def _read_into(self, view: memoryview, deadline: float) -> int:
        """Fill ``view`` from the body; raises :class:`_ConnectionLost`."""
        if time.monotonic() > deadline:
            raise _ConnectionLost(f"body slower than {BODY_DEADLINE_S} s")
        try:
            got = self.rfile.readinto(view)
        except (OSError, ssl.SSLError) as exc:  # includes the socket timeout
            raise _ConnectionLost(str(exc)) from exc
        if not got:
            raise _ConnectionLost("body ended early")
        self._body_left -= got
        return got

    def _receive(self, store: NodeStore, upload: Upload, offset: int, length: int, body_sha256: str) -> dict:
        """Read ``length`` body bytes into the part file at ``offset`` (feeding the
        upload's streamed member digests), fsync, commit."""
        if self._buffer is None:
            self._buffer = bytearray(BUFFER)
        view = memoryview(self._buffer)
        digest = None if body_sha256 == UNSIGNED_PAYLOAD else hashlib.sha256()
        deadline = time.monotonic() + BODY_DEADLINE_S
        try:
            with open_part(store, upload, offset, buffering=0) as fh:
                streamed = STREAMED.take(upload, offset, fh)
                left = length
                while left:
                    got = self._read_into(view[:min(left, BUFFER)], deadline)
                    if digest is not None:
                        digest.update(view[:got])
                    if streamed is not None:
                        streamed.update(view[:got])
                    write_all(fh, view[:got])
                    left -= got
                if digest is not None and digest.hexdigest() != body_sha256:
                    raise BadRequestError("chunk hash differs from the signed one", code="chunk_hash_mismatch")
                answer = commit_chunk(store, fh, upload.package_id, offset, offset + length)
                STREAMED.give_back(upload, streamed)
                return answer
        except OSError as exc:  # the part file (socket faults are _ConnectionLost)
            if is_disk_full(exc):
                raise NodeDiskFullError(str(exc)) from exc
            raise

    # -- plumbing ------------------------------------------------------------------
    def _answer(self, status: int, body: dict) -> None:
        """Send a JSON answer. What is left of the body is read and dropped first when
        that is bounded (so the station, still sending, gets the answer, e.g. the
        offset to resume at); otherwise the connection is closed after the answer."""
        if self._body_left > 0:
            try:
                self._skip()
            except _ConnectionLost:
                self.close_connection = True
                return
        elif self._body_left < 0:
            self.close_connection = True
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        except (OSError, ssl.SSLError):
            self.close_connection = True

    def _skip(self) -> None:
        if self._buffer is None:
            self._buffer = bytearray(BUFFER)
        view = memoryview(self._buffer)
        deadline = time.monotonic() + BODY_DEADLINE_S
        while self._body_left > 0:
            self._read_into(view[:min(self._body_left, BUFFER)], deadline)

    def _not_here(self) -> None:
        exc = NotFoundError(f"{self.command} {self.path} on the upload port", code="not_found",
                            message_ru="Этот порт узла принимает только части пакетов ответов.",
                            remedy_ru="Укажите на станции основной адрес узла (его показывает vpr-node serve).")
        self._body_left = -1
        self._answer(*error_response(exc))

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = _not_here  # noqa: N815

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Malformed requests (http.server's own checks) answer JSON, not HTML."""
        self.close_connection = True
        body = {"error": {"code": "bad_request", "reason": "bad_request", "message": message or str(code),
                          "message_ru": "Узел получил неверный запрос.",
                          "remedy_ru": "Станция повторит передачу автоматически."}}
        self._body_left = 0
        self._answer(code, body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - http.server's signature
        log.debug("upload port %s: " + format, self.address_string(), *args)


class UploadPortServer(ThreadingHTTPServer):
    """The listener (see the module docstring). ``serve_forever`` in a thread;
    :meth:`stop` ends it. Raises ``OSError`` at construction if the port is taken."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 64
    # On Windows SO_REUSEADDR would let the bind succeed on a port another program
    # listens on; there a taken port must fail (POSIX: only TIME_WAIT leftovers pass).
    allow_reuse_address = os.name == "posix"

    def __init__(self, host: str, port: int, tls: NodeTls, store: NodeStore) -> None:
        self.store = store
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(str(tls.cert_path), str(tls.key_path))
        self._context = ctx
        super().__init__((host, port), _ChunkHandler)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def get_request(self):
        sock, addr = self.socket.accept()
        return self._context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def process_request(self, request, client_address) -> None:
        if not self._slots.acquire(blocking=False):
            log.warning("upload port: %d connections already; closing one from %s", MAX_CONNECTIONS,
                        client_address[0])
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:  # the thread did not start: give the slot back
            self._slots.release()
            self.shutdown_request(request)
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request, client_address) -> None:
        """A failed handshake or a dropped connection: logged, never printed."""
        log.info("upload port: connection from %s ended with an error", client_address[0], exc_info=True)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="upload-port", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
