"""The spoken answers of accepted packages, as FLAC the node can play and score.

A station seals every recording for the node (``.vprenc``, :mod:`audio.encryption`);
the node opens them when the package is accepted (:func:`extract`, called by
:func:`coordinator.node.ingest.accept`) into ``answers/<package id>/<name>.flac`` and
reads them from there (:func:`answer_flac`; a package accepted before, or whose
extraction failed, is opened then). Plain ``.flac`` members (stations without the key,
packages sealed before encryption) are read from the package as they are."""

from __future__ import annotations

import logging
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from audio.errors import AudioError
from audio.finalize import SEALED_SUFFIX, open_sealed
from coordinator.node import recording_key
from coordinator.node.storage import NodeStore
from sync.package import FILES_PREFIX
from vpr_common.atomic import atomic_write_bytes

log = logging.getLogger(__name__)
ANSWERS = f"{FILES_PREFIX}answers/"


@dataclass
class ExtractReport:
    opened: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (member, error code)


def answers_dir(store: NodeStore, package_id: str) -> Path:
    return store.data_dir / "answers" / package_id


def _flac_name(member: str) -> str:
    return Path(member).name[: -len(SEALED_SUFFIX)] + ".flac"


def _open_member(store: NodeStore, zf: zipfile.ZipFile, package_id: str, member: str) -> bytes:
    """Decrypt one sealed member into the answers folder; returns the FLAC bytes."""
    out_dir = answers_dir(store, package_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / f".{Path(member).name}.{os.getpid()}.tmp"
    try:
        with zf.open(member) as src, open(tmp, "wb") as dst:
            while block := src.read(1 << 20):
                dst.write(block)
        flac, _ = open_sealed(tmp, recording_key.load_or_create(store.data_dir))
    finally:
        tmp.unlink(missing_ok=True)
    atomic_write_bytes(out_dir / _flac_name(member), flac)
    return flac


def extract(store: NodeStore, package_id: str) -> ExtractReport:
    """Open every sealed answer of an accepted package. Never raises for an answer: a
    failure (sealed for another node, damaged) is logged and reported; the package
    stays accepted and stored as the station signed it."""
    report = ExtractReport()
    with zipfile.ZipFile(store.package_file(package_id)) as zf:
        for member in zf.namelist():
            if not (member.startswith(ANSWERS) and member.endswith(SEALED_SUFFIX)):
                continue
            try:
                _open_member(store, zf, package_id, member)
                report.opened += 1
            except AudioError as exc:
                log.error("package %s: answer %s not opened: %s %s", package_id, member, exc.code, exc.detail)
                report.failed.append((member, exc.code))
    return report


def answer_flac(store: NodeStore, package_id: str, file: str) -> bytes:
    """The FLAC bytes of the answer piece ``file`` (as listed in the package's
    ``responses.json``). Raises ``KeyError`` (no such member) and
    :class:`~audio.errors.AudioError` (a sealed answer that does not open)."""
    member = ANSWERS + file
    if file.endswith(SEALED_SUFFIX):
        opened = answers_dir(store, package_id) / _flac_name(member)
        if opened.exists():
            return opened.read_bytes()
        with zipfile.ZipFile(store.package_file(package_id)) as zf:
            zf.getinfo(member)
            return _open_member(store, zf, package_id, member)
    with zipfile.ZipFile(store.package_file(package_id)) as zf:
        return zf.read(member)
