"""``exam_content.scoring``: typed answers under the normalisation rules, every
objective task of the demo variants scored from their real answer keys, oral totals
from criteria with the zero rule, the primary score and the mark at every boundary."""

from __future__ import annotations

import json
import shutil

import pytest

from exam_content.answer_key import read_answer_key
from exam_content.builder import build_package
from exam_content.demo import LANGUAGES, demo_source_dir
from exam_content.errors import ScoringError
from exam_content.model import MultipleChoiceTask, PhotoDescriptionTask, ReadAloudTask
from exam_content.scoring import (
    TypedRule,
    answers_of_responses,
    mark,
    normalize,
    primary_score,
    score_objective,
    task_total,
    typed_correct,
)
from tests.exam_content.helpers import PASSWORD


@pytest.fixture(scope="module", params=LANGUAGES)
def demo(request, tmp_path_factory):
    d = tmp_path_factory.mktemp(request.param)
    result = build_package(demo_source_dir(request.param), d / "p.zip", PASSWORD, fast=True)
    source = json.loads((demo_source_dir(request.param) / "manifest.json").read_text("utf-8"))
    return result.manifest.variants[0], read_answer_key(result.answers_path, PASSWORD), source


def _right_answers(source) -> dict:
    """What a student who knows everything types and chooses (from the source's answers)."""
    out: dict = {}
    for t in source["variants"][0]["tasks"]:
        for item in t.get("questions", []) + t.get("texts", []) + t.get("items", []):
            a = item["answer"]
            out.setdefault(t["id"], {})[item["id"]] = a["accept"][-1] if isinstance(a, dict) else a
    return out


@pytest.mark.parametrize("given, rule, right", [
    ("went", TypedRule(("went",)), True),
    ("  Went ", TypedRule(("went",)), True),
    ("WENT", TypedRule(("went",), case_sensitive=True), False),
    ("didn’t like", TypedRule(("didn't like",)), True),           # typographic apostrophe
    ("didnʼt   like", TypedRule(("didn't like",)), True),          # modifier apostrophe, inner spaces
    ("did not like", TypedRule(("didn't like", "did not like")), True),  # an alternative
    ("dont like", TypedRule(("didn't like",)), False),
    ("", TypedRule(("went",)), False),
    ("   ", TypedRule(("went",)), False),
    ("ёлка", TypedRule(("елка",)), False),
    ("ёлка", TypedRule(("елка",), yo_equals_ye=True), True),
    ("Ёлка", TypedRule(("ёлка",), yo_equals_ye=True), True),
    ("strasse", TypedRule(("straße",)), False),  # lower(), not casefold(): ß stays ß
    ("wa\u0308rmer", TypedRule(("wärmer",)), True),  # decomposed umlaut (NFC)
    ("n’aimait pas", TypedRule(("n'aimait pas",)), True),
])
def test_typed_rules(given, rule, right):
    assert typed_correct(given, rule) is right


def test_normalize_alone():
    assert normalize("  Mike’s   CAT ") == "mike's cat"
    assert normalize("Mike’s", case_sensitive=True) == "Mike's"


def test_all_right_scores_the_maximum(demo):
    variant, key, source = demo
    answers = _right_answers(source)
    scores = {s.task_id: s for s in score_objective(key, variant, answers)}
    assert {k: (s.points, s.max_points) for k, s in scores.items()} == {
        "listening": (5, 5), "reading": (6, 6), "grammar": (6, 6), "vocabulary": (6, 6)}
    assert scores["reading"].number == "4" and scores["vocabulary"].level.value == "П"


def test_mistakes_blanks_and_typography(demo):
    variant, key, source = demo
    answers = _right_answers(source)
    answers["listening"]["A"] = (answers["listening"]["A"] + 1) % 3       # wrong choice
    del answers["reading"]["F"]                                            # not answered
    answers["grammar"]["g1"] = "  " + answers["grammar"]["g1"].upper() + " "  # spaces, capitals: still right
    answers["grammar"]["g2"] = "xx"                                        # wrong
    answers["vocabulary"]["g1"] = answers["vocabulary"]["g1"].replace("'", "’")
    answers["vocabulary"]["g6"] = 3                                        # a number where text belongs
    scores = {s.task_id: s for s in score_objective(key, variant, answers)}
    assert [scores[t].points for t in ("listening", "reading", "grammar", "vocabulary")] == [4, 5, 5, 5]
    item = {i.item_id: i for i in scores["reading"].items}["F"]
    assert item.given is None and item.points == 0


@pytest.mark.parametrize("lang, typed", [("en", "Didn’t like"), ("en", "did  not like"), ("fr", "n’aimait pas")])
def test_apostrophe_answers_of_the_demo(tmp_path, lang, typed):
    result = build_package(demo_source_dir(lang), tmp_path / "p.zip", PASSWORD, fast=True)
    key = read_answer_key(result.answers_path, PASSWORD)
    got = {s.task_id: s for s in score_objective(key, result.manifest.variants[0], {"grammar": {"g5": typed}})}
    assert got["grammar"].points == 1


