"""The in-memory model of a verified package manifest: frozen dataclasses for the
package, its variants, tasks and media references. Built only from a manifest that
passed the JSON Schema (see :mod:`exam_content.manifest`). The station sees this model;
the answer key of listening tasks is never part of it (it travels in a separate
archive, see :mod:`exam_content.answer_key`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Union


class TaskType(str, Enum):
    INSTRUCTIONS = "instructions"
    LISTENING = "listening"
    READ_ALOUD = "read_aloud"
    PHOTO_DESCRIPTION = "photo_description"


class VariantRule(str, Enum):
    """How a participant code maps to a variant."""

    CODE_MODULO = "code_modulo"
    SINGLE = "single"


@dataclass(frozen=True)
class MediaFile:
    path: str
    sha256: str
    size: int
    media_type: str


@dataclass(frozen=True)
class TaskBase:
    id: str
    number: str
    title: str
    max_points: int
    criteria: str


@dataclass(frozen=True)
class InstructionsTask(TaskBase):
    text: str
    read_seconds: int
    audio: str | None = None
    type: TaskType = TaskType.INSTRUCTIONS


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class ListeningTask(TaskBase):
    instruction: str
    audio: str
    plays: int
    read_seconds: int
    answer_seconds: int
    questions: tuple[Question, ...]
    type: TaskType = TaskType.LISTENING


@dataclass(frozen=True)
class ReadAloudTask(TaskBase):
    instruction: str
    text: str
    prep_seconds: int
    answer_seconds: int
    type: TaskType = TaskType.READ_ALOUD


@dataclass(frozen=True)
class PhotoDescriptionTask(TaskBase):
    instruction: str
    photos: tuple[str, str, str]
    plan: tuple[str, ...]
    prep_seconds: int
    answer_seconds: int
    type: TaskType = TaskType.PHOTO_DESCRIPTION


Task = Union[InstructionsTask, ListeningTask, ReadAloudTask, PhotoDescriptionTask]


@dataclass(frozen=True)
class Variant:
    number: int
    tasks: tuple[Task, ...]

    @property
    def max_points(self) -> int:
        return sum(t.max_points for t in self.tasks)


@dataclass(frozen=True)
class Manifest:
    format_version: int
    package_id: str
    procedure: str
    title: str
    subject: str
    language: str
    grade: int
    school_id: str | None
    created_at: str
    rehearsal: bool
    variant_rule: VariantRule
    files: tuple[MediaFile, ...]
    variants: tuple[Variant, ...]

    def file(self, path: str) -> MediaFile:
        """The media entry for ``path``; raises ``KeyError`` if it is not listed."""
        for f in self.files:
            if f.path == path:
                return f
        raise KeyError(path)

    def variant(self, number: int) -> Variant:
        """The variant with ``number``; raises ``KeyError`` if there is none."""
        for v in self.variants:
            if v.number == number:
                return v
        raise KeyError(number)

    def variant_for_code(self, code: str) -> Variant:
        """The variant a participant with 5-digit ``code`` gets under the package's rule."""
        if self.variant_rule is VariantRule.SINGLE or len(self.variants) == 1:
            return self.variants[0]
        ordered = sorted(self.variants, key=lambda v: v.number)
        return ordered[int(code) % len(ordered)]


def _common(d: dict[str, Any]) -> dict[str, Any]:
    return {k: d[k] for k in ("id", "number", "title", "max_points", "criteria")}


def task_from_dict(d: dict[str, Any]) -> Task:
    """Build a task from its schema-valid dict."""
    kind = TaskType(d["type"])
    if kind is TaskType.INSTRUCTIONS:
        return InstructionsTask(**_common(d), text=d["text"], read_seconds=d["read_seconds"], audio=d.get("audio"))
    if kind is TaskType.LISTENING:
        questions = tuple(Question(q["id"], q["text"], tuple(q["options"])) for q in d["questions"])
        return ListeningTask(
            **_common(d), instruction=d["instruction"], audio=d["audio"], plays=d["plays"],
            read_seconds=d["read_seconds"], answer_seconds=d["answer_seconds"], questions=questions,
        )
    if kind is TaskType.READ_ALOUD:
        return ReadAloudTask(
            **_common(d), instruction=d["instruction"], text=d["text"],
            prep_seconds=d["prep_seconds"], answer_seconds=d["answer_seconds"],
        )
    return PhotoDescriptionTask(
        **_common(d), instruction=d["instruction"], photos=tuple(d["photos"]), plan=tuple(d["plan"]),
        prep_seconds=d["prep_seconds"], answer_seconds=d["answer_seconds"],
    )


def manifest_from_dict(d: dict[str, Any]) -> Manifest:
    """Build the model from a schema-valid manifest dict."""
    return Manifest(
        format_version=d["format_version"],
        package_id=d["package_id"],
        procedure=d["procedure"],
        title=d["title"],
        subject=d["subject"],
        language=d["language"],
        grade=d["grade"],
        school_id=d.get("school_id"),
        created_at=d["created_at"],
        rehearsal=d["rehearsal"],
        variant_rule=VariantRule(d["variant_rule"]),
        files=tuple(MediaFile(f["path"], f["sha256"], f["size"], f["media_type"]) for f in d["files"]),
        variants=tuple(
            Variant(v["number"], tuple(task_from_dict(t) for t in v["tasks"])) for v in d["variants"]
        ),
    )


def media_paths_of(task: Task) -> tuple[str, ...]:
    """Every media path a task refers to."""
    if isinstance(task, PhotoDescriptionTask):
        return task.photos
    if isinstance(task, (ListeningTask, InstructionsTask)) and task.audio:
        return (task.audio,)
    return ()
