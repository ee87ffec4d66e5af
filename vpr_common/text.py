"""Text that people type or that arrives in their files, on the way in and on the way out.

In: :func:`clean_text` brings a value to one form (Unicode NFC, so a «й» typed on a Mac
equals the «й» of Windows; every run of whitespace - tabs, line breaks inside a cell,
non-breaking spaces - one space; trimmed). :func:`bad_char` finds what is never part of
a name or a title: control characters (NUL, ESC ...) and invisible format characters
(zero-width spaces, right-to-left overrides), which make two equal names differ or a
name print reversed. :func:`checked_text` does both and raises :class:`BadTextError`
(or the caller's error class) naming the field, the character and its position.
:func:`shown` quotes a value safely inside a message (escaped, shortened).

Out: :func:`safe_cell` / :func:`safe_row` keep a text cell of an exported xlsx or CSV
from ever running as a formula in Excel or LibreOffice (``=HYPERLINK(...)``,
``+cmd|...``, ``@SUM``): such a cell gets a leading apostrophe, the usual
spreadsheet escape. Every exporter of the node passes each row through
:func:`safe_row`.
"""

from __future__ import annotations

import unicodedata
from typing import Iterable

from vpr_common.errors import VprError

#: What a spreadsheet reads as the start of a formula (also in full width, which some
#: spreadsheet programs accept too) - and tab / carriage return, which shift cells.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_REFUSED_CATEGORIES = {"Cc": "управляющий символ", "Cf": "невидимый символ форматирования",
                       "Cs": "половина суррогатной пары", "Co": "символ из частной области Юникода"}
_NAMED = {"\x00": "NUL", "\x1b": "ESC", "\x7f": "DEL", "\u200b": "пробел нулевой ширины",
          "\u202e": "смена направления письма", "\ufeff": "BOM"}


class BadTextError(VprError):
    """A typed value holds a character that cannot be in it, or is too long."""

    code = "bad_text"
    message_ru = "Значение содержит недопустимый символ."
    remedy_ru = ("Наберите значение заново с клавиатуры: такие символы попадают при копировании из других "
                 "программ.")


def clean_text(value: object) -> str:
    """``value`` as text in one form: NFC, whitespace runs as one space, trimmed. None
    is ``""``; whole floats lose ``.0`` (spreadsheet numbers)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = value if isinstance(value, str) else str(value)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())


def char_name(ch: str) -> str:
    """``U+0000 (NUL)`` - how a message names a character."""
    extra = _NAMED.get(ch) or _REFUSED_CATEGORIES.get(unicodedata.category(ch), "")
    return f"U+{ord(ch):04X}" + (f" ({extra})" if extra else "")


def bad_char(text: str) -> tuple[int, str] | None:
    """(0-based position, the character) of the first control, format, surrogate or
    private-use character in ``text``; None when there is none. Whitespace is not
    reported (``clean_text`` turns it into spaces)."""
    for i, ch in enumerate(text):
        if ch.isascii() and ch.isprintable():
            continue
        if unicodedata.category(ch) in _REFUSED_CATEGORIES and not ch.isspace():
            return i, ch
    return None


def text_problem(text: str, max_len: int) -> str | None:
    """The Russian reason ``text`` (already cleaned) is refused, or None."""
    found = bad_char(text)
    if found:
        return f"недопустимый символ {char_name(found[1])} в позиции {found[0] + 1}"
    if len(text) > max_len:
        return f"слишком длинное значение ({len(text)} символов, допустимо не больше {max_len})"
    return None


def checked_text(value: object, label: str, *, max_len: int = 200, error: type[VprError] = BadTextError) -> str:
    """``clean_text(value)``, or ``error`` raised with «label: недопустимый символ
    U+0000 (NUL) в позиции 5.» (or «слишком длинное значение»)."""
    text = clean_text(value)
    why = text_problem(text, max_len)
    if why:
        raise error(f"{label}: refused text ({why})", message_ru=f"{label}: {why}.",
                    remedy_ru=BadTextError.remedy_ru)
    return text


def shown(value: object, limit: int = 40) -> str:
    """A value to quote in a message: control and format characters as ``\\x00`` /
    ``\\u202e``, at most ``limit`` characters (then «…»)."""
    text = "" if value is None else str(value)
    out = []
    for ch in text[: limit + 1]:
        if ch.isprintable() or ch == " ":
            out.append(ch)
        else:
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
    short = "".join(out)
    return short[:limit] + "…" if len(text) > limit else short


def safe_cell(value: object) -> object:
    """A text cell that a spreadsheet will never run as a formula; other values as
    they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[object]) -> list[object]:
    """Every cell of a row through :func:`safe_cell`."""
    return [safe_cell(v) for v in values]
