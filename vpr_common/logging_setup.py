"""Logging: a rotating file under the user log dir keeps every detail (tracebacks
included); the console shows only what a human needs, in Russian, printed by the CLIs
themselves. Call :func:`setup_logging` once per process, early."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from vpr_common import paths

_configured_path: Path | None = None


def setup_logging(component: str, level: int = logging.INFO) -> Path:
    """Attach a rotating file handler (5 x 2 MB) for ``component``; returns its path.

    Idempotent within a process. If the log dir cannot be created the handler falls
    back to stderr at WARNING so a broken disk never stops the program.
    """
    global _configured_path
    if _configured_path is not None:
        return _configured_path
    root = logging.getLogger()
    root.setLevel(level)
    try:
        path = paths.log_dir() / f"{component}.log"
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError:
        path = Path("<stderr>")
        handler = logging.StreamHandler()
        handler.setLevel(logging.WARNING)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(process)d %(threadName)s %(name)s: %(message)s")
    )
    root.addHandler(handler)
    _configured_path = path
    return path
