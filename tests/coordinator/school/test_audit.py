"""The audit of how confidential information is stored (issue 21, seed 000 item 5):
each check finds what it should, says it in Russian with a remedy, and the report
prints as a PDF a school head can sign."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from coordinator.school import audit, backup
from coordinator.school.pdf_audit import write_audit_pdf
from tests.conftest import REPO_ROOT
from tests.coordinator.school.conftest import NAMES, PASSPHRASE
from tests.coordinator.school.test_pdf import pdf_text, render_png

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)


def by_check(report):
    return {f.check: f for f in report.findings}


@pytest.fixture()
def clean_dir(tmp_path):
    d = tmp_path / "exports"
    d.mkdir()
    (d / "results.csv").write_text("Код участника;Вариант\n12345;1\n", encoding="utf-8")
    return d


def test_clean_school_passes(store, school, clean_dir):
    os.chmod(store.data_dir, 0o700)
    audit.close_permissions(store.data_dir)
    facts = audit.NodeFacts(store.data_dir, NOW - timedelta(days=30), NOW + timedelta(days=3000),
                            store.data_dir / "files" / "packages", 0)
    report = audit.run_audit(store, passphrase=PASSPHRASE, facts=facts, scan_dirs=[clean_dir, store.data_dir],
                             environ={}, now_utc=NOW)
    f = by_check(report)
    assert {k: v.status for k, v in f.items()} == {
        "protocol_encrypted": audit.Status.OK, "passphrase_strength": audit.Status.WARN,  # the tests' fast scrypt
        "names_outside": audit.Status.OK, "backups_encrypted": audit.Status.WARN,  # no backup yet
        "permissions": audit.Status.OK, "logins": audit.Status.OK, "certificate": audit.Status.OK,
        "recordings": audit.Status.OK}
    assert f["names_outside"].detail_ru.startswith("Проверено файлов: ")
    assert f["passphrase_strength"].detail_ru == "Ключ из фразы получается слишком быстро (старые настройки)."
    assert audit.summary_ru(report) == "нарушений: 0, замечаний: 2"


def test_findings_with_remedies(store, school, key, clean_dir, tmp_path, monkeypatch):
    from coordinator.school import vault
    monkeypatch.setattr(backup, "_N", 2**12)
    vault.change_passphrase(store, key, "Школа12345", n=2**15)
    leaked = clean_dir / "protocol_8A.csv"  # a class list left in the exports folder
    leaked.write_bytes(f"Класс;ФИО\n8А;{NAMES[0].upper()}\n".encode("cp1251"))
    os.chmod(store.data_dir, 0o755)
    backup.make_backup(store, tmp_path / "copy", "Школа12345")
    facts = audit.NodeFacts(store.data_dir, NOW - timedelta(days=400), NOW + timedelta(days=3000),
                            store.data_dir / "files" / "packages", 12, False, True, True)
    report = audit.run_audit(store, passphrase="Школа12345", facts=facts, scan_dirs=[clean_dir],
                             environ={"VPR_NODE_PASSPHRASE": "x"}, now_utc=NOW)
    f = by_check(report)
    assert f["names_outside"].status is audit.Status.FAIL and str(leaked) in f["names_outside"].detail_ru
    assert f["names_outside"].remedy_ru.startswith("Удалите эти файлы")
    assert f["passphrase_strength"].status is audit.Status.WARN
    assert f["passphrase_strength"].detail_ru == "Фраза ненадёжна: она короче 12 знаков (10)."
    assert f["backups_encrypted"].status is audit.Status.OK
    assert f["permissions"].status is audit.Status.WARN
    assert f["permissions"].remedy_ru == "Закройте доступ: vpr-node audit --fix-permissions."
    assert f["logins"].status is audit.Status.WARN
    assert "VPR_NODE_PASSPHRASE" in f["logins"].detail_ru and "пароль к материалам" in f["logins"].detail_ru
    assert f["certificate"].status is audit.Status.WARN and "Сертификату 400 дн." in f["certificate"].detail_ru
    assert f["recordings"].status is audit.Status.WARN and "не зашифрованы" in f["recordings"].detail_ru
    assert all(x.remedy_ru for x in report.findings if x.status in (audit.Status.WARN, audit.Status.FAIL))
    assert report.worst is audit.Status.FAIL
    assert not any(n in x.detail_ru + x.remedy_ru for x in report.findings for n in NAMES)
    out = tmp_path / "audit.pdf"
    write_audit_pdf(out, report)
    text = pdf_text(out)
    for needle in ("Аудит хранения конфиденциальной информации", "НАРУШЕНИЕ", "Что сделать:", "руководитель ОО",
                   "Аудит провёл (технический специалист)"):
        assert needle in text, needle
    assert not any(n in text for n in NAMES)
    assert render_png(out, "audit")


def test_without_the_passphrase_name_checks_are_said_not_done(store, school, clean_dir):
    report = audit.run_audit(store, passphrase=None, scan_dirs=[clean_dir], environ={}, now_utc=NOW)
    f = by_check(report)
    assert f["names_outside"].status is audit.Status.SKIPPED and f["passphrase_strength"].status is audit.Status.SKIPPED


def test_expired_certificate_and_no_vault(data_dir, clean_dir):
    from coordinator.school.store import SchoolStore
    with SchoolStore(data_dir) as s:
        facts = audit.NodeFacts(data_dir, NOW - timedelta(days=4000), NOW - timedelta(days=1))
        f = by_check(audit.run_audit(s, passphrase=None, facts=facts, scan_dirs=[clean_dir], environ={}, now_utc=NOW))
    assert f["protocol_encrypted"].status is audit.Status.FAIL
    assert f["protocol_encrypted"].remedy_ru == "Задайте фразу: vpr-node protocol init."
    assert f["certificate"].status is audit.Status.FAIL


@pytest.mark.parametrize("phrase, why", [
    ("короткая", "она короче 12 знаков (8)"), ("йцукенгшщз12", ""), ("1111111111111", "она из повторяющихся или "
     "подряд идущих знаков"), ("МАОУ СОШ 4 edu390001 ключ", "в ней есть название или код школы"),
    ("длинноеслововсё", "это одно слово без цифр"), ("зелёный слон 2026 ключ", ""),
])
def test_passphrase_weakness(phrase, why):
    assert audit.passphrase_weakness(phrase, ["маоу", "сош", "edu390001"]) == why


def test_audit_command_prints_and_writes_the_pdf(tmp_path, store, school):
    store.close()
    (tmp_path / "tmp").mkdir()
    env = dict(os.environ, VPR_LOG_DIR=str(tmp_path / "logs"), VPR_NODE_PASSPHRASE=PASSPHRASE,
               TMPDIR=str(tmp_path / "tmp"))
    p = subprocess.run([sys.executable, "-m", "coordinator.cli", "audit", "--data", str(store.data_dir), "--pdf",
                        str(tmp_path / "a.pdf"), "--fix-permissions", "--scan", str(tmp_path / "tmp")], cwd=REPO_ROOT,
                       env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stdout + p.stderr
    assert p.stdout.startswith("Доступ закрыт для других пользователей")
    assert "Аудит хранения конфиденциальной информации - " in p.stdout
    assert "Логины и пароли координатора: ЗАМЕЧАНИЕ." in p.stdout  # the phrase came from the environment
    assert f"Отчёт для руководителя сохранён: {tmp_path / 'a.pdf'}" in p.stdout
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")
