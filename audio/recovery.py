"""Recovery of interrupted recordings (crash, power cut, killed process).

A journal left in a recording directory is rebuilt into a valid FLAC with everything
that reached the disk, through the same finalization as a normal stop. The station
calls :func:`recover_all` at start-up; a technician runs ``vpr-diagnose recover DIR``.
Threads: caller's thread only; never run it on a journal that is still being written.
"""

from __future__ import annotations

from pathlib import Path

from audio.errors import JournalError, RecordingInProgressError
from audio.finalize import finalize_journal
from audio.journal import SUFFIX, find_journals, journal_in_use
from audio.results import RecordingResult


def recover(path: Path) -> RecordingResult:
    """Rebuild one interrupted recording. ``path`` is a journal file, or a directory
    holding exactly one journal.

    Raises :class:`~audio.errors.JournalError` (none / several / unreadable),
    ``RecordingInProgressError`` (a live recorder still writes it),
    ``JournalTamperedError``, ``DiskFullError`` or ``StorageError``.
    """
    path = Path(path)
    if path.is_dir():
        journals = find_journals(path)
        if len(journals) != 1:
            raise JournalError(
                f"{path}: {len(journals)} interrupted recordings",
                message_ru=("В папке нет прерванных записей." if not journals else
                            "В папке несколько прерванных записей; укажите файл *.vprrec."),
                remedy_ru="Проверьте путь к папке с записями.",
            )
        path = journals[0]
    elif not path.name.endswith(SUFFIX):
        raise JournalError(f"{path}: not a journal (*{SUFFIX})")
    if journal_in_use(path):
        raise RecordingInProgressError(str(path))
    return finalize_journal(path, recovered=True)


def recover_all(directory: Path) -> list[RecordingResult]:
    """Recover every interrupted journal in ``directory`` (sorted by name), skipping
    recordings still in progress; stops at the first error."""
    return [finalize_journal(j, recovered=True) for j in find_journals(Path(directory))
            if not journal_in_use(j)]
