"""Task screens: instructions, listening (questions + plays), photo choice, and the
speaking screen used for preparation and the recorded answer of the read-aloud and
photo tasks; each shows "task n of m". Pictures are decoded from memory (decrypted
package media never touch the disk).

Keyboard: in the listening task the arrows move a ring over the options (Up / Down or
Tab / Shift+Tab: the question, Left / Right: the option) and Space or Enter chooses;
on the photo choice Left / Right and Enter (or 1, 2, 3)."""

from __future__ import annotations

import io
import threading

from kivy.app import App
from kivy.core.image import Image as CoreImage
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout

from exam_content.model import InstructionsTask, ListeningTask, PhotoDescriptionTask, ReadAloudTask
from station.flow.phases import Phase
from station.messages import format_time, t
from station.screens.base import DOWN, ENTER, LEFT, RIGHT, SPACE, TAB, UP, FlowScreen
from station.widgets import Body, OptionButton



def progress_text(flow) -> str:
    """"Задание 3 из 6" for the task shown ("" for the instructions)."""
    pos = flow.position()
    return t("progress.task", n=pos[0], total=pos[1]) if pos else ""


_TEXTURES: dict[tuple[str, str], object] = {}
_DECODED: dict[tuple[str, str], object] = {}  # key -> a decoded CoreImage (no texture yet) or an error
_DECODING: set[tuple[str, str]] = set()
_LOCK = threading.Lock()


def _key(package, media_path: str) -> tuple[str, str]:
    return package.manifest.package_id, media_path


def _decode(package, media_path: str):
    data = package.media(media_path)
    ext = media_path.rsplit(".", 1)[-1].lower()
    return CoreImage(io.BytesIO(data), ext=ext, nocache=True)  # pixels only: the texture is made on use


def decode_in_background(package, media_paths) -> None:
    """Decrypt and decode package pictures on a worker thread (Kivy decodes images on
    threads too, for AsyncImage); :func:`decoded` says when they are there."""
    todo = []
    with _LOCK:
        for path in media_paths:
            key = _key(package, path)
            if key not in _TEXTURES and key not in _DECODED and key not in _DECODING:
                _DECODING.add(key)
                todo.append((key, path))
    if not todo:
        return

    def work() -> None:
        for key, path in todo:
            try:
                result = _decode(package, path)
            except Exception as exc:  # noqa: BLE001 - raised again on the UI thread by texture_of
                result = exc
            with _LOCK:
                _DECODED[key] = result
                _DECODING.discard(key)

    threading.Thread(target=work, name="decode-pictures", daemon=True).start()


def decoded(package, media_paths) -> bool:
    with _LOCK:
        return all(_key(package, p) in _DECODED or _key(package, p) in _TEXTURES for p in media_paths)


def texture_of(package, media_path: str):
    """A Kivy texture of a package picture, decoded from memory once per package (the
    photo choice and the speaking screen share it); decrypted content never touches
    the disk."""
    key = _key(package, media_path)
    if key not in _TEXTURES:
        with _LOCK:
            image = _DECODED.pop(key, None)
        if image is None:
            image = _decode(package, media_path)
        if isinstance(image, Exception):
            raise image
        if len(_TEXTURES) > 12:
            _TEXTURES.clear()
        _TEXTURES[key] = image.texture
    return _TEXTURES[key]


class InstructionsScreen(FlowScreen):
    """Its long text is laid out and rendered ahead, while the code is being confirmed
    (``StationApp._warm_ahead``): rendered on entering it took a 120 ms frame."""

    def build_key(self, flow, task) -> str | None:
        return f"{task.id}/{flow.large_print}" if isinstance(task, InstructionsTask) else None

    def build_steps(self, flow, task: InstructionsTask):
        self.ids.title.text = task.title
        yield
        self.ids.text.text = task.text
        yield

    def refresh(self, flow) -> None:
        task = flow.task
        if not isinstance(task, InstructionsTask):
            return
        self.ensure_built(flow, task)
        self.ids.timer.text = t("common.seconds_left", time=format_time(flow.remaining_s))

    def on_key(self, key, text, modifiers=()) -> bool:
        if key in ENTER:
            App.get_running_app().flow.finish_instructions()
            return True
        return False


