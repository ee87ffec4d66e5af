"""Station tests that need the real window and devices run the station as a
subprocess (one Kivy app per process) on the real PulseAudio loopback, with their own
data dirs. Screenshots go to ``test-artifacts/station/`` for people to look at."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.harness.fixtures import pulse_loopback  # noqa: F401

ARTIFACTS = REPO_ROOT / "test-artifacts" / "station"


class StationProcess:
    """Runs ``python -m <module> ...`` with a given data dir and the loopback."""

    def __init__(self, loopback, home: Path) -> None:
        self.home = home
        self.env = loopback.env(dict(os.environ))
        for name in ("VPR_DATA_DIR", "VPR_LOG_DIR", "VPR_CONFIG_DIR", "KIVY_HOME", "XDG_CACHE_HOME"):
            self.env[name] = str(home / name.lower())
        self.env.pop("DISPLAY", None)  # SDL falls back to its offscreen driver

    @property
    def data_dir(self) -> Path:
        return Path(self.env["VPR_DATA_DIR"])

    def popen(self, *args: str, module: str = "station.cli") -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", module, *args], cwd=REPO_ROOT, env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def run(self, *args: str, module: str = "station.cli", timeout: float = 400) -> tuple[int, dict | None, str]:
        proc = self.popen(*args, module=module)
        out, err = proc.communicate(timeout=timeout)
        assert "Traceback" not in out + err, err[-3000:]
        try:
            data = json.loads(out[out.index("{"):]) if "{" in out else None
        except ValueError:
            data = None
        return proc.returncode, data, err

    def log(self) -> str:
        path = Path(self.env["VPR_LOG_DIR"]) / "station.log"
        return path.read_text("utf-8") if path.exists() else ""


@pytest.fixture
def station(pulse_loopback, tmp_path):
    return StationProcess(pulse_loopback, tmp_path)
