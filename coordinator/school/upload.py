"""Getting the results form out of the school.

Primary path (the federal system has no public API): ``prepare`` writes the form
(xlsx + CSV twin, absentees marked in it) and a Russian checklist for the manual upload
to ФИС ОКО; the coordinator then records it with ``confirm``. Every upload records the
last result change it contains (``changes``): a later change makes the subject
"changed after upload - upload again", and the next upload supersedes the earlier ones. Secondary path: ``send`` posts the xlsx
to a configurable HTTP collection service (municipal/regional) - the raw xlsx as the
body, ``X-VPR-Subject``, ``X-VPR-School`` and ``X-Content-SHA256`` headers - with HTTP Basic
credentials kept encrypted in the vault, retries with backoff, and stores the receipt
with the file's SHA-256. Credentials never reach a log line or an error text.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

from coordinator.school import changes, federal_layout, forms, results, schedule, tables, timefmt, vault
from coordinator.school.errors import SchoolError, UploadError, UploadNotConfiguredError
from coordinator.school.settings import get_info
from coordinator.school.store import SchoolStore, default_data_dir, utc_now_iso
from coordinator.school.subjects import Subject
from coordinator.school.vault import VaultKey
from vpr_common.atomic import atomic_write_bytes, atomic_write_text
from vpr_common.files import open_regular
from vpr_common.text import checked_text, shown

log = logging.getLogger(__name__)
CRED_BLOB = "upload_credentials"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Prepared:
    xlsx: Path
    csv: Path
    checklist: Path
    sha256: str
    participants: int
    absent: int = 0


@dataclass(frozen=True)
class Receipt:
    """One recorded upload; ``current`` is False once a later upload superseded it."""

    subject_id: str
    kind: str
    file_name: str
    sha256: str
    size: int
    target: str
    receipt: dict
    created_utc: str
    created_local: str
    current: bool


def form_rows(store: SchoolStore, subject: Subject, key: VaultKey | None = None) -> list[results.Result]:
    """The rows of the upload form: results, then absentees (marked «отсутствовал»);
    journal marks only with ``key``."""
    rows = results.list_results(store, subject, key=key)
    return [r for r in rows if r.status is results.ResultStatus.DONE] + \
        [r for r in rows if r.status is results.ResultStatus.ABSENT]


def form_bytes(store: SchoolStore, subject: Subject, key: VaultKey | None = None,
               without_journal: bool = False) -> tuple[bytes, int, int]:
    """The whole school's form for ``subject`` as xlsx bytes, the number of participants
    with results and the change sequence it contains; journal marks need ``key``
    (unless ``without_journal``). Raises SchoolError when there is nothing to send,
    JournalLockedError."""
    if not results.list_results(store, subject, status=results.ResultStatus.DONE):
        raise SchoolError("no results", message_ru=f"По предмету «{subject.title}» нет результатов - нечего "
                          "загружать.", remedy_ru="Сначала внесите или импортируйте баллы: vpr-node results import.")
    key = results.journal_access(store, key, without_journal)
    with store.tx():  # one consistent view of results and change log
        seq = changes.last_seq(store, subject.id)
        rows = form_rows(store, subject, key)
    done = sum(1 for r in rows if r.status is results.ResultStatus.DONE)
    item = schedule.get_item(store, subject.id)
    wb = federal_layout.build_workbook(subject, get_info(store), rows, schedule.ru_date(item.work_date) if item else "")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), done, seq


def _missing_codes(store: SchoolStore, subject: Subject) -> list[str]:
    q = ("SELECT p.code FROM participants p WHERE p.code IS NOT NULL AND p.code NOT IN "
         "(SELECT code FROM results WHERE subject_id=?) ORDER BY p.code")
    return [r[0] for r in store.conn.execute(q, (subject.id,))]


def data_option(store: SchoolStore) -> str:
    """`` --data "DIR"`` when the store is not in the default place, so a command
    copied from a checklist acts on the same data."""
    try:
        default = default_data_dir().resolve()
    except OSError:  # pragma: no cover
        default = None
    here = store.data_dir.resolve()
    return "" if here == default else f' --data "{here}"'


def checklist_text(store: SchoolStore, subject: Subject, file_name: str, sha: str, n: int) -> str:
    info = get_info(store)
    item = schedule.get_item(store, subject.id)
    deadline = schedule.describe(item.deadline_utc, info.tz) if item else "по плану-графику, до 23:00 МСК"
    absent = results.list_results(store, subject, status=results.ResultStatus.ABSENT)
    missing = _missing_codes(store, subject)
    data = data_option(store)
    lines = [
        f"ЧЕК-ЛИСТ ЗАГРУЗКИ РЕЗУЛЬТАТОВ: {subject.title}",
        f"ОО: {info.name} ({info.fis_code})" if info.code else f"ОО: {info.name}",
        "",
        f"[ ] 1. Файл для загрузки: {file_name}",
        f"       (контрольная сумма для сверки: {sha[:16]})",
        f"[ ] 2. В форме {n} участников с результатами; ФИО в форме нет, только коды.",
        f"[ ] 3. Отсутствовали: {len(absent)} (в форме у них в столбце «Вариант» - «{federal_layout.ABSENT_MARK}»)."
        + ("".join(f"\n       код {a.code}: {a.absent_reason}"
                   + (f", резервный день {schedule.ru_date(a.reserve_date)}" if a.reserve_date else "")
                   for a in absent)),
    ]
    if missing:
        lines.append(f"[ ] 4. ВНИМАНИЕ: нет результатов и не отмечено отсутствие для кодов: {', '.join(missing)}.")
    else:
        lines.append("[ ] 4. У всех участников есть результат или отмечено отсутствие.")
    lines += [
        "[ ] 5. Войдите в личный кабинет ОО в ФИС ОКО (логин и пароль не пересылайте по почте и в мессенджерах).",
        "[ ] 6. Откройте раздел ВПР, выберите предмет и класс, загрузите ЗАПОЛНЕННЫЙ файл (не пустой шаблон).",
        f"[ ] 7. Срок загрузки: до {deadline}.",
        "[ ] 8. Убедитесь, что статус загрузки в личном кабинете - «загружено», без ошибок.",
        f"[ ] 9. Отметьте загрузку в программе: vpr-node upload confirm --subject {subject.id}{data}",
        "[ ] 10. Если после загрузки результаты изменятся, программа скажет «загрузите ещё раз»: подготовьте файл "
        f"заново (vpr-node upload prepare ПАПКА --subject {subject.id}{data}) и загрузите его.",
        "[ ] 11. Бумажные протоколы (код - ФИО) остаются в ОО; храните их в сейфе.",
    ]
    return "\n".join(lines) + "\n"


def prepare(store: SchoolStore, subject: Subject, out_dir: Path, *, key: VaultKey | None = None,
            without_journal: bool = False) -> Prepared:
    """Write the form, its CSV twin and the checklist into ``out_dir`` (journal marks
    need ``key``, unless ``without_journal``). Raises SchoolError when there are no
    results, JournalLockedError, OSError for an unwritable folder."""
    data, n, seq = form_bytes(store, subject, key, without_journal)
    key = results.journal_access(store, key, without_journal)  # as form_bytes had it
    sha = hashlib.sha256(data).hexdigest()
    out_dir = Path(out_dir)
    base = f"vpr_{subject.id}_{get_info(store).code or 'oo'}_results"
    xlsx, csv_path, check = out_dir / f"{base}.xlsx", out_dir / f"{base}.csv", out_dir / f"{base}_checklist.txt"
    atomic_write_bytes(xlsx, data)
    rows = form_rows(store, subject, key)
    forms.export_csv(csv_path, subject, get_info(store), rows)
    atomic_write_text(check, checklist_text(store, subject, xlsx.name, sha, n))
    with store.tx():
        store.set_meta(f"prepared:{subject.id}", json.dumps({"path": str(xlsx.resolve()), "sha256": sha,
                                                             "change_seq": seq}))
    log.info("manual upload prepared: subject=%s sha256=%s rows=%d", subject.id, sha, n)
    return Prepared(xlsx, csv_path, check, sha, n, len(rows) - n)


def record(store: SchoolStore, subject_id: str, kind: str, file_name: str, sha: str, size: int, target: str,
           receipt: dict, change_seq: int) -> None:
    """Store an upload; it supersedes the earlier ones of the subject."""
    with store.tx():
        store.conn.execute(
            "INSERT INTO uploads(subject_id, kind, file_name, sha256, size, target, receipt_json, created_utc, "
            "change_seq) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (subject_id, kind, file_name, sha, size, target, json.dumps(receipt, ensure_ascii=False), utc_now_iso(),
             change_seq),
        )


def confirm_manual(store: SchoolStore, subject: Subject, file: Path | None = None) -> str:
    """Record that the coordinator uploaded ``file`` (default: the file of the last
    ``prepare``) by hand; returns its SHA-256. A file other than the prepared one is
    read as a form and must hold exactly the stored results. Raises SchoolError when
    there is no such file or it does not match."""
    prepared = json.loads(store.get_meta(f"prepared:{subject.id}") or "null")
    if file is None:
        if prepared is None:
            raise SchoolError("nothing prepared", message_ru=f"Файл формы по предмету «{subject.title}» ещё не "
                              "подготовлен.", remedy_ru=f"Подготовьте его: vpr-node upload prepare ПАПКА --subject "
                              f"{subject.id}, или укажите загруженный файл: --file ФАЙЛ.")
        file = Path(prepared["path"])
    if not Path(file).exists() and not Path(file).is_symlink():
        raise SchoolError(f"cannot read {file}", message_ru=f"Не найден файл {file}.",
                          remedy_ru="Укажите файл, который вы загрузили: --file ФАЙЛ.")
    with open_regular(file, max_bytes=tables.LIMITS.xlsx_bytes) as fh:
        data = fh.read()
    sha = hashlib.sha256(data).hexdigest()
    if prepared and prepared.get("sha256") == sha:
        seq = int(prepared.get("change_seq", 0))
    else:
        seq = _seq_if_file_matches(store, subject, Path(file))
    record(store, subject.id, "manual", Path(file).name, sha, len(data), "ФИС ОКО (вручную)",
           {"confirmed_utc": utc_now_iso()}, seq)
    return sha


def _seq_if_file_matches(store: SchoolStore, subject: Subject, file: Path) -> int:
    """For a form not prepared here: the current change sequence when the file holds
    exactly the stored results. Raises SchoolError otherwise."""
    rows = forms.read_rows(file)
    parsed = forms.parse_form(rows, subject, results.code_states(store))
    in_file = {(e.code, e.variant, e.points) for e in parsed.entries}
    with store.tx():
        seq = changes.last_seq(store, subject.id)
        stored = {(r.code, r.variant, r.points) for r in results.list_results(store, subject,
                                                                              status=results.ResultStatus.DONE)}
    if in_file != stored:
        raise SchoolError("file differs", message_ru=f"В файле {file.name} не те результаты, что в программе "
                          f"(в файле {len(in_file)}, в программе {len(stored)}).",
                          remedy_ru=f"Подготовьте файл заново: vpr-node upload prepare ПАПКА --subject {subject.id}, "
                                    "загрузите его в ФИС ОКО и отметьте загрузку.")
    return seq


def configure(store: SchoolStore, key: VaultKey, url: str, user: str, password: str) -> None:
    """Store the endpoint (plain) and the credentials (encrypted). Raises UploadError
    for a URL that is not http(s) or carries credentials in it."""
    url = checked_text(url, "Адрес сервиса сбора", max_len=500, error=UploadError)
    user = checked_text(user, "Логин сервиса сбора", max_len=200, error=UploadError)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UploadError("bad url", message_ru=f"Адрес сервиса сбора должен начинаться с https:// (получено «{shown(url)}»).",
                          remedy_ru="Уточните адрес у муниципального координатора.")
    if parts.username or parts.password:
        raise UploadError("credentials in url", message_ru="Не указывайте логин и пароль внутри адреса.",
                          remedy_ru="Задайте логин параметром --user, пароль программа спросит отдельно.")
    if not user or not password:
        raise UploadError("empty credentials", message_ru="Нужны логин и пароль сервиса сбора.", remedy_ru="")
    with store.tx():
        store.set_meta("upload_url", url)
        vault.put_json(store, key, CRED_BLOB, {"user": user, "password": password})


def send(store: SchoolStore, key: VaultKey, subject: Subject, *, attempts: int = 4, backoff_s: float = 1.0,
         timeout_s: float = 30.0) -> dict:
    """POST the form; returns the stored receipt. Raises UploadNotConfiguredError,
    UploadError (with the reason, never the credentials)."""
    url = store.get_meta("upload_url")
    creds = vault.get_json(store, key, CRED_BLOB, None)
    if not url or not creds:
        raise UploadNotConfiguredError("upload not configured")
    data, n, seq = form_bytes(store, subject, key)
    sha = hashlib.sha256(data).hexdigest()
    file_name = f"vpr_{subject.id}_{get_info(store).code or 'oo'}_results.xlsx"
    headers = {
        "Content-Type": XLSX_TYPE,
        "Content-Disposition": f'attachment; filename="{file_name}"',
        "X-VPR-Subject": subject.id,
        "X-VPR-School": get_info(store).code,
        "X-Content-SHA256": sha,
    }
    # UTF-8 bytes: requests would encode str credentials as Latin-1 and fail on Cyrillic.
    auth = (creds["user"].encode("utf-8"), creds["password"].encode("utf-8"))
    last = ""
    for attempt in range(1, attempts + 1):
        try:
            resp = requests.post(url, data=data, headers=headers, auth=auth, timeout=timeout_s)
        except requests.RequestException as exc:
            last = "нет связи с сервисом"
            log.warning("upload attempt %d/%d to %s failed: %s", attempt, attempts, _safe(url), type(exc).__name__)
        else:
            if resp.status_code in (401, 403):
                raise UploadError(f"HTTP {resp.status_code}", message_ru="Сервис сбора отклонил логин или пароль "
                                  f"(HTTP {resp.status_code}).", remedy_ru="Проверьте их и задайте заново: "
                                  "vpr-node upload config.")
            if resp.status_code < 300:
                receipt = _check_receipt(resp, sha)
                record(store, subject.id, "http", file_name, sha, len(data), url, receipt, seq)
                log.info("upload done: subject=%s sha256=%s receipt=%s", subject.id, sha, receipt.get("receipt_id"))
                return receipt
            last = f"сервис ответил HTTP {resp.status_code}"
            log.warning("upload attempt %d/%d to %s: HTTP %d", attempt, attempts, _safe(url), resp.status_code)
            if 400 <= resp.status_code < 500 and resp.status_code not in (408, 429):
                break
        if attempt < attempts:
            time.sleep(backoff_s * 2 ** (attempt - 1))
    raise UploadError(f"upload failed: {last}", message_ru=f"Не удалось отправить форму результатов: {last}.")


def _safe(url: str) -> str:
    """The URL for a log line: scheme, host and path only (no query tokens)."""
    p = urlsplit(url)
    return f"{p.scheme}://{p.hostname}{':' + str(p.port) if p.port else ''}{p.path}"


def _check_receipt(resp: requests.Response, sha: str) -> dict:
    try:
        receipt = resp.json()
    except ValueError:
        receipt = None
    if not isinstance(receipt, dict) or not receipt.get("receipt_id"):
        raise UploadError("no receipt", message_ru="Сервис сбора не выдал квитанцию о приёме.")
    if receipt.get("sha256") != sha:
        raise UploadError("hash mismatch", message_ru="Квитанция не совпадает с отправленным файлом "
                          "(контрольная сумма другая).", remedy_ru="Отправьте форму ещё раз.")
    return receipt


def receipts(store: SchoolStore) -> list[Receipt]:
    """Every recorded upload, oldest first; the last one of each subject is current."""
    tz = get_info(store).tz
    rows = store.conn.execute("SELECT id, subject_id, kind, file_name, sha256, size, target, receipt_json, created_utc "
                              "FROM uploads ORDER BY id").fetchall()
    last = {r[1]: r[0] for r in rows}
    return [Receipt(r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7]), r[8], timefmt.local(r[8], tz),
                    last[r[1]] == r[0]) for r in rows]