def test_oral_totals_with_the_zero_rule(demo):
    variant, _key, _source = demo
    photo = next(t for t in variant.tasks if isinstance(t, PhotoDescriptionTask))
    read = next(t for t in variant.tasks if isinstance(t, ReadAloudTask))
    assert task_total({"К1": 3, "К2": 1, "К3": 1}, photo) == 5
    assert task_total({"К1": 2, "К2": 0, "К3": 1}, photo) == 3
    assert task_total({"К1": 0, "К2": 1, "К3": 1}, photo) == 0  # К1 = 0 -> the whole task 0
    assert task_total({"К1": 1}, read) == 1
    for bad, words in [({"К1": 4, "К2": 1, "К3": 1}, "от 0 до 3"), ({"К1": 3, "К2": 1}, "по каждому"),
                       ({"К1": 3, "К2": 1, "К3": 1, "К4": 0}, "по каждому"), ({"К1": True, "К2": 1, "К3": 1}, "от 0")]:
        with pytest.raises(ScoringError) as exc:
            task_total(bad, photo)
        assert words in exc.value.message_ru


@pytest.mark.parametrize("primary, expected", [(0, 2), (12, 2), (13, 3), (20, 3), (21, 4), (26, 4), (27, 5), (30, 5)])
def test_mark_boundaries(demo, primary, expected):
    assert mark(primary, demo[0]) == expected


def test_primary_score_and_its_errors(demo):
    variant = demo[0]
    full = {"1": 5, "2": 2, "3": 5, "4": 6, "5": 6, "6": 6}
    assert primary_score(full, variant) == 30
    assert primary_score({**full, "3": None, "6": 0}, variant) == 19
    for bad, words in [({k: v for k, v in full.items() if k != "3"}, "Ещё не оценены задания 3"),
                       ({**full, "7": 1}, "нет заданий 7"), ({**full, "2": 3}, "от 0 до 2")]:
        with pytest.raises(ScoringError) as exc:
            primary_score(bad, variant)
        assert words in exc.value.message_ru
    with pytest.raises(ScoringError):
        mark(31, variant)


def test_end_to_end_from_responses_to_mark(demo):
    variant, key, source = demo
    right = _right_answers(source)
    responses = {"listening_answers": {"listening": right["listening"]},
                 "written_answers": {k: v for k, v in right.items() if k != "listening"}, "photo_choice": {}}
    objective = {s.number: s.points for s in score_objective(key, variant, answers_of_responses(responses))}
    photo = next(t for t in variant.tasks if isinstance(t, PhotoDescriptionTask))
    read = next(t for t in variant.tasks if isinstance(t, ReadAloudTask))
    points = {**objective, read.number: task_total({"К1": 1}, read),
              photo.number: task_total({"К1": 0, "К2": 1, "К3": 1}, photo)}
    primary = primary_score(points, variant)
    assert primary == 24 and mark(primary, variant) == 4


def test_a_multiple_choice_reading_task_builds_and_scores(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(demo_source_dir("en"), src)
    m = json.loads((src / "manifest.json").read_text("utf-8"))
    tasks = m["variants"][0]["tasks"]
    reading = next(t for t in tasks if t["id"] == "reading")
    reading.clear()
    reading.update({
        "id": "reading", "number": "4", "type": "multiple_choice", "title": "Чтение", "max_points": 6, "level": "Б",
        "criteria": "", "instruction": "Прочитайте текст и ответьте на вопросы.", "text": "Zermatt has no cars.",
        "questions": [{"id": f"r{i}", "text": f"Question {i}?", "options": ["yes", "no", "not stated"], "answer": i % 3}
                      for i in range(6)],
    })
    (src / "manifest.json").write_text(json.dumps(m, ensure_ascii=False), "utf-8")
    result = build_package(src, tmp_path / "mc.zip", PASSWORD, fast=True)
    task = next(t for t in result.manifest.variants[0].tasks if isinstance(t, MultipleChoiceTask))
    assert task.text == "Zermatt has no cars." and len(task.questions) == 6
    key = read_answer_key(result.answers_path, PASSWORD)
    assert key["answers"]["1"]["reading"] == {f"r{i}": i % 3 for i in range(6)}
    scores = {s.task_id: s for s in score_objective(key, result.manifest.variants[0],
                                                    {"reading": {"r0": 0, "r1": 1, "r2": 0}})}
    assert scores["reading"].points == 2


def test_a_key_that_does_not_fit(demo):
    variant, key, _source = demo
    with pytest.raises(ScoringError) as exc:
        score_objective({"answers": {}}, variant, {})
    assert "нет варианта 1" in exc.value.message_ru
    broken = json.loads(json.dumps(key))
    del broken["answers"]["1"]["grammar"]["g3"]
    with pytest.raises(ScoringError) as exc:
        score_objective(broken, variant, {})
    assert "«g3»" in exc.value.message_ru
    broken = json.loads(json.dumps(key))
    broken["answers"]["1"]["grammar"]["g1"] = 2
    with pytest.raises(ScoringError):
        score_objective(broken, variant, {})
