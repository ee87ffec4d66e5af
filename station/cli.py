"""Console entry point `vpr-station`. The sync commands (pair, export, sync, outbox)
come from :mod:`sync.station_cli`; the exam client itself is a stub until its issue
lands."""

from __future__ import annotations

from typing import Sequence

from vpr_common.argparse_ru import RuArgumentParser
from vpr_common.cli import run_cli
from vpr_common.stub import NotYetAvailableError


def _main(argv: Sequence[str]) -> int:
    from sync import station_cli

    if argv and argv[0] in station_cli.COMMANDS:
        parser = RuArgumentParser(prog="vpr-station")
        station_cli.register(parser.add_subparsers(dest="command", parser_class=RuArgumentParser))
        args = parser.parse_args(list(argv))
        return args.handler(args)
    raise NotYetAvailableError("Станция (экзаменационный клиент)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run `vpr-station`; returns the process exit code."""
    return run_cli("station", _main, argv)


if __name__ == "__main__":
    raise SystemExit(main())
