"""Console logins on a real console.sqlite: one login whatever the case, in Cyrillic as in
Latin (SQLite's NOCASE folds Latin letters only), for creating, finding and signing in."""

from __future__ import annotations

import pytest

from coordinator.web import accounts
from coordinator.web.accounts import AccountError, LoginFailedError, Role
from coordinator.web.store import ConsoleStore

PASSWORD = "Весна-2026-ключ"


def test_cyrillic_logins_ignore_case(tmp_path):
    store = ConsoleStore(tmp_path)
    user, _ = accounts.add_user(store, "Иванова", Role.EXPERT, PASSWORD)
    with pytest.raises(AccountError) as err:
        accounts.add_user(store, "иванова", Role.EXPERT, PASSWORD)
    assert err.value.message_ru == "Логин «иванова» уже занят."
    latin, _ = accounts.add_user(store, "IVANOVA", Role.EXPERT, PASSWORD)  # another alphabet: another login
    with pytest.raises(AccountError):
        accounts.add_user(store, "ivanova", Role.EXPERT, PASSWORD)
    assert accounts.find_login(store, "Ivanova").id == latin.id
    assert accounts.find_login(store, " ИВАНОВА ").id == user.id
    assert accounts.authenticate(store, "иВАНОВА", PASSWORD).id == user.id
    with pytest.raises(LoginFailedError):
        accounts.authenticate(store, "Иванов", PASSWORD)
    assert accounts.find_login(store, "ёлкина") is None
