"""The in-memory model of a verified package manifest: frozen dataclasses for the
package, its variants, tasks and media references. Built only from a manifest that
passed the JSON Schema (see :mod:`exam_content.manifest`). The station sees this model;
the answer key is never part of it (it travels in a separate archive, see
:mod:`exam_content.answer_key`).

Format version 2 adds the written tasks (:class:`ReadingMatchingTask`,
:class:`MultipleChoiceTask`, :class:`ShortAnswerTask`) with the variant's
:class:`WrittenSection`, a task's :class:`Level`, the oral tasks' :class:`Rubric`, and
per variant ``max_primary`` and the ``mark_scale``. A version-1 manifest builds the same
model with those left empty (``level=None``, ``rubric=None``, ``mark_scale=()``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Union


class TaskType(str, Enum):
    INSTRUCTIONS = "instructions"
    LISTENING = "listening"
    READ_ALOUD = "read_aloud"
    PHOTO_DESCRIPTION = "photo_description"
    READING_MATCHING = "reading_matching"
    MULTIPLE_CHOICE = "multiple_choice"
    SHORT_ANSWER = "short_answer"


class Level(str, Enum):
    """Basic or advanced, as the federal results form marks a task."""

    BASIC = "Б"
    ADVANCED = "П"


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
class Descriptor:
    """What an answer scoring ``points`` on a criterion looks like."""

    points: int
    text: str


@dataclass(frozen=True)
class Criterion:
    id: str  # as printed: "К1"
    title: str
    max_points: int
    descriptors: tuple[Descriptor, ...]


@dataclass(frozen=True)
class Rubric:
    """Structured criteria of an oral task; ``zero_if``: criteria ids whose 0 makes the
    whole task 0 (the published criteria say so for the communicative task)."""

    criteria: tuple[Criterion, ...]
    zero_if: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class TaskBase:
    id: str
    number: str
    title: str
    max_points: int
    criteria: str
    level: Level | None = None


@dataclass(frozen=True, kw_only=True)
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


@dataclass(frozen=True, kw_only=True)
class ListeningTask(TaskBase):
    instruction: str
    audio: str
    plays: int
    read_seconds: int
    answer_seconds: int
    questions: tuple[Question, ...]
    type: TaskType = TaskType.LISTENING


@dataclass(frozen=True, kw_only=True)
class ReadAloudTask(TaskBase):
    instruction: str
    text: str
    prep_seconds: int
    answer_seconds: int
    rubric: Rubric | None = None
    type: TaskType = TaskType.READ_ALOUD


@dataclass(frozen=True, kw_only=True)
class PhotoDescriptionTask(TaskBase):
    instruction: str
    photos: tuple[str, str, str]
    plan: tuple[str, ...]
    prep_seconds: int
    answer_seconds: int
    rubric: Rubric | None = None
    type: TaskType = TaskType.PHOTO_DESCRIPTION


@dataclass(frozen=True)
class MatchText:
    """One text of a matching task (an item): ``label`` as printed ("A")."""

    id: str
    label: str
    text: str


@dataclass(frozen=True, kw_only=True)
class ReadingMatchingTask(TaskBase):
    """Texts (the items) matched with ``options`` (headings or statements, usually one
    more than the texts)."""

    instruction: str
    texts: tuple[MatchText, ...]
    options: tuple[str, ...]
    type: TaskType = TaskType.READING_MATCHING


@dataclass(frozen=True, kw_only=True)
class MultipleChoiceTask(TaskBase):
    """A reading text (optional) with questions, each with options."""

    instruction: str
    questions: tuple[Question, ...]
    text: str | None = None
    type: TaskType = TaskType.MULTIPLE_CHOICE


@dataclass(frozen=True)
class GapItem:
    """A typed item: ``prompt`` with a gap (``___``) and the given ``word`` (the word
    to put into the right form, or the stem to form a word from)."""

    id: str
    prompt: str
    word: str


@dataclass(frozen=True, kw_only=True)
class ShortAnswerTask(TaskBase):
    """Typed short answers; the accepted answers are in the answer key only."""

    instruction: str
    items: tuple[GapItem, ...]
    text: str | None = None
    type: TaskType = TaskType.SHORT_ANSWER


Task = Union[InstructionsTask, ListeningTask, ReadAloudTask, PhotoDescriptionTask, ReadingMatchingTask,
             MultipleChoiceTask, ShortAnswerTask]
WrittenTask = Union[ReadingMatchingTask, MultipleChoiceTask, ShortAnswerTask]
#: Task types of the written section (one timer, free movement between items).
WRITTEN_TYPES = (ReadingMatchingTask, MultipleChoiceTask, ShortAnswerTask)


def item_ids(task: Task) -> tuple[str, ...]:
    """The ids of a task's objectively scored items (questions, texts, gaps), in order;
    () for instructions and the oral tasks."""
    if isinstance(task, (ListeningTask, MultipleChoiceTask)):
        return tuple(q.id for q in task.questions)
    if isinstance(task, ReadingMatchingTask):
        return tuple(x.id for x in task.texts)
    if isinstance(task, ShortAnswerTask):
        return tuple(x.id for x in task.items)
    return ()


@dataclass(frozen=True)
class MarkRange:
    """Primary scores ``low``..``high`` (inclusive) give ``mark``."""

    mark: int
    low: int
    high: int


@dataclass(frozen=True)
class WrittenSection:
    """The written tasks' section: a Russian instruction read first (``read_seconds``),
    then one timer (``seconds``) for all of them."""

    title: str
    instruction: str
    read_seconds: int
    seconds: int


@dataclass(frozen=True)
class Variant:
    number: int
    tasks: tuple[Task, ...]
    max_primary: int | None = None  # version 2; None in version 1
    mark_scale: tuple[MarkRange, ...] = ()
    written_section: WrittenSection | None = None

    @property
    def max_points(self) -> int:
        return sum(t.max_points for t in self.tasks)

    @property
    def scored_tasks(self) -> tuple[Task, ...]:
        """The tasks that count (not the instructions), in order."""
        return tuple(t for t in self.tasks if not isinstance(t, InstructionsTask))

    @property
    def written_tasks(self) -> tuple[WrittenTask, ...]:
        return tuple(t for t in self.tasks if isinstance(t, WRITTEN_TYPES))


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
    common = {k: d[k] for k in ("id", "number", "title", "max_points", "criteria")}
    common["level"] = Level(d["level"]) if d.get("level") else None
    return common


def _questions(d: dict[str, Any]) -> tuple[Question, ...]:
    return tuple(Question(q["id"], q["text"], tuple(q["options"])) for q in d["questions"])


def rubric_from_dict(d: dict[str, Any] | None) -> Rubric | None:
    if not d:
        return None
    criteria = tuple(
        Criterion(c["id"], c["title"], c["max_points"],
                  tuple(sorted((Descriptor(x["points"], x["text"]) for x in c["descriptors"]),
                               key=lambda x: -x.points)))
        for c in d["criteria"])
    return Rubric(criteria, tuple(d.get("zero_if", ())))


def task_from_dict(d: dict[str, Any]) -> Task:
    """Build a task from its schema-valid dict."""
    kind = TaskType(d["type"])
    if kind is TaskType.INSTRUCTIONS:
        return InstructionsTask(**_common(d), text=d["text"], read_seconds=d["read_seconds"], audio=d.get("audio"))
    if kind is TaskType.LISTENING:
        return ListeningTask(
            **_common(d), instruction=d["instruction"], audio=d["audio"], plays=d["plays"],
            read_seconds=d["read_seconds"], answer_seconds=d["answer_seconds"], questions=_questions(d),
        )
    if kind is TaskType.READ_ALOUD:
        return ReadAloudTask(
            **_common(d), instruction=d["instruction"], text=d["text"],
            prep_seconds=d["prep_seconds"], answer_seconds=d["answer_seconds"], rubric=rubric_from_dict(d.get("rubric")),
        )
    if kind is TaskType.PHOTO_DESCRIPTION:
        return PhotoDescriptionTask(
            **_common(d), instruction=d["instruction"], photos=tuple(d["photos"]), plan=tuple(d["plan"]),
            prep_seconds=d["prep_seconds"], answer_seconds=d["answer_seconds"], rubric=rubric_from_dict(d.get("rubric")),
        )
    if kind is TaskType.READING_MATCHING:
        return ReadingMatchingTask(
            **_common(d), instruction=d["instruction"], options=tuple(d["options"]),
            texts=tuple(MatchText(x["id"], x["label"], x["text"]) for x in d["texts"]),
        )
    if kind is TaskType.MULTIPLE_CHOICE:
        return MultipleChoiceTask(**_common(d), instruction=d["instruction"], text=d.get("text"),
                                  questions=_questions(d))
    return ShortAnswerTask(
        **_common(d), instruction=d["instruction"], text=d.get("text"),
        items=tuple(GapItem(x["id"], x["prompt"], x["word"]) for x in d["items"]),
    )


def variant_from_dict(v: dict[str, Any]) -> Variant:
    """Build a variant from its schema-valid dict (either format version)."""
    section = v.get("written_section")
    return Variant(
        v["number"], tuple(task_from_dict(t) for t in v["tasks"]),
        max_primary=v.get("max_primary"),
        mark_scale=tuple(MarkRange(r["mark"], r["min"], r["max"]) for r in v.get("mark_scale", ())),
        written_section=WrittenSection(section["title"], section["instruction"], section["read_seconds"],
                                       section["seconds"]) if section else None,
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
        variants=tuple(variant_from_dict(v) for v in d["variants"]),
    )


def media_paths_of(task: Task) -> tuple[str, ...]:
    """Every media path a task refers to."""
    if isinstance(task, PhotoDescriptionTask):
        return task.photos
    if isinstance(task, (ListeningTask, InstructionsTask)) and task.audio:
        return (task.audio,)
    return ()
