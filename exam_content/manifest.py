"""Parsing and validating ``manifest.json``: format-version gate, the JSON Schema kept
in this package (``schema/manifest-v1.schema.json``), and the cross-field rules a schema
cannot express (unique ids, every referenced media file listed, package id matching the
content). Also computes the content-addressed package id."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from typing import Any

import jsonschema

from exam_content.errors import ManifestInvalidError, UnsupportedFormatError
from exam_content.model import Manifest, manifest_from_dict, media_paths_of

SUPPORTED_FORMAT_VERSIONS = (1,)
CURRENT_FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"


@lru_cache(maxsize=None)
def schema(version: int = CURRENT_FORMAT_VERSION) -> dict[str, Any]:
    """The JSON Schema of manifest format ``version``."""
    text = resources.files("exam_content").joinpath(f"schema/manifest-v{version}.schema.json").read_text("utf-8")
    return json.loads(text)


@lru_cache(maxsize=None)
def _validator(version: int) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema(version))


def compute_package_id(manifest: dict[str, Any]) -> str:
    """Content address: SHA-256 (first 32 hex digits) of the canonical manifest JSON
    without its ``package_id``. Media are covered through their hashes in ``files``."""
    body = {k: v for k, v in manifest.items() if k != "package_id"}
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def _where(error: jsonschema.ValidationError) -> str:
    parts = []
    for p in error.absolute_path:
        parts.append(f"[{p}]" if isinstance(p, int) else (f".{p}" if parts else str(p)))
    return "".join(parts) or "(корень)"


def parse_manifest_bytes(data: bytes) -> dict[str, Any]:
    """Decode JSON; raises :class:`ManifestInvalidError` naming line and column."""
    try:
        obj = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ManifestInvalidError(f"manifest is not UTF-8: {exc}",
                                   message_ru="Описание пакета (manifest.json) не в кодировке UTF-8.") from exc
    except json.JSONDecodeError as exc:
        raise ManifestInvalidError(
            f"manifest JSON error: {exc}",
            message_ru=f"Описание пакета (manifest.json) не читается как JSON: строка {exc.lineno}, столбец {exc.colno}.",
        ) from exc
    if not isinstance(obj, dict):
        raise ManifestInvalidError("manifest is not an object",
                                   message_ru="Описание пакета (manifest.json) должно быть объектом JSON.")
    return obj


def validate_manifest(obj: dict[str, Any], *, check_id: bool = True) -> Manifest:
    """Validate a manifest dict and build the model.

    Raises :class:`UnsupportedFormatError` for an unknown ``format_version`` and
    :class:`ManifestInvalidError` for anything else wrong, naming the field.
    """
    version = obj.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version not in SUPPORTED_FORMAT_VERSIONS:
        raise UnsupportedFormatError(
            f"format_version {version!r} not in {SUPPORTED_FORMAT_VERSIONS}",
            message_ru=(
                f"Версия формата пакета «{version}» не поддерживается "
                f"(поддерживается: {', '.join(map(str, SUPPORTED_FORMAT_VERSIONS))})."
            ),
        )
    errors = sorted(_validator(version).iter_errors(obj), key=lambda e: (len(list(e.absolute_path)), e.path))
    if errors:
        err = jsonschema.exceptions.best_match(errors)
        raise ManifestInvalidError(
            f"schema: {_where(err)}: {err.message}",
            message_ru=f"Описание пакета не соответствует формату: поле «{_where(err)}»: {err.message}.",
        )
    _check_cross_fields(obj)
    if check_id and obj["package_id"] != compute_package_id(obj):
        raise ManifestInvalidError(
            "package_id does not match the manifest content",
            message_ru="Идентификатор пакета не совпадает с его содержимым: описание пакета изменено.",
        )
    return manifest_from_dict(obj)


def _fail(detail: str, ru: str) -> None:
    raise ManifestInvalidError(detail, message_ru=f"Описание пакета составлено с ошибкой: {ru}.")


def _check_cross_fields(obj: dict[str, Any]) -> None:
    listed = [f["path"] for f in obj["files"]]
    if len(set(listed)) != len(listed):
        _fail("duplicate file paths", "один и тот же файл указан дважды")
    numbers = [v["number"] for v in obj["variants"]]
    if len(set(numbers)) != len(numbers):
        _fail("duplicate variant numbers", "номера вариантов повторяются")
    model = manifest_from_dict(obj)
    for variant in model.variants:
        ids = [t.id for t in variant.tasks]
        if len(set(ids)) != len(ids):
            _fail(f"variant {variant.number}: duplicate task ids", f"в варианте {variant.number} повторяются id заданий")
        for task in variant.tasks:
            for path in media_paths_of(task):
                if path not in listed:
                    _fail(f"task {task.id}: media {path} not listed in files",
                          f"задание {task.number} ссылается на файл {path}, которого нет в списке файлов")
            qids = [q.id for q in getattr(task, "questions", ())]
            if len(set(qids)) != len(qids):
                _fail(f"task {task.id}: duplicate question ids", f"в задании {task.number} повторяются id вопросов")
