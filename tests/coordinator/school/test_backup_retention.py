"""Backups and retention (issue 21): an encrypted backup made in memory and restored
with the coordinator's passphrase; results and protocol deleted at the end of the
retention period only on confirmation, with an act of deletion."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from coordinator.school import backup, migrations, protocol, results, retention, schedule, settings, vault
from coordinator.school.errors import (
    BackupError,
    ConfirmationRequiredError,
    RetentionError,
    VaultNotInitializedError,
    WrongPassphraseError,
)
from coordinator.school.pdf_acts import write_deletion_act
from coordinator.school.store import SchoolStore
from tests.coordinator.school.conftest import NAMES, PASSPHRASE
from tests.coordinator.school.test_name_leak import leaks
from tests.coordinator.school.test_pdf import pdf_text, render_png


@pytest.fixture()
def filled(store, eng8, school, key):
    schedule.set_item(store, "eng8", "2026-04-15")
    results.save_entries(store, eng8, [results.Entry(c.code, 1, (1,) * 6) for c in school], results.Source.CLI)
    return eng8


def test_backup_is_encrypted_and_restores(store, filled, school, tmp_path, monkeypatch):
    monkeypatch.setattr(backup, "_N", 2**12)
    seen_tmp = set(Path(tmp_path).rglob("*"))
    info = backup.make_backup(store, tmp_path / "copy", PASSPHRASE)
    assert info.path.name == "copy.vprbak" and info.path.read_bytes().startswith(backup.MAGIC)
    assert leaks(info.path.read_bytes()) == [] and school[0].code.encode() not in info.path.read_bytes()
    assert set(Path(tmp_path).rglob("*")) - seen_tmp == {info.path}  # no plain copy anywhere
    assert [b["exists"] for b in backup.backups_made(store)] == [True]
    with pytest.raises(WrongPassphraseError):
        backup.make_backup(store, tmp_path / "x", "не та фраза совсем")
    # restore into an empty folder
    fresh = tmp_path / "fresh"
    got = backup.restore_backup(fresh, info.path, PASSPHRASE)
    assert got.replaced_copy is None and got.schema_version == migrations.LATEST
    with SchoolStore(fresh) as s:
        assert sorted(protocol.read_names(s, vault.unlock(s, PASSPHRASE)).values()) == sorted(NAMES)
        assert len(results.list_results(s, filled)) == 5
    with pytest.raises(BackupError) as e:
        backup.restore_backup(fresh, info.path, "не та фраза совсем")
    assert e.value.message_ru == ("Резервную копию не удалось расшифровать: неверная парольная фраза или файл "
                                  "повреждён.")
    # replacing existing data only when asked, after saving it
    with pytest.raises(BackupError) as e:
        backup.restore_backup(store.data_dir, info.path, PASSPHRASE)
    assert e.value.message_ru == "В этой папке уже есть данные школы."
    results.save_entries(store, filled, [results.Entry(school[0].code, 2, (0,) * 6)], results.Source.CLI)
    store.close()
    got = backup.restore_backup(store.data_dir, info.path, PASSPHRASE, replace=True)
    assert got.replaced_copy and got.replaced_copy.exists() and got.replaced_copy.parent.name == "backups"
    with SchoolStore(store.data_dir) as s:
        assert {r.code: r.variant for r in results.list_results(s, filled)}[school[0].code] == 1


def test_damaged_or_foreign_backup(store, filled, tmp_path, monkeypatch):
    monkeypatch.setattr(backup, "_N", 2**12)
    info = backup.make_backup(store, tmp_path / "c.vprbak", PASSPHRASE)
    raw = bytearray(info.path.read_bytes())
    raw[-5] ^= 1
    (tmp_path / "bad.vprbak").write_bytes(bytes(raw))
    with pytest.raises(BackupError) as e:
        backup.restore_backup(tmp_path / "d", tmp_path / "bad.vprbak", PASSPHRASE)
    assert e.value.code == "backup_unreadable"
    (tmp_path / "x.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(BackupError) as e:
        backup.restore_backup(tmp_path / "d", tmp_path / "x.xlsx", PASSPHRASE)
    assert e.value.user_text == ("x.xlsx - не резервная копия этой программы. Укажите файл, сделанный командой "
                                 "vpr-node backup (оканчивается на .vprbak).")


def test_backup_needs_the_vault(data_dir, tmp_path):
    with SchoolStore(data_dir) as s, pytest.raises(VaultNotInitializedError):
        backup.make_backup(s, tmp_path / "c", PASSPHRASE)


def test_retention_deletes_on_confirmation_with_an_act(store, filled, school, key, demo, tmp_path, monkeypatch):
    monkeypatch.setattr(backup, "_N", 2**12)
    with pytest.raises(RetentionError) as e:
        retention.plan(store)
    assert e.value.user_text == ("Срок хранения результатов не задан. Задайте его по приказу ОО: vpr-node retention "
                                 "set --months 12.")
    settings.set_info(store, name="МАОУ СОШ №4", code="390001", tz="Екатеринбург")
    retention.set_months(store, 12)
    rus8 = [s for s in demo if s.id == "rus8"][0]
    schedule.set_item(store, "rus8", "2026-10-01")
    results.mark_absent(store, rus8, school[0].code, "болезнь", None)
    old_copy = backup.make_backup(store, tmp_path / "before", PASSPHRASE)
    plan = {i.subject_id: i for i in retention.plan(store, date(2027, 4, 15))}
    assert plan["eng8"].keep_until == date(2027, 4, 15) and plan["eng8"].due and not plan["rus8"].due
    with pytest.raises(ConfirmationRequiredError) as e:
        retention.delete_due(store, confirmed=False, confirmed_by="", today=date(2027, 4, 15))
    assert e.value.warnings == ["Будут безвозвратно удалены: ВПР 2026 Английский язык 8 класс: результатов 5 "
                                "(проведение 15.04.2026, хранить до 15.04.2027); протокол «код - ФИО» останется: "
                                "по другим предметам срок не истёк."]
    with pytest.raises(RetentionError):
        retention.delete_due(store, confirmed=True, confirmed_by=" ", today=date(2027, 4, 15))
    act = retention.delete_due(store, confirmed=True, confirmed_by="Смирнова О. И.", today=date(2027, 4, 15))
    assert [s.subject_id for s in act.subjects] == ["eng8"] and not act.protocol_deleted
    assert act.backups_with_data == (str(old_copy.path.resolve()),)
    assert results.list_results(store, filled) == [] and protocol.read_names(store, key)
    # the second subject's time comes: the protocol goes too
    act2 = retention.delete_due(store, confirmed=True, confirmed_by="Смирнова О. И.", today=date(2027, 10, 1))
    assert act2.protocol_deleted and protocol.read_names(store, key) == {}
    for suffix in ("", "-wal"):
        db = Path(str(store.path) + suffix)
        if db.exists():
            assert school[1].code.encode() + b'"' not in db.read_bytes()  # no result row left in the file
    out = tmp_path / "act.pdf"
    write_deletion_act(out, act2, settings.get_info(store))
    text = pdf_text(out)
    for needle in ("АКТ № 2", "срока хранения", "МАОУ СОШ №4 (edu390001)",
                   "Основание: истёк срок хранения результатов - 12 мес.", "ВПР 2026 Русский язык 8 класс",
                   "01.10.2026", "Электронный протокол (соответствие кодов участников и ФИО) удалён.",
                   "Резервные копии, сделанные до удаления", "Руководитель ОО", "Смирнова О. И."):
        assert needle in text, needle
    assert render_png(out, "deletion_act")
    with pytest.raises(RetentionError) as e:
        retention.delete_due(store, confirmed=True, confirmed_by="x", today=date(2027, 10, 1))
    assert e.value.message_ru == "Срок хранения ещё не истёк ни по одному предмету - результатов нет."
    _ = shutil, datetime
