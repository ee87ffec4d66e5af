"""A small real world for the scoring tests: a node data dir with the school (classes,
codes, the demo subjects), the demo exam package built and loaded for scoring with its
answer key, and response packages sealed by an offline station and imported - each
with recorded answers (FLAC pieces: bursts of a voice-like tone with pauses, or
silence) and listening choices."""

from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from coordinator.node.storage import NodeStore
from coordinator.node.usb_import import import_file
from coordinator.school import codes as school_codes
from coordinator.school import roster, subjects
from coordinator.school.store import SchoolStore
from coordinator.scoring import content
from coordinator.scoring.store import ScoringStore
from exam_content.archive import open_package
from exam_content.builder import build_package
from exam_content.demo import demo_source_dir
from exam_content.model import ListeningTask, PhotoDescriptionTask, ReadAloudTask
from sync.package import seal_package
from tests.sync.harness import offline_station

PASSWORD = "Kx7pQ2mZr9tW"
RATE = 16000


def voice(seconds: float, seed: int, silent: bool = False) -> np.ndarray:
    """A voice-like signal: 0.4-1.2 s bursts of a 150-300 Hz tone with harmonics at about
    -20 dBFS, separated by 0.2-0.8 s pauses (or digital silence)."""
    n = int(seconds * RATE)
    if silent:
        return np.zeros(n, dtype=np.int16)
    rng = np.random.default_rng(seed)
    out = np.zeros(n, dtype=np.float64)
    at = 0
    while at < n:
        burst = int(rng.uniform(0.4, 1.2) * RATE)
        f0 = rng.uniform(150, 300)
        t = np.arange(min(burst, n - at)) / RATE
        out[at:at + len(t)] = 0.1 * (np.sin(2 * np.pi * f0 * t) + 0.5 * np.sin(4 * np.pi * f0 * t))
        at += burst + int(rng.uniform(0.2, 0.8) * RATE)
    return (out * 32767).astype(np.int16)


def flac_bytes(samples: np.ndarray) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, samples, RATE, format="FLAC", subtype="PCM_16")
    return buf.getvalue()


def subject_like(manifest, subject_id: str = "eng8") -> subjects.Subject:
    """The school subject of the results form that matches the content's tasks."""
    variant = manifest.variants[0]
    tasks = [{"number": t.number, "max": t.max_points, "level": getattr(getattr(t, "level", None), "value", None) or "Б"}
             for t in variant.tasks if t.max_points]
    total = sum(t["max"] for t in tasks)
    return subjects.parse_subjects({"format": subjects.FORMAT, "subjects": [{
        "id": subject_id, "name": "Английский язык", "grade": 8, "variants": len(manifest.variants), "tasks": tasks,
        "scale": {"3": round(total * 0.4), "4": round(total * 0.65), "5": round(total * 0.85)}}]})[0]


@dataclass
class World:
    data: Path
    node: NodeStore
    scoring: ScoringStore
    package_id: str
    codes: list[str]

    def school(self) -> SchoolStore:
        return SchoolStore(self.data)


def make_world(tmp: Path, participants: int = 6, silent_codes: int = 0) -> World:
    data = tmp / "node"
    pkg_path = tmp / "vpr-demo-en.zip"
    build_package(demo_source_dir("en"), pkg_path, PASSWORD.encode(), fast=True)
    exam = open_package(pkg_path, PASSWORD.encode())
    with SchoolStore(data) as school:
        roster.add_counts(school, {"8А": participants // 2, "8Б": participants - participants // 2})
        school_codes.generate(school)
        subjects.save_subjects(school, [subject_like(exam.manifest)])
        codes = [c.code for c in school_codes.active_codes(school)]
    scoring = ScoringStore(data)
    info = content.load(scoring, pkg_path, PASSWORD, pkg_path.with_name(pkg_path.stem + ".answers.zip"))
    content.link(scoring, "eng8", "english")
    node = NodeStore(data)
    station = offline_station(node, tmp / "station")
    rng = random.Random(7)
    for i, code in enumerate(codes):
        variant = exam.manifest.variants[0]
        src = tmp / f"answers-{code}"
        (src / "answers").mkdir(parents=True)
        files, pieces, listening, photo = {}, {}, {}, {}
        for task in variant.tasks:
            if isinstance(task, ListeningTask):
                listening[task.id] = {q.id: rng.randrange(len(q.options)) for q in task.questions}
            if isinstance(task, (ReadAloudTask, PhotoDescriptionTask)):
                name = f"{task.id}_1.flac"
                samples = voice(6 + i % 3, seed=i * 10 + len(task.id), silent=i < silent_codes)
                (src / "answers" / name).write_bytes(flac_bytes(samples))
                files[f"answers/{name}"] = src / "answers" / name
                pieces[task.id] = [{"file": name, "sha256": "", "duration_s": len(samples) / RATE}]
                if isinstance(task, PhotoDescriptionTask):
                    photo[task.id] = i % 3
        (src / "responses.json").write_text(json.dumps({"listening_answers": listening, "photo_choice": photo,
                                                        "pieces": pieces}), encoding="utf-8")
        files["responses.json"] = src / "responses.json"
        sealed = seal_package(files, {"participant_code": code, "variant": str(variant.number), "subject": "english",
                                      "extra": {"exam_package_id": info.package_id}},
                              station.station_key(), tmp / "sealed")
        assert import_file(node, sealed.path).outcome.value == "new"
    return World(data, node, scoring, info.package_id, codes)
