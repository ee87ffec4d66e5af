"""Console entry point `vpr-station` (a stub until its issue lands)."""

from __future__ import annotations

from typing import Sequence

from vpr_common.cli import run_cli
from vpr_common.stub import NotYetAvailableError


def _main(argv: Sequence[str]) -> int:
    raise NotYetAvailableError("Станция (экзаменационный клиент)")


def main() -> int:
    """Run `vpr-station`; returns the process exit code."""
    return run_cli("station", _main)


if __name__ == "__main__":
    raise SystemExit(main())
