"""Format version 2: the written tasks, levels, structured criteria, the maximum primary
score and the mark scale - and every cross-field rule the schema cannot express, each
failing with a Russian message that names the task or variant."""

from __future__ import annotations

import copy

import pytest

from exam_content.builder import prepare_manifest
from exam_content.demo import demo_source_dir
from exam_content.errors import ManifestInvalidError, SourceInvalidError
from exam_content.manifest import compute_package_id, validate_manifest
from exam_content.model import Level, MarkRange, ShortAnswerTask


@pytest.fixture(scope="module")
def base():
    manifest, _answers, _sources = prepare_manifest(demo_source_dir("en"))
    return manifest


def _tasks(d):
    return {t["id"]: t for t in d["variants"][0]["tasks"]}


def _broken(base, mutate):
    d = copy.deepcopy(base)
    mutate(d)
    d["package_id"] = compute_package_id(d)
    with pytest.raises(ManifestInvalidError) as exc:
        validate_manifest(d)
    return exc.value.message_ru


def test_variant_carries_scale_and_section(base):
    v = validate_manifest(base).variants[0]
    assert v.mark_scale == (MarkRange(2, 0, 12), MarkRange(3, 13, 20), MarkRange(4, 21, 26), MarkRange(5, 27, 30))
    assert v.written_section.seconds == 1980 and v.written_section.read_seconds == 60
    assert [t.id for t in v.written_tasks] == ["reading", "grammar", "vocabulary"]
    grammar = next(t for t in v.tasks if isinstance(t, ShortAnswerTask))
    assert grammar.level is Level.BASIC and grammar.items[0].word == "GO"


@pytest.mark.parametrize("mutate, words", [
    (lambda d: _tasks(d)["reading"].pop("level"), "не указан уровень"),
    (lambda d: _tasks(d)["reading"].__setitem__("max_points", 5), "максимальный балл 5"),
    (lambda d: d["variants"][0].__setitem__("max_primary", 31), "не равен сумме баллов"),
    (lambda d: d["variants"][0]["mark_scale"][1].__setitem__("min", 14), "шкала отметок"),
    (lambda d: d["variants"][0]["mark_scale"][3].__setitem__("max", 29), "не доходит до максимального"),
    (lambda d: d["variants"][0]["mark_scale"].reverse(), "шкала отметок"),
    (lambda d: _tasks(d)["grammar"]["items"][0].__setitem__("prompt", "no gap here"), "нет пропуска"),
    (lambda d: _tasks(d)["reading"]["texts"][1].__setitem__("label", "A"), "повторяются буквы"),
    (lambda d: _tasks(d)["reading"].__setitem__("options", _tasks(d)["reading"]["options"][:5]), "меньше, чем текстов"),
    (lambda d: _tasks(d)["photo"]["rubric"]["criteria"][0]["descriptors"].pop(), "описаны не все баллы"),
    (lambda d: _tasks(d)["photo"]["rubric"]["criteria"][1].update(
        max_points=2, descriptors=[{"points": p, "text": "x"} for p in range(3)]), "сумма баллов по критериям"),
    (lambda d: _tasks(d)["photo"]["rubric"].__setitem__("zero_if", ["К9"]), "неизвестный критерий"),
    (lambda d: d["variants"][0]["tasks"].insert(5, d["variants"][0]["tasks"].pop(2)), "должны идти подряд"),
    (lambda d: d["variants"][0].pop("written_section"), "не задан раздел"),
])
def test_cross_field_rules(base, mutate, words):
    assert words in _broken(base, mutate)


def test_schema_rejects_answers_and_missing_rubric(base):
    def typed_answer(d):
        _tasks(d)["grammar"]["items"][0]["accept"] = ["went"]

    def no_rubric(d):
        _tasks(d)["read_aloud"].pop("rubric")

    def level_word(d):
        _tasks(d)["reading"]["level"] = "basic"

    for mutate in (typed_answer, no_rubric, level_word):
        assert "не соответствует формату" in _broken(base, mutate)


def test_no_written_section_without_written_tasks(base):
    def oral_only(d):
        v = d["variants"][0]
        v["tasks"] = [t for t in v["tasks"] if t["type"] not in ("reading_matching", "short_answer")]
        v["max_primary"] = 12
        v["mark_scale"] = [{"mark": 2, "min": 0, "max": 3}, {"mark": 3, "min": 4, "max": 6},
                           {"mark": 4, "min": 7, "max": 9}, {"mark": 5, "min": 10, "max": 12}]

    assert "письменных заданий нет" in _broken(base, oral_only)


def test_builder_needs_an_answer_for_every_item(tmp_path):
    import json
    import shutil

    src = tmp_path / "src"
    shutil.copytree(demo_source_dir("de"), src)
    m = json.loads((src / "manifest.json").read_text("utf-8"))
    typed = next(t for t in m["variants"][0]["tasks"] if t["id"] == "vocabulary")
    typed["items"][2]["answer"] = {"accept": []}
    (src / "manifest.json").write_text(json.dumps(m, ensure_ascii=False), "utf-8")
    with pytest.raises(SourceInvalidError) as exc:
        prepare_manifest(src)
    assert "у пункта «g3» не указан верный ответ" in exc.value.message_ru
