"""The station's HTTPS client for the node (requests).

The node certificate is pinned by its SHA-256 fingerprint (urllib3's
``assert_fingerprint``): no CA, no host-name check, and any other certificate is
refused as :class:`NodeCertificateError`. Every request but ``/time`` and ``/pair``
is signed (:mod:`sync.signing`) with the station key, with the timestamp corrected
by the node's clock. Uploads are resumable by offset, and their chunks go to the
node's upload data port when it names one (see docs/sync-protocol.md).
One client per thread (a requests session is not shared across threads).
"""

from __future__ import annotations

import hashlib
import json
import logging
import socket
import ssl
import time
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter

from sync.errors import NodeCertificateError, NodeRefusedError, NodeUnreachableError, PairingError
from sync.signing import (EMPTY_SHA256, UNSIGNED_PAYLOAD, StationKey, generate_private_key, node_pair_proof,
                          pair_proof, public_key_b64, sign_request)
from sync.tlsfp import normalize
from vpr_common.atomic import atomic_write_with

log = logging.getLogger(__name__)
CHUNK_SIZE = 8 * 1024 * 1024
TIMEOUT = (10, 120)
#: After no connection could be made to the node's upload data port, chunks go to the
#: main port for this long.
UPLOAD_PORT_RETRY_S = 600
#: Upload data port URL -> monotonic time until which it is not tried (all clients of
#: this process: the uploader makes a new client after every failure).
_UPLOAD_PORT_DOWN_UNTIL: dict[str, float] = {}
Progress = Callable[[int, int], None]


def _pinned_context() -> ssl.SSLContext:
    """A client context that trusts nothing by itself: the node's certificate is
    checked by its pinned fingerprint (urllib3's ``assert_fingerprint``) instead.
    Giving urllib3 this context also keeps it from loading the system CA store on
    every new connection (about 60 ms of CPU each, for certificates never used)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


class _PinnedAdapter(HTTPAdapter):
    def __init__(self, fingerprint: str) -> None:
        self._fingerprint = fingerprint
        self._context = _pinned_context()
        super().__init__(pool_connections=2, pool_maxsize=2, max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["assert_fingerprint"] = self._fingerprint
        kwargs["cert_reqs"] = ssl.CERT_NONE
        kwargs["assert_hostname"] = False
        kwargs["ssl_context"] = self._context
        return super().init_poolmanager(*args, **kwargs)


def _could_not_connect(exc: requests.exceptions.RequestException) -> bool:
    """True when no TCP connection was made (refused, no route, connect timeout),
    as opposed to a connection that broke later."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, urllib3.exceptions.ConnectTimeoutError)  # NewConnectionError is one too


def fetch_certificate(url: str, timeout: float = 10) -> tuple[str, str]:
    """The node's certificate as (PEM, SHA-256 fingerprint), without trusting it.

    Raises :class:`NodeUnreachableError`.
    """
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise PairingError(f"bad node url {url}", message_ru=f"Неверный адрес узла: {url}.",
                           remedy_ru="Адрес вида https://192.168.1.10:8443 (его показывает vpr-node serve).")
    try:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with socket.create_connection((parts.hostname, parts.port or 443), timeout=timeout) as sock:
            with ctx.wrap_socket(sock, server_hostname=parts.hostname) as tls:
                der = tls.getpeercert(binary_form=True)
    except OSError as exc:
        raise NodeUnreachableError(f"{url}: {exc}") from exc
    return ssl.DER_cert_to_PEM_cert(der), hashlib.sha256(der).hexdigest()


