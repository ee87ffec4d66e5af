"""An ``argparse.ArgumentParser`` whose usage errors are Russian and raise
:class:`~vpr_common.errors.UsageError` instead of exiting, so the CLI wrapper reports
them like any other error. argparse's own messages are English (CPython ships no
translations), so the common ones are translated here for every console script."""

from __future__ import annotations

import argparse
import re

from vpr_common.errors import UsageError

_TRANSLATIONS = [
    (re.compile(r"argument (?:КОМАНДА|command): invalid choice: '([^']*)' \(choose from (.*)\)"),
     r"неизвестная команда «\1» (доступны: \2)"),
    (re.compile(r"invalid choice: '([^']*)' \(choose from (.*)\)"), r"недопустимое значение «\1» (доступны: \2)"),
    (re.compile(r"the following arguments are required: (.*)"), r"не указаны обязательные параметры: \1"),
    (re.compile(r"unrecognized arguments: (.*)"), r"лишние параметры: \1"),
    (re.compile(r"argument (\S+): invalid (\w+) value: '([^']*)'"), r"параметр \1: неверное значение «\3»"),
    (re.compile(r"argument (\S+): expected one argument"), r"параметру \1 нужно значение"),
]


def translate(message: str) -> str:
    """argparse's English message in Russian where we know it (else unchanged)."""
    for pattern, repl in _TRANSLATIONS:
        if pattern.search(message):
            return pattern.sub(repl, message)
    return message


class RuArgumentParser(argparse.ArgumentParser):
    """ArgumentParser that raises :class:`UsageError` with a Russian message."""

    def error(self, message: str) -> None:  # type: ignore[override]
        ru = translate(message)
        raise UsageError(
            message,
            message_ru=f"Неверные параметры команды «{self.prog}»: {ru}.",
            remedy_ru=f"Справка: {self.prog} --help",
        )
