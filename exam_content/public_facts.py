"""Non-secret facts about a package, readable without the password.

The builder writes them as JSON into the zip comment (which is not encrypted); the
reader compares them with the authenticated manifest, so a forged comment is caught
as soon as the password is known. ``vpr-content info`` shows them marked as
unverified, together with facts of the archive itself (size, SHA-256, entry count,
encryption)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from exam_content.model import Manifest

COMMENT_MAGIC = "vpr-exam-package"


def facts_of_manifest(m: Manifest) -> dict[str, Any]:
    """The public subset of a manifest."""
    return {
        "kind": COMMENT_MAGIC,
        "format_version": m.format_version,
        "package_id": m.package_id,
        "procedure": m.procedure,
        "title": m.title,
        "subject": m.subject,
        "language": m.language,
        "grade": m.grade,
        "school_id": m.school_id,
        "created_at": m.created_at,
        "rehearsal": m.rehearsal,
        "variants": len(m.variants),
    }


def facts_to_comment(facts: dict[str, Any]) -> bytes:
    return json.dumps(facts, ensure_ascii=False, sort_keys=True).encode("utf-8")


def facts_from_comment(comment: bytes) -> dict[str, Any] | None:
    """Parsed facts, or ``None`` if the comment is absent or not ours."""
    try:
        obj = json.loads(comment.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if isinstance(obj, dict) and obj.get("kind") == COMMENT_MAGIC:
        return obj
    return None


def archive_facts(path: Path) -> dict[str, Any]:
    """Facts of the archive file and its unverified public facts (no password needed).

    Raises the same structural errors as :func:`exam_content.archive.check_structure`.
    """
    from exam_content.archive import Limits, _open_zip, check_structure

    with _open_zip(Path(path)) as zf:
        files = check_structure(zf, Limits())
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        public = facts_from_comment(zf.comment)
        return {
            "file": str(path),
            "size": Path(path).stat().st_size,
            "sha256": digest.hexdigest(),
            "entries": len(files),
            "uncompressed_bytes": sum(i.file_size for i in files),
            "encryption": "WinZip AES-256",
            "public_facts": public,
            "public_facts_verified": False,
        }