class NodeClient:
    """Talks to one node. Methods raise :class:`NodeUnreachableError`,
    :class:`NodeCertificateError` or :class:`NodeRefusedError` (with ``status``,
    ``reason`` and the node's Russian message)."""

    def __init__(self, base_url: str, fingerprint: str, key: StationKey | None = None,
                 timeout: tuple[float, float] = TIMEOUT) -> None:
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.timeout = timeout
        self.session = requests.Session()
        self.session.verify = False
        self.session.trust_env = False
        self.session.mount("https://", _PinnedAdapter(fingerprint))
        self.clock_offset: float | None = None

    def close(self) -> None:
        self.session.close()

    # -- plumbing --------------------------------------------------------------
    def _send(self, method: str, path: str, *, query: str = "", body: bytes = b"", signed: bool = True,
              headers: dict | None = None, stream: bool = False, unsigned_body: bool = False,
              base_url: str | None = None) -> requests.Response:
        url = (base_url or self.base_url) + path + (f"?{query}" if query else "")
        hdrs = dict(headers or {})
        if signed:
            if self.key is None:
                raise PairingError("no station key")
            if self.clock_offset is None:
                self.sync_clock()
            if unsigned_body:  # an upload chunk: see signing.UNSIGNED_PAYLOAD
                body_sha = UNSIGNED_PAYLOAD
            else:
                body_sha = hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256
            hdrs.update(sign_request(self.key, method, path, query, body_sha, time.time() + self.clock_offset))
        try:
            resp = self.session.request(method, url, data=body or None, headers=hdrs, timeout=self.timeout,
                                        stream=stream)
        except requests.exceptions.SSLError as exc:
            if "fingerprint" in str(exc).lower():
                raise NodeCertificateError(str(exc)) from exc
            raise NodeUnreachableError(f"{url}: {exc}") from exc
        except requests.exceptions.RequestException as exc:
            err = NodeUnreachableError(f"{url}: {exc}")
            err.connect_failed = _could_not_connect(exc)
            raise err from exc
        if resp.status_code >= 400:
            raise self._refusal(resp)
        return resp

    @staticmethod
    def _refusal(resp: requests.Response) -> NodeRefusedError:
        try:
            body = resp.json()
            err = body.get("error", {})
        except ValueError:
            body, err = {}, {}
        exc = NodeRefusedError(resp.status_code, err.get("reason") or err.get("code") or "http_error",
                               err.get("message", resp.text[:200]), err.get("message_ru"), err.get("remedy_ru"))
        exc.body = body
        return exc

    def _json(self, method: str, path: str, payload: dict | None = None, signed: bool = True) -> dict:
        body = json.dumps(payload).encode() if payload is not None else b""
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        try:
            return self._send(method, path, body=body, signed=signed, headers=headers).json()
        except NodeRefusedError as exc:
            if exc.status == 401 and exc.reason == "stale_timestamp" and signed:
                self.sync_clock()
                return self._send(method, path, body=body, signed=signed, headers=headers).json()
            raise
        except ValueError as exc:
            raise NodeUnreachableError(f"{path}: answer is not JSON") from exc

    # -- public API -----------------------------------------------------------
    def sync_clock(self) -> float:
        """Measure the node clock; returns the offset (node - local) in seconds."""
        t0 = time.time()
        data = self._send("GET", "/api/v1/time", signed=False).json()
        t1 = time.time()
        self.clock_offset = float(data["unix"]) - (t0 + t1) / 2
        return self.clock_offset

    def node_time(self) -> dict:
        return self._json("GET", "/api/v1/time", signed=False)

    def whoami(self) -> dict:
        return self._json("GET", "/api/v1/whoami")

    def heartbeat(self, readiness: dict) -> dict:
        return self._json("POST", "/api/v1/heartbeat", {"readiness": readiness})

    def codes(self) -> list[str]:
        return list(self._json("GET", "/api/v1/codes")["codes"])

    def password(self) -> str:
        return str(self._json("GET", "/api/v1/exam/password")["password"])

    def exam_info(self) -> dict:
        return self._json("GET", "/api/v1/exam/package/info")

    def download_exam(self, dest: Path) -> dict:
        """Stream the exam package to ``dest`` (atomically) and check its SHA-256."""
        info = self.exam_info()
        resp = self._send("GET", "/api/v1/exam/package", stream=True)
        digest = hashlib.sha256()

        def write(fh) -> None:
            for block in resp.iter_content(1024 * 1024):
                digest.update(block)
                fh.write(block)
            if digest.hexdigest() != info["sha256"]:
                raise NodeRefusedError(200, "exam_hash_mismatch", "downloaded exam package hash differs",
                                       "Экзаменационный пакет пришёл повреждённым.", "Повторите загрузку.")

        try:
            atomic_write_with(Path(dest), write)
        except requests.exceptions.RequestException as exc:
            raise NodeUnreachableError(str(exc)) from exc
        return info

    def package_state(self, package_id: str) -> dict:
        return self._json("GET", f"/api/v1/packages/{package_id}")

    def _upload_base(self, upload_port) -> str | None:
        """The URL of the node's upload data port (the node names it when an upload
        opens), unless no connection could be made to it lately; ``None``: send
        chunks to the main port."""
        if not upload_port:
            return None
        url = self._upload_url(upload_port)
        return None if time.monotonic() < _UPLOAD_PORT_DOWN_UNTIL.get(url, 0.0) else url

    def _upload_url(self, upload_port: int) -> str:
        host = urlsplit(self.base_url).hostname or ""
        return f"https://[{host}]:{int(upload_port)}" if ":" in host else f"https://{host}:{int(upload_port)}"

    def _send_chunk(self, package_id: str, offset: int, chunk: bytes, upload_base: str | None) -> dict:
        """PATCH one chunk, to the upload data port when there is one.

        * No connection to that port at all (refused, timed out: a firewall): this
          chunk goes to the main port at once, and later ones too for
          :data:`UPLOAD_PORT_RETRY_S` (remembered for every client of this station).
        * Any other failure there without an answer (the connection reset or cut, a
          failed handshake: the port is full): this chunk goes to the main port at
          once. If the node had committed it after all, the main port answers that
          it already has it (``duplicate_chunk``).
        A refusal with an answer (a 4xx/5xx) is the node's verdict and is raised.
        """
        kwargs = dict(query=f"offset={offset}", body=chunk, headers={"Content-Type": "application/octet-stream"},
                      unsigned_body=True)
        path = f"/api/v1/uploads/{package_id}"
        if upload_base:
            try:
                return self._send("PATCH", path, base_url=upload_base, **kwargs).json()
            except NodeUnreachableError as exc:
                if exc.connect_failed:
                    _UPLOAD_PORT_DOWN_UNTIL[upload_base] = time.monotonic() + UPLOAD_PORT_RETRY_S
                    log.warning("upload port %s unreachable (%s); chunks go to the main port for %d s",
                                upload_base, exc, UPLOAD_PORT_RETRY_S)
                else:
                    log.warning("upload port %s: no answer (%s); this chunk goes to the main port", upload_base, exc)
        return self._send("PATCH", path, **kwargs).json()

    def upload_port_reachable(self, upload_port: int) -> bool:
        """Whether a TLS connection to the node's upload data port works (it answers
        404 to anything but a chunk, which is the proof). Raises
        :class:`NodeCertificateError` if another certificate answers there."""
        try:
            self._send("GET", "/", signed=False, base_url=self._upload_url(upload_port))
        except NodeRefusedError:
            return True
        except NodeUnreachableError:
            return False
        return True

    def upload(self, path: Path, package_id: str, progress: Progress | None = None,
               chunk_size: int = CHUNK_SIZE) -> str:
        """Upload one package file, resuming at the node's committed offset.

        Returns ``"verified"`` or ``"already_have"``. Raises the client errors above;
        a package the node refused after verification is a :class:`NodeRefusedError`
        with status 422 and the reason.
        """
        path = Path(path)
        size = path.stat().st_size
        state = self._json("PUT", f"/api/v1/uploads/{package_id}", {"size": size})
        if state["status"] == "already_have":
            return "already_have"
        offset = int(state["offset"])
        with open(path, "rb") as fh:
            for _ in range(3):
                while offset < size:
                    if progress:
                        progress(offset, size)
                    fh.seek(offset)
                    chunk = fh.read(chunk_size)
                    try:
                        resp = self._send_chunk(package_id, offset, chunk, self._upload_base(state.get("upload_port")))
                    except NodeRefusedError as exc:
                        if exc.status == 409 and "offset" in getattr(exc, "body", {}):
                            offset = int(exc.body["offset"])
                            if exc.reason == "no_upload":
                                state = self._json("PUT", f"/api/v1/uploads/{package_id}", {"size": size})
                                if state["status"] == "already_have":
                                    return "already_have"
                                offset = int(state["offset"])
                            continue
                        raise
                    if resp["status"] == "already_have":
                        return "already_have"
                    offset = int(resp["offset"])
                if progress:
                    progress(offset, size)
                try:
                    done = self._json("POST", f"/api/v1/uploads/{package_id}/complete", {})
                    return str(done["status"])
                except NodeRefusedError as exc:
                    if exc.status == 409 and "offset" in getattr(exc, "body", {}):
                        offset = int(exc.body["offset"])
                        continue
                    raise
        raise NodeUnreachableError("upload did not converge")


