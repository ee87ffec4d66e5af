"""Getting the results form out of the school.

Primary path (the federal system has no public API): ``prepare`` writes the form
(xlsx + CSV twin) and a Russian checklist for the manual upload to ФИС ОКО; the
coordinator then records it with ``confirm``. Secondary path: ``send`` posts the xlsx
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

from coordinator.school import forms, results, schedule, vault
from coordinator.school.errors import SchoolError, UploadError, UploadNotConfiguredError
from coordinator.school.settings import get_info
from coordinator.school.store import SchoolStore, utc_now_iso
from coordinator.school.subjects import Subject
from coordinator.school.vault import VaultKey
from vpr_common.atomic import atomic_write_bytes, atomic_write_text

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


def form_bytes(store: SchoolStore, subject: Subject) -> tuple[bytes, int]:
    """The whole school's form for ``subject`` as xlsx bytes. Raises SchoolError when
    there is nothing to send."""
    rows = results.list_results(store, subject, status=results.ResultStatus.DONE)
    if not rows:
        raise SchoolError("no results", message_ru=f"По предмету «{subject.title}» нет результатов - нечего "
                          "загружать.", remedy_ru="Сначала внесите или импортируйте баллы: vpr-node results import.")
    item = schedule.get_item(store, subject.id)
    wb = forms.build_workbook(subject, get_info(store), rows, item.work_date.isoformat() if item else "")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), len(rows)


def _missing_codes(store: SchoolStore, subject: Subject) -> list[str]:
    q = ("SELECT p.code FROM participants p WHERE p.code IS NOT NULL AND p.code NOT IN "
         "(SELECT code FROM results WHERE subject_id=?) ORDER BY p.code")
    return [r[0] for r in store.conn.execute(q, (subject.id,))]


def checklist_text(store: SchoolStore, subject: Subject, file_name: str, sha: str, n: int) -> str:
    info = get_info(store)
    item = schedule.get_item(store, subject.id)
    deadline = schedule.describe(item.deadline_utc, info.tz) if item else "по плану-графику, до 23:00 МСК"
    absent = results.list_results(store, subject, status=results.ResultStatus.ABSENT)
    missing = _missing_codes(store, subject)
    lines = [
        f"ЧЕК-ЛИСТ ЗАГРУЗКИ РЕЗУЛЬТАТОВ: {subject.title}",
        f"ОО: {info.name} (код {info.code})" if info.code else f"ОО: {info.name}",
        "",
        f"[ ] 1. Файл для загрузки: {file_name}",
        f"       Контрольная сумма SHA-256: {sha}",
        f"[ ] 2. В форме {n} участников; ФИО в форме нет, только коды.",
        f"[ ] 3. Отсутствовали (резервный день): {len(absent)}."
        + ("".join(f"\n       код {a.code}: {a.absent_reason}"
                   + (f", резервный день {a.reserve_date}" if a.reserve_date else "") for a in absent)),
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
        f"[ ] 9. Отметьте загрузку в программе: vpr-node upload confirm --subject {subject.id}",
        "[ ] 10. Бумажные протоколы (код - ФИО) остаются в ОО; храните их в сейфе.",
    ]
    return "\n".join(lines) + "\n"


def prepare(store: SchoolStore, subject: Subject, out_dir: Path) -> Prepared:
    """Write the form, its CSV twin and the checklist into ``out_dir``."""
    data, n = form_bytes(store, subject)
    sha = hashlib.sha256(data).hexdigest()
    out_dir = Path(out_dir)
    base = f"vpr_{subject.id}_{get_info(store).code or 'oo'}_results"
    xlsx, csv_path, check = out_dir / f"{base}.xlsx", out_dir / f"{base}.csv", out_dir / f"{base}_checklist.txt"
    atomic_write_bytes(xlsx, data)
    rows = results.list_results(store, subject, status=results.ResultStatus.DONE)
    forms.export_csv(csv_path, subject, get_info(store), rows)
    atomic_write_text(check, checklist_text(store, subject, xlsx.name, sha, n))
    with store.tx():
        store.set_meta(f"prepared:{subject.id}", json.dumps({"path": str(xlsx.resolve()), "sha256": sha}))
    log.info("manual upload prepared: subject=%s sha256=%s rows=%d", subject.id, sha, n)
    return Prepared(xlsx, csv_path, check, sha, n)


def record(store: SchoolStore, subject_id: str, kind: str, file_name: str, sha: str, size: int, target: str,
           receipt: dict) -> None:
    with store.tx():
        store.conn.execute(
            "INSERT INTO uploads(subject_id, kind, file_name, sha256, size, target, receipt_json, created_utc) "
            "VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
            (subject_id, kind, file_name, sha, size, target, json.dumps(receipt, ensure_ascii=False), utc_now_iso()),
        )


def confirm_manual(store: SchoolStore, subject: Subject, file: Path | None = None) -> str:
    """Record that the coordinator uploaded ``file`` (default: the file of the last
    ``prepare``) by hand; returns its SHA-256. Raises SchoolError when there is no such
    file."""
    if file is None:
        prepared = json.loads(store.get_meta(f"prepared:{subject.id}") or "null")
        if prepared is None:
            raise SchoolError("nothing prepared", message_ru=f"Файл формы по предмету «{subject.title}» ещё не "
                              "подготовлен.", remedy_ru=f"Подготовьте его: vpr-node upload prepare ПАПКА --subject "
                              f"{subject.id}, или укажите загруженный файл: --file ФАЙЛ.")
        file = Path(prepared["path"])
    try:
        data = Path(file).read_bytes()
    except OSError:
        raise SchoolError(f"cannot read {file}", message_ru=f"Не найден файл {file}.",
                          remedy_ru="Укажите файл, который вы загрузили: --file ФАЙЛ.") from None
    sha = hashlib.sha256(data).hexdigest()
    record(store, subject.id, "manual", Path(file).name, sha, len(data), "ФИС ОКО (вручную)",
           {"confirmed_utc": utc_now_iso()})
    return sha


def configure(store: SchoolStore, key: VaultKey, url: str, user: str, password: str) -> None:
    """Store the endpoint (plain) and the credentials (encrypted). Raises UploadError
    for a URL that is not http(s) or carries credentials in it."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UploadError("bad url", message_ru=f"Адрес сервиса сбора должен начинаться с https:// (получено «{url}»).",
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
    data, n = form_bytes(store, subject)
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
            last = f"нет связи с сервисом ({type(exc).__name__})"
            log.warning("upload attempt %d/%d to %s failed: %s", attempt, attempts, _safe(url), type(exc).__name__)
        else:
            if resp.status_code in (401, 403):
                raise UploadError(f"HTTP {resp.status_code}", message_ru="Сервис сбора отклонил логин или пароль "
                                  f"(HTTP {resp.status_code}).", remedy_ru="Проверьте их и задайте заново: "
                                  "vpr-node upload config.")
            if resp.status_code < 300:
                receipt = _check_receipt(resp, sha)
                record(store, subject.id, "http", file_name, sha, len(data), url, receipt)
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


def receipts(store: SchoolStore) -> list[dict]:
    rows = store.conn.execute("SELECT subject_id, kind, file_name, sha256, size, target, receipt_json, created_utc "
                              "FROM uploads ORDER BY id").fetchall()
    return [{"subject": r[0], "kind": r[1], "file": r[2], "sha256": r[3], "size": r[4], "target": r[5],
             "receipt": json.loads(r[6]), "created_utc": r[7]} for r in rows]
