"""Encrypted backups of the school's data (``school.sqlite``: classes, codes, the
protocol, subjects, results, schedule, rooms, uploads) and their restore.

* A backup is a consistent snapshot taken through SQLite's backup API into memory -
  no plain copy ever touches a disk or a temp folder - encrypted with AES-256-GCM
  under a key derived (scrypt, a fresh salt) from the coordinator's passphrase, which
  must unlock the vault first: so the same phrase restores it. The file: a magic line,
  a JSON header (format, time, KDF parameters; no names, no school data) and the
  ciphertext, the header being the cipher's associated data.
* Restore decrypts, checks the snapshot (an SQLite file of this program, not newer
  than this code, ``integrity_check``), and writes it in place of ``school.sqlite``
  atomically; existing data is replaced only when asked, and only after it was itself
  backed up under the same passphrase beside the data folder.
* Backups made are remembered by path (``meta backups``) so the retention deletion and
  the audit can name copies that still hold deleted data.

Station recordings and the node's own files are not in this backup (the node keeps
them; see docs/school.md).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from coordinator.school import migrations, vault
from coordinator.school.errors import BackupError, VaultNotInitializedError, WrongPassphraseError
from coordinator.school.store import DB_NAME, SchoolStore, utc_now_iso
from vpr_common.atomic import atomic_write_bytes
from vpr_common.files import open_regular

log = logging.getLogger(__name__)
MAGIC = b"VPR-SCHOOL-BACKUP 1\n"
FORMAT = "vpr-school-backup/1"
_N = 2**15
SUFFIX = ".vprbak"
#: school.sqlite of a school of 2,000 participants is a few MB
MAX_BACKUP_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    created_utc: str
    size: int
    schema_version: int


@dataclass(frozen=True)
class RestoreInfo:
    created_utc: str
    schema_version: int
    replaced_copy: Path | None  # the backup of the data that was replaced


def _key(passphrase: str, salt: bytes, n: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=8, p=1).derive(passphrase.encode("utf-8"))


def snapshot_bytes(store: SchoolStore) -> bytes:
    """The whole database as one consistent byte string, taken in memory."""
    mem = sqlite3.connect(":memory:")
    try:
        store.conn.backup(mem)
        image = bytearray(mem.serialize())
    finally:
        mem.close()
    # bytes 18-19 of the header say "WAL" (2) for our files; an image in WAL mode cannot be
    # opened from memory, so it is marked rollback-journal (1). The store turns WAL on again.
    image[18:20] = b"\x01\x01"
    return bytes(image)


def _remember(store: SchoolStore, path: Path, created: str) -> None:
    made = json.loads(store.get_meta("backups") or "[]")
    made = [m for m in made if m.get("path") != str(path)] + [{"path": str(path), "created_utc": created}]
    with store.tx():
        store.set_meta("backups", json.dumps(made, ensure_ascii=False))


def backups_made(store: SchoolStore) -> list[dict]:
    """Backups this data folder made: ``{"path", "created_utc", "exists"}``."""
    return [dict(m, exists=Path(m["path"]).exists()) for m in json.loads(store.get_meta("backups") or "[]")]


def make_backup(store: SchoolStore, dest: Path, passphrase: str, *, n: int = _N) -> BackupInfo:
    """Write an encrypted backup to ``dest`` (``.vprbak`` added when missing). Raises
    VaultNotInitializedError, WrongPassphraseError, BackupError (unwritable target)."""
    if not vault.is_initialized(store):
        raise VaultNotInitializedError("backup needs the vault")
    vault.unlock(store, passphrase)  # the same phrase must restore it
    dest = Path(dest)
    if dest.suffix != SUFFIX:
        dest = dest.with_name(dest.name + SUFFIX)
    created = utc_now_iso()
    data = snapshot_bytes(store)
    salt, nonce = os.urandom(16), secrets.token_bytes(12)
    header = json.dumps({"format": FORMAT, "created_utc": created, "schema_version": migrations.LATEST,
                         "kdf": {"alg": "scrypt", "n": n, "r": 8, "p": 1, "salt": salt.hex()},
                         "nonce": nonce.hex()}).encode("utf-8")
    blob = MAGIC + header + b"\n" + AESGCM(_key(passphrase, salt, n)).encrypt(nonce, data, header)
    try:
        atomic_write_bytes(dest, blob)
    except OSError as exc:
        raise BackupError(f"cannot write {dest}: {exc}", message_ru=f"Не удалось записать резервную копию в {dest}.",
                          remedy_ru="Проверьте, что папка существует, на диске (флешке) есть место и запись "
                                    "разрешена.") from None
    _remember(store, dest.resolve(), created)
    log.info("backup written: %d bytes", len(blob))
    return BackupInfo(dest, created, len(blob), migrations.LATEST)


def _read(src: Path, passphrase: str) -> tuple[dict, bytes]:
    if not Path(src).exists() and not Path(src).is_symlink():
        raise BackupError(f"cannot read {src}", message_ru=f"Не найден файл резервной копии {src}.",
                          remedy_ru="Проверьте путь к файлу.")
    # a regular file only (a FIFO would wait forever, /dev/zero never end); decrypted
    # whole in memory, so bounded
    with open_regular(src, max_bytes=MAX_BACKUP_BYTES) as fh:
        raw = fh.read()
    if not raw.startswith(MAGIC) or b"\n" not in raw[len(MAGIC):]:
        raise BackupError("not a backup", message_ru=f"{Path(src).name} - не резервная копия этой программы.",
                          remedy_ru="Укажите файл, сделанный командой vpr-node backup (оканчивается на .vprbak).")
    header, _, ct = raw[len(MAGIC):].partition(b"\n")
    try:
        meta = json.loads(header.decode("utf-8"))
        kdf = meta["kdf"]
        key = _key(passphrase, bytes.fromhex(kdf["salt"]), int(kdf["n"]))
        data = AESGCM(key).decrypt(bytes.fromhex(meta["nonce"]), ct, header)
    except InvalidTag:
        raise BackupError("wrong passphrase or damaged", message_ru="Резервную копию не удалось расшифровать: "
                          "неверная парольная фраза или файл повреждён.",
                          remedy_ru="Введите парольную фразу координатора, которая действовала, когда копию "
                                    "сделали. Если фраза точно верна - файл повреждён, возьмите другую копию.",
                          code="backup_unreadable") from None
    except (ValueError, KeyError, TypeError):
        raise BackupError("bad header", message_ru=f"{Path(src).name} повреждён (заголовок не читается).",
                          remedy_ru="Возьмите другую резервную копию.") from None
    return meta, data


def _check_snapshot(data: bytes) -> int:
    mem = sqlite3.connect(":memory:")
    try:
        mem.deserialize(data)
        ok = mem.execute("PRAGMA integrity_check").fetchone()[0]
        version = migrations.version_of(mem)
    except sqlite3.DatabaseError:
        ok, version = "not a database", None
    finally:
        mem.close()
    if ok != "ok" or version is None:
        raise BackupError(f"snapshot check failed: {ok}", message_ru="В резервной копии повреждённые данные.",
                          remedy_ru="Возьмите другую резервную копию.")
    if version > migrations.LATEST:
        raise BackupError("snapshot too new", message_ru="Резервная копия сделана более новой версией программы.",
                          remedy_ru="Обновите программу на этом компьютере и повторите восстановление.")
    return version


def restore_backup(data_dir: Path, src: Path, passphrase: str, *, replace: bool = False) -> RestoreInfo:
    """Put the backup ``src`` in place of the school data in ``data_dir``. Existing data
    is replaced only with ``replace``, after being backed up under the same passphrase
    into ``<data_dir>/../backups``. Raises BackupError, WrongPassphraseError."""
    data_dir = Path(data_dir)
    meta, data = _read(Path(src), passphrase)
    version = _check_snapshot(data)
    target = data_dir / DB_NAME
    saved = None
    if target.exists():
        if not replace:
            raise BackupError("data exists", message_ru="В этой папке уже есть данные школы.",
                              remedy_ru="Чтобы заменить их копией, добавьте --replace: текущие данные программа "
                                        "сначала сохранит в зашифрованную резервную копию.")
        with SchoolStore(data_dir) as current:
            stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
            try:
                saved = make_backup(current, data_dir.parent / "backups" / f"before-restore-{stamp}",
                                    passphrase).path
            except VaultNotInitializedError:
                saved = None  # nothing protected there to keep
            except WrongPassphraseError:
                raise BackupError("current data has another passphrase",
                                  message_ru="Текущие данные школы защищены другой парольной фразой.",
                                  remedy_ru="Сначала сохраните их: vpr-node backup ФАЙЛ (с их фразой), затем "
                                            "восстановите копию.") from None
            current.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for extra in ("-wal", "-shm"):  # a stale log must never be replayed onto the restored file
            Path(str(target) + extra).unlink(missing_ok=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(target, data)
    with SchoolStore(data_dir) as restored:  # upgrades an older snapshot
        vault.unlock(restored, passphrase)
    log.info("backup restored (schema %s)", version)
    return RestoreInfo(str(meta.get("created_utc", "")), version, saved)
