"""The participant-code checks the flow is given: five digits, and - when a list of
valid codes is known (from the node, its cache or the station config) - on that list.
A check raises :class:`~station.flow.errors.InvalidCodeError` with the text the code
screen shows."""

from __future__ import annotations

from typing import Callable

from station.flow.errors import InvalidCodeError
from station.messages import t

CodeCheck = Callable[[str], None]


def basic_code_check(code: str) -> None:
    """Five digits. Raises :class:`InvalidCodeError`."""
    if len(code) != 5 or not code.isdigit():
        raise InvalidCodeError(f"bad format {code!r}", message_ru=t("code.bad_format"))


def code_check_from_list(valid: set[str]) -> CodeCheck:
    """Five digits and on the list of valid codes (from the node or a file)."""
    def check(code: str) -> None:
        basic_code_check(code)
        if code not in valid:
            raise InvalidCodeError(f"{code} not in the list of {len(valid)} codes",
                                   message_ru=t("code.not_listed", code=code))
    return check
