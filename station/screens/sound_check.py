"""Sound check screens: hear a phrase, say a phrase with a live level meter, hear
yourself back."""

from __future__ import annotations

from kivy.app import App

from station.messages import format_time, t
from station.screens.base import ENTER, FlowScreen



class SoundHearScreen(FlowScreen):
    def refresh(self, flow) -> None:
        self.ids.notice.text = flow.message

    def on_key(self, key, text, modifiers=()) -> bool:
        if key in ENTER:
            App.get_running_app().flow.heard(True)
            return True
        return False


class SoundSpeakScreen(FlowScreen):
    def refresh(self, flow) -> None:
        level = flow.level()
        self.ids.meter.set_dbfs(level.rms_dbfs if level else None)
        self.ids.meter.speaking = bool(level and level.rms_dbfs > -45)
        self.ids.timer.text = f"{t('speak.recording')}: {format_time(flow.remaining_s)}"
        self.ids.notice.text = flow.message


class SoundPlaybackScreen(FlowScreen):
    def on_key(self, key, text, modifiers=()) -> bool:
        if key in ENTER:
            App.get_running_app().flow.playback_ok(True)
            return True
        return False
