"""The written section's screens: its Russian instruction with a short timer
(:class:`WrittenIntroScreen`), and the section itself (:class:`WrittenScreen`): a
readable text panel (scrolls, large type, words never split), the item with its
options or its answer field, a navigator of every item showing which are answered, the
section's time left with the 5- and 1-minute warnings, "task n of m", a warning when
Cyrillic is typed into a foreign-language answer, and a row of the language's special
letters for a PC without such a keyboard layout.

Everything works from the keyboard alone: Tab / Shift+Tab move between the items and,
after the last one, to "Завершить раздел"; PageDown / PageUp scroll the text; in a choice item the
arrows move over the options, Space marks one, Enter marks it and goes on, a digit marks
that option; in a typed item Enter goes on and the Down arrow goes to the special
letters (Left / Right, Enter or Space inserts and returns to the field, Up returns).
The finish confirmation takes Left / Right / Tab and Enter / Space.

A switch between items touches only the widgets that change (the option buttons are a
pool, the text panel is re-rendered only when its text changes), so it stays far under
a frame budget; ``bench/written_answers.py`` measures it.
"""

from __future__ import annotations

import re

from kivy.app import App
from kivy.clock import Clock
from kivy.factory import Factory
from kivy.metrics import dp

from station.flow.phases import Phase
from exam_content.model import WRITTEN_TYPES
from station.flow.written import MAX_TYPED, ItemKind, items_of
from station.messages import format_time, t
from station.screens.base import DOWN, ENTER, LEFT, PAGE_DOWN, PAGE_UP, RIGHT, SPACE, TAB, UP, FlowScreen
from station.widgets import LetterButton, NavButton, OptionButton

#: Letters a student may need that a Russian/English keyboard layout lacks.
SPECIAL_LETTERS = {"de": "äöüßÄÖÜ", "fr": "éèêëàâçîïôûùœ"}
CYRILLIC = re.compile("[\u0400-\u04ff]")
MAX_OPTIONS = 10


def _flow():
    return App.get_running_app().flow


def tasks_progress(flow) -> str:
    """"Задания 4-6 из 6" for the written section's tasks."""
    scored = flow.variant.scored_tasks
    numbers = [i + 1 for i, task in enumerate(scored) if task in flow.variant.written_tasks]
    return t("progress.tasks", first=numbers[0], last=numbers[-1], total=len(scored))


class WrittenIntroScreen(FlowScreen):
    def refresh(self, flow) -> None:
        section = flow.variant.written_section if flow.variant else None
        if section is None:
            return
        self.ids.title.text = section.title
        self.ids.progress.text = tasks_progress(flow)
        self.ids.text.text = section.instruction
        self.ids.timer.text = t("written.intro_timer", time=format_time(flow.remaining_s))

    def on_key(self, key, text, modifiers=()) -> bool:
        if key in ENTER or key == SPACE:
            _flow().start_written()
            return True
        return False


