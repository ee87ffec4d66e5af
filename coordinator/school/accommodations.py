"""Accommodations per participant code: extra time and large print for students with
special needs (ОВЗ), whose participation the school head decides on. Kept in
``school.sqlite`` in a table of their own (schema version 4, ``migrations._v4``), keyed by the
code only - never a name. The node hands them to stations with the valid codes
(``GET /api/v1/codes``, :class:`sync.protocol.Accommodation`); the station stretches
every timed phase and enlarges the text, nothing else changes.

Extra time is either a factor for every timed phase (``1.5``) or minutes added to the
whole work (``+15``), which the station spreads over its timed phases in proportion to
their length (docs/school.md). Also the ``vpr-node codes accommodate`` and ``codes
accommodations`` commands.
"""

from __future__ import annotations

import logging
import re

from coordinator.school.codes import CodeStatus, code_status
from coordinator.school.errors import CodesError
from coordinator.school.store import SchoolStore, utc_now_iso
from sync.protocol import MAX_EXTRA_FACTOR, MAX_EXTRA_MINUTES, Accommodation
from vpr_common.cli import print_json

log = logging.getLogger(__name__)

_CODE = re.compile(r"^\d{5}$")


def parse_extra_time(text: str) -> tuple[float, int]:
    """``"1.5"`` / ``"1,5"`` -> (1.5, 0); ``"+15"`` -> (1.0, 15). Raises
    :class:`CodesError` with the accepted forms."""
    t = text.strip().replace(",", ".")
    bad = CodesError(f"extra time {text!r}", message_ru=(
        f"Дополнительное время «{text}» не понято. Укажите множитель от 1 до {MAX_EXTRA_FACTOR:g} "
        f"(например 1.5 - в полтора раза дольше) или минуты со знаком плюс от +1 до +{MAX_EXTRA_MINUTES} "
        f"(например +15 - на 15 минут больше на всю работу)."))
    if t.startswith("+"):
        if not t[1:].isdigit() or not 1 <= int(t[1:]) <= MAX_EXTRA_MINUTES:
            raise bad
        return 1.0, int(t[1:])
    try:
        factor = float(t)
    except ValueError:
        raise bad from None
    if not 1.0 < factor <= MAX_EXTRA_FACTOR:
        raise bad
    return factor, 0


def set_accommodation(store: SchoolStore, code: str, *, extra_time: str | None = None,
                      large_print: bool = False) -> Accommodation:
    """Give ``code`` extra time and/or large print (replacing what it had). Raises
    :class:`CodesError` for a malformed or revoked code, bad extra time, or nothing given."""
    code = code.strip()
    if not _CODE.match(code):
        raise CodesError(f"bad code {code!r}", message_ru=f"Код участника «{code}» - это пять цифр.")
    if code_status(store, code) is CodeStatus.REVOKED:
        raise CodesError("revoked code", message_ru=f"Код {code} отозван; укажите действующий код участника.")
    if extra_time is None and not large_print:
        raise CodesError("nothing to set", message_ru="Укажите --extra-time и/или --large-print (или --clear).")
    factor, minutes = parse_extra_time(extra_time) if extra_time is not None else (1.0, 0)
    acc = Accommodation(factor, minutes, large_print)
    with store.tx():
        store.conn.execute(
            "INSERT INTO accommodations(code, extra_factor, extra_minutes, large_print, updated_utc) "
            "VALUES(?, ?, ?, ?, ?) ON CONFLICT(code) DO UPDATE SET extra_factor=excluded.extra_factor, "
            "extra_minutes=excluded.extra_minutes, large_print=excluded.large_print, updated_utc=excluded.updated_utc",
            (code, factor, minutes, int(large_print), utc_now_iso()))
    log.info("accommodation for a code set: factor %s, minutes %s, large print %s", factor, minutes, large_print)
    return acc


def clear_accommodation(store: SchoolStore, code: str) -> bool:
    """Remove ``code``'s accommodation; False when it had none."""
    with store.tx():
        return store.conn.execute("DELETE FROM accommodations WHERE code=?", (code.strip(),)).rowcount > 0


def all_accommodations(store: SchoolStore) -> dict[str, Accommodation]:
    """Every code with an accommodation (revoked codes left out)."""
    rows = store.conn.execute("SELECT code, extra_factor, extra_minutes, large_print FROM accommodations "
                              "ORDER BY code").fetchall()
    return {r[0]: Accommodation(float(r[1]), int(r[2]), bool(r[3])) for r in rows
            if code_status(store, r[0]) is not CodeStatus.REVOKED}


def describe(acc: Accommodation) -> str:
    """In Russian, for the coordinator: "время x1.5, крупный шрифт"."""
    parts = []
    if acc.extra_factor > 1.0:
        parts.append(f"время x{acc.extra_factor:g}")
    if acc.extra_minutes:
        parts.append(f"время +{acc.extra_minutes} мин на всю работу")
    if acc.large_print:
        parts.append("крупный шрифт")
    return ", ".join(parts) or "нет"


# -- the console commands (registered in coordinator/school/cli.py) ------------------------
def cmd_accommodate(args) -> int:
    with SchoolStore(getattr(args, "data", None)) as s:
        if args.clear:
            removed = clear_accommodation(s, args.code)
            text = (f"Для кода {args.code} особые условия сняты." if removed
                    else f"У кода {args.code} особых условий не было.")
            obj = {"code": args.code, "cleared": removed}
        else:
            acc = set_accommodation(s, args.code, extra_time=args.extra_time, large_print=args.large_print)
            text = f"Код {args.code}: {describe(acc)}. Станции получат это вместе со списком кодов."
            if code_status(s, args.code) is None:
                text += (f"\nВнимание: код {args.code} не выдавался командой «vpr-node codes generate»; "
                         f"если коды загружены файлом (vpr-node import-codes), всё в порядке.")
            obj = {"code": args.code, **acc.to_wire()}
    if getattr(args, "json", False):
        print_json({"ok": True, **obj})
    else:
        print(text)
    return 0


def cmd_list(args) -> int:
    with SchoolStore(getattr(args, "data", None)) as s:
        items = all_accommodations(s)
    if getattr(args, "json", False):
        print_json({"ok": True, "accommodations": {c: a.to_wire() for c, a in items.items()}})
    else:
        print("\n".join(f"{c}  {describe(a)}" for c, a in items.items()) or "Особых условий не задано.")
    return 0
