"""``vpr-station --self-test``: an unattended dry run of the whole student flow on this
PC with its real devices, driven through the real screens (buttons are pressed by
dispatching their events). While the flow records, a "student" voice (the package's
listening prompt) plays through the output, so on a loopback - or a headset lying on
the microphone - the recordings are not silent. Every screen is saved as PNG when asked.
The result is a JSON summary; any fault, raise-hand screen, callback exception or
timeout makes it fail.

Runs with its own sessions and outbox (``<data dir>/station/selftest``) so a dry run
never sends anything to the node."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from audio.player import Player
from exam_content.model import ListeningTask
from station.flow.phases import Phase
from sync.package import verify_package

log = logging.getLogger(__name__)

CODE = "12345"


class SelfTestDriver:
    """Attach with ``StationApp(on_tick=driver.tick)``."""

    def __init__(self, screenshots: Path | None, timeout_s: float) -> None:
        self.screenshots = Path(screenshots) if screenshots else None
        self.timeout_s = timeout_s
        self.started = time.monotonic()
        self.phase_started = self.started
        self.phase: Phase | None = None
        self.phases: list[str] = []
        self.shots: list[str] = []
        self.acted = False
        self.failures: list[str] = []
        self.result: dict | None = None
        self.voice: Player | None = None
        self._voice_bytes: bytes | None = None
        self._shot_pending = False
        self._frame_hooked = False
        self.answer_frame_dts: list[float] = []
        self.frame_dts: list[tuple[str, float]] = []  # every frame of the run, with its phase
        # frames over 100 ms: phase, length, CPU of this process and of its UI thread in it
        self.slow_frames: list[dict] = []
        self._cpu_at = time.process_time()
        self._ui_cpu_at = time.thread_time()  # _frame runs on the UI thread

    # ---------------------------------------------------------------- helpers
    def _voice(self, app) -> None:
        if self._voice_bytes is None:
            task = next(t for t in app.flow.manifest.variants[0].tasks if isinstance(t, ListeningTask))
            self._voice_bytes = app.flow.package.media(task.audio)
        if self.voice is None:
            self.voice = Player(app.runtime.config.output_device, volume=0.8)
        self.voice.play(self._voice_bytes)

    def _silence_voice(self) -> None:
        if self.voice is not None and self.voice.playing:
            self.voice.stop()

    def _press(self, app, widget_id: str) -> None:
        app.root.current_screen.ids[widget_id].dispatch("on_release")

    def _shot(self, app) -> None:
        if self.screenshots is None:
            return
        name = f"{len(self.shots) + 1:02d}_{app.root.current}_{app.flow.phase.value}.png"
        app.screenshot(self.screenshots / name)
        self.shots.append(name)

    # ---------------------------------------------------------------- the tick
    def _frame(self, dt: float) -> None:
        if self.phase is Phase.ANSWER:
            self.answer_frame_dts.append(dt)
        cpu, self._cpu_at = time.process_time() - self._cpu_at, time.process_time()
        ui_cpu, self._ui_cpu_at = time.thread_time() - self._ui_cpu_at, time.thread_time()
        if self.phase is not None:
            self.frame_dts.append((self.phase.value, dt))
        if dt > 0.1:
            # CPU well under the frame's length: the machine ran other work (another program)
            self.slow_frames.append({"phase": getattr(self.phase, "value", None), "ms": round(1000 * dt, 1),
                                     "cpu_ms": round(1000 * cpu, 1), "ui_cpu_ms": round(1000 * ui_cpu, 1)})
            log.warning("slow frame: %.3f s in phase %s (this process's CPU %.3f s)", dt, self.phase, cpu)

    @staticmethod
    def _pacing(dts: list[float]) -> dict:
        dts = sorted(dts)
        if not dts:
            return {}
        return {"frames": len(dts), "mean_fps": round(len(dts) / sum(dts), 1),
                "p50_ms": round(1000 * dts[len(dts) // 2], 1), "p95_ms": round(1000 * dts[int(len(dts) * 0.95)], 1),
                "max_ms": round(1000 * dts[-1], 1), "over_100ms": sum(1 for d in dts if d > 0.1)}

    def frame_pacing(self) -> dict:
        """Frame intervals while an answer was recorded (the level meter is live then)."""
        return self._pacing(self.answer_frame_dts[1:])

    def frame_pacing_all(self) -> dict:
        """Frame intervals of the whole run after the first screen, and the worst by phase."""
        dts = self.frame_dts[1:]
        out = self._pacing([d for _p, d in dts])
        worst: dict[str, float] = {}
        for phase, d in dts:
            worst[phase] = max(worst.get(phase, 0.0), d)
        out["max_ms_by_phase"] = {p: round(1000 * d, 1) for p, d in worst.items()}
        out["slow_frames"] = self.slow_frames[1:]  # the first is the window's first frame
        return out

    def tick(self, app) -> None:
        flow = app.flow
        now = time.monotonic()
        if not self._frame_hooked:
            from kivy.clock import Clock

            Clock.schedule_interval(self._frame, 0)
            self._frame_hooked = True
        if now - self.started > self.timeout_s:
            self._finish(app, f"Самопроверка не уложилась в {self.timeout_s:.0f} с (застряла на «{flow.phase.value}»).")
            return
        if flow.phase is not self.phase:
            if self.phase in (Phase.SOUND_SPEAK, Phase.ANSWER):
                self._silence_voice()
            self.phase = flow.phase
            self.phase_started = now
            self.phases.append(flow.phase.value)
            self.acted = False
            self._shot_pending = True
            if flow.phase in (Phase.SOUND_SPEAK, Phase.ANSWER):
                self._voice(app)
            return
        if self._shot_pending:  # one tick later, so the screen has been drawn
            self._shot_pending = False
            self._shot(app)
        in_phase = now - self.phase_started
        self._act(app, flow, in_phase)

    def _act(self, app, flow, in_phase: float) -> None:
        p = flow.phase
        if p is Phase.RAISE_HAND:
            self._finish(app, f"Станция попросила поднять руку: {flow.raise_hand_reason}")
        elif self.acted or in_phase < 0.6:
            return
        elif p is Phase.SOUND_HEAR and not flow.audio.playing():
            self.acted = True
            self._press(app, "yes")
        elif p is Phase.SOUND_PLAYBACK and (not flow.audio.playing() or in_phase > 3):
            self.acted = True
            self._press(app, "yes")
        elif p is Phase.CODE_ENTRY:
            self.acted = True
            screen = app.root.current_screen
            for digit in CODE:
                screen.press(digit)
            self._press(app, "ok")
        elif p is Phase.CODE_CONFIRM:
            self.acted = True
            self._press(app, "yes")
        elif p is Phase.INSTRUCTIONS:
            self.acted = True
            self._press(app, "start")
        elif p is Phase.LISTEN_READ:
            self.acted = True
            from station.widgets import OptionButton

            buttons = [w for w in app.root.current_screen.walk() if isinstance(w, OptionButton)]
            by_question: dict[str, list] = {}
            for b in buttons:
                by_question.setdefault(b.question_id, []).append(b)
            for i, options in enumerate(by_question.values()):
                choice = options[i % len(options)]
                choice.state = "down"
                choice.dispatch("on_release")
        elif p is Phase.PHOTO_CHOICE:
            self.acted = True
            self._press(app, "pick1")
        elif p is Phase.WRITTEN_INTRO:
            self.acted = True
            self._press(app, "start")
        elif p is Phase.WRITTEN:
            self._written(app, flow)
        elif p is Phase.DONE and in_phase > 1.0:
            self.acted = True
            self._finish(app, None)

    def _written(self, app, flow) -> None:
        """Go through the written section as a student would, one step a tick: a choice,
        a typed answer (with a special letter where the language has them), Cyrillic
        typed by mistake and erased, the navigator, then finish and confirm."""
        screen = app.root.current_screen
        w = flow.written
        step = self._written_step = getattr(self, "_written_step", 0) + 1
        typed = next(i for i, it in enumerate(w.items) if it.kind.value == "typed")
        field = screen._typed_panel.ids.field if step > 1 else None
        if step == 2:
            screen._options[2].dispatch("on_release")   # a heading for text A
            screen._nav[typed].dispatch("on_release")   # to the first typed item
        elif step == 3:
            field.insert_text("wen")
        elif step == 4:
            self._shot_named(app, "written_typed")
            field.insert_text("привет")
        elif step == 6:
            self._shot_named(app, "written_cyrillic")
            field.text = "went"
            if screen._letters:
                screen._letters[0].dispatch("on_release")
        elif step == 7:
            screen._nav[1].dispatch("on_release")
        elif step == 9:
            self._shot_named(app, "written_choice")
            screen.ids.finish.dispatch("on_release")
        elif step == 11:
            self._shot_named(app, "written_confirm")
            screen._confirm_view.ids.yes.dispatch("on_release")
            self.acted = True
        self.written_answers = {k: dict(v) for k, v in flow.session.written_answers.items()}

    def _shot_named(self, app, what: str) -> None:
        if self.screenshots is not None:
            name = f"{len(self.shots) + 1:02d}_{what}.png"
            app.screenshot(self.screenshots / name)
            self.shots.append(name)

    def _finish(self, app, failure: str | None) -> None:
        self._silence_voice()
        flow = app.flow
        if failure:
            self.failures.append(failure)
        summary: dict = {
            "ok": False,
            "seconds": round(time.monotonic() - self.started, 1),
            "station_id": flow.station_id,
            "exam_package": flow.manifest.package_id,
            "rehearsal": flow.manifest.rehearsal,
            "phases": self.phases,
            "screenshots": [str(self.screenshots / s) for s in self.shots] if self.screenshots else [],
            "faults": list(flow.faults),
            "recordings": [],
            "silence_warnings": 0,
        }
        s = flow.session
        if s is not None:
            audio_dir = flow.store.audio_dir(s.session_id)
            for task_id, pieces in s.pieces.items():
                for piece in pieces:
                    summary["recordings"].append({"task": task_id, "file": str(audio_dir / piece.file),
                                                  "duration_s": piece.duration_s, "sha256": piece.sha256,
                                                  "recovered": piece.recovered, "faults": piece.faults})
            summary["silence_warnings"] = sum(1 for e in flow.store.events(s.session_id)
                                              if e["event"] == "silence_warning")
            summary["listening_answers"] = s.listening_answers
            summary["written_answers"] = s.written_answers
            journal = flow.written.journal_path
            if journal is not None and journal.exists():
                summary["written_journal_lines"] = len(journal.read_text("utf-8").splitlines())
            if s.package_path:
                try:
                    v = verify_package(s.package_path, app.runtime.sync.private_key().public_key())
                    summary["response_package"] = {"path": s.package_path, "id": v.package_id, "verified": True,
                                                   "size": v.size}
                except Exception as exc:  # noqa: BLE001 - reported as a failure
                    self.failures.append(f"Пакет ответов не прошёл проверку: {exc}")
        if not s or not s.finished:
            self.failures.append("Сеанс не завершён.")
        if not summary["recordings"] and not failure:
            self.failures.append("Нет ни одной записи ответа.")
        summary["frame_pacing"] = self.frame_pacing()
        summary["frame_pacing_all"] = self.frame_pacing_all()
        summary["failures"] = self.failures
        summary["ok"] = not self.failures
        self.result = summary
        app.exit_by_technician()
