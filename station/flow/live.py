"""What the station is doing now, as the node's live board reads it (``live`` of a
heartbeat, :class:`sync.protocol.Activity`): the activity, the participant code (never
a name), "task n of m" and the time left of the timed phase.

:class:`LiveState` is fed on the UI thread (:meth:`LiveState.update`, every frame) and
read on the sync worker's thread (:meth:`LiveState.snapshot`): the UI thread builds a
new dict and swaps it in, so the worker never sees one half made. ``update`` returns
True when the board would show something different (another activity, task or code),
so the caller can send a heartbeat at once instead of at the next interval.
"""

from __future__ import annotations

from station.flow.phases import SOUND_CHECK_PHASES, Phase
from sync.protocol import Activity


def live_of(flow) -> dict:
    """The ``live`` dict of the flow's current state."""
    phase = flow.phase
    if phase is Phase.RAISE_HAND:
        return {"activity": Activity.FAULT.value, "fault": flow.raise_hand_reason,
                "code": flow.session.participant_code if flow.session else ""}
    if phase in SOUND_CHECK_PHASES:
        return {"activity": Activity.SOUND_CHECK.value}
    if phase in (Phase.CODE_ENTRY, Phase.CODE_CONFIRM) or flow.session is None:
        return {"activity": Activity.READY.value}
    if phase in (Phase.SEALING, Phase.DONE):
        return {"activity": Activity.DONE.value, "code": flow.session.participant_code}
    live = {"activity": Activity.IN_TASK.value, "code": flow.session.participant_code}
    where = flow.position()
    if where is not None:
        live["task"], live["tasks"] = where
    remaining = flow.remaining_s
    if remaining is not None:
        live["remaining_s"] = round(remaining, 1)
    return live


class LiveState:
    """The latest ``live`` dict, handed from the UI thread to the sync worker."""

    _KEYS = ("activity", "code", "task", "tasks", "fault")

    def __init__(self) -> None:
        self._live: dict = {}  # nothing known yet: the first update is a change

    def update(self, flow) -> bool:
        """Take the flow's state; True when what the board shows changed."""
        new = live_of(flow)
        changed = any(new.get(k) != self._live.get(k) for k in self._KEYS)
        self._live = new
        return changed

    def snapshot(self) -> dict:
        return dict(self._live)
