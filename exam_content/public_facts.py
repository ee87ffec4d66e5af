"""Non-secret facts about a package, readable without the password.

The builder writes them as JSON into the zip comment (which is not encrypted); the
reader compares them with the authenticated manifest, so a forged comment is caught
as soon as the password is known. ``vpr-content info`` shows them marked as
unverified, together with facts of the archive itself (size, SHA-256, entry count,
encryption)."""

from __future__ import annotations

import json
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

