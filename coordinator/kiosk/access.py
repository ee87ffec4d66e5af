"""Who may see what at the results kiosk: released subjects, PINs, and the limits on
wrong PINs; and the look-up itself - one participant's results, nothing about another
code.

**PINs**: 6 random digits per participant code, printed on the access card with the
pupil's name (the coordinator prints the cards per class from the console with the
protocol unlocked). Stored as HMAC-SHA256 with this node's secret. Printing the cards of
a class again makes new PINs: the old cards stop working.

**Limits** (never a lock on other codes):

* per code: 5 wrong PINs are free, then that code waits 1 minute, doubling with every
  further wrong PIN up to 1 hour (about 30 tries a day at most); a right PIN resets it;
* per kiosk: after 10 wrong PINs within an hour, that kiosk takes one try every 30 s
  (at most 2,880 a day) until an hour passes without a wrong PIN.

The arithmetic (docs/analytics.md): with at most 2,000 valid codes among the 90,000
five-digit ones and 10^6 PINs, a random code + PIN is right with probability 2.2e-8;
at 2,880 tries a day one kiosk needs 4.5e7 tries = about 43 years on average; one known
code at 30 tries a day needs 5e5 tries = about 45 years. Even 5 kiosks together need
about 8.6 years (well over the required year).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import datetime, timezone

from coordinator.kiosk.store import KioskStore
from vpr_common.errors import VprError

CODE_FREE = 5
CODE_FIRST_WAIT_S = 60.0
CODE_MAX_WAIT_S = 3600.0
KIOSK_FREE_PER_HOUR = 10
KIOSK_PACE_S = 30.0
PIN_DIGITS = 6


class KioskRefusal(VprError):
    http_status = 400


class WrongPinError(KioskRefusal):
    code = "kiosk_wrong"
    http_status = 403
    message_ru = "Код участника или PIN не подходят."
    remedy_ru = "Проверьте код и PIN на карточке доступа и введите их ещё раз."


class WaitError(KioskRefusal):
    code = "kiosk_wait"
    http_status = 429

    def __init__(self, seconds: float, for_code: bool) -> None:
        self.retry_after_s = max(1, int(seconds + 0.999))
        wait = f"{self.retry_after_s} с" if self.retry_after_s < 120 else f"{(self.retry_after_s + 59) // 60} мин"
        super().__init__(f"wait {self.retry_after_s} s ({'code' if for_code else 'kiosk'})",
                         message_ru="Слишком много неверных попыток" + (" для этого кода." if for_code else "."),
                         remedy_ru=f"Подождите {wait} и попробуйте снова.")


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _mac(store: KioskStore, code: str, pin: str) -> str:
    return hmac.new(store.secret(), f"{code}:{pin}".encode(), hashlib.sha256).hexdigest()


def issue_pins(store: KioskStore, codes: list[str]) -> dict[str, str]:
    """New PINs for ``codes`` (for the access cards); returns ``{code: PIN}``."""
    out = {c: "".join(secrets.choice("0123456789") for _ in range(PIN_DIGITS)) for c in codes}
    with store.tx() as db:
        db.executemany("INSERT OR REPLACE INTO pins(code, pin_mac, issued_utc) VALUES(?,?,?)",
                       [(c, _mac(store, c, p), _now_iso()) for c, p in out.items()])
        db.executemany("DELETE FROM limits WHERE scope='code' AND key=?", [(c,) for c in codes])
    return out


def release(store: KioskStore, subject_id: str, login: str) -> None:
    with store.tx() as db:
        db.execute("INSERT OR REPLACE INTO releases(subject_id, released_utc, login) VALUES(?,?,?)",
                   (subject_id, _now_iso(), login))


def withdraw(store: KioskStore, subject_id: str) -> None:
    with store.tx() as db:
        db.execute("DELETE FROM releases WHERE subject_id=?", (subject_id,))


def released(store: KioskStore) -> set[str]:
    return {r[0] for r in store.query("SELECT subject_id FROM releases")}


def _limit(db, scope: str, key: str):
    return db.execute("SELECT failures, blocked_until, last_failure FROM limits WHERE scope=? AND key=?",
                      (scope, key)).fetchone()


def check(store: KioskStore, kiosk_id: str, code: str, pin: str, now: float | None = None) -> None:
    """Accept the pair or raise :class:`WaitError` / :class:`WrongPinError`; counts the
    failure against the code and the kiosk."""
    now = time.time() if now is None else now
    with store.tx() as db:
        c = _limit(db, "code", code)
        if c is not None and c["blocked_until"] > now:
            raise WaitError(c["blocked_until"] - now, True)
        k = _limit(db, "kiosk", kiosk_id)
        if k is not None and now - k["last_failure"] > 3600:
            db.execute("DELETE FROM limits WHERE scope='kiosk' AND key=?", (kiosk_id,))
            k = None
        if k is not None and k["failures"] >= KIOSK_FREE_PER_HOUR and now - k["last_failure"] < KIOSK_PACE_S:
            raise WaitError(KIOSK_PACE_S - (now - k["last_failure"]), False)
        row = db.execute("SELECT pin_mac FROM pins WHERE code=?", (code,)).fetchone()
        ok = row is not None and hmac.compare_digest(row[0], _mac(store, code, pin))
        if ok:
            db.execute("DELETE FROM limits WHERE scope='code' AND key=?", (code,))
            return
        cf = (c["failures"] if c else 0) + 1
        wait = 0.0 if cf < CODE_FREE else min(CODE_MAX_WAIT_S, CODE_FIRST_WAIT_S * 2 ** (cf - CODE_FREE))
        db.execute("INSERT OR REPLACE INTO limits(scope, key, failures, blocked_until, last_failure) "
                   "VALUES('code', ?, ?, ?, ?)", (code, cf, now + wait, now))
        kf = (k["failures"] if k else 0) + 1
        db.execute("INSERT OR REPLACE INTO limits(scope, key, failures, blocked_until, last_failure) "
                   "VALUES('kiosk', ?, ?, 0, ?)", (kiosk_id, kf, now))
    raise WrongPinError(f"wrong pin for {code} at {kiosk_id}")

