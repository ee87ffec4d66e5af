"""Console entry point `vpr-diagnose` (a stub until its issue lands)."""

from __future__ import annotations

from typing import Sequence

from vpr_common.cli import run_cli
from vpr_common.stub import NotYetAvailableError


def _main(argv: Sequence[str]) -> int:
    raise NotYetAvailableError("Диагностика станции")


def main() -> int:
    """Run `vpr-diagnose`; returns the process exit code."""
    return run_cli("diagnostics", _main)


if __name__ == "__main__":
    raise SystemExit(main())
