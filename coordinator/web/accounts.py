"""Console accounts: who may sign in, with which role, and their password hashes.

Passwords are hashed with scrypt (memory-hard; ``hashlib.scrypt``, 16 MiB per hash,
about 50 ms here) and a random salt; they are never stored or logged in clear. Ids are
random (an id never tells the order accounts were made in). Logins compare without
case. Raises :class:`~coordinator.web.errors.AccountError` with a Russian message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum

from coordinator.web.errors import AccountError, LoginFailedError
from coordinator.web.store import ConsoleStore


class Role(str, Enum):
    COORDINATOR = "coordinator"
    TECHNICIAN = "technician"
    EXPERT = "expert"
    LEAD_EXPERT = "lead_expert"

    @property
    def title_ru(self) -> str:
        return _ROLE_RU[self]


_ROLE_RU = {Role.COORDINATOR: "координатор", Role.TECHNICIAN: "технический специалист",
            Role.EXPERT: "эксперт", Role.LEAD_EXPERT: "ведущий эксперт"}

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_LOGIN_RE = re.compile(r"^[0-9A-Za-zА-Яа-яЁё][0-9A-Za-zА-Яа-яЁё._-]{1,31}$")
#: Letters and digits that cannot be mistaken for each other when read off paper.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
MIN_PASSWORD = 10


@dataclass(frozen=True)
class Account:
    id: str
    login: str
    role: Role
    created_utc: str
    disabled: bool


def _utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def normalize_login(raw: str) -> str:
    """NFC, surrounding spaces off; raises :class:`AccountError` if not a valid login."""
    login = unicodedata.normalize("NFC", str(raw or "")).strip()
    if not _LOGIN_RE.match(login):
        raise AccountError(f"bad login {login!r}",
                           message_ru="Логин: от 2 до 32 букв или цифр (можно точку, дефис, подчёркивание), "
                                      "без пробелов.",
                           remedy_ru="Например: ivanova или Иванова.")
    return login


def generate_password() -> str:
    """A password to print or read out: four groups of four, e.g. ``k7mp-3qxz-ab2c-9def``."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4))


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P,
                            maxmem=64 * 1024 * 1024, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of ``password`` against a hash made by :func:`hash_password`."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             maxmem=64 * 1024 * 1024, dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def check_password_strength(password: str, login: str) -> None:
    if len(password) < MIN_PASSWORD or password.strip().lower() == login.lower() or len(set(password)) < 5:
        raise AccountError("weak password",
                           message_ru=f"Пароль слишком простой: нужно не меньше {MIN_PASSWORD} знаков, "
                                      "не совпадающих с логином.",
                           remedy_ru="Или не задавайте пароль: программа придумает надёжный сама.")


def _account(row) -> Account:
    return Account(row["id"], row["login"], Role(row["role"]), row["created_utc"], row["disabled_utc"] is not None)


def _rows_for_login(db_or_store, login: str) -> list:
    """The account rows whose login equals ``login`` ignoring case in any alphabet
    (SQLite's NOCASE folds only Latin letters: «Иванова» and «иванова» must be one
    login). The console has tens of accounts, so they are compared here."""
    key = unicodedata.normalize("NFC", str(login or "")).strip().casefold()
    if not key:
        return []
    query = getattr(db_or_store, "query", None)
    rows = query("SELECT * FROM users") if query else db_or_store.execute("SELECT * FROM users").fetchall()
    return [r for r in rows if r["login"].casefold() == key]


def add_user(store: ConsoleStore, login: str, role: Role, password: str | None = None) -> tuple[Account, str]:
    """Create an account; returns it and its password (generated when not given)."""
    login = normalize_login(login)
    password = password if password else generate_password()
    check_password_strength(password, login)
    pw_hash = hash_password(password)
    with store.tx() as db:
        if _rows_for_login(db, login):
            raise AccountError(f"login {login} exists", message_ru=f"Логин «{login}» уже занят.",
                               remedy_ru="Выберите другой логин.")
        user_id = secrets.token_hex(8)
        db.execute("INSERT INTO users(id, login, role, pw_hash, created_utc) VALUES(?,?,?,?,?)",
                   (user_id, login, Role(role).value, pw_hash, _utc_now()))
    return get_user(store, user_id), password


def get_user(store: ConsoleStore, user_id: str) -> Account:
    rows = store.query("SELECT * FROM users WHERE id=?", (user_id,))
    if not rows:
        raise AccountError(f"no user {user_id}", message_ru="Такой учётной записи нет.",
                           remedy_ru="Обновите список учётных записей.")
    return _account(rows[0])


def find_login(store: ConsoleStore, login: str) -> Account | None:
    rows = _rows_for_login(store, login)
    return _account(rows[0]) if rows else None


def list_users(store: ConsoleStore) -> list[Account]:
    return [_account(r) for r in store.query("SELECT * FROM users ORDER BY role, login")]


def has_users(store: ConsoleStore, role: Role | None = None) -> bool:
    if role is None:
        return bool(store.query("SELECT 1 FROM users LIMIT 1"))
    return bool(store.query("SELECT 1 FROM users WHERE role=? AND disabled_utc IS NULL LIMIT 1", (role.value,)))


#: A hash of a random password, checked when the login does not exist, so that a wrong
#: login costs the same time as a wrong password (logins cannot be probed by timing).
_DUMMY_HASH = hash_password(secrets.token_hex(16))


def authenticate(store: ConsoleStore, login: str, password: str) -> Account:
    """The account for ``login`` + ``password``; raises :class:`LoginFailedError`
    (the same for an unknown login, a wrong password or a disabled account)."""
    rows = _rows_for_login(store, login)
    stored = rows[0]["pw_hash"] if rows else _DUMMY_HASH
    ok = verify_password(str(password or ""), stored)
    if not rows or not ok or rows[0]["disabled_utc"] is not None:
        raise LoginFailedError(f"login failed for {login!r}")
    return _account(rows[0])


def set_password(store: ConsoleStore, user_id: str, password: str | None = None) -> str:
    """Give an account a new password (generated when not given); returns it."""
    account = get_user(store, user_id)
    password = password if password else generate_password()
    check_password_strength(password, account.login)
    with store.tx() as db:
        db.execute("UPDATE users SET pw_hash=? WHERE id=?", (hash_password(password), user_id))
    return password


def set_disabled(store: ConsoleStore, user_id: str, disabled: bool) -> Account:
    """Disable (or enable again) an account; the last active coordinator stays."""
    account = get_user(store, user_id)
    if disabled and account.role is Role.COORDINATOR and not account.disabled:
        others = store.query("SELECT 1 FROM users WHERE role=? AND disabled_utc IS NULL AND id!=?",
                             (Role.COORDINATOR.value, user_id))
        if not others:
            raise AccountError("last coordinator", message_ru="Нельзя отключить единственного координатора.",
                               remedy_ru="Сначала создайте другую учётную запись координатора.")
    with store.tx() as db:
        db.execute("UPDATE users SET disabled_utc=? WHERE id=?", (_utc_now() if disabled else None, user_id))
    return get_user(store, user_id)
