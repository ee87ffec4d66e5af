"""The exam content scoring needs: which content a school subject is scored from
(``link``), the exam packages themselves (their tasks, criteria and photos) and their
answer keys. A package is copied into ``scoring/contents/`` with its password and
opened (fully verified) when needed; the photos of photo-description tasks are kept
under ``scoring/media/<sha256>`` so experts see what the student chose from."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from coordinator.scoring.errors import NotLinkedError, ScoringError
from coordinator.scoring.store import ScoringStore
from exam_content.model import PhotoDescriptionTask

if TYPE_CHECKING:  # the archive reader loads numpy: only when a package is opened
    from exam_content.archive import ExamPackage

CONTENTS = "contents"
_cache: dict[tuple[str, float], "ExamPackage"] = {}
_cache_lock = threading.Lock()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Link:
    subject_id: str
    content_subject: str


@dataclass(frozen=True)
class ContentInfo:
    package_id: str
    content_subject: str
    title: str
    has_key: bool


def link(store: ScoringStore, subject_id: str, content_subject: str) -> Link:
    """Score the school subject ``subject_id`` (e.g. ``eng8``) from the response packages
    of the content subject ``content_subject`` (e.g. ``english``)."""
    content_subject = content_subject.strip().lower()
    if not content_subject:
        raise ScoringError("empty content subject", message_ru="Укажите язык материалов (english, german, french).")
    with store.tx() as db:
        db.execute("INSERT OR REPLACE INTO links(subject_id, content_subject, linked_utc) VALUES(?,?,?)",
                   (subject_id, content_subject, _now()))
    return Link(subject_id, content_subject)


def get_link(store: ScoringStore, subject_id: str) -> Link:
    row = store.one("SELECT * FROM links WHERE subject_id=?", (subject_id,))
    if row is None:
        raise NotLinkedError(subject_id)
    return Link(row["subject_id"], row["content_subject"])


def links(store: ScoringStore) -> list[Link]:
    return [Link(r["subject_id"], r["content_subject"]) for r in store.query("SELECT * FROM links ORDER BY 1")]


def load(store: ScoringStore, package_path: Path, password: str, answers_path: Path | None = None) -> ContentInfo:
    """Verify an exam package with its password, keep a copy, its photos and (when
    given) its answer key. Raises the content errors of :mod:`exam_content` (wrong
    password, damaged archive ...) with their Russian messages."""
    from exam_content.answer_key import read_answer_key
    from exam_content.archive import open_package

    pkg = open_package(Path(package_path), password.encode("utf-8"))
    m = pkg.manifest
    key = None
    if answers_path is not None:
        key = read_answer_key(Path(answers_path), password.encode("utf-8"))
        if key.get("package_id") not in (None, m.package_id):
            raise ScoringError(f"key of {key.get('package_id')} for {m.package_id}",
                               message_ru="Ключи ответов относятся к другому экзаменационному пакету.",
                               remedy_ru="Выберите файл ключей (.answers.zip) того же пакета.")
    target = store.root / CONTENTS / f"{m.package_id}.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    if Path(package_path).resolve() != target.resolve():
        shutil.copyfile(package_path, target)
    for variant in m.variants:
        for task in variant.tasks:
            if isinstance(task, PhotoDescriptionTask):
                for photo in task.photos:
                    _keep_media(store, pkg, photo)
    with store.tx() as db:
        old = db.execute("SELECT answer_key_json FROM contents WHERE package_id=?", (m.package_id,)).fetchone()
        key_json = json.dumps(key, ensure_ascii=False) if key is not None else (old[0] if old else None)
        db.execute("INSERT OR REPLACE INTO contents(package_id, content_subject, manifest_json, answer_key_json, "
                   "loaded_utc) VALUES(?,?,?,?,?)",
                   (m.package_id, m.subject, json.dumps({"file": target.name, "password": password,
                                                         "title": m.title}, ensure_ascii=False),
                    key_json, _now()))
    return ContentInfo(m.package_id, m.subject, m.title, key_json is not None)


def _photo_path(photo) -> str:
    return getattr(photo, "path", None) or str(photo)


def _keep_media(store: ScoringStore, pkg: "ExamPackage", photo) -> str:
    data = pkg.media(_photo_path(photo))
    sha = hashlib.sha256(data).hexdigest()
    path = store.media_dir / sha
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return sha


def media_name(store: ScoringStore, pkg: "ExamPackage", photo) -> str:
    """The opaque name (SHA-256) under which a task photo is served to experts."""
    return _keep_media(store, pkg, photo)


def contents(store: ScoringStore) -> list[ContentInfo]:
    return [ContentInfo(r["package_id"], r["content_subject"], json.loads(r["manifest_json"]).get("title", ""),
                        r["answer_key_json"] is not None)
            for r in store.query("SELECT * FROM contents ORDER BY loaded_utc")]


def package(store: ScoringStore, package_id: str) -> "ExamPackage | None":
    """The opened exam package (verified once per process), or ``None`` if not loaded."""
    row = store.one("SELECT manifest_json FROM contents WHERE package_id=?", (package_id,))
    if row is None:
        return None
    info = json.loads(row["manifest_json"])
    path = store.root / CONTENTS / info["file"]
    key = (str(path), path.stat().st_mtime)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is None:
        from exam_content.archive import open_package

        cached = open_package(path, info["password"].encode("utf-8"))
        with _cache_lock:
            _cache[key] = cached
    return cached


def answer_key(store: ScoringStore, package_id: str) -> dict | None:
    row = store.one("SELECT answer_key_json FROM contents WHERE package_id=?", (package_id,))
    return json.loads(row[0]) if row and row[0] else None
