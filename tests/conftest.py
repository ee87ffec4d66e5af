"""Test-wide fixtures: every test process gets its own data, log, config and Kivy dirs
so nothing touches the developer's real user directories."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_session_tmp = Path(tempfile.mkdtemp(prefix="vpr-tests-"))
for _name in ("VPR_DATA_DIR", "VPR_LOG_DIR", "VPR_CONFIG_DIR", "KIVY_HOME", "XDG_CACHE_HOME"):
    os.environ.setdefault(_name, str(_session_tmp / _name.lower()))
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")

REPO_ROOT = Path(__file__).resolve().parent.parent
