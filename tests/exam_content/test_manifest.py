"""The manifest format: schema kept in the package, version gate, cross-field rules,
content-addressed id."""

from __future__ import annotations

import copy

import jsonschema
import pytest

from exam_content.builder import prepare_manifest
from exam_content.demo import LANGUAGES, demo_source_dir
from exam_content.errors import ManifestInvalidError, UnsupportedFormatError
from exam_content.manifest import compute_package_id, schema, validate_manifest
from exam_content.model import (
    Level,
    ListeningTask,
    PhotoDescriptionTask,
    ReadAloudTask,
    ReadingMatchingTask,
    ShortAnswerTask,
    TaskType,
)


@pytest.fixture(params=LANGUAGES)
def manifest_dict(request):
    manifest, _answers, _sources = prepare_manifest(demo_source_dir(request.param))
    return manifest


def _with(d, mutate):
    d = copy.deepcopy(d)
    mutate(d)
    d["package_id"] = compute_package_id(d)
    return d


@pytest.mark.parametrize("version", [1, 2])
def test_schema_is_valid_draft_2020_12(version):
    jsonschema.Draft202012Validator.check_schema(schema(version))


def test_demo_manifests_validate_and_have_all_task_types(manifest_dict):
    m = validate_manifest(manifest_dict)
    assert m.format_version == 2
    types = [t.type for t in m.variants[0].tasks]
    assert types == [TaskType.INSTRUCTIONS, TaskType.LISTENING, TaskType.READ_ALOUD, TaskType.PHOTO_DESCRIPTION,
                     TaskType.READING_MATCHING, TaskType.SHORT_ANSWER, TaskType.SHORT_ANSWER]
    listening = next(t for t in m.variants[0].tasks if isinstance(t, ListeningTask))
    assert listening.plays == 2 and listening.read_seconds == 45 and len(listening.questions) == 5
    assert all(len(q.options) == 3 for q in listening.questions)
    reading = next(t for t in m.variants[0].tasks if isinstance(t, ReadingMatchingTask))
    assert [x.label for x in reading.texts] == list("ABCDEF") and len(reading.options) == 7
    typed = [t for t in m.variants[0].tasks if isinstance(t, ShortAnswerTask)]
    assert [len(t.items) for t in typed] == [6, 6] and all("___" in i.prompt for t in typed for i in t.items)
    read = next(t for t in m.variants[0].tasks if isinstance(t, ReadAloudTask))
    assert (read.prep_seconds, read.answer_seconds) == (90, 90)
    photo = next(t for t in m.variants[0].tasks if isinstance(t, PhotoDescriptionTask))
    assert (photo.prep_seconds, photo.answer_seconds) == (90, 120)
    assert len(photo.photos) == 3 and len(photo.plan) == 5
    assert [c.id for c in photo.rubric.criteria] == ["К1", "К2", "К3"] and photo.rubric.zero_if == ("К1",)
    assert [t.level for t in m.variants[0].scored_tasks] == [Level.BASIC, Level.BASIC, Level.ADVANCED, Level.BASIC,
                                                           Level.BASIC, Level.ADVANCED]
    assert m.variants[0].max_points == m.variants[0].max_primary == 30


def test_answer_key_is_not_in_the_station_manifest(manifest_dict):
    for task in manifest_dict["variants"][0]["tasks"]:
        for q in task.get("questions", []):
            assert set(q) == {"id", "text", "options"}
        for x in task.get("texts", []):
            assert set(x) == {"id", "label", "text"}
        for x in task.get("items", []):
            assert set(x) == {"id", "prompt", "word"}


def test_schema_forbids_an_answer_field(manifest_dict):
    def add_answer(d):
        d["variants"][0]["tasks"][1]["questions"][0]["answer"] = 0

    with pytest.raises(ManifestInvalidError) as exc:
        validate_manifest(_with(manifest_dict, add_answer))
    assert "answer" in exc.value.detail


@pytest.mark.parametrize("version", [0, 3, "1", "2", None, True])
def test_unknown_format_version(manifest_dict, version):
    d = _with(manifest_dict, lambda d: d.__setitem__("format_version", version))
    with pytest.raises(UnsupportedFormatError) as exc:
        validate_manifest(d)
    assert "не поддерживается" in exc.value.message_ru


def test_schema_error_names_the_field(manifest_dict):
    def bad(d):
        d["variants"][0]["tasks"][2]["prep_seconds"] = -5

    with pytest.raises(ManifestInvalidError) as exc:
        validate_manifest(_with(manifest_dict, bad))
    assert "variants[0].tasks[2].prep_seconds" in exc.value.message_ru


def test_photo_task_needs_three_photos(manifest_dict):
    def bad(d):
        d["variants"][0]["tasks"][3]["photos"] = d["variants"][0]["tasks"][3]["photos"][:2]

    with pytest.raises(ManifestInvalidError):
        validate_manifest(_with(manifest_dict, bad))


def test_media_reference_must_be_listed(manifest_dict):
    def bad(d):
        d["files"] = [f for f in d["files"] if f["path"] != "media/listening.ogg"]

    with pytest.raises(ManifestInvalidError) as exc:
        validate_manifest(_with(manifest_dict, bad))
    assert "media/listening.ogg" in exc.value.message_ru


def test_duplicate_task_ids(manifest_dict):
    def bad(d):
        d["variants"][0]["tasks"][2]["id"] = d["variants"][0]["tasks"][1]["id"]

    with pytest.raises(ManifestInvalidError):
        validate_manifest(_with(manifest_dict, bad))


def test_package_id_is_content_addressed(manifest_dict):
    d = copy.deepcopy(manifest_dict)
    d["title"] = d["title"] + " (изменено)"
    with pytest.raises(ManifestInvalidError) as exc:
        validate_manifest(d)
    assert "Идентификатор пакета" in exc.value.message_ru


def test_variant_for_code(manifest_dict):
    def two_variants(d):
        v2 = copy.deepcopy(d["variants"][0])
        v2["number"] = 2
        d["variants"].append(v2)

    m = validate_manifest(_with(manifest_dict, two_variants))
    assert m.variant_for_code("12344").number == 1
    assert m.variant_for_code("12345").number == 2