class WrittenScreen(FlowScreen):
    """See the module docstring."""

    _shown: int = -1
    _focus: str = "item"      # "item" (options or the field), "letters", "finish"
    _cursor: int = 0          # the option under the keyboard ring
    _letter: int = 0
    _confirm: int | None = None  # the focused button of the finish confirmation (0 no, 1 yes)
    _loading = False          # the field's text is being set by the screen, not typed

    # ---------------------------------------------------------------- building
    def build_key(self, flow, task) -> str | None:
        if not isinstance(task, WRITTEN_TYPES):
            return None
        return f"{flow.session.session_id}/{len(flow.variant.written_tasks)}"

    def build_steps(self, flow, task):
        """The navigator, the option pool, both answer panels and the letter row; a
        step every few widgets."""
        self._shown = -1
        nav = self.ids.nav
        nav.clear_widgets()
        self._nav: list[NavButton] = []
        items = [i for t in flow.variant.written_tasks for i in items_of(t)]
        for i, item in enumerate(items):
            b = NavButton(text=item.label, index=i)
            b.bind(on_release=lambda btn: self.go(btn.index))
            nav.add_widget(b)
            self._nav.append(b)
            if i % 3 == 2:
                yield
        scale = App.get_running_app().font_scale
        self._options = []
        for j in range(MAX_OPTIONS):
            b = OptionButton(allow_no_selection=True, option_index=j, height=dp(50) * scale)
            b.bind(on_release=lambda btn: self.choose(int(btn.option_index)))
            self._options.append(b)
            if j % 3 == 2:
                yield
        self._choice_panel = Factory.ChoicePanel()
        yield
        self._typed_panel = Factory.TypedPanel()
        field = self._typed_panel.ids.field
        field.handler = self.field_key
        field.max_chars = MAX_TYPED
        field.bind(text=self._typed, focus=self._field_focus)
        yield
        letters = SPECIAL_LETTERS.get(flow.manifest.language, "")
        row = self._typed_panel.ids.letters
        self._letters: list[LetterButton] = []
        for ch in letters:
            lb = LetterButton(text=ch)
            lb.bind(on_release=lambda btn: self.insert_letter(btn.text))
            row.add_widget(lb)
            self._letters.append(lb)
        label = self._typed_panel.ids.letters_label
        label.opacity = 1 if letters else 0
        label.height = label.texture_size[1] if letters else 0
        self._confirm_view = Factory.FinishConfirm()
        self._confirm_view.ids.no.bind(on_release=lambda _b: self._close_confirm())
        self._confirm_view.ids.yes.bind(on_release=lambda _b: self._confirmed())
        yield
        if flow.written.items:  # the section is open (its instruction is shown): lay out the first item
            self._show_item(flow, flow.written.position)

    def on_enter(self, *args) -> None:
        self._shown = -1  # drawn again on the next refresh, the answer field focused again

    def on_leave(self, *args) -> None:
        if self._built_for is not None and hasattr(self, "_typed_panel"):
            self._typed_panel.ids.field.focus = False  # keys must not go to a field no one sees
        self._close_confirm()

    # ---------------------------------------------------------------- drawing
    def refresh(self, flow) -> None:
        if flow.session is None or not flow.written.items:
            return
        self.ensure_built(flow, flow.task)
        w = flow.written
        if w.position != self._shown:
            self._show_item(flow, w.position)
        self.ids.timer.text = t("written.timer", time=format_time(flow.remaining_s))
        warning = w.warning
        self.ids.warning.text = "" if warning is None else (
            t("written.warning_1") if warning == 1 else t("written.warning", minutes=warning))
        self._mark_answered(flow)

    def _mark_answered(self, flow) -> None:
        w = flow.written
        done = 0
        for i, b in enumerate(self._nav):
            b.answered = w.answered(i)
            b.current = i == w.position
            done += b.answered
        self.ids.answered.text = t("written.answered", done=done, total=len(self._nav))

    def _show_item(self, flow, index: int) -> None:
        w = flow.written
        item = w.items[index]
        task = item.task
        self._shown = index
        n, total = flow.position()
        self.ids.progress.text = f"{t('progress.task', n=n, total=total)}. {task.title}"
        self.ids.instruction.text = task.instruction
        self.ids.item_label.text = item.label
        if item.kind is ItemKind.CHOICE and hasattr(task, "texts"):  # matching: the item is a text
            text = next(x for x in task.texts if x.id == item.item_id)
            self.ids.text_title.text = t("written.text", label=text.label)
            self.ids.text.text = text.text
            self.ids.prompt.text = ""
        else:
            self.ids.text_title.text = t("written.task_text")
            self.ids.text.text = getattr(task, "text", None) or ""
            if item.kind is ItemKind.CHOICE:
                self.ids.prompt.text = next(q.text for q in task.questions if q.id == item.item_id)
            else:
                gap = next(x for x in task.items if x.id == item.item_id)
                self.ids.prompt.text = gap.prompt
        self.ids.text_scroll.scroll_y = 1
        self.ids.item_scroll.scroll_y = 1
        area = self.ids.answer_area
        area.clear_widgets()
        if item.kind is ItemKind.CHOICE:
            self._show_options(flow, item)
            area.add_widget(self._choice_panel)
            self._typed_panel.ids.field.focus = False
            self._focus = "item"
            self.ids.key_hint.text = t("written.keys_choice")
        else:
            self._show_field(flow, item, task)
            area.add_widget(self._typed_panel)
            self._focus = "item"
            self.ids.key_hint.text = t("written.keys_typed" if self._letters else "written.keys_typed_plain")
        self._ring()

    def _show_options(self, flow, item) -> None:
        box = self._choice_panel.ids.options
        box.clear_widgets()
        chosen = flow.written.value(self._shown)
        for j, option in enumerate(item.options[:MAX_OPTIONS]):
            b = self._options[j]
            b.text = f"{j + 1}. {option}"
            b.state = "down" if chosen == j else "normal"
            box.add_widget(b)
        self._cursor = chosen if isinstance(chosen, int) else 0

    def _show_field(self, flow, item, task) -> None:
        gap = next(x for x in task.items if x.id == item.item_id)
        self._typed_panel.ids.word.text = t("written.word", word=gap.word)
        field = self._typed_panel.ids.field
        self._loading = True
        field.text = str(flow.written.value(self._shown) or "")
        self._loading = False
        field.cursor = (len(field.text), 0)
        self._typed_panel.ids.layout_notice.text = t("written.cyrillic") if CYRILLIC.search(field.text) else ""
        self._focus_field()  # now, not on a later frame: the next key may come before it

    def _focus_field(self) -> None:
        if self.manager is not None and self.manager.current == self.name and self._focus == "item":
            self._typed_panel.ids.field.focus = True

    def _ring(self) -> None:
        """Draw the keyboard ring where the focus is."""
        choice = self._shown >= 0 and _flow().written.items[self._shown].kind is ItemKind.CHOICE
        for j, b in enumerate(self._options):
            b.focused = choice and self._focus == "item" and j == self._cursor
        for j, lb in enumerate(self._letters):
            lb.focused = self._focus == "letters" and j == self._letter
        self.ids.finish.focused = self._focus == "finish"
        if self._focus == "finish":
            self.ids.key_hint.text = t("written.keys_finish")
        target = (self._options[self._cursor] if choice and self._focus == "item" else
                  self._typed_panel.ids.field if self._shown >= 0 and self._focus == "item" else
                  self._letters[self._letter] if self._focus == "letters" and self._letters else None)
        if target is not None and target.parent is not None:
            Clock.schedule_once(lambda _dt: self._scroll_to(target), 0)  # after the layout

    def _scroll_to(self, widget) -> None:
        view = self.ids.item_scroll
        if widget.get_parent_window() is None:
            return
        if view.children and view.children[0].height <= view.height:  # all of it shows: stay at the top
            view.scroll_y = 1
            return
        view.scroll_to(widget, padding=dp(12), animate=False)

    # ---------------------------------------------------------------- actions
    def go(self, index: int) -> None:
        self._close_confirm()
        flow = _flow()
        if flow.phase is Phase.WRITTEN and flow.written.go(index):
            self._show_item(flow, index)
            self._mark_answered(flow)

    def step(self, delta: int) -> None:
        """Tab / Shift+Tab: the next or previous item; after the last, the finish button."""
        flow = _flow()
        last = len(flow.written.items) - 1
        if self._focus == "finish":
            self.go(0 if delta > 0 else last)
        elif delta > 0 and self._shown == last:
            self._typed_panel.ids.field.focus = False
            self._focus = "finish"
            self._ring()
        else:
            self.go(max(0, min(last, self._shown + delta)))

    def choose(self, option: int) -> None:
        flow = _flow()
        item = flow.written.items[self._shown]
        if item.kind is not ItemKind.CHOICE or not 0 <= option < len(item.options):
            return
        flow.written.answer(self._shown, option)
        chosen = flow.written.value(self._shown)
        for j, b in enumerate(self._options[:len(item.options)]):
            b.state = "down" if chosen == j else "normal"
        self._cursor = option
        self._ring()
        self._mark_answered(flow)

    def _typed(self, field, text: str) -> None:
        if self._loading or self._shown < 0:
            return
        flow = _flow()
        flow.written.answer(self._shown, text)
        self._typed_panel.ids.layout_notice.text = t("written.cyrillic") if CYRILLIC.search(text) else ""
        self._nav[self._shown].answered = flow.written.answered(self._shown)

    def _field_focus(self, field, focused: bool) -> None:
        if focused:
            self._focus = "item"
            self._ring()

    def insert_letter(self, letter: str) -> None:
        field = self._typed_panel.ids.field
        field.insert_text(letter)
        self._focus = "item"
        self._ring()
        field.focus = True

    def finish(self) -> None:
        """Ask before the section ends: the student cannot come back."""
        flow = _flow()
        if flow.phase is not Phase.WRITTEN or self._confirm is not None:
            return
        self._typed_panel.ids.field.focus = False
        w = flow.written
        missing = w.unanswered
        view = self._confirm_view
        view.ids.body.text = t("written.confirm_body", done=len(w.items) - len(missing), total=len(w.items)) + (
            "\n" + t("written.confirm_missing", labels=", ".join(missing)) if missing else "")
        self._confirm = 0
        self._confirm_ring()
        self.add_widget(view)

    def _confirm_ring(self) -> None:
        self._confirm_view.ids.no.focused = self._confirm == 0
        self._confirm_view.ids.yes.focused = self._confirm == 1

    def _confirmed(self) -> None:
        self._close_confirm()
        _flow().finish_written()

    def _close_confirm(self) -> None:
        if self._confirm is not None:
            self._confirm = None
            self.remove_widget(self._confirm_view)

    # ---------------------------------------------------------------- keys
    def _move_keys(self, key: int, modifiers) -> bool:
        if key == TAB:
            self.step(-1 if "shift" in modifiers else 1)
            return True
        if key in (PAGE_DOWN, PAGE_UP):
            self.scroll_text(1 if key == PAGE_DOWN else -1)
            return True
        return False

    def scroll_text(self, pages: int) -> None:
        """Scroll the text panel by about a page (PageDown / PageUp)."""
        sv = self.ids.text_scroll
        extra = sv.children[0].height - sv.height if sv.children else 0
        if extra > 0:
            sv.scroll_y = max(0.0, min(1.0, sv.scroll_y - pages * 0.9 * sv.height / extra))

    def field_key(self, key: int, text: str | None, modifiers) -> bool:
        """Keys typed while the answer field has the focus (from :class:`AnswerInput`)."""
        if self._move_keys(key, modifiers):
            return True
        if key in ENTER:
            self.step(1)
            return True
        if key == DOWN and self._letters:
            self._typed_panel.ids.field.focus = False
            self._focus = "letters"
            self._ring()
            return True
        return False

    def on_key(self, key, text, modifiers=()) -> bool:
        if self._confirm is not None:
            if key in (LEFT, RIGHT, TAB):
                self._confirm = 1 - self._confirm
                self._confirm_ring()
            elif key in ENTER or key == SPACE:
                (self._confirmed if self._confirm == 1 else self._close_confirm)()
            return True
        if self._move_keys(key, modifiers):
            return True
        if self._focus == "finish":
            if key in ENTER or key == SPACE:
                self.finish()
                return True
            return False
        if self._focus == "letters":
            return self._letters_key(key, text)
        item = _flow().written.items[self._shown] if self._shown >= 0 else None
        if item is None or item.kind is not ItemKind.CHOICE:
            return False
        if key in (UP, DOWN):
            self._cursor = max(0, min(len(item.options) - 1, self._cursor + (1 if key == DOWN else -1)))
            self._ring()
        elif key == SPACE:
            self.choose(self._cursor)
        elif key in ENTER:
            self.choose(self._cursor)
            self.step(1)
        elif text and text.isdigit() and 1 <= int(text) <= len(item.options):
            self.choose(int(text) - 1)
        else:
            return False
        return True

    def _letters_key(self, key: int, text: str | None) -> bool:
        if key in (LEFT, RIGHT):
            self._letter = max(0, min(len(self._letters) - 1, self._letter + (1 if key == RIGHT else -1)))
            self._ring()
        elif key in ENTER or key == SPACE:
            self.insert_letter(self._letters[self._letter].text)
        elif key == UP:
            self._focus = "item"
            self._ring()
            self._typed_panel.ids.field.focus = True
        else:
            return False
        return True
