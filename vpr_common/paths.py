"""Per-user directories (data, logs, config) via platformdirs.

Environment overrides (used by tests and by technicians who keep data on another
disk): ``VPR_DATA_DIR``, ``VPR_LOG_DIR``, ``VPR_CONFIG_DIR``.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "vpr-station"
APP_AUTHOR = "vpr"


def _dir(env: str, default: str) -> Path:
    value = os.environ.get(env)
    path = Path(value) if value else Path(default)
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """Where recordings, outboxes and databases live (created on demand)."""
    return _dir("VPR_DATA_DIR", platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def log_dir() -> Path:
    """Where the rotating log files live (created on demand)."""
    return _dir("VPR_LOG_DIR", platformdirs.user_log_dir(APP_NAME, APP_AUTHOR))


def config_dir() -> Path:
    """Where the station and node configuration lives (created on demand)."""
    return _dir("VPR_CONFIG_DIR", platformdirs.user_config_dir(APP_NAME, APP_AUTHOR))
