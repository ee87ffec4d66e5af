"""Delivered response packages -> responses to score, one per (package, oral task).

Each response gets a random opaque id (16 hex digits): the only name an expert's
browser ever sees. Its audio - the answer's pieces joined - is written as a new FLAC
(``scoring/audio/<id>.flac``: samples only, no tags, no times), with waveform peaks
and indicators measured on the node (speech duration, longest pause, share of
silence, clipping), so an empty answer is seen at once. A random ``order_key`` spreads
responses across classes and stations; a random ``double_key`` below the subject's
double-marking share sends a response to a second expert.

The objective tasks of the package are scored from the answer key at the same time
(:mod:`coordinator.scoring.auto`). Reads packages through the node's storage API.
"""

from __future__ import annotations

import io
import json
import logging
import secrets
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np
import soundfile as sf

from audio.analysis import SILENCE_DBFS, analyze, block_rms_dbfs
from audio.errors import AudioError, RecordingKeyError
from coordinator.node.answers import answer_flac
from coordinator.node.storage import NodeStore
from coordinator.scoring import auto, content
from coordinator.scoring.store import ScoringStore
from exam_content.model import PhotoDescriptionTask, ReadAloudTask
from sync.errors import PackageError
from sync.package import FILES_PREFIX, read_manifest
from vpr_common.atomic import atomic_write_bytes

log = logging.getLogger(__name__)
PEAKS = 800
ORAL = (ReadAloudTask, PhotoDescriptionTask)


@dataclass
class PrepareReport:
    packages: int = 0
    responses: int = 0
    objective_scored: int = 0
    skipped: list[str] = field(default_factory=list)  # Russian reasons, no names


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def indicators(samples: np.ndarray, rate: int) -> dict:
    """What an expert sees beside the player: seconds of speech, the longest pause,
    the share of silence and of clipped samples (``audio.analysis`` definitions)."""
    duration = len(samples) / rate if rate else 0.0
    if not len(samples):
        return {"duration_s": 0.0, "speech_s": 0.0, "longest_pause_s": 0.0, "silence_share": 1.0,
                "clipped_share": 0.0, "empty": True}
    a = analyze(samples, rate)
    blocks = block_rms_dbfs(samples.astype(np.float64) / 32768.0, rate)
    silence = float(np.mean(blocks < SILENCE_DBFS)) if len(blocks) else 1.0
    speech_s = round(a.speech_fraction * duration, 1)
    return {"duration_s": round(duration, 1), "speech_s": speech_s,
            "longest_pause_s": round(a.longest_silence_s, 1), "silence_share": round(silence, 3),
            "clipped_share": round(a.clipped_fraction, 4), "empty": a.digital_silence or speech_s < 1.0}


def peaks(samples: np.ndarray, n: int = PEAKS) -> list[int]:
    """Loudness of ``n`` equal slices, 0..100 (the waveform the browser draws)."""
    if not len(samples):
        return [0] * n
    x = np.abs(samples.astype(np.int32))
    edges = np.linspace(0, len(x), n + 1).astype(int)
    out = [int(x[a:b].max()) if b > a else 0 for a, b in zip(edges[:-1], edges[1:])]
    return [min(100, round(100 * v / 32768)) for v in out]


def _join_pieces(node: NodeStore, package_id: str, pieces: list[dict]) -> tuple[np.ndarray, int]:
    """The answer's pieces as one mono 16-bit signal (each piece opened by the node:
    :func:`coordinator.node.answers.answer_flac`)."""
    parts, rate = [], 16000
    for piece in pieces:
        with sf.SoundFile(io.BytesIO(answer_flac(node, package_id, piece["file"]))) as f:
            rate = f.samplerate
            parts.append(f.read(dtype="int16", always_2d=False))
    if not parts:
        return np.zeros(0, dtype=np.int16), rate
    return np.concatenate([p if p.ndim == 1 else p[:, 0] for p in parts]), rate


def _write_flac(store: ScoringStore, response_id: str, samples: np.ndarray, rate: int) -> str | None:
    if not len(samples):
        return None
    buf = io.BytesIO()
    sf.write(buf, samples, rate, format="FLAC", subtype="PCM_16")
    name = f"{response_id}.flac"
    atomic_write_bytes(store.audio_dir / name, buf.getvalue())
    return name


