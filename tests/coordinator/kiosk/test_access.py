"""Wrong PINs at the results kiosk: limited per code (5 free, then 1 min doubling up to
1 h) and per kiosk (after 10 an hour, one try every 30 s) - a limited code never blocks
another code; a right PIN passes and resets its code."""

from __future__ import annotations

import pytest

from coordinator.kiosk import access
from coordinator.kiosk.store import KioskStore


@pytest.fixture()
def store(tmp_path):
    s = KioskStore(tmp_path)
    return s, access.issue_pins(s, ["11111", "22222", "33333"])


def _wrong(s, kiosk, code, now):
    with pytest.raises(access.WrongPinError):
        access.check(s, kiosk, code, "000000" if code else "", now=now)


def test_a_code_waits_after_five_wrong_pins_and_other_codes_do_not(store):
    s, pins = store
    for i in range(5):
        _wrong(s, f"kiosk-{i}", "11111", now=1000.0 + i)  # from five kiosks: still the same code
    with pytest.raises(access.WaitError) as err:
        access.check(s, "kiosk-9", "11111", pins["11111"], now=1010.0)  # even the right PIN waits now
    assert err.value.retry_after_s == 54 and "этого кода" in err.value.message_ru
    access.check(s, "kiosk-9", "22222", pins["22222"], now=1010.0)  # another code: no wait at all
    access.check(s, "kiosk-9", "11111", pins["11111"], now=1065.0)  # after the minute: in, and reset
    _wrong(s, "kiosk-9", "11111", now=1066.0)  # a fresh start: no wait after one wrong PIN


def test_the_wait_doubles_up_to_an_hour(store):
    s, _ = store
    now = 0.0
    waits = []
    for i in range(12):
        while True:
            try:
                _wrong(s, f"k{i}", "33333", now)
                break
            except access.WaitError as err:
                waits.append(err.retry_after_s)
                now += err.retry_after_s
    assert waits[:7] == [60, 120, 240, 480, 960, 1920, 3600] and max(waits) == 3600


def test_a_kiosk_is_paced_after_ten_wrong_pins_an_hour_never_locked(store):
    s, pins = store
    for i in range(10):
        _wrong(s, "kiosk-a", f"9{i:04d}", now=100.0 + i)  # codes that do not exist
    with pytest.raises(access.WaitError) as err:
        access.check(s, "kiosk-a", "22222", pins["22222"], now=112.0)
    assert err.value.retry_after_s == 27 and "этого кода" not in err.value.message_ru  # last wrong at 109
    access.check(s, "kiosk-a", "22222", pins["22222"], now=139.5)  # 30 s after the last wrong one: a try
    access.check(s, "kiosk-b", "33333", pins["33333"], now=112.0)  # another kiosk is not paced
    access.check(s, "kiosk-a", "33333", pins["33333"], now=3800.0)  # an hour without a wrong PIN: free again


def test_pins_are_stored_keyed_and_a_reprint_replaces_them(store, tmp_path):
    s, pins = store
    raw = (tmp_path / "kiosk.sqlite").read_bytes()
    assert all(p.encode() not in raw for p in pins.values())
    new = access.issue_pins(s, ["11111"])
    if new["11111"] != pins["11111"]:
        with pytest.raises(access.WrongPinError):
            access.check(s, "k", "11111", pins["11111"], now=1.0)
    access.check(s, "k", "11111", new["11111"], now=2.0)
