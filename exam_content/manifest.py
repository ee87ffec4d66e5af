"""Parsing and validating ``manifest.json``: format-version gate, the JSON Schemas kept
in this package (``schema/manifest-v1.schema.json``, ``schema/manifest-v2.schema.json``),
and the cross-field rules a schema cannot express (unique ids, every referenced media
file listed, package id matching the content; in version 2 also points that add up,
a mark scale without gaps, criteria that cover every point value and one contiguous
written section). Also computes the content-addressed package id."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from typing import Any

import jsonschema

from exam_content.errors import ManifestInvalidError, UnsupportedFormatError
from exam_content.model import (
    WRITTEN_TYPES,
    Manifest,
    PhotoDescriptionTask,
    ReadAloudTask,
    ReadingMatchingTask,
    ShortAnswerTask,
    Task,
    Variant,
    item_ids,
    manifest_from_dict,
    media_paths_of,
)

SUPPORTED_FORMAT_VERSIONS = (1, 2)
CURRENT_FORMAT_VERSION = 2
GAP = "___"
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
            qids = item_ids(task)
            if len(set(qids)) != len(qids):
                _fail(f"task {task.id}: duplicate question ids", f"в задании {task.number} повторяются id вопросов")
            if model.format_version >= 2:
                _check_task_v2(task)
        if model.format_version >= 2:
            _check_variant_v2(variant)


def _check_task_v2(task: Task) -> None:
    n = task.number
    if task.max_points > 0 and task.level is None:
        _fail(f"task {task.id}: level missing", f"у задания {n} не указан уровень (Б или П)")
    items = item_ids(task)
    if items and task.max_points != len(items):
        _fail(f"task {task.id}: max_points {task.max_points} != {len(items)} items",
              f"у задания {n} максимальный балл {task.max_points}, а заданий с ответом {len(items)} "
              f"(каждое стоит 1 балл)")
    if isinstance(task, ReadingMatchingTask):
        labels = [x.label for x in task.texts]
        if len(set(labels)) != len(labels):
            _fail(f"task {task.id}: duplicate text labels", f"в задании {n} повторяются буквы текстов")
        if len(task.options) < len(task.texts):
            _fail(f"task {task.id}: fewer options than texts", f"в задании {n} заголовков меньше, чем текстов")
    if isinstance(task, ShortAnswerTask):
        for item in task.items:
            if GAP not in item.prompt:
                _fail(f"task {task.id} item {item.id}: no gap ___ in the prompt",
                      f"в задании {n} у пункта «{item.id}» нет пропуска ___")
    if isinstance(task, (ReadAloudTask, PhotoDescriptionTask)) and task.rubric is not None:
        ids = [c.id for c in task.rubric.criteria]
        if len(set(ids)) != len(ids):
            _fail(f"task {task.id}: duplicate criteria", f"в задании {n} повторяются критерии")
        for c in task.rubric.criteria:
            if sorted(d.points for d in c.descriptors) != list(range(c.max_points + 1)):
                _fail(f"task {task.id} criterion {c.id}: descriptors must cover 0..{c.max_points} once",
                      f"в задании {n} у критерия {c.id} описаны не все баллы от 0 до {c.max_points}")
        if sum(c.max_points for c in task.rubric.criteria) != task.max_points:
            _fail(f"task {task.id}: criteria add up to a different max_points",
                  f"в задании {n} сумма баллов по критериям не равна максимальному баллу {task.max_points}")
        unknown = set(task.rubric.zero_if) - set(ids)
        if unknown:
            _fail(f"task {task.id}: zero_if names unknown criteria {sorted(unknown)}",
                  f"в задании {n} правило обнуления ссылается на неизвестный критерий {', '.join(sorted(unknown))}")


def _check_variant_v2(variant: Variant) -> None:
    v = variant.number
    if variant.max_primary != variant.max_points:
        _fail(f"variant {v}: max_primary {variant.max_primary} != sum of max_points {variant.max_points}",
              f"в варианте {v} максимальный первичный балл {variant.max_primary} не равен сумме баллов "
              f"заданий ({variant.max_points})")
    scale = variant.mark_scale
    expected_low = 0
    for mark, r in zip((2, 3, 4, 5), scale):
        if r.mark != mark or r.low != expected_low or r.high < r.low:
            _fail(f"variant {v}: mark scale broken at mark {r.mark}",
                  f"в варианте {v} шкала отметок составлена с ошибкой (отметка {r.mark}): диапазоны должны "
                  f"идти от 0 без пропусков, для отметок 2, 3, 4, 5 по порядку")
        expected_low = r.high + 1
    if expected_low != (variant.max_primary or 0) + 1:
        _fail(f"variant {v}: mark scale does not end at max_primary",
              f"в варианте {v} шкала отметок не доходит до максимального балла {variant.max_primary}")
    flags = [isinstance(t, WRITTEN_TYPES) for t in variant.tasks]
    if any(flags):
        first, last = flags.index(True), len(flags) - 1 - flags[::-1].index(True)
        if not all(flags[first:last + 1]):
            _fail(f"variant {v}: written tasks are not contiguous",
                  f"в варианте {v} письменные задания должны идти подряд (один раздел)")
        if variant.written_section is None:
            _fail(f"variant {v}: written tasks without written_section",
                  f"в варианте {v} есть письменные задания, но не задан раздел written_section (время)")
    elif variant.written_section is not None:
        _fail(f"variant {v}: written_section without written tasks",
              f"в варианте {v} задан раздел written_section, но письменных заданий нет")
