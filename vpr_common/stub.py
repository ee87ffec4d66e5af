"""A clear "not yet available" answer for console commands whose feature has not been
built yet, so a user never meets a traceback or a silent no-op."""

from __future__ import annotations

from vpr_common.errors import VprError


class NotYetAvailableError(VprError):
    """The command exists but its feature is not built in this version."""

    code = "not_yet_available"
    exit_code = 3

    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what} is not available in this version",
            message_ru=f"{what}: эта функция ещё не доступна в этой версии программы.",
            remedy_ru="Следите за обновлениями; пока используйте команды, перечисленные в README.",
        )
