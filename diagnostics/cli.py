"""Console entry point ``vpr-diagnose``: the technical specialist's tools.

Subcommands: ``devices``, ``record``, ``recover`` (audio, see ``diagnostics/audio_cli``) and
``check`` (the automatic readiness checks, see ``diagnostics/check_cli``).
Argument parsing and printing only; the work lives in the lower layers.
"""

from __future__ import annotations

import re
from typing import Sequence

from diagnostics import audio_cli, check_cli
from vpr_common.argparse_ru import RuArgumentParser
from vpr_common.cli import run_cli


# argparse's own messages are English (CPython ships no translations): translate the
# common ones so the whole usage error reads Russian. (Candidate for vpr_common.)
_TRANSLATIONS = [
    (re.compile(r"argument КОМАНДА: invalid choice: '([^']*)' \(choose from (.*)\)"),
     r"неизвестная команда «\1» (доступны: \2)"),
    (re.compile(r"invalid choice: '([^']*)' \(choose from (.*)\)"), r"недопустимое значение «\1» (доступны: \2)"),
    (re.compile(r"the following arguments are required: (.*)"), r"не указаны обязательные параметры: \1"),
    (re.compile(r"unrecognized arguments: (.*)"), r"лишние параметры: \1"),
    (re.compile(r"argument (\S+): invalid (\w+) value: '([^']*)'"), r"параметр \1: неверное значение «\3»"),
    (re.compile(r"argument (\S+): expected one argument"), r"параметру \1 нужно значение"),
]


class _DiagnoseParser(RuArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        for pattern, repl in _TRANSLATIONS:
            if pattern.search(message):
                message = pattern.sub(repl, message)
                break
        super().error(message)


def build_parser() -> RuArgumentParser:
    """The ``vpr-diagnose`` argument parser."""
    parser = _DiagnoseParser(prog="vpr-diagnose", description="Диагностика станции ВПР")
    sub = parser.add_subparsers(dest="command", metavar="КОМАНДА", parser_class=_DiagnoseParser)
    sub.required = True
    audio_cli.add_parsers(sub)
    check_cli.add_parsers(sub)
    return parser


def _main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    return int(args.func(args) or 0)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``vpr-diagnose``; returns the process exit code."""
    return run_cli("diagnostics", _main, argv)


if __name__ == "__main__":
    raise SystemExit(main())
