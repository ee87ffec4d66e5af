"""The technical specialist's "audit of how confidential information is stored" (seed
000, item 5): checks of the school's data and of the computer around it, each
reported in plain Russian with a remedy, for a report the school head can sign
(``pdf_audit``).

Checks:

* the protocol is encrypted and the coordinator's passphrase is strong (and a file of
  an older release still waiting for the key to get random participant ids and its
  journal marks encrypted is reported);
* no participant's name in any export, log, backup or temp folder (needs the
  coordinator's key: the names are read from the protocol to look for them);
* the data folder and its files are closed to other users of the computer;
* the coordinator's logins are not stored in clear (collection-service credentials in
  the vault, no passphrase or password kept in the environment, the materials
  password not left readable after the work);
* the node certificate's age;
* where the station recordings are and whether they are encrypted.

The facts of the station side (certificate, recordings, materials password) come in
as ``NodeFacts`` from the command layer, which composes the node and the school; this
module never imports the node. Nothing here changes anything.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import Enum
from pathlib import Path

from coordinator.school import backup, migrations, name_scan, protocol, vault
from coordinator.school.errors import VaultCorruptError
from coordinator.school.settings import get_info
from coordinator.school.store import SchoolStore, utc_now_iso
from coordinator.school.vault import VaultKey
from vpr_common import paths
from vpr_common.errors import InputFileError
from vpr_common.files import open_regular

PASSPHRASE_ENV = ("VPR_NODE_PASSPHRASE", "VPR_NODE_NEW_PASSPHRASE", "VPR_UPLOAD_PASSWORD")
CERT_OLD_AFTER = timedelta(days=365)
_TRIVIAL = {"1234567890", "0123456789", "qwertyuiop", "йцукенгшщз", "пароль1234", "password12", "1111111111"}


class Status(str, Enum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIPPED = "skipped"


STATUS_RU = {Status.OK: "в порядке", Status.WARN: "ЗАМЕЧАНИЕ", Status.FAIL: "НАРУШЕНИЕ",
             Status.SKIPPED: "не проверялось"}


@dataclass(frozen=True)
class Finding:
    check: str
    status: Status
    title_ru: str
    detail_ru: str
    remedy_ru: str = ""


@dataclass(frozen=True)
class NodeFacts:
    """What the station side knows, gathered by the command layer."""

    data_dir: Path | None = None
    cert_not_before: datetime | None = None
    cert_not_after: datetime | None = None
    recordings_dir: Path | None = None
    recordings_count: int = 0
    recordings_encrypted: bool = False
    exam_password_stored: bool = False
    exam_password_released: bool = False


@dataclass(frozen=True)
class AuditReport:
    school: str
    at_utc: str
    tz: str
    findings: tuple[Finding, ...]
    scanned_files: int
    scanned_dirs: tuple[str, ...] = field(default=())

    @property
    def worst(self) -> Status:
        for s in (Status.FAIL, Status.WARN):
            if any(f.status is s for f in self.findings):
                return s
        return Status.OK


# -- the protocol and the passphrase -----------------------------------------------
def passphrase_weakness(phrase: str, school_words: list[str]) -> str:
    """Why a passphrase is weak ("" when it is fine)."""
    p = phrase.strip()
    compact = re.sub(r"\s+", "", p.lower())
    if len(p) < 12:
        return f"она короче 12 знаков ({len(p)})"
    if compact in _TRIVIAL or len(set(compact)) <= 3:
        return "она из повторяющихся или подряд идущих знаков"
    if any(w and len(w) >= 4 and w in compact for w in school_words):
        return "в ней есть название или код школы"
    if len(p.split()) < 2 and not (re.search(r"\d", p) and re.search(r"[^\W\d_]", p)):
        return "это одно слово без цифр"
    return ""


def _check_protocol(store: SchoolStore, passphrase: str | None) -> list[Finding]:
    if not vault.is_initialized(store):
        return [Finding("protocol_encrypted", Status.FAIL, "Протокол «код - ФИО»",
                        "Парольная фраза координатора не задана: защищённое хранилище протокола не создано.",
                        "Задайте фразу: vpr-node protocol init.")]
    out = []
    has_protocol = store.conn.execute("SELECT 1 FROM vault WHERE name=?", (protocol.BLOB,)).fetchone() is not None
    out.append(Finding("protocol_encrypted", Status.OK, "Протокол «код - ФИО»",
                       "Хранится только в зашифрованном виде (AES-256, ключ из парольной фразы координатора)."
                       if has_protocol else "ФИО в программу не загружены (хранятся только на бумаге)."))
    if migrations.rekey_pending(store.conn):
        out.append(Finding("participant_ids", Status.WARN, "Номера участников и отметки по журналу",
                           "Файл данных записан прежней версией программы: номера участников в нём идут в порядке "
                           "списка класса (по ним и кодам можно восстановить, чей код), отметки по журналу не "
                           "зашифрованы.", "Введите парольную фразу координатора (запустите аудит и введите её по "
                           "запросу, или откройте протокол в консоли): программа сразу заменит номера случайными и "
                           "зашифрует отметки."))
    n = int(json.loads(store.get_meta("vault_kdf") or "{}").get("n", 0))
    info = get_info(store)
    if passphrase is None:
        out.append(Finding("passphrase_strength", Status.SKIPPED, "Надёжность парольной фразы",
                           "Фраза не введена - её надёжность не проверялась.",
                           "Запустите аудит и введите фразу по запросу."))
    else:
        why = passphrase_weakness(passphrase, [w.lower() for w in re.findall(r"\w+", f"{info.name} {info.code}")])
        if why or n < 2**15:
            detail = f"Фраза ненадёжна: {why}." if why else "Ключ из фразы получается слишком быстро (старые настройки)."
            out.append(Finding("passphrase_strength", Status.WARN, "Надёжность парольной фразы", detail,
                               "Смените фразу на фразу из 3-4 слов: vpr-node protocol passwd."))
        else:
            out.append(Finding("passphrase_strength", Status.OK, "Надёжность парольной фразы",
                               "Фраза достаточно длинная и не угадывается по названию школы."))
    return out


# -- names outside the protocol ------------------------------------------------------
def _check_names(store: SchoolStore, key: VaultKey | None, scan_dirs: list[Path]) -> tuple[list[Finding], int]:
    title = "ФИО вне протокола (выгрузки, журналы работы, резервные копии, временные файлы)"
    if key is None:
        return [Finding("names_outside", Status.SKIPPED, title, "Без парольной фразы программа не знает ФИО и не "
                        "может их искать.", "Запустите аудит и введите фразу по запросу.")], 0
    try:
        names = list(protocol.read_names(store, key).values())
    except VaultCorruptError:
        names = []
    skip = {store.path.resolve(), Path(str(store.path) + "-wal").resolve(), Path(str(store.path) + "-shm").resolve()}
    found, count = name_scan.scan(scan_dirs, name_scan.needles(names), skip, (backup.SUFFIX,)) if names \
        else ([], 0)
    out = []
    if not names:
        out.append(Finding("names_outside", Status.OK, title, "В протоколе нет ФИО - искать нечего."))
    elif found:
        shown = "; ".join(str(p) for p in found[:10]) + (f" и ещё {len(found) - 10}" if len(found) > 10 else "")
        out.append(Finding("names_outside", Status.FAIL, title, f"ФИО участников найдены в файлах ({len(found)}): "
                           f"{shown}.", "Удалите эти файлы (очистите корзину). Если это распечатанный протокол с ФИО - "
                           "храните его только на бумаге в сейфе."))
    elif count >= name_scan.MAX_SCAN_FILES:
        out.append(Finding("names_outside", Status.WARN, title, f"Проверены первые {count} файлов - ФИО не найдены, "
                           "но проверены не все файлы.", "Очистите временную папку и запустите аудит ещё раз."))
    else:
        out.append(Finding("names_outside", Status.OK, title, f"Проверено файлов: {count}; ФИО участников не "
                           "найдены."))
    plain = []
    for b in backup.backups_made(store):
        p = Path(b["path"])
        if b["exists"]:
            try:
                with open_regular(p) as fh:
                    head = fh.read(len(backup.MAGIC))
            except (InputFileError, OSError):
                head = b""  # a link, a device or unreadable: not the copy that was made
            if head != backup.MAGIC:
                plain.append(str(p))
    if plain:
        out.append(Finding("backups_encrypted", Status.FAIL, "Резервные копии", "Файлы на месте копий не зашифрованы: "
                           + "; ".join(plain), "Удалите их и сделайте копию заново: vpr-node backup ФАЙЛ."))
    else:
        made = [b for b in backup.backups_made(store) if b["exists"]]
        out.append(Finding("backups_encrypted", Status.OK if made else Status.WARN, "Резервные копии",
                           f"Копий: {len(made)}, все зашифрованы." if made else "Резервных копий нет.",
                           "" if made else "Сделайте копию на отдельный носитель: vpr-node backup ФАЙЛ."))
    return out, count


# -- file permissions --------------------------------------------------------------
def _too_open(data_dir: Path) -> list[Path]:
    loose = []
    for p in [data_dir, *data_dir.rglob("*")]:
        try:
            mode = p.lstat().st_mode
        except OSError:
            continue
        if not stat.S_ISLNK(mode) and mode & (stat.S_IRWXG | stat.S_IRWXO) & ~(stat.S_IXGRP | stat.S_IXOTH):
            loose.append(p)
    return loose


def close_permissions(data_dir: Path) -> int:
    """Close the data folder to other users of the computer (POSIX: folders 0700,
    files 0600); returns how many entries changed. Does nothing on Windows."""
    if sys.platform == "win32":
        return 0
    changed = 0
    for p in _too_open(Path(data_dir)):
        try:
            os.chmod(p, 0o700 if p.is_dir() else 0o600)
            changed += 1
        except OSError:
            continue
    return changed


def _check_permissions(data_dir: Path) -> Finding:
    title = "Доступ к папке данных"
    if sys.platform == "win32":
        return Finding("permissions", Status.SKIPPED, title, "В Windows права проверяются вручную.",
                       "Откройте свойства папки " + str(data_dir) + " → Безопасность: доступ только у учётной записи "
                       "координатора и администраторов.")
    loose = _too_open(data_dir)
    if not loose:
        return Finding("permissions", Status.OK, title, f"Папка {data_dir} и её файлы закрыты для других "
                       "пользователей компьютера.")
    shown = "; ".join(str(p) for p in loose[:5]) + (f" и ещё {len(loose) - 5}" if len(loose) > 5 else "")
    return Finding("permissions", Status.WARN, title, f"Другие пользователи компьютера могут читать или менять: "
                   f"{shown}.", "Закройте доступ: vpr-node audit --fix-permissions.")


# -- logins and secrets ------------------------------------------------------------
def _check_logins(store: SchoolStore, facts: NodeFacts, environ: dict[str, str]) -> Finding:
    title = "Логины и пароли координатора"
    problems, remedies = [], []
    url = store.get_meta("upload_url") or ""
    if "@" in url.split("//", 1)[-1].split("/", 1)[0]:
        problems.append("логин записан прямо в адресе сервиса сбора")
        remedies.append("задайте сервис заново: vpr-node upload config --url АДРЕС --user ЛОГИН")
    in_env = [k for k in PASSPHRASE_ENV if environ.get(k)]
    if in_env:
        problems.append("парольная фраза или пароль хранится в настройках среды компьютера (" + ", ".join(in_env) + ")")
        remedies.append("уберите их из настроек среды и вводите по запросу программы")
    if facts.exam_password_stored and facts.exam_password_released:
        problems.append("пароль к материалам работы остаётся на узле после её проведения")
        remedies.append("пароль нужен станциям только в день работы: после неё замените материалы пакетом "
                        "следующей работы (vpr-node set-package) или попросите технического специалиста удалить "
                        "материалы с узла")
    if problems:
        def sentence(parts: list[str]) -> str:
            text = "; ".join(parts)
            return text[:1].upper() + text[1:] + "."
        return Finding("logins", Status.WARN, title, sentence(problems), sentence(remedies))
    return Finding("logins", Status.OK, title, "Логин и пароль сервиса сбора хранятся только зашифрованными; в "
                   "настройках компьютера их нет. Логин и пароль ФИС ОКО программа не хранит.")


# -- node facts ----------------------------------------------------------------------
def _check_certificate(facts: NodeFacts, now: datetime) -> Finding:
    title = "Сертификат узла (защищённая связь со станциями)"
    if facts.cert_not_before is None or facts.cert_not_after is None:
        return Finding("certificate", Status.SKIPPED, title, "Узел ещё не запускался - сертификата нет.")
    age = now - facts.cert_not_before
    if now >= facts.cert_not_after:
        return Finding("certificate", Status.FAIL, title, f"Срок сертификата истёк "
                       f"{facts.cert_not_after:%d.%m.%Y}.", "Создайте новый: удалите папку tls в папке данных и заново "
                       "подключите станции (vpr-node pair-code).")
    if age > CERT_OLD_AFTER:
        return Finding("certificate", Status.WARN, title, f"Сертификату {age.days} дн. (создан "
                       f"{facts.cert_not_before:%d.%m.%Y}); его ключ давно не менялся.",
                       "Перед новым учебным годом создайте новый: удалите папку tls в папке данных и заново "
                       "подключите станции (vpr-node pair-code).")
    return Finding("certificate", Status.OK, title, f"Сертификату {age.days} дн., действует до "
                   f"{facts.cert_not_after:%d.%m.%Y}.")


def _check_recordings(facts: NodeFacts) -> Finding:
    title = "Записи устных ответов"
    if facts.recordings_dir is None:
        return Finding("recordings", Status.SKIPPED, title, "Узел не использовался.")
    where = f"Хранятся в {facts.recordings_dir} (пакетов ответов: {facts.recordings_count})"
    if facts.recordings_count == 0:
        return Finding("recordings", Status.OK, title, where + "; записей сейчас нет.")
    if facts.recordings_encrypted:
        return Finding("recordings", Status.OK, title, where + ", зашифрованы.")
    return Finding("recordings", Status.WARN, title, where + "; сами записи не зашифрованы (в них нет ФИО, только "
                   "код участника, но голос узнаваем).", "Держите папку данных на зашифрованном диске (BitLocker в "
                   "Windows, шифрование диска в Linux) и удалите записи, когда истечёт срок хранения.")


def default_scan_dirs(store: SchoolStore, extra: list[Path] | None = None) -> list[Path]:
    """Where exports, logs, backups and temp files of this program land."""
    dirs = [store.data_dir, paths.log_dir(), Path(tempfile.gettempdir())]
    for key, value in store.conn.execute("SELECT key, value FROM meta WHERE key LIKE 'prepared:%'"):
        try:
            dirs.append(Path(json.loads(value)["path"]).parent)
        except (ValueError, KeyError, TypeError):
            continue
    dirs += [Path(b["path"]).parent for b in backup.backups_made(store)]
    dirs += list(extra or [])
    seen, out = set(), []
    for d in dirs:
        r = d.resolve()
        if r not in seen:
            seen.add(r)
            out.append(r)
    return out


def run_audit(store: SchoolStore, *, passphrase: str | None, facts: NodeFacts | None = None,
              extra_dirs: list[Path] | None = None, scan_dirs: list[Path] | None = None,
              environ: dict[str, str] | None = None, now_utc: datetime | None = None) -> AuditReport:
    """Run every check. ``passphrase`` (the coordinator's) unlocks the names to look
    for and is judged for strength; without it those checks are reported as not done.
    Raises WrongPassphraseError for a wrong passphrase."""
    now = now_utc or datetime.now(timezone.utc)
    facts = facts or NodeFacts()
    key = vault.unlock(store, passphrase) if passphrase and vault.is_initialized(store) else None
    findings = _check_protocol(store, passphrase)
    scan_dirs = scan_dirs if scan_dirs is not None else default_scan_dirs(store, extra_dirs)
    name_findings, scanned = _check_names(store, key, scan_dirs)
    findings += name_findings
    findings.append(_check_permissions(store.data_dir))
    findings.append(_check_logins(store, facts, dict(os.environ if environ is None else environ)))
    findings.append(_check_certificate(facts, now))
    findings.append(_check_recordings(facts))
    info = get_info(store)
    return AuditReport(info.name, utc_now_iso() if now_utc is None else now.isoformat(), info.tz, tuple(findings),
                       scanned, tuple(str(d) for d in scan_dirs))


def summary_ru(report: AuditReport) -> str:
    fails = sum(1 for f in report.findings if f.status is Status.FAIL)
    warns = sum(1 for f in report.findings if f.status is Status.WARN)
    skipped = sum(1 for f in report.findings if f.status is Status.SKIPPED)
    if not fails and not warns:
        text = "нарушений и замечаний нет"
    else:
        text = f"нарушений: {fails}, замечаний: {warns}"
    return text + (f", не проверялось: {skipped}" if skipped else "")
