"""Moving an unfinished session to a spare PC: export on one station (USB folder),
import on another, and the flow there resumes the same participant at the same task."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from exam_content.archive import open_package
from station.flow.phases import Phase
from station.session_transfer import SessionImportError, import_sessions
from sync.usb import export_unacked
from tests.conftest import REPO_ROOT
from tests.exam_content.helpers import PASSWORD, built_package
from tests.station.test_flow import Rig, _to_read_aloud_answer


def test_unfinished_session_moves_and_resumes(tmp_path):
    package = open_package(built_package(tmp_path, "en", fast=True), PASSWORD)
    broken = Rig(tmp_path / "pc1", package)
    _to_read_aloud_answer(broken)
    broken.run(2.0)
    broken.flow.audio.stop_recording()  # the piece that reached the disk before the PC died
    session_id = broken.flow.session.session_id
    usb = tmp_path / "usb"
    usb.mkdir()
    report = export_unacked(broken.sync, usb, broken.store.root)
    spare = Rig(tmp_path / "pc2", package)
    result = import_sessions(report["folder"], spare.store.root)
    assert result.imported == [session_id]
    again = import_sessions(report["folder"], spare.store.root)
    assert again.imported == [] and again.already_here == [session_id]
    spare.flow.start()
    assert spare.flow.session.session_id == session_id and spare.flow.session.participant_code == "12345"
    assert spare.flow.task.id == "read_aloud"
    assert (spare.store.audio_dir(session_id) / "read_aloud_p1.flac").is_file()


def test_import_from_a_folder_without_sessions(tmp_path):
    with pytest.raises(SessionImportError) as exc:
        import_sessions(tmp_path, tmp_path / "sessions")
    assert "нет сеансов" in exc.value.message_ru


def test_cli_reports_in_russian(tmp_path):
    env = {"VPR_DATA_DIR": str(tmp_path / "d"), "VPR_LOG_DIR": str(tmp_path / "l"),
           "VPR_CONFIG_DIR": str(tmp_path / "c"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-m", "station.cli", "import-sessions", str(tmp_path)], cwd=REPO_ROOT,
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "нет сеансов участников" in proc.stderr