def prepare(scoring: ScoringStore, node: NodeStore, subject_id: str) -> PrepareReport:
    """Make responses of every delivered package of the subject's linked content that
    was not prepared yet; score its objective tasks when the answer key is loaded."""
    link = content.get_link(scoring, subject_id)
    done = {r[0] for r in scoring.query("SELECT package_id FROM prepared")}
    report = PrepareReport()
    for row in node.list_packages():
        if row["subject"] != link.content_subject or row["package_id"] in done:
            continue
        try:
            made = _prepare_package(scoring, node, subject_id, row["package_id"])
        except RecordingKeyError as exc:
            log.warning("package %s not prepared: %s", row["package_id"], exc.detail)
            report.skipped.append(f"пакет {row['package_id'][:8]}…: ответы зашифрованы для другого узла "
                                  "(станция была подключена к другому узлу координатора)")
            continue
        except (PackageError, AudioError, KeyError, ValueError, RuntimeError, sf.LibsndfileError) as exc:
            log.warning("package %s not prepared: %s", row["package_id"], exc)
            report.skipped.append(f"пакет {row['package_id'][:8]}…: не удалось прочитать ответы ({type(exc).__name__})")
            continue
        if made is None:
            report.skipped.append(f"пакет {row['package_id'][:8]}…: экзаменационные материалы этого пакета "
                                  "не загружены для оценивания")
            continue
        report.packages += 1
        report.responses += made[0]
        report.objective_scored += made[1]
    return report


def _prepare_package(scoring: ScoringStore, node: NodeStore, subject_id: str, package_id: str):
    path = node.package_file(package_id)
    manifest, _, _ = read_manifest(path)
    extra = manifest.get("extra") or {}
    exam = content.package(scoring, str(extra.get("exam_package_id", "")))
    if exam is None:
        return None
    variant_no = int(manifest["variant"])
    variant = next(v for v in exam.manifest.variants if v.number == variant_no)
    with zipfile.ZipFile(path) as zf:
        responses = json.loads(zf.read(FILES_PREFIX + "responses.json"))
        rows = []
        for task in variant.tasks:
            if not isinstance(task, ORAL):
                continue
            rid = secrets.token_hex(8)
            samples, rate = _join_pieces(node, package_id, (responses.get("pieces") or {}).get(task.id, []))
            photo = None
            if isinstance(task, PhotoDescriptionTask):
                chosen = (responses.get("photo_choice") or {}).get(task.id)
                if chosen is not None and 0 <= int(chosen) < len(task.photos):
                    photo = content.media_name(scoring, exam, task.photos[int(chosen)])
            rows.append((rid, subject_id, package_id, manifest["participant_code"], variant_no, task.id, task.number,
                         exam.manifest.package_id, _write_flac(scoring, rid, samples, rate),
                         round(len(samples) / rate, 2) if rate else 0.0, json.dumps(indicators(samples, rate)),
                         json.dumps(peaks(samples)), photo, secrets.randbelow(10**9) / 10**9,
                         secrets.randbelow(10**9) / 10**9, _now()))
    key = content.answer_key(scoring, exam.manifest.package_id)
    objective = auto.objective_points(exam.manifest, key, variant_no, responses) if key else None
    with scoring.tx() as db:
        db.executemany("INSERT OR IGNORE INTO responses(id, subject_id, package_id, participant_code, variant, task_id, "
                       "task_number, content_package_id, audio, duration_s, indicators_json, peaks_json, photo, "
                       "order_key, double_key, created_utc) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        db.execute("INSERT OR REPLACE INTO prepared(package_id, subject_id, participant_code, variant, "
                   "content_package_id, objective_json, prepared_utc) VALUES(?,?,?,?,?,?,?)",
                   (package_id, subject_id, manifest["participant_code"], variant_no, exam.manifest.package_id,
                    json.dumps(objective) if objective is not None else None, _now()))
    return len(rows), 1 if objective is not None else 0


def rescore_objective(scoring: ScoringStore, node: NodeStore, subject_id: str) -> int:
    """Score the objective tasks of prepared packages that were waiting for their answer
    key (loaded later); returns how many packages were scored now."""
    n = 0
    for row in scoring.query("SELECT * FROM prepared WHERE subject_id=? AND objective_json IS NULL", (subject_id,)):
        key = content.answer_key(scoring, row["content_package_id"] or "")
        exam = content.package(scoring, row["content_package_id"] or "")
        if key is None or exam is None:
            continue
        with zipfile.ZipFile(node.package_file(row["package_id"])) as zf:
            responses = json.loads(zf.read(FILES_PREFIX + "responses.json"))
        objective = auto.objective_points(exam.manifest, key, int(row["variant"]), responses)
        with scoring.tx() as db:
            db.execute("UPDATE prepared SET objective_json=? WHERE package_id=?",
                       (json.dumps(objective), row["package_id"]))
        n += 1
    return n
