"""The station's HTTPS client for the node (requests).

The node certificate is pinned by its SHA-256 fingerprint (urllib3's
``assert_fingerprint``): no CA, no host-name check, and any other certificate is
refused as :class:`NodeCertificateError`. Every request but ``/time`` and ``/pair``
is signed (:mod:`sync.signing`) with the station key, with the timestamp corrected
by the node's clock. Uploads are resumable by offset (see docs/sync-protocol.md).
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
from requests.adapters import HTTPAdapter

from sync.errors import NodeCertificateError, NodeRefusedError, NodeUnreachableError, PairingError
from sync.protocol import (PATH_CODES, PATH_EXAM, PATH_EXAM_INFO, PATH_HEARTBEAT, PATH_KIOSK_LOOKUP, PATH_PAIR,
                           PATH_PASSWORD,
                           PATH_TIME, PATH_WHOAMI, UNSIGNED_PAYLOAD, Reason, UploadStatus, complete_path,
                           package_path, upload_path)
from sync.signing import (EMPTY_SHA256, StationKey, generate_private_key, node_pair_proof, pair_proof,
                          public_key_b64, sign_request)
from sync import tlsfp
from vpr_common.atomic import atomic_write_with

log = logging.getLogger(__name__)
CHUNK_SIZE = 8 * 1024 * 1024
TIMEOUT = (10, 120)
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
              headers: dict | None = None, stream: bool = False, unsigned_body: bool = False) -> requests.Response:
        url = self.base_url + path + (f"?{query}" if query else "")
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
            raise NodeUnreachableError(f"{url}: {exc}") from exc
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
        exc = NodeRefusedError(resp.status_code, err.get("reason") or err.get("code") or Reason.HTTP_ERROR,
                               err.get("message", resp.text[:200]), err.get("message_ru"), err.get("remedy_ru"))
        exc.body = body
        return exc

    def _json(self, method: str, path: str, payload: dict | None = None, signed: bool = True) -> dict:
        body = json.dumps(payload).encode() if payload is not None else b""
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        try:
            return self._send(method, path, body=body, signed=signed, headers=headers).json()
        except NodeRefusedError as exc:
            if exc.status == 401 and exc.reason == Reason.STALE_TIMESTAMP and signed:
                self.sync_clock()
                return self._send(method, path, body=body, signed=signed, headers=headers).json()
            raise
        except ValueError as exc:
            raise NodeUnreachableError(f"{path}: answer is not JSON") from exc

    # -- public API -----------------------------------------------------------
    def sync_clock(self) -> float:
        """Measure the node clock; returns the offset (node - local) in seconds."""
        t0 = time.time()
        data = self._send("GET", PATH_TIME, signed=False).json()
        t1 = time.time()
        self.clock_offset = float(data["unix"]) - (t0 + t1) / 2
        return self.clock_offset

    def node_time(self) -> dict:
        return self._json("GET", PATH_TIME, signed=False)

    def whoami(self) -> dict:
        return self._json("GET", PATH_WHOAMI)

    def heartbeat(self, readiness: dict, live: dict | None = None) -> dict:
        """Tell the node the station is alive: its readiness summary and what it is
        doing now (``live``: ``activity`` (:class:`sync.protocol.Activity`), ``task``,
        ``tasks``, ``remaining_s``, ``code``, ``fault``, ``pending``)."""
        return self._json("POST", PATH_HEARTBEAT, {"readiness": readiness, "live": live or {}})

    def codes(self) -> list[str]:
        return list(self._json("GET", PATH_CODES)["codes"])

    def code_list(self) -> dict:
        """``{"codes": [...], "accommodations": {code: wire form}}`` (an older node
        sends no accommodations: an empty dict)."""
        got = self._json("GET", PATH_CODES)
        return {"codes": list(got["codes"]), "accommodations": dict(got.get("accommodations") or {})}

    def password(self) -> str:
        return str(self._json("GET", PATH_PASSWORD)["password"])

    def exam_info(self) -> dict:
        return self._json("GET", PATH_EXAM_INFO)

    def download_exam(self, dest: Path) -> dict:
        """Stream the exam package to ``dest`` (atomically) and check its SHA-256."""
        info = self.exam_info()
        resp = self._send("GET", PATH_EXAM, stream=True)
        digest = hashlib.sha256()

        def write(fh) -> None:
            for block in resp.iter_content(1024 * 1024):
                digest.update(block)
                fh.write(block)
            if digest.hexdigest() != info["sha256"]:
                raise NodeRefusedError(200, Reason.EXAM_HASH_MISMATCH, "downloaded exam package hash differs",
                                       "Экзаменационный пакет пришёл повреждённым.", "Повторите загрузку.")

        try:
            atomic_write_with(Path(dest), write)
        except requests.exceptions.RequestException as exc:
            raise NodeUnreachableError(str(exc)) from exc
        return info

    def kiosk_lookup(self, code: str, pin: str) -> dict:
        """The results kiosk: one participant's released results for a code and its PIN.
        Raises :class:`NodeRefusedError` (403 wrong code or PIN, 429 wait) and the others."""
        return self._json("POST", PATH_KIOSK_LOOKUP, {"code": code, "pin": pin})

    def package_state(self, package_id: str) -> dict:
        return self._json("GET", package_path(package_id))

    def _send_chunk(self, package_id: str, offset: int, chunk: bytes) -> dict:
        return self._send("PATCH", upload_path(package_id), query=f"offset={offset}", body=chunk,
                          headers={"Content-Type": "application/octet-stream"}, unsigned_body=True).json()

    def upload(self, path: Path, package_id: str, progress: Progress | None = None,
               chunk_size: int = CHUNK_SIZE) -> UploadStatus:
        """Upload one package file, resuming at the node's committed offset.

        Returns :attr:`UploadStatus.VERIFIED` or :attr:`UploadStatus.ALREADY_HAVE`.
        Raises the client errors above; a package the node refused after
        verification is a :class:`NodeRefusedError` with status 422 and the reason.
        """
        path = Path(path)
        size = path.stat().st_size
        offset = self._open_upload(package_id, size)
        if offset is None:
            return UploadStatus.ALREADY_HAVE
        with open(path, "rb") as fh:
            for _ in range(3):
                while offset < size:
                    if progress:
                        progress(offset, size)
                    fh.seek(offset)
                    chunk = fh.read(chunk_size)
                    try:
                        resp = self._send_chunk(package_id, offset, chunk)
                    except NodeRefusedError as exc:
                        resume = _resume_offset(exc)
                        if resume is None:
                            raise
                        offset = resume
                        if exc.reason == Reason.NO_UPLOAD:  # the node dropped it: open it again
                            offset = self._open_upload(package_id, size)
                            if offset is None:
                                return UploadStatus.ALREADY_HAVE
                        continue
                    if resp["status"] == UploadStatus.ALREADY_HAVE:
                        return UploadStatus.ALREADY_HAVE
                    offset = int(resp["offset"])
                if progress:
                    progress(offset, size)
                try:
                    return UploadStatus(self._json("POST", complete_path(package_id), {})["status"])
                except NodeRefusedError as exc:
                    resume = _resume_offset(exc)
                    if resume is None:
                        raise
                    offset = resume
        raise NodeUnreachableError("upload did not converge")

    def _open_upload(self, package_id: str, size: int) -> int | None:
        """``PUT`` the upload; the committed offset, or ``None`` if the node has the package."""
        state = self._json("PUT", upload_path(package_id), {"size": size})
        return None if state["status"] == UploadStatus.ALREADY_HAVE else int(state["offset"])


def _resume_offset(exc: NodeRefusedError) -> int | None:
    """The offset to go on from after a 409 that names one, else ``None`` (a verdict)."""
    body = getattr(exc, "body", None) or {}
    if exc.status == 409 and "offset" in body:
        return int(body["offset"])
    return None


def pair_with_node(url: str, code: str, name: str, private_key=None,
                   expected_fingerprint: str | None = None) -> dict:
    """Pair with the node at ``url`` using the one-time ``code``.

    Returns ``{"station_id", "fingerprint", "cert_pem", "private_key", "recording_key"}``
    (the node's X25519 key for sealing recordings; empty from an older node). Raises
    :class:`PairingError` (wrong code, fingerprint differs from the expected one, the
    node failed to prove it knew the code) or :class:`NodeUnreachableError`.
    """
    code = "".join(ch for ch in code if ch.isdigit())
    cert_pem, fingerprint = fetch_certificate(url)
    if expected_fingerprint is not None and not tlsfp.is_full(expected_fingerprint):
        raise PairingError("expected fingerprint incomplete",
                           message_ru="Отпечаток сертификата указан не полностью: нужно 64 знака (16 групп по 4).",
                           remedy_ru="Перепишите отпечаток целиком с экрана координатора (vpr-node pair-code) "
                                     "или не указывайте его.")
    if expected_fingerprint is not None and not tlsfp.matches(expected_fingerprint, fingerprint):
        raise PairingError("certificate fingerprint differs",
                           message_ru="Отпечаток сертификата узла не совпадает с показанным координатором.",
                           remedy_ru="Проверьте адрес узла; возможна подмена узла в сети.")
    private_key = private_key or generate_private_key()
    pub = public_key_b64(private_key.public_key())
    client = NodeClient(url, fingerprint)
    try:
        resp = client._json("POST", PATH_PAIR, {"public_key": pub, "name": name,
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
            "private_key": private_key, "recording_key": str(resp.get("recording_key") or "")}
