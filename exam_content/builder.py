"""Building an encrypted exam package from a source folder.

A source folder holds ``manifest.json`` in the package format minus the fields the
builder fills in (``files``, ``package_id``, ``created_at``), with every objectively
scored item carrying its ``answer`` - listening and multiple-choice questions and the
texts of a matching task the index of the right option, a typed item the accepted
answer(s) and their normalisation rules (see :func:`typed_rule`) - and optionally a
listening task's ``audio_rehearsal`` (a short prompt used by ``--fast`` builds), plus the
media files it refers to. The builder hashes the media, strips the answer key into a
separate encrypted archive for the coordinator and experts (never given to stations),
validates the result against the schema and writes the package atomically.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyzipper

from exam_content import errors as E
from exam_content.answer_key import write_answer_key
from exam_content.manifest import (
    CURRENT_FORMAT_VERSION,
    MANIFEST_NAME,
    compute_package_id,
    parse_manifest_bytes,
    validate_manifest,
)
from exam_content.model import Manifest
from exam_content.public_facts import facts_of_manifest, facts_to_comment
from vpr_common.atomic import atomic_write_with

log = logging.getLogger(__name__)

MEDIA_TYPES = {
    ".ogg": "audio/ogg",
    ".flac": "audio/flac",
    ".wav": "audio/wav",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}

#: Timings of a ``--fast`` (rehearsal) build, in seconds (tasks and the written section).
FAST_TIMINGS = {"read_seconds": 3, "prep_seconds": 3, "answer_seconds": 6}
FAST_WRITTEN_SECONDS = 90


@dataclass(frozen=True)
class BuildResult:
    package_path: Path
    answers_path: Path | None
    manifest: Manifest


def _sha256_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _media_refs(task: dict[str, Any]) -> list[str]:
    refs: list[str] = []
    if isinstance(task.get("audio"), str):
        refs.append(task["audio"])
    refs.extend(p for p in task.get("photos", []) if isinstance(p, str))
    return refs


def apply_fast_timings(source: dict[str, Any]) -> None:
    """Shorten every timing for rehearsals and tests, use rehearsal prompts where the
    source has them, and mark the manifest ``rehearsal: true`` (in place)."""
    source["rehearsal"] = True
    for variant in source.get("variants", []):
        section = variant.get("written_section")
        if isinstance(section, dict):
            section["read_seconds"] = FAST_TIMINGS["read_seconds"]
            section["seconds"] = FAST_WRITTEN_SECONDS
        for task in variant.get("tasks", []):
            for key, value in FAST_TIMINGS.items():
                if key in task:
                    task[key] = value
            if task.get("audio_rehearsal"):
                task["audio"] = task["audio_rehearsal"]


def _bad_answer(task: dict[str, Any], item_id: Any, hint_ru: str) -> E.SourceInvalidError:
    return E.SourceInvalidError(
        f"task {task.get('id')} item {item_id}: answer missing or malformed",
        message_ru=f"В задании {task.get('number')} у пункта «{item_id}» не указан верный ответ ({hint_ru}).",
    )


def _choice_answer(task: dict[str, Any], item: dict[str, Any], n_options: int) -> int:
    answer = item.pop("answer", None)
    if not isinstance(answer, int) or isinstance(answer, bool) or not 0 <= answer < n_options:
        raise _bad_answer(task, item.get("id"), f"поле answer - номер варианта ответа от 0 до {max(n_options - 1, 0)}")
    return answer


def typed_rule(answer: Any) -> dict[str, Any] | None:
    """The answer-key rule of a typed item from its source ``answer``: a string, a list
    of accepted strings, or ``{"accept": [...], "case_sensitive": false,
    "yo_equals_ye": false}``. None when it is malformed."""
    if isinstance(answer, str):
        answer = {"accept": [answer]}
    elif isinstance(answer, list):
        answer = {"accept": answer}
    if not isinstance(answer, dict) or set(answer) - {"accept", "case_sensitive", "yo_equals_ye"}:
        return None
    accept = answer.get("accept")
    if not isinstance(accept, list) or not accept or not all(isinstance(a, str) and a.strip() for a in accept):
        return None
    flags = {k: answer.get(k, False) for k in ("case_sensitive", "yo_equals_ye")}
    if not all(isinstance(v, bool) for v in flags.values()):
        return None
    return {"accept": list(accept), **flags}


def _extract_answers(source: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """Remove every ``answer`` from the source; returns variant -> task -> item -> answer
    (an option index, or a typed item's rule)."""
    key: dict[str, dict[str, dict[str, Any]]] = {}
    for variant in source.get("variants", []):
        for task in variant.get("tasks", []):
            task.pop("audio_rehearsal", None)
            kind = task.get("type")
            found: dict[str, Any] = {}
            if kind in ("listening", "multiple_choice"):
                for q in task.get("questions", []):
                    found[str(q.get("id"))] = _choice_answer(task, q, len(q.get("options", [])))
            elif kind == "reading_matching":
                for text in task.get("texts", []):
                    found[str(text.get("id"))] = _choice_answer(task, text, len(task.get("options", [])))
            elif kind == "short_answer":
                for item in task.get("items", []):
                    rule = typed_rule(item.pop("answer", None))
                    if rule is None:
                        raise _bad_answer(task, item.get("id"), "поле answer - строка, список допустимых ответов "
                                                                "или объект {\"accept\": [...]}")
                    found[str(item.get("id"))] = rule
            if found:
                key.setdefault(str(variant.get("number")), {})[str(task.get("id"))] = found
    return key


def prepare_manifest(src_dir: Path, *, fast: bool = False, created_at: datetime | None = None,
                     school_id: str | None = None) -> tuple[dict[str, Any], dict, dict[str, Path]]:
    """Read the source folder; returns (package manifest dict, answer key, path -> source file).

    Raises :class:`SourceInvalidError` or :class:`ManifestInvalidError`.
    """
    src_dir = Path(src_dir)
    mpath = src_dir / MANIFEST_NAME
    if not mpath.is_file():
        raise E.SourceInvalidError(str(mpath), message_ru=f"В папке «{src_dir}» нет файла manifest.json.")
    source = copy.deepcopy(parse_manifest_bytes(mpath.read_bytes()))
    if fast:
        apply_fast_timings(source)
    answers = _extract_answers(source)
    source.setdefault("format_version", CURRENT_FORMAT_VERSION)
    source.setdefault("rehearsal", False)
    if school_id is not None:
        source["school_id"] = school_id
    when = created_at or datetime.now(timezone.utc)
    source["created_at"] = when.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    sources: dict[str, Path] = {}
    files = []
    root = src_dir.resolve()
    for variant in source.get("variants", []):
        for task in variant.get("tasks", []):
            for ref in _media_refs(task):
                if ref in sources:
                    continue
                file_path = (src_dir / ref).resolve()
                if root not in file_path.parents or not file_path.is_file():
                    raise E.SourceInvalidError(
                        f"media {ref} missing", message_ru=f"Файл «{ref}», на который ссылается задание {task.get('number')}, не найден в папке «{src_dir}»."
                    )
                media_type = MEDIA_TYPES.get(file_path.suffix.lower())
                if media_type is None:
                    raise E.SourceInvalidError(
                        f"media {ref}: unsupported type",
                        message_ru=f"Файл «{ref}»: такой тип не поддерживается (нужны .ogg, .flac, .wav, .png, .jpg).",
                    )
                sha, size = _sha256_file(file_path)
                files.append({"path": ref, "sha256": sha, "size": size, "media_type": media_type})
                sources[ref] = file_path
    source["files"] = sorted(files, key=lambda f: f["path"])
    source["package_id"] = ""
    source["package_id"] = compute_package_id(source)
    return source, answers, sources


def build_package(src_dir: Path, out_file: Path, password: bytes, *, fast: bool = False,
                  created_at: datetime | None = None, school_id: str | None = None) -> BuildResult:
    """Build and atomically write the encrypted package (and its answer-key archive).

    Raises :class:`SourceInvalidError`, :class:`ManifestInvalidError`, ``OSError``.
    """
    manifest_dict, answers, sources = prepare_manifest(src_dir, fast=fast, created_at=created_at, school_id=school_id)
    manifest = validate_manifest(manifest_dict)
    out_file = Path(out_file)
    body = json.dumps(manifest_dict, ensure_ascii=False, indent=2).encode("utf-8")

    def write(fh) -> None:
        with pyzipper.AESZipFile(fh, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as zf:
            zf.setpassword(password)
            zf.setencryption(pyzipper.WZ_AES, nbits=256)
            zf.comment = facts_to_comment(facts_of_manifest(manifest))
            zf.writestr(MANIFEST_NAME, body)
            for entry in manifest.files:
                # Media are already compressed (PNG, Vorbis, FLAC): store them as they are.
                zf.write(sources[entry.path], entry.path, compress_type=pyzipper.ZIP_STORED)

    atomic_write_with(out_file, write)
    answers_path = None
    if answers:
        answers_path = out_file.with_name(out_file.stem + ".answers.zip")
        write_answer_key(answers_path, manifest.package_id, answers, password,
                         format_version=manifest.format_version)
    log.info("built package %s (%s) from %s", out_file, manifest.package_id, src_dir)
    return BuildResult(out_file, answers_path, manifest)
