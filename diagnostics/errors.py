"""Typed errors of the diagnostics layer (failed checks are results, not errors;
these are for an interactive test driven out of order)."""

from __future__ import annotations

from vpr_common.errors import VprError


class DiagnosticsError(VprError):
    """Base of the diagnostics layer's errors."""

    code = "diagnostics"
    message_ru = "Ошибка проверки станции."
    remedy_ru = "Повторите проверку; если не поможет, сообщите техническому специалисту."
    exit_code = 5


class TestStateError(DiagnosticsError):
    """An interactive test step was called in the wrong order (e.g. ``confirm`` before
    anything was played). A programming error in the UI, reported kindly anyway."""

    __test__ = False  # not a pytest test class
    code = "diagnostics_test_state"
    message_ru = "Шаг проверки выполнен не по порядку."
    remedy_ru = "Начните проверку заново."
