"""Moving an unfinished participant session to a spare PC: import the session folders
that ``vpr-station export`` wrote (``<export>/sessions/<id>/``) into this station's
sessions folder. Only unfinished sessions are taken; a session already present here is
never overwritten. On the next start the station resumes it (same participant, same
task, the time that was left; an interrupted recording is rebuilt from its journal)."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from station.flow.session_store import SESSION_FILE
from vpr_common.errors import VprError


class SessionImportError(VprError):
    code = "session_import"
    message_ru = "Не удалось перенести сеансы."
    remedy_ru = "Укажите папку выгрузки (vpr-export-…) или её вложенную папку sessions."


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)
    already_here: list[str] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


def import_sessions(source: Path, sessions_dir: Path) -> ImportReport:
    """Copy unfinished sessions from ``source`` (an export folder or its ``sessions``).

    Raises :class:`SessionImportError` when ``source`` holds no sessions folder or the
    copy fails.
    """
    source = Path(source)
    src = source / "sessions" if (source / "sessions").is_dir() else source
    if not src.is_dir() or not any(p.joinpath(SESSION_FILE).is_file() for p in src.iterdir() if p.is_dir()):
        raise SessionImportError(f"{source}: no sessions", message_ru=f"В папке «{source}» нет сеансов участников.")
    sessions_dir = Path(sessions_dir)
    sessions_dir.mkdir(parents=True, exist_ok=True)
    report = ImportReport()
    for folder in sorted(p for p in src.iterdir() if p.is_dir()):
        try:
            state = json.loads((folder / SESSION_FILE).read_text("utf-8"))
            finished = bool(state["finished"])
        except (OSError, ValueError, KeyError):
            report.unreadable.append(folder.name)
            continue
        if finished:
            report.finished.append(folder.name)
            continue
        target = sessions_dir / folder.name
        if target.exists():
            report.already_here.append(folder.name)
            continue
        tmp = sessions_dir / f".{folder.name}.importing"
        try:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.copytree(folder, tmp)
            tmp.rename(target)  # the folder appears whole or not at all
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise SessionImportError(f"{folder}: {exc}") from exc
        report.imported.append(folder.name)
    return report