class ListeningScreen(FlowScreen):
    _q = 0  # the keyboard ring: question
    _o = 0  # and option
    _ringed_for: str | None = None

    def refresh(self, flow) -> None:
        task = flow.task
        if not isinstance(task, ListeningTask):
            return
        self.ensure_built(flow, task)
        if self._ringed_for != self._built_for:  # the keyboard ring, once the screen shows
            self._ringed_for = self._built_for
            self._ring()
        self.ids.progress.text = progress_text(flow)
        remaining = format_time(flow.remaining_s)
        if flow.phase is Phase.LISTEN_READ:
            status = t("listen.read", time=remaining)
        elif flow.phase is Phase.LISTEN_PLAY:
            n = min(flow.session.plays_done + 1, task.plays)
            status = t("listen.play", n=n, total=task.plays) if flow.audio.playing() else t("listen.pause")
        else:
            status = t("listen.answer", time=remaining)
        self.ids.status.text = status

    def build_key(self, flow, task) -> str | None:
        return f"{flow.session.session_id}/{task.id}" if isinstance(task, ListeningTask) else None

    def build_steps(self, flow, task: ListeningTask):
        self.ids.title.text = f"{task.number}. {task.title}"
        self.ids.instruction.text = task.instruction
        box = self.ids.questions
        box.clear_widgets()
        chosen = flow.session.listening_answers.get(task.id, {})
        self._buttons: list[list[OptionButton]] = []
        for i, q in enumerate(task.questions, start=1):
            box.add_widget(Body(text=f"{i}. {q.text}", bold=True))
            row = BoxLayout(size_hint_y=None, height=dp(56), spacing=dp(8))
            self._buttons.append([])
            for j, option in enumerate(q.options):
                b = OptionButton(text=option, group=f"{task.id}-{q.id}", question_id=q.id, option_index=j,
                                 allow_no_selection=False)
                if chosen.get(q.id) == j:
                    b.state = "down"
                b.bind(on_release=self._chosen)
                row.add_widget(b)
                self._buttons[-1].append(b)
                yield
            box.add_widget(row)
        self._q, self._o = 0, 0

    def _chosen(self, button) -> None:
        App.get_running_app().flow.choose_answer(button.question_id, int(button.option_index))

    def _ring(self) -> None:
        for i, row in enumerate(self._buttons):
            for j, b in enumerate(row):
                b.focused = (i, j) == (self._q, self._o)
        if self._buttons:
            self.ids.scroll.scroll_to(self._buttons[self._q][0], padding=dp(40), animate=False)

    def on_key(self, key, text, modifiers=()) -> bool:
        if not getattr(self, "_buttons", None):
            return False
        if key in (UP, DOWN, TAB):
            back = key == UP or (key == TAB and "shift" in modifiers)
            self._q = max(0, min(len(self._buttons) - 1, self._q + (-1 if back else 1)))
            self._o = min(self._o, len(self._buttons[self._q]) - 1)
        elif key in (LEFT, RIGHT):
            self._o = max(0, min(len(self._buttons[self._q]) - 1, self._o + (1 if key == RIGHT else -1)))
        elif key in ENTER or key == SPACE:
            b = self._buttons[self._q][self._o]
            b.state = "down"  # as a click does: the group lets only one be down
            b.dispatch("on_release")
        else:
            return False
        self._ring()
        return True


class PhotoChoiceScreen(FlowScreen):
    _cursor = 0
    _ringed_for: str | None = None

    def build_key(self, flow, task) -> str | None:
        return f"{flow.session.session_id}/{task.id}" if isinstance(task, PhotoDescriptionTask) else None

    def build_steps(self, flow, task: PhotoDescriptionTask):
        self.ids.title.text = f"{task.number}. {task.title}"
        self.ids.instruction.text = task.instruction
        decode_in_background(flow.package, task.photos)
        while not decoded(flow.package, task.photos):
            yield  # decrypted and decoded on a worker thread meanwhile
        for i, photo in enumerate(task.photos):
            self.ids[f"photo{i}"].texture = texture_of(flow.package, photo)  # a texture made a step
            yield
        self._cursor = 0

    def refresh(self, flow) -> None:
        task = flow.task
        if not isinstance(task, PhotoDescriptionTask):
            return
        self.ensure_built(flow, task)
        if self._ringed_for != self._built_for:  # the keyboard ring, once the screen shows
            self._ringed_for = self._built_for
            self._ring()
        self.ids.progress.text = progress_text(flow)
        self.ids.timer.text = t("photo.body", time=format_time(flow.remaining_s))

    def choose(self, index: int) -> None:
        App.get_running_app().flow.choose_photo(index)

    def _ring(self) -> None:
        for i in range(3):
            self.ids[f"pick{i}"].focused = i == self._cursor

    def on_key(self, key, text, modifiers=()) -> bool:
        if text in ("1", "2", "3"):
            self.choose(int(text) - 1)
        elif key in (LEFT, RIGHT):
            self._cursor = max(0, min(2, self._cursor + (1 if key == RIGHT else -1)))
            self._ring()
        elif key in ENTER or key == SPACE:
            self.choose(self._cursor)
        else:
            return False
        return True


class SpeakingScreen(FlowScreen):
    """Preparation and answer of the read-aloud and photo tasks."""

    _built_for: str | None = None

    def refresh(self, flow) -> None:
        task = flow.task
        if not isinstance(task, (ReadAloudTask, PhotoDescriptionTask)):
            return
        key = f"{flow.session.session_id}/{task.id}"
        if self._built_for != key:
            self._built_for = key
            self.ids.title.text = f"{task.number}. {task.title}"
            self.ids.progress.text = progress_text(flow)
            self.ids.instruction.text = task.instruction
            if isinstance(task, ReadAloudTask):
                self.ids.text.text = task.text
                self.ids.photo.texture = None
                self.ids.photo.size_hint_x = 0.0001
                self.ids.photo.opacity = 0
                self.ids.text_box.size_hint_x = 1
            else:
                choice = flow.session.photo_choice.get(task.id, 0)
                self.ids.photo.texture = texture_of(flow.package, task.photos[choice])
                self.ids.photo.size_hint_x = 0.6
                self.ids.photo.opacity = 1
                self.ids.text_box.size_hint_x = 0.4
                self.ids.text.text = t("answer.plan") + "\n" + "\n".join(f"• {p}" for p in task.plan)
        answering = flow.phase is Phase.ANSWER
        remaining = format_time(flow.remaining_s)
        self.ids.timer.text = t("answer.timer", time=remaining) if answering else t("prepare.timer", time=remaining)
        self.ids.speak.opacity = 1 if answering else 0
        self.ids.meter.opacity = 1 if answering else 0
        level = flow.level() if answering else None
        self.ids.meter.set_dbfs(level.rms_dbfs if level else None)
        self.ids.meter.speaking = bool(level and level.rms_dbfs > -45)
        self.ids.notice.text = t("answer.silence") if answering and flow.silence_warning else ""


class FinishScreen(FlowScreen):
    def refresh(self, flow) -> None:
        done = flow.phase is Phase.DONE
        self.ids.title.text = t("done.title") if done else t("seal.title")
        self.ids.body.text = t("done.body") if done else ""
