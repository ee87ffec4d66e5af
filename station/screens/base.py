"""The base of every screen: it is given the flow on each refresh and may handle keys;
and the key codes the screens use (SDL's, as Kivy passes them)."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen

BACKSPACE, TAB, SPACE = 8, 9, 32
ENTER = (13, 271)  # Return and the keypad's Enter
UP, DOWN, RIGHT, LEFT = 273, 274, 275, 276
PAGE_UP, PAGE_DOWN = 280, 281


class FlowScreen(Screen):
    """``refresh(flow)`` is called on entering and on every tick while shown;
    ``on_key(key, text, modifiers)`` gets keyboard input (return True when handled).

    A screen whose content is costly to build (many widgets, pictures) builds it in
    steps: :meth:`build_steps` yields between small pieces of work. The app runs them
    a few milliseconds per frame before the task comes (:meth:`warm`), and
    :meth:`ensure_built` finishes whatever is left when the screen is shown - so no
    frame carries the whole build (docs/station.md, "Frame pacing")."""

    _built_for: str | None = None
    _building: tuple[str, object] | None = None  # (key, generator) of a build under way

    def refresh(self, flow) -> None:  # noqa: ANN001 - ExamFlow
        pass

    def on_key(self, key: int, text: str | None, modifiers: list[str] | tuple = ()) -> bool:
        return False

    def build_key(self, flow, task) -> str | None:  # noqa: ANN001
        """What the built content is for (None: nothing to build for ``task``)."""
        return None

    def build_steps(self, flow, task):  # noqa: ANN001
        """Build the content for ``task``, yielding between small steps."""
        return iter(())

    def warm(self, flow, task):  # noqa: ANN001
        """The steps still to run before ``task`` is shown, or None when built."""
        key = self.build_key(flow, task)
        if key is None or key == self._built_for:
            return None
        if self._building is None or self._building[0] != key:
            self._building = (key, self._run_build(key, flow, task))
        return self._building[1]

    def _run_build(self, key: str, flow, task):  # noqa: ANN001
        if self.manager is not None:  # laid out at its real size now, not again when shown
            self.size = self.manager.size
        yield from self.build_steps(flow, task)
        yield from self._settle()
        for widget in list(self.walk(restrict=True)):
            texture = getattr(widget, "texture", None)
            if texture is not None and hasattr(widget, "texture_update"):
                texture.bind()  # a label's texture is filled when first used: do it now, a step each
                yield
        self._built_for = key
        self._building = None

    def _settle(self):
        """Do now, a piece a step, the layout and text rendering that Kivy would do for
        the new widgets all in one later frame (its triggers run together)."""
        for _ in range(3):  # layouts nest: a few passes settle them
            for w in list(self.walk(restrict=True)):
                trigger = getattr(w, "_trigger_layout", None)
                if trigger is not None and trigger.is_triggered:
                    trigger.cancel()
                    w.do_layout()
            yield
        for w in list(self.walk(restrict=True)):
            trigger = getattr(w, "_trigger_texture", None)
            if trigger is not None and trigger.is_triggered:
                trigger.cancel()
                w.texture_update()
                yield

    def ensure_built(self, flow, task) -> bool:  # noqa: ANN001
        """Finish the build for ``task`` now; True when it had to build anything."""
        steps = self.warm(flow, task)
        if steps is None:
            return False
        for _ in steps:
            pass
        return True
