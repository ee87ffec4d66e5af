"""Version-1 packages keep opening: the package and answer key committed in
``fixtures/`` were built by the version-1 code; its source still builds. Their model
has no levels, rubrics or scale, and the scoring says so in Russian instead of guessing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from exam_content.answer_key import read_answer_key
from exam_content.archive import open_package
from exam_content.builder import build_package
from exam_content.demo import demo_source_dir
from exam_content.errors import ScoringError
from exam_content.scoring import mark, primary_score, score_objective
from tests.exam_content.helpers import PASSWORD

FIXTURES = Path(__file__).parent / "fixtures"


def test_committed_v1_package_opens_and_scores():
    package = open_package(FIXTURES / "v1-en-fast.zip", PASSWORD)
    m = package.manifest
    assert m.format_version == 1 and m.package_id == "32ac574b14696223fff6dd5b41263494"
    v = m.variants[0]
    assert [t.type.value for t in v.tasks] == ["instructions", "listening", "read_aloud", "photo_description"]
    assert all(t.level is None for t in v.tasks) and v.mark_scale == () and v.max_primary is None
    assert v.written_section is None and v.written_tasks == ()
    assert package.media("media/photo_picnic.png").startswith(b"\x89PNG")
    key = read_answer_key(FIXTURES / "v1-en-fast.answers.zip", PASSWORD)
    assert key["format_version"] == 1
    scores = score_objective(key, v, {"listening": {"q1": 0, "q2": 1, "q3": 0}})
    assert [(s.task_id, s.points, s.max_points) for s in scores] == [("listening", 2, 4)]
    assert primary_score({"1": 2, "2": 1, "3": None}, v) == 3
    with pytest.raises(ScoringError) as exc:
        mark(3, v)
    assert "нет шкалы" in exc.value.message_ru


def test_v1_source_still_builds(tmp_path):
    src = tmp_path / "v1src"
    (src / "media").mkdir(parents=True)
    for f in (demo_source_dir("en") / "media").iterdir():
        shutil.copy(f, src / "media" / f.name)
    shutil.copy(FIXTURES / "v1-en-source-manifest.json", src / "manifest.json")
    result = build_package(src, tmp_path / "v1.zip", PASSWORD, fast=True)
    assert result.manifest.format_version == 1
    reopened = open_package(result.package_path, PASSWORD)
    assert reopened.manifest.package_id == result.manifest.package_id
    key = read_answer_key(result.answers_path, PASSWORD)
    assert key["format_version"] == 1 and key["answers"]["1"]["listening"] == {"q1": 0, "q2": 1, "q3": 1, "q4": 2}
    assert json.loads((src / "manifest.json").read_text("utf-8"))["format_version"] == 1
