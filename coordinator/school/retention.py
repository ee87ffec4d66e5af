"""How long results and the protocol are kept, and their deletion when that time is
over - only on the coordinator's confirmation, with an act of deletion.

The school sets a retention period in months (``set_months``); a subject's data is due
for deletion that many months after its work date (or, without a schedule, after its
last stored result). ``delete_due`` removes the due subjects' results and their change
log in one transaction; when no results remain for any subject, the protocol (the
names) goes too. Freed pages are overwritten (``secure_delete``) and the file is
vacuumed, so nothing lingers in ``school.sqlite``. The act (``deletions`` table; printed
by ``pdf_acts``) names what was deleted, by whom, and the backups made earlier that
still hold it. Codes, classes and upload receipts stay (they hold no results).
"""

from __future__ import annotations

import calendar
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime

from coordinator.school import backup, protocol, schedule, timegates
from coordinator.school.errors import ConfirmationRequiredError, RetentionError
from coordinator.school.store import SchoolStore, utc_now_iso
from coordinator.school.subjects import get_subject
from vpr_common.text import checked_text

log = logging.getLogger(__name__)
META_KEY = "retention_months"


@dataclass(frozen=True)
class SubjectRetention:
    subject_id: str
    title: str
    work_date: date
    keep_until: date
    results: int
    due: bool


@dataclass(frozen=True)
class DeletionAct:
    number: int
    at_utc: str
    months: int
    subjects: tuple[SubjectRetention, ...]
    protocol_deleted: bool
    kept_subjects: tuple[str, ...]  # titles whose period is not over (the protocol stays for them)
    confirmed_by: str
    backups_with_data: tuple[str, ...]  # earlier backups that still hold the deleted data


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def set_months(store: SchoolStore, months: int) -> None:
    """Raises RetentionError outside 1..120."""
    if not 1 <= months <= 120:
        raise RetentionError("bad months", message_ru="Срок хранения - от 1 до 120 месяцев.",
                             remedy_ru="Уточните срок в приказе ОО или у муниципального координатора.")
    with store.tx():
        store.set_meta(META_KEY, str(months))


def get_months(store: SchoolStore) -> int | None:
    value = store.get_meta(META_KEY)
    return int(value) if value else None


def plan(store: SchoolStore, today: date | None = None) -> list[SubjectRetention]:
    """Every subject holding results, with its keep-until date and whether it is due.
    Raises RetentionError when no retention period is set."""
    months = get_months(store)
    if months is None:
        raise RetentionError("no retention period", message_ru="Срок хранения результатов не задан.",
                             remedy_ru="Задайте его по приказу ОО: vpr-node retention set --months 12.")
    today = today or timegates.local_today(store)
    out = []
    for subject_id, n, last in store.conn.execute(
            "SELECT subject_id, COUNT(*), MAX(updated_utc) FROM results GROUP BY subject_id ORDER BY subject_id"):
        item = schedule.get_item(store, subject_id)
        work = item.work_date if item else datetime.fromisoformat(last).date()
        until = add_months(work, months)
        out.append(SubjectRetention(subject_id, get_subject(store, subject_id).title, work, until, int(n),
                                    until <= today))
    return out


def delete_due(store: SchoolStore, *, confirmed: bool, confirmed_by: str, today: date | None = None) -> DeletionAct:
    """Delete the results (and, when none remain, the protocol) whose period is over.
    Raises RetentionError (nothing due, no confirmer named), ConfirmationRequiredError
    (listing what would be deleted) when not ``confirmed``."""
    items = plan(store, today)
    due = [i for i in items if i.due]
    if not due:
        nearest = min((i.keep_until for i in items), default=None)
        raise RetentionError("nothing due", message_ru="Срок хранения ещё не истёк ни по одному предмету"
                             + (f" (ближайший - {schedule.ru_date(nearest)})." if nearest else " - результатов нет."),
                             remedy_ru="Удалять пока нечего.")
    kept = tuple(i.title for i in items if not i.due)
    will = [f"{i.title}: результатов {i.results} (проведение {schedule.ru_date(i.work_date)}, хранить до "
            f"{schedule.ru_date(i.keep_until)})" for i in due]
    will.append("протокол «код - ФИО» тоже будет удалён" if not kept else
                "протокол «код - ФИО» останется: по другим предметам срок не истёк")
    if not confirmed:
        raise ConfirmationRequiredError(["Будут безвозвратно удалены: " + "; ".join(will) + "."])
    who = checked_text(confirmed_by, "Кто подтверждает удаление", max_len=150, error=RetentionError)
    if not who:
        raise RetentionError("no confirmer", message_ru="Укажите, кто подтверждает удаление (ФИО координатора).",
                             remedy_ru="Например: --by \"Смирнова О. И.\"")
    months = get_months(store) or 0
    with store.tx():
        for i in due:
            store.conn.execute("DELETE FROM results WHERE subject_id=?", (i.subject_id,))
            store.conn.execute("DELETE FROM result_changes WHERE subject_id=?", (i.subject_id,))
        protocol_deleted = not kept
        if protocol_deleted:
            store.conn.execute("DELETE FROM vault WHERE name=?", (protocol.BLOB,))
        cur = store.conn.execute(
            "INSERT INTO deletions(at_utc, subjects_json, counts_json, confirmed_by) VALUES(?, ?, ?, ?)",
            (utc_now_iso(), json.dumps([_as_json(i) for i in due], ensure_ascii=False),
             json.dumps({"protocol_deleted": protocol_deleted, "kept": list(kept), "months": months},
                        ensure_ascii=False), who))
        number = int(cur.lastrowid)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.conn.execute("VACUUM")  # with secure_delete the old pages are gone from the file
    log.info("retention: deleted %d subject(s), protocol deleted: %s", len(due), protocol_deleted)
    return act(store, number)


def _as_json(i: SubjectRetention) -> dict:
    return {"subject": i.subject_id, "title": i.title, "work_date": i.work_date.isoformat(),
            "keep_until": i.keep_until.isoformat(), "results": i.results}


def act(store: SchoolStore, number: int) -> DeletionAct:
    """A recorded act of deletion. Raises RetentionError for an unknown number."""
    r = store.conn.execute("SELECT id, at_utc, subjects_json, counts_json, confirmed_by FROM deletions WHERE id=?",
                           (number,)).fetchone()
    if r is None:
        raise RetentionError("unknown act", message_ru=f"Акта удаления № {number} нет.",
                             remedy_ru="Список актов: vpr-node retention show.")
    extra = json.loads(r[3])
    subjects = tuple(SubjectRetention(s["subject"], s["title"], date.fromisoformat(s["work_date"]),
                                      date.fromisoformat(s["keep_until"]), int(s["results"]), True)
                     for s in json.loads(r[2]))
    at = datetime.fromisoformat(r[1])
    earlier = tuple(b["path"] for b in backup.backups_made(store)
                    if b["exists"] and datetime.fromisoformat(b["created_utc"]) <= at)
    return DeletionAct(int(r[0]), r[1], int(extra.get("months", 0)), subjects, bool(extra["protocol_deleted"]),
                       tuple(extra.get("kept", ())), r[4], earlier)


def acts(store: SchoolStore) -> list[DeletionAct]:
    return [act(store, int(r[0])) for r in store.conn.execute("SELECT id FROM deletions ORDER BY id")]
