"""The written section: the variant's reading, grammar and vocabulary tasks as one
section with one timer, inside which the student moves freely between the items
(unlike the spoken tasks) and sees which are answered.

:class:`WrittenSection` owns the items in order (:class:`Item`: a matching text, a
question, a typed gap), the current position, the answers and their journal
(:mod:`station.flow.answer_journal`: every change on disk within milliseconds), and
the minutes-left warnings. It decides nothing about phases: the flow opens it when the
section's first task begins, makes it :attr:`~WrittenSection.active` only while the
section's timer runs, and closes it when the time is over or the student finishes.
The screens call :meth:`~WrittenSection.go` and :meth:`~WrittenSection.answer`; both
are refused while the section is not active.

Threads: the flow's (UI) thread only; the journal has its own writer thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum
from typing import Callable

from exam_content.model import (
    WRITTEN_TYPES,
    MultipleChoiceTask,
    ReadingMatchingTask,
    ShortAnswerTask,
    Variant,
    WrittenTask,
)
from station.flow.answer_journal import JOURNAL_FILE, AnswerJournal, replay
from station.flow.phases import SessionState
from station.flow.session_store import SessionStore

log = logging.getLogger(__name__)

#: Warnings at these numbers of minutes left.
WARN_MINUTES = (5, 1)
#: How long a warning stays on screen, seconds.
WARNING_SHOWN_S = 12.0
#: The longest typed answer kept (a word or two is expected).
MAX_TYPED = 80


class ItemKind(str, Enum):
    CHOICE = "choice"  # value: the index of an option
    TYPED = "typed"    # value: the text typed


@dataclass(frozen=True)
class Item:
    """One answerable item of the section: ``label`` as shown ("4A", "5.3")."""

    task: WrittenTask
    item_id: str
    label: str
    kind: ItemKind
    options: tuple[str, ...] = ()


def items_of(task: WrittenTask) -> tuple[Item, ...]:
    """The items of one written task, in order."""
    if isinstance(task, ReadingMatchingTask):
        return tuple(Item(task, x.id, f"{task.number}{x.label}", ItemKind.CHOICE, task.options) for x in task.texts)
    if isinstance(task, MultipleChoiceTask):
        return tuple(Item(task, q.id, f"{task.number}.{i}", ItemKind.CHOICE, q.options)
                     for i, q in enumerate(task.questions, start=1))
    assert isinstance(task, ShortAnswerTask)
    return tuple(Item(task, x.id, f"{task.number}.{i}", ItemKind.TYPED) for i, x in enumerate(task.items, start=1))


class WrittenSection:
    """See the module docstring. ``event(name, **details)`` writes a timeline event."""

    def __init__(self, store: SessionStore, event: Callable[..., None], clock: Callable[[], float]) -> None:
        self.store = store
        self._event = event
        self.clock = clock
        self.items: tuple[Item, ...] = ()
        self.active = False  # set by the flow: answers and moves only while the section's timer runs
        self.journal: AnswerJournal | None = None
        self.warning_minutes: int | None = None
        self._warning_at = 0.0
        self._session: SessionState | None = None

    # ---------------------------------------------------------------- life
    def open(self, session: SessionState, variant: Variant) -> None:
        """Take the section of ``variant`` for ``session``: its items, and the answers
        its journal holds (a resume after a crash finds every change there)."""
        self.close()
        self._session = session
        self.items = tuple(i for t in variant.tasks if isinstance(t, WRITTEN_TYPES) for i in items_of(t))
        path = self.store.dir_of(session.session_id) / JOURNAL_FILE
        answers, last_seq = replay(path)
        for task_id, values in answers.items():
            session.written_answers.setdefault(task_id, {}).update(values)
        self.store.dir_of(session.session_id).mkdir(parents=True, exist_ok=True)
        self.journal = AnswerJournal(path, first_seq=last_seq)
        session.written_item = min(max(session.written_item, 0), max(len(self.items) - 1, 0))

    def close(self) -> None:
        """Make every change durable and stop the journal (idempotent, never raises)."""
        self.active = False
        if self.journal is not None:
            self.journal.flush()
            self.journal.close()
            self.journal = None

    @property
    def journal_path(self):
        return None if self._session is None else self.store.dir_of(self._session.session_id) / JOURNAL_FILE

    @property
    def fault(self) -> OSError | None:
        """The journal could not write (a full disk): the flow stops for an adult."""
        return self.journal.fault if self.journal is not None else None

    # ---------------------------------------------------------------- where the student is
    @property
    def position(self) -> int:
        return self._session.written_item if self._session is not None else 0

    @property
    def item(self) -> Item | None:
        return self.items[self.position] if self.items else None

    def go(self, index: int) -> bool:
        """Show item ``index``; False (nothing changes) when out of range or not active."""
        if not self.active or self._session is None or not 0 <= index < len(self.items):
            return False
        self._session.written_item = index
        return True

    def next(self) -> bool:
        return self.go(self.position + 1)

    def prev(self) -> bool:
        return self.go(self.position - 1)

    # ---------------------------------------------------------------- answers
    def value(self, index: int) -> int | str | None:
        if self._session is None:
            return None
        item = self.items[index]
        return self._session.written_answers.get(item.task.id, {}).get(item.item_id)

    def answered(self, index: int) -> bool:
        v = self.value(index)
        return v is not None and (not isinstance(v, str) or v.strip() != "")

    @property
    def unanswered(self) -> list[str]:
        return [it.label for i, it in enumerate(self.items) if not self.answered(i)]

    def answer(self, index: int, value: int | str) -> bool:
        """Keep ``value`` for item ``index`` and journal it; False (nothing kept) when
        the section is not active, the value does not fit the item, or it is unchanged."""
        if not self.active or self._session is None or not 0 <= index < len(self.items):
            return False
        item = self.items[index]
        if item.kind is ItemKind.CHOICE:
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < len(item.options):
                return False
        elif not isinstance(value, str) or len(value) > MAX_TYPED:
            return False
        answers = self._session.written_answers.setdefault(item.task.id, {})
        if answers.get(item.item_id, "") == value:
            return False
        if value == "":
            answers.pop(item.item_id, None)
        else:
            answers[item.item_id] = value
        assert self.journal is not None
        self.journal.record(item.task.id, item.item_id, value)
        return True

    # ---------------------------------------------------------------- time
    def check_warning(self, remaining_s: float | None, duration_s: float | None) -> None:
        """Raise the 5- and 1-minute warnings once each (remembered across a resume);
        none for a section no longer than the warning's time (a rehearsal's)."""
        if remaining_s is None or duration_s is None or self._session is None:
            return
        for minutes in WARN_MINUTES:
            if minutes * 60 >= duration_s:
                continue
            if remaining_s <= minutes * 60 and minutes not in self._session.written_warned:
                self._session.written_warned.extend(m for m in WARN_MINUTES if m >= minutes
                                                    and m not in self._session.written_warned)
                self.warning_minutes = minutes
                self._warning_at = self.clock()
                self._event("written_warning", minutes_left=minutes)
                break

    @property
    def warning(self) -> int | None:
        """Minutes left of the warning on screen now, or None."""
        if self.warning_minutes is not None and self.clock() - self._warning_at < WARNING_SHOWN_S:
            return self.warning_minutes
        return None

    def summary(self) -> dict:
        """For the timeline when the section ends."""
        return {"items": len(self.items), "answered": len(self.items) - len(self.unanswered)}
