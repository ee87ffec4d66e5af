"""The phases of the student's flow and the persisted session state.

``SessionState`` is what survives a crash: it is written atomically to
``session.json`` on every transition and about once a second while a timer runs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any


class Phase(str, Enum):
    """Where the student is. Values are persisted; never rename them."""

    SOUND_HEAR = "sound_hear"          # a phrase plays; "heard" / "not heard"
    SOUND_SPEAK = "sound_speak"        # the student says a phrase, live level meter
    SOUND_PLAYBACK = "sound_playback"  # the student hears themself; confirm or retry
    RAISE_HAND = "raise_hand"          # an adult is needed; the reason is shown
    CODE_ENTRY = "code_entry"
    CODE_CONFIRM = "code_confirm"
    INSTRUCTIONS = "instructions"
    LISTEN_READ = "listen_read"        # time to read the questions
    LISTEN_PLAY = "listen_play"        # the prompt plays (n of plays)
    LISTEN_ANSWER = "listen_answer"    # time to finish choosing
    PHOTO_CHOICE = "photo_choice"      # choose one of three photos (preparation time runs)
    PREPARE = "prepare"                # preparation countdown
    ANSWER = "answer"                  # recording countdown
    WRITTEN_INTRO = "written_intro"    # the written section's instruction (Russian), its own short timer
    WRITTEN = "written"                # the written section: one timer, free movement between items
    SEALING = "sealing"
    DONE = "done"


#: Phases that belong to a participant's session (persisted and resumed).
SESSION_PHASES = {
    Phase.INSTRUCTIONS, Phase.LISTEN_READ, Phase.LISTEN_PLAY, Phase.LISTEN_ANSWER,
    Phase.PHOTO_CHOICE, Phase.PREPARE, Phase.ANSWER, Phase.WRITTEN_INTRO, Phase.WRITTEN, Phase.SEALING, Phase.DONE,
}
#: Phases of the sound check before a session (``station.flow.sound_check``).
SOUND_CHECK_PHASES = {Phase.SOUND_HEAR, Phase.SOUND_SPEAK, Phase.SOUND_PLAYBACK}


@dataclass
class Piece:
    """One recorded piece of an answer (an answer has several after a resume)."""

    file: str          # file name inside the session's audio dir
    sha256: str
    duration_s: float
    recovered: bool = False
    faults: list[str] = field(default_factory=list)


@dataclass
class SessionState:
    """A participant's persisted progress."""

    session_id: str
    participant_code: str
    variant: int
    package_id: str
    subject: str
    station_id: str
    created_at: str
    phase: Phase = Phase.INSTRUCTIONS
    task_index: int = 0
    phase_elapsed_s: float = 0.0
    plays_done: int = 0
    listening_answers: dict[str, dict[str, int]] = field(default_factory=dict)
    written_answers: dict[str, dict[str, int | str]] = field(default_factory=dict)
    written_item: int = 0            # the item shown in the written section (resume there)
    written_elapsed_s: float = 0.0   # the section's time used when it was interrupted
    written_warned: list[int] = field(default_factory=list)  # minutes-left warnings already shown
    time_factor: float = 1.0         # every timed phase lasts this much longer (accommodation)
    large_print: bool = False
    accommodation: dict[str, Any] = field(default_factory=dict)  # as received, for the record
    photo_choice: dict[str, int] = field(default_factory=dict)
    pieces: dict[str, list[Piece]] = field(default_factory=dict)
    resumes: int = 0
    finished: bool = False
    package_path: str | None = None

    @classmethod
    def begin(cls, participant_code: str, variant: int, package_id: str, subject: str,
              station_id: str) -> "SessionState":
        """A new participant's state; the id is the code and the UTC start time."""
        now = datetime.now(timezone.utc)
        return cls(session_id=f"{participant_code}-{now.strftime('%Y%m%dT%H%M%S')}",
                   participant_code=participant_code, variant=variant, package_id=package_id,
                   subject=subject, station_id=station_id, created_at=now.isoformat(timespec="seconds"))

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["phase"] = self.phase.value
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "SessionState":
        d = dict(d)
        d["phase"] = Phase(d["phase"])
        d["pieces"] = {k: [Piece(**p) for p in v] for k, v in d.get("pieces", {}).items()}
        return cls(**d)

    def recorded_seconds(self, task_id: str) -> float:
        return sum(p.duration_s for p in self.pieces.get(task_id, []))
