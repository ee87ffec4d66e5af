"""Upload: the manual package with its checklist, and the HTTP client against the
reference receiving endpoint on a real uvicorn server (auth, retries, receipts with
the file hash, credentials never in logs or in plain text on disk)."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

import pytest
from openpyxl import load_workbook

from coordinator.school import changes, results, schedule, settings, upload
from coordinator.school.errors import SchoolError, UploadError, UploadNotConfiguredError
from tests.coordinator.school.conftest import LiveServer
from tests.coordinator.school.reference_receiver import ReceiverState, make_receiver

USER, PASSWORD = "oo390001", "Пароль-Сервиса-7319"


@pytest.fixture()
def with_results(store, eng8, school):
    settings.set_info(store, name="МАОУ СОШ №4", code="390001", tz="Asia/Omsk")
    for c in school[:4]:
        e = results.validate_api_entry(store, eng8, {"code": c.code, "variant": 1,
                                                     "points": {t.number: 1 for t in eng8.tasks}})
        results.save_entries(store, eng8, [e], results.Source.API)
    schedule.set_item(store, "eng8", "2026-04-15", None, ["2026-04-22"])
    results.mark_absent(store, eng8, school[4].code, "болезнь", "2026-04-22",
                        now_utc=datetime.fromisoformat("2026-04-15T12:00:00+00:00"))
    return eng8


def test_prepare_manual_upload(store, key, with_results, school, tmp_path):
    p = upload.prepare(store, with_results, tmp_path / "out", key=key)
    assert p.xlsx.name == "vpr_eng8_edu390001_results.xlsx" and (p.participants, p.absent) == (4, 1)
    assert p.sha256 == hashlib.sha256(p.xlsx.read_bytes()).hexdigest()
    text = p.checklist.read_text(encoding="utf-8")
    assert text.startswith("ЧЕК-ЛИСТ ЗАГРУЗКИ РЕЗУЛЬТАТОВ: ВПР 2026 Английский язык 8 класс\n")
    assert f"(контрольная сумма для сверки: {p.sha256[:16]})" in text and "SHA" not in text
    assert f"код {school[4].code}: болезнь, резервный день 22.04.2026" in text
    assert "[ ] 4. У всех участников есть результат или отмечено отсутствие." in text
    assert "Срок загрузки: до 15.04.2026 23:00 МСК (у вас 16.04.2026 02:00, время Омска)." in text
    assert p.csv.read_bytes().startswith(b"\xef\xbb\xbf")
    # the absentee is in the upload form, marked as such
    ws = load_workbook(p.xlsx).active
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=9)]
    assert [r[3] for r in rows][-1] == school[4].code and rows[-1][5] == "отсутствовал" and rows[-1][6:14] == [None] * 8
    assert ws["A5"].value == "МАОУ СОШ №4 (edu390001) | Кол-во участников: 4"
    # confirming the manual upload records the hash of the very file prepared
    assert upload.confirm_manual(store, with_results) == p.sha256
    assert [(r.kind, r.sha256, r.file_name, r.current) for r in upload.receipts(store)] == [
        ("manual", p.sha256, "vpr_eng8_edu390001_results.xlsx", True)]


def test_checklist_names_the_data_folder(store, key, with_results, tmp_path):
    """Regression (issue 21): the checklist's commands omitted ``--data``, so copied
    into a console they acted on another (empty) data folder."""
    text = upload.prepare(store, with_results, tmp_path / "out", key=key).checklist.read_text(encoding="utf-8")
    assert f'vpr-node upload confirm --subject eng8 --data "{store.data_dir.resolve()}"' in text


def test_change_after_upload_asks_to_upload_again(store, key, with_results, school, tmp_path):
    """Regression (issue 21): results changed after ``upload confirm`` were not flagged."""
    eng8 = with_results
    assert changes.upload_status(store, "eng8").state is changes.UploadState.NOT_UPLOADED
    upload.prepare(store, eng8, tmp_path / "out", key=key)
    upload.confirm_manual(store, eng8)
    assert changes.upload_status(store, "eng8").state is changes.UploadState.UPLOADED
    # re-importing identical results is no change
    same = results.validate_api_entry(store, eng8, {"code": school[0].code, "variant": 1,
                                                    "points": {t.number: 1 for t in eng8.tasks}})
    results.save_entries(store, eng8, [same], results.Source.API)
    assert changes.upload_status(store, "eng8").state is changes.UploadState.UPLOADED
    changed = results.validate_api_entry(store, eng8, {"code": school[0].code, "variant": 1,
                                                       "points": {t.number: 0 for t in eng8.tasks}})
    results.save_entries(store, eng8, [changed], results.Source.API)
    st = changes.upload_status(store, "eng8")
    assert st.state is changes.UploadState.CHANGED_AFTER_UPLOAD
    assert st.text_ru == "изменено после загрузки - загрузите ещё раз"
    assert [(c.code, c.action) for c in st.changes_since_upload] == [(school[0].code, changes.ChangeAction.SET)]
    # a new upload supersedes the first
    p2 = upload.prepare(store, eng8, tmp_path / "out2", key=key)
    upload.confirm_manual(store, eng8)
    assert changes.upload_status(store, "eng8").state is changes.UploadState.UPLOADED
    assert [(r.sha256, r.current) for r in upload.receipts(store)][-1] == (p2.sha256, True)
    assert [r.current for r in upload.receipts(store)] == [False, True]


def test_confirm_of_a_foreign_file_checks_its_content(store, key, with_results, school, tmp_path):
    p = upload.prepare(store, with_results, tmp_path / "out", key=key)
    other = tmp_path / "edited.xlsx"
    wb = load_workbook(p.xlsx)
    wb.active["G9"] = 0  # the coordinator changed a point in Excel before uploading
    wb.save(other)
    with pytest.raises(SchoolError) as e:
        upload.confirm_manual(store, with_results, other)
    assert e.value.message_ru.startswith("В файле edited.xlsx не те результаты, что в программе")
    copy = tmp_path / "copy.xlsx"
    load_workbook(p.xlsx).save(copy)  # same content, other bytes
    upload.confirm_manual(store, with_results, copy)
    assert changes.upload_status(store, "eng8").state is changes.UploadState.UPLOADED


def test_confirm_needs_a_file(store, with_results, tmp_path):
    with pytest.raises(SchoolError) as e:
        upload.confirm_manual(store, with_results)
    assert e.value.user_text == ("Файл формы по предмету «ВПР 2026 Английский язык 8 класс» ещё не подготовлен. "
                                 "Подготовьте его: vpr-node upload prepare ПАПКА --subject eng8, или укажите "
                                 "загруженный файл: --file ФАЙЛ.")
    with pytest.raises(SchoolError) as e:
        upload.confirm_manual(store, with_results, tmp_path / "нет.xlsx")
    assert e.value.message_ru == f"Не найден файл {tmp_path / 'нет.xlsx'}."


def test_nothing_to_upload(store, eng8, school, tmp_path):
    with pytest.raises(SchoolError) as e:
        upload.prepare(store, eng8, tmp_path)
    assert e.value.message_ru == "По предмету «ВПР 2026 Английский язык 8 класс» нет результатов - нечего загружать."


def test_send_with_retries_and_receipt(store, key, with_results, caplog):
    state = ReceiverState(USER, PASSWORD, fail_first=2)
    caplog.set_level(logging.DEBUG)
    with LiveServer(make_receiver(state)) as srv:
        upload.configure(store, key, f"{srv.url}/vpr/upload", USER, PASSWORD)
        receipt = upload.send(store, key, with_results, backoff_s=0.05)
    assert state.calls == 3 and receipt["receipt_id"] == "R-0003"
    sha = hashlib.sha256(state.files[0]).hexdigest()
    stored = upload.receipts(store)
    assert [(r.kind, r.sha256, r.receipt["receipt_id"]) for r in stored] == [("http", sha, "R-0003")]
    assert changes.upload_status(store, "eng8").state is changes.UploadState.UPLOADED
    assert receipt["subject"] == "eng8"
    log_text = caplog.text
    assert "HTTP 503" in log_text and PASSWORD not in log_text and USER not in log_text
    db = store.path.read_bytes() + (store.path.with_name(store.path.name + "-wal").read_bytes()
                                    if store.path.with_name(store.path.name + "-wal").exists() else b"")
    assert PASSWORD.encode() not in db and USER.encode() not in db


def test_wrong_credentials(store, key, with_results):
    state = ReceiverState(USER, "другой")
    with LiveServer(make_receiver(state)) as srv:
        upload.configure(store, key, f"{srv.url}/vpr/upload", USER, PASSWORD)
        with pytest.raises(UploadError) as e:
            upload.send(store, key, with_results, backoff_s=0.01)
    assert state.calls == 1  # no retry on 401
    assert e.value.user_text == ("Сервис сбора отклонил логин или пароль (HTTP 401). "
                                 "Проверьте их и задайте заново: vpr-node upload config.")
    assert PASSWORD not in str(e.value) and PASSWORD not in e.value.user_text


def test_receipt_hash_mismatch_and_down_service(store, key, with_results):
    state = ReceiverState(USER, PASSWORD, wrong_hash=True)
    with LiveServer(make_receiver(state)) as srv:
        upload.configure(store, key, f"{srv.url}/vpr/upload", USER, PASSWORD)
        with pytest.raises(UploadError) as e:
            upload.send(store, key, with_results, backoff_s=0.01)
        assert e.value.message_ru == "Квитанция не совпадает с отправленным файлом (контрольная сумма другая)."
        url = srv.url
    assert upload.receipts(store) == []
    # the server is gone now: every attempt fails, the error says why
    with pytest.raises(UploadError) as e:
        upload.send(store, key, with_results, attempts=2, backoff_s=0.01, timeout_s=2)
    assert e.value.message_ru == "Не удалось отправить форму результатов: нет связи с сервисом."
    assert url


def test_config_errors(store, key, with_results):
    with pytest.raises(UploadNotConfiguredError) as e:
        upload.send(store, key, with_results)
    assert e.value.user_text == ("Адрес сервиса сбора результатов не настроен. "
                                 "Задайте его: vpr-node upload config --url АДРЕС --user ЛОГИН.")
    with pytest.raises(UploadError) as e:
        upload.configure(store, key, "ftp://x/y", USER, PASSWORD)
    assert e.value.message_ru == "Адрес сервиса сбора должен начинаться с https:// (получено «ftp://x/y»)."
    with pytest.raises(UploadError) as e:
        upload.configure(store, key, f"https://{USER}:{PASSWORD}@example.org/u", USER, PASSWORD)
    assert e.value.message_ru == "Не указывайте логин и пароль внутри адреса."
    assert PASSWORD not in e.value.detail
