"""An ``argparse.ArgumentParser`` whose usage errors are Russian and raise
:class:`~vpr_common.errors.UsageError` instead of exiting, so the CLI wrapper reports
them like any other error. argparse's own messages are English (CPython ships no
translations), so the common ones are translated here for every console script - and
so is ``--help``: its headings, the usage line and the help of ``-h`` itself."""

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


class RuHelpFormatter(argparse.HelpFormatter):
    """``Вызов:`` instead of ``usage:``."""

    def _format_usage(self, usage, actions, groups, prefix):  # type: ignore[override]
        return super()._format_usage(usage, actions, groups, "Вызов: " if prefix is None else prefix)


class RuArgumentParser(argparse.ArgumentParser):
    """ArgumentParser that raises :class:`UsageError` with a Russian message and prints
    its help in Russian."""

    def __init__(self, *args, **kwargs) -> None:
        add_help = kwargs.pop("add_help", True)
        kwargs.setdefault("formatter_class", RuHelpFormatter)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "что указать"
        self._optionals.title = "параметры"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help="показать эту справку и выйти")

    def error(self, message: str) -> None:  # type: ignore[override]
        ru = translate(message)
        raise UsageError(
            message,
            message_ru=f"Неверные параметры команды «{self.prog}»: {ru}.",
            remedy_ru=f"Справка: {self.prog} --help",
        )
