"""How long things take in the flow: the flow's own fixed timings
(:class:`FlowTimings`) and the length of each timed phase of a task, which comes from
the exam package (:func:`phase_seconds`)."""

from __future__ import annotations

from dataclasses import dataclass

from exam_content.model import InstructionsTask, ListeningTask, PhotoDescriptionTask, ReadAloudTask, Task
from station.flow.phases import Phase


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


def phase_seconds(phase: Phase, task: Task | None) -> float | None:
    """Length of ``phase`` of ``task``, or None for a phase without a timer."""
    if task is None:
        return None
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
