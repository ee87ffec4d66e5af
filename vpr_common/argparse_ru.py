"""An ``argparse.ArgumentParser`` whose usage errors are Russian and raise
:class:`~vpr_common.errors.UsageError` instead of exiting, so the CLI wrapper reports
them like any other error."""

from __future__ import annotations

import argparse

from vpr_common.errors import UsageError


class RuArgumentParser(argparse.ArgumentParser):
    """ArgumentParser that raises :class:`UsageError` with a Russian message."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(
            message,
            message_ru=f"Неверные параметры команды «{self.prog}»: {message}.",
            remedy_ru=f"Справка: {self.prog} --help",
        )
