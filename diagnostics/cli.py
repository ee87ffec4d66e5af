"""Console entry point ``vpr-diagnose``: the technical specialist's tools.

Subcommands: ``devices``, ``record``, ``recover`` (audio, see ``diagnostics/audio_cli``) and
``check`` (the automatic readiness checks, see ``diagnostics/check_cli``).
Argument parsing and printing only; the work lives in the lower layers.
"""

from __future__ import annotations

from typing import Sequence

from diagnostics import audio_cli, check_cli
from vpr_common.argparse_ru import RuArgumentParser
from vpr_common.cli import run_cli


def build_parser() -> RuArgumentParser:
    """The ``vpr-diagnose`` argument parser."""
    parser = RuArgumentParser(prog="vpr-diagnose", description="Диагностика станции ВПР")
    sub = parser.add_subparsers(dest="command", metavar="КОМАНДА", parser_class=RuArgumentParser)
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
