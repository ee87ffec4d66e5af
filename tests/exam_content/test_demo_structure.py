"""The figures of the demo variants live in one place per subject,
``exam_content/demo_src/structure.json``; the committed demo manifests must say the
same, and the whole work must fit its 45 minutes (structure.json; docs/content-format.md says
which figures no published source here confirms)."""

from __future__ import annotations

import json

import pytest
import soundfile as sf

from exam_content.demo import LANGUAGES, demo_source_dir
from exam_content.model import (
    InstructionsTask,
    ListeningTask,
    PhotoDescriptionTask,
    ReadAloudTask,
    ReadingMatchingTask,
    ShortAnswerTask,
)
from exam_content.builder import prepare_manifest
from exam_content.manifest import validate_manifest
from station.flow.timing import FlowTimings

STRUCTURE = json.loads((demo_source_dir("en").parent / "structure.json").read_text("utf-8"))["subjects"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_manifest_figures_come_from_structure(lang):
    m = validate_manifest(prepare_manifest(demo_source_dir(lang))[0])
    st = STRUCTURE[m.subject]
    v = m.variants[0]
    by_kind = {ListeningTask: "listening", ReadAloudTask: "read_aloud", PhotoDescriptionTask: "photo",
               ReadingMatchingTask: "reading"}
    for task in v.scored_tasks:
        name = by_kind.get(type(task)) or task.id
        fig = st["tasks"][name]
        assert (task.number, task.max_points, task.level.value) == (fig["number"], fig["max_points"], fig["level"])
        for field in ("read_seconds", "answer_seconds", "prep_seconds", "plays"):
            if field in fig:
                assert getattr(task, field) == fig[field], (lang, name, field)
    assert v.max_primary == st["max_primary"]
    assert [{"mark": r.mark, "min": r.low, "max": r.high} for r in v.mark_scale] == st["mark_scale"]
    ws = v.written_section
    assert {"read_seconds": ws.read_seconds, "seconds": ws.seconds} == st["written_section"]
    assert next(t for t in v.tasks if isinstance(t, InstructionsTask)).read_seconds == st["instructions"]["read_seconds"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_whole_work_fits_its_time(lang):
    m = validate_manifest(prepare_manifest(demo_source_dir(lang))[0])
    v = m.variants[0]
    total = 0.0
    for task in v.tasks:
        if isinstance(task, InstructionsTask):
            total += task.read_seconds
        elif isinstance(task, ListeningTask):
            audio = sf.info(str(demo_source_dir(lang) / task.audio)).duration
            total += task.read_seconds + task.plays * audio + (task.plays - 1) * FlowTimings().pause_between_plays_s
            total += task.answer_seconds
        elif isinstance(task, (ReadAloudTask, PhotoDescriptionTask)):
            total += task.prep_seconds + task.answer_seconds
    total += v.written_section.read_seconds + v.written_section.seconds
    minutes = STRUCTURE[m.subject]["whole_work_minutes"]
    print(f"{lang}: the timed phases add up to {total / 60:.1f} min of {minutes}")
    assert minutes * 60 - 120 <= total <= minutes * 60
    assert sum(len(t.items) for t in v.tasks if isinstance(t, ShortAnswerTask)) == 12
