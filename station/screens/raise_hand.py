"""The "raise your hand" screen: what the student does, and the reason for the adult."""

from __future__ import annotations

from station.messages import t
from station.screens.base import FlowScreen


class RaiseHandScreen(FlowScreen):
    def refresh(self, flow) -> None:
        self.ids.reason.text = t("hand.reason", reason=flow.raise_hand_reason) if flow.raise_hand_reason else ""
        self.ids.cont.disabled = not flow.raise_hand_can_continue
        self.ids.cont.opacity = 1 if flow.raise_hand_can_continue else 0
        self.ids.retry.disabled = flow.raise_hand_can_continue
        self.ids.retry.opacity = 0 if flow.raise_hand_can_continue else 1
