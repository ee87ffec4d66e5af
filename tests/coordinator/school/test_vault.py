"""The coordinator's vault: scrypt key, AES-GCM blobs, Russian errors."""

from __future__ import annotations

import pytest

from coordinator.school import vault
from coordinator.school.errors import (
    PassphraseRequiredError,
    VaultAlreadyInitializedError,
    VaultCorruptError,
    VaultNotInitializedError,
    WeakPassphraseError,
    WrongPassphraseError,
)
from tests.coordinator.school.conftest import PASSPHRASE


def test_unlock_with_right_passphrase_reads_blob(store, key):
    vault.put_json(store, key, "x", {"a": "Ёлка"})
    again = vault.unlock(store, PASSPHRASE)
    assert vault.get_json(store, again, "x", None) == {"a": "Ёлка"}
    assert "hidden" in repr(again) and again.key.hex() not in repr(again)


def test_wrong_passphrase_message(store, key):
    with pytest.raises(WrongPassphraseError) as e:
        vault.unlock(store, "совсем не та фраза")
    assert e.value.user_text == ("Неверная парольная фраза координатора. "
                                 "Проверьте раскладку клавиатуры и Caps Lock и повторите ввод.")


def test_missing_passphrase_and_uninitialised(store):
    with pytest.raises(VaultNotInitializedError) as e:
        vault.unlock(store, PASSPHRASE)
    assert e.value.user_text == ("Защищённое хранилище протокола ещё не создано. "
                                 "Сначала задайте парольную фразу координатора: vpr-node protocol init.")
    vault.init_vault(store, PASSPHRASE, n=2**12)
    with pytest.raises(PassphraseRequiredError) as e:
        vault.unlock(store, "")
    assert e.value.message_ru == "Нужна парольная фраза координатора."
    with pytest.raises(VaultAlreadyInitializedError):
        vault.init_vault(store, PASSPHRASE, n=2**12)


def test_weak_passphrase(store):
    with pytest.raises(WeakPassphraseError) as e:
        vault.init_vault(store, "123456789")
    assert e.value.message_ru == "Парольная фраза слишком короткая: нужно не меньше 10 символов."


def test_tampered_blob_is_detected(store, key):
    vault.put_blob(store, key, "protocol", b"secret")
    ct = bytearray(store.conn.execute("SELECT ciphertext FROM vault WHERE name='protocol'").fetchone()[0])
    ct[0] ^= 0xFF
    store.conn.execute("UPDATE vault SET ciphertext=? WHERE name='protocol'", (bytes(ct),))
    with pytest.raises(VaultCorruptError) as e:
        vault.get_blob(store, key, "protocol")
    assert e.value.message_ru == "Зашифрованные данные протокола повреждены."


def test_blobs_cannot_be_swapped(store, key):
    vault.put_blob(store, key, "a", b"one")
    vault.put_blob(store, key, "b", b"two")
    store.conn.execute("UPDATE vault SET nonce=(SELECT nonce FROM vault WHERE name='a'), "
                       "ciphertext=(SELECT ciphertext FROM vault WHERE name='a') WHERE name='b'")
    with pytest.raises(VaultCorruptError):
        vault.get_blob(store, key, "b")


def test_change_passphrase_reencrypts_everything(store, key):
    vault.put_json(store, key, "protocol", {"1": "Ёжикова Алла"})
    vault.put_json(store, key, "upload_credentials", {"user": "u", "password": "p"})
    new = vault.change_passphrase(store, key, "новая длинная фраза", n=2**12)
    assert vault.get_json(store, new, "protocol", None) == {"1": "Ёжикова Алла"}
    with pytest.raises(WrongPassphraseError):
        vault.unlock(store, PASSPHRASE)
    again = vault.unlock(store, "новая длинная фраза")
    assert vault.get_json(store, again, "upload_credentials", None) == {"user": "u", "password": "p"}
    with pytest.raises(WeakPassphraseError):
        vault.change_passphrase(store, again, "коротко")
