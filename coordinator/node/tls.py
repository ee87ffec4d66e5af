"""The node's TLS identity: a self-signed certificate and key created on first start
under ``<data>/tls`` and reused afterwards; its SHA-256 fingerprint is what the
coordinator reads out and the stations pin."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from coordinator.node.errors import NodeDataError
from sync.tlsfp import grouped as format_fingerprint
from sync.tlsfp import normalize as normalize_fingerprint
from vpr_common.atomic import atomic_write_bytes

__all__ = ["NodeTls", "ensure_certificate", "fingerprint_of_der", "format_fingerprint", "normalize_fingerprint"]

CERT_NAME = "node.crt"
KEY_NAME = "node.key"


@dataclass(frozen=True)
class NodeTls:
    cert_path: Path
    key_path: Path
    fingerprint: str  # lowercase hex SHA-256 of the DER certificate


def fingerprint_of_der(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def ensure_certificate(tls_dir: Path) -> NodeTls:
    """Return the node certificate, creating key and certificate the first time.

    Raises :class:`NodeDataError` if the directory is unusable or the files are damaged.
    """
    tls_dir = Path(tls_dir)
    cert_path, key_path = tls_dir / CERT_NAME, tls_dir / KEY_NAME
    try:
        if not (cert_path.exists() and key_path.exists()):
            _create(cert_path, key_path)
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (OSError, ValueError) as exc:
        raise NodeDataError(f"TLS files in {tls_dir}: {exc}") from exc
    der = cert.public_bytes(serialization.Encoding.DER)
    return NodeTls(cert_path, key_path, fingerprint_of_der(der))


def _local_names() -> tuple[list[str], list[str]]:
    names = {"localhost", socket.gethostname()}
    ips = {"127.0.0.1", "::1"}
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None):
            ips.add(info[4][0].split("%")[0])
    except OSError:
        pass
    return sorted(n for n in names if n), sorted(ips)


def _create(cert_path: Path, key_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    names, ips = _local_names()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "VPR school node"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "vpr-station")])
    now = dt.datetime.now(dt.timezone.utc)
    alt = [x509.DNSName(n) for n in names]
    for ip in ips:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(ip)))
        except ValueError:
            continue
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    atomic_write_bytes(key_path, key_pem)
    if os.name == "posix":
        os.chmod(key_path, 0o600)
    atomic_write_bytes(cert_path, cert.public_bytes(serialization.Encoding.PEM))


def lan_addresses() -> list[str]:
    """This PC's IPv4 addresses as stations would use them (no packet is sent)."""
    found: list[str] = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            found.append(s.getsockname()[0])
    except OSError:
        pass
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            if info[4][0] not in found and not info[4][0].startswith("127."):
                found.append(info[4][0])
    except OSError:
        pass
    return found or ["127.0.0.1"]