def pair_with_node(url: str, code: str, name: str, private_key=None,
                   expected_fingerprint: str | None = None) -> dict:
    """Pair with the node at ``url`` using the one-time ``code``.

    Returns ``{"station_id", "fingerprint", "cert_pem", "private_key"}``. Raises
    :class:`PairingError` (wrong code, fingerprint differs from the expected one, the
    node failed to prove it knew the code) or :class:`NodeUnreachableError`.
    """
    code = "".join(ch for ch in code if ch.isdigit())
    cert_pem, fingerprint = fetch_certificate(url)
    if expected_fingerprint and not fingerprint.startswith(normalize(expected_fingerprint)):
        raise PairingError("certificate fingerprint differs",
                           message_ru="Отпечаток сертификата узла не совпадает с показанным координатором.",
                           remedy_ru="Проверьте адрес узла; возможна подмена узла в сети.")
    private_key = private_key or generate_private_key()
    pub = public_key_b64(private_key.public_key())
    client = NodeClient(url, fingerprint)
    try:
        resp = client._json("POST", "/api/v1/pair", {"public_key": pub, "name": name,
                                                     "proof": pair_proof(code, pub, fingerprint)}, signed=False)
    except NodeRefusedError as exc:
        raise PairingError(exc.detail, message_ru=exc.message_ru, remedy_ru=exc.remedy_ru) from exc
    finally:
        client.close()
    station_id = resp["station_id"]
    if resp.get("node_proof") != node_pair_proof(code, station_id, fingerprint):
        raise PairingError("node proof wrong", message_ru="Узел не подтвердил код подключения.",
                           remedy_ru="Возможна подмена узла в сети; сообщите техническому специалисту.")
    return {"station_id": station_id, "fingerprint": fingerprint, "cert_pem": cert_pem,
            "private_key": private_key}
