"""How long things take in the flow: the flow's own fixed timings
(:class:`FlowTimings`), the length of each timed phase of a task or of the written
section, which comes from the exam package (:func:`phase_seconds`), and the
accommodation's extra time as one factor for every timed phase (:func:`time_factor`).

Extra time as minutes (``+15``) is added to the whole work and spread over every timed
phase in proportion to its length: the factor is ``(T + 15 min) / T`` where ``T`` is
the sum of the variant's timed phases (:func:`timed_seconds`). A factor (``1.5``) is
used as it is. The listening prompt's plays and the pause between them are not timers
and are not stretched."""

from __future__ import annotations

from dataclasses import dataclass

from exam_content.model import (
    WRITTEN_TYPES,
    InstructionsTask,
    ListeningTask,
    PhotoDescriptionTask,
    ReadAloudTask,
    Task,
    Variant,
)
from station.flow.phases import Phase
from sync.protocol import Accommodation


@dataclass(frozen=True)
class FlowTimings:
    """Fixed timings of the flow itself (task timings come from the package)."""

    speak_check_s: float = 5.0       # the sound-check phrase recording
    silence_warn_after_s: float = 8.0  # silent answer this long -> warning
    pause_between_plays_s: float = 3.0
    persist_every_s: float = 0.5

    @classmethod
    def fast(cls) -> "FlowTimings":
        return cls(speak_check_s=3.0, silence_warn_after_s=3.0, pause_between_plays_s=1.0)


def phase_seconds(phase: Phase, task: Task | None, variant: Variant | None = None) -> float | None:
    """Length of ``phase`` of ``task`` (the written section's phases: of ``variant``'s
    section), or None for a phase without a timer."""
    if task is None:
        return None
    section = variant.written_section if variant is not None else None
    if phase in (Phase.WRITTEN_INTRO, Phase.WRITTEN) and isinstance(task, WRITTEN_TYPES) and section is not None:
        return float(section.read_seconds if phase is Phase.WRITTEN_INTRO else section.seconds)
    if phase is Phase.INSTRUCTIONS and isinstance(task, InstructionsTask):
        return float(task.read_seconds)
    if phase is Phase.LISTEN_READ and isinstance(task, ListeningTask):
        return float(task.read_seconds)
    if phase is Phase.LISTEN_ANSWER and isinstance(task, ListeningTask):
        return float(task.answer_seconds)
    if phase in (Phase.PHOTO_CHOICE, Phase.PREPARE) and isinstance(task, (ReadAloudTask, PhotoDescriptionTask)):
        return float(task.prep_seconds)
    if phase is Phase.ANSWER and isinstance(task, (ReadAloudTask, PhotoDescriptionTask)):
        return float(task.answer_seconds)
    return None


#: The timed phases of each kind of task, in order.
_TASK_PHASES = ((InstructionsTask, (Phase.INSTRUCTIONS,)), (ListeningTask, (Phase.LISTEN_READ, Phase.LISTEN_ANSWER)),
                ((ReadAloudTask, PhotoDescriptionTask), (Phase.PREPARE, Phase.ANSWER)))


def timed_seconds(variant: Variant) -> float:
    """The sum of every timed phase of ``variant`` (tasks and the written section)."""
    total = 0.0
    for task in variant.tasks:
        for kinds, phases in _TASK_PHASES:
            if isinstance(task, kinds):
                total += sum(phase_seconds(p, task) or 0.0 for p in phases)
    if variant.written_section is not None:
        total += variant.written_section.read_seconds + variant.written_section.seconds
    return total


def time_factor(acc: Accommodation, variant: Variant) -> float:
    """How much longer every timed phase lasts for a participant with ``acc``."""
    base = timed_seconds(variant)
    if base <= 0:
        return acc.extra_factor
    return (base * acc.extra_factor + 60.0 * acc.extra_minutes) / base
