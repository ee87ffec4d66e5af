"""Recovery of interrupted recordings (crash, power cut, killed process).

A journal left in a recording directory is rebuilt into a valid FLAC with everything
that reached the disk, through the same finalization as a normal stop. The station
calls :func:`recover_all` at start-up; a technician runs ``vpr-diagnose recover DIR``.
Threads: caller's thread only. A journal a live recorder still writes is locked and
left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from audio.errors import AudioError, JournalError, RecordingInProgressError
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


@dataclass(frozen=True)
class RecoveryReport:
    """What :func:`recover_all` did: the rebuilt recordings, the journals that could not
    be rebuilt (with the typed error; the journal stays unless it held no audio) and the
    journals skipped because a recorder still writes them."""

    recovered: tuple[RecordingResult, ...]
    failed: tuple[tuple[Path, AudioError], ...]
    in_progress: tuple[Path, ...]


def recover_all(directory: Path) -> RecoveryReport:
    """Recover every interrupted journal in ``directory`` (sorted by name). One bad journal
    does not stop the others. Never raises for a journal; ``OSError`` only if the
    directory cannot be listed."""
    recovered, failed, busy = [], [], []
    for journal in find_journals(Path(directory)):
        if journal_in_use(journal):
            busy.append(journal)
            continue
        try:
            recovered.append(finalize_journal(journal, recovered=True))
        except AudioError as exc:
            failed.append((journal, exc))
    return RecoveryReport(tuple(recovered), tuple(failed), tuple(busy))
