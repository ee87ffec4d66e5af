"""Kiosk key handling, keyboard use of the screens, code entry errors and the
technician PIN on a real window (scripted in ``ui_scenarios``)."""

from __future__ import annotations

from tests.station.conftest import ARTIFACTS


def test_kiosk_keys_code_errors_and_technician_pin(station):
    rc, seen, err = station.run("kiosk", str(ARTIFACTS / "kiosk"), module="tests.station.ui_scenarios", timeout=300)
    assert rc == 0, err[-3000:]
    assert "callback_exception" not in seen and "timeout_at_step" not in seen, seen
    assert seen["esc_handled"] is True and seen["close_refused"] is True and seen["still_on"] == "sound_hear"
    assert seen["short_code_notice"].startswith("Код участника - это ровно пять цифр.")
    assert seen["phase_after_short_code"] == "code_entry"
    assert seen["after_erase"] == "" and seen["typed"] == "12345"
    assert seen["confirm_text"] == "Ваш код: 12345\nВариант: 1"
    assert seen["technician_key"] is True and seen["technician_screen"] == "technician"
    assert seen["wrong_pin_notice"] == "Неверный PIN." and seen["menu_hidden_after_wrong_pin"]
    assert seen["menu_shown"] and "Пакет: ВПР. Английский язык" in seen["menu_info"]
    assert "Часовой пояс" in seen["checks_result"]
    assert "Итог:" in seen["checks_result"] and "Отчёт сохранён" in seen["checks_result"]
    assert seen["setup_inputs"][0] == "по умолчанию" and len(seen["setup_inputs"]) >= 2
    assert seen["setup_outputs"][0] == "по умолчанию" and len(seen["setup_outputs"]) >= 2
    assert seen["setup_wrong_password"].startswith("Неверный пароль к пакету.")
    assert seen["setup_package_saved"].startswith("Пакет проверен и выбран: ВПР. Английский язык")
    assert seen["setup_password_field_cleared"]
    assert seen["setup_pair_result"].startswith("Узел координатора недоступен")
    assert seen["back_to"] == "sound_hear"
    assert seen["checks_during_session"].startswith("Проверку оборудования можно запускать только между участниками")
    assert seen["back_in_session_to"] == "instructions" and seen["phase_kept"] == "instructions"
    assert seen["exited_by_technician"] is True
    assert (ARTIFACTS / "kiosk" / "technician.png").is_file()


def test_silent_answer_warns_on_screen_and_in_the_timeline(station):
    rc, seen, err = station.run("silent", str(ARTIFACTS / "silent"), module="tests.station.ui_scenarios", timeout=300)
    assert rc == 0, err[-3000:]
    assert "callback_exception" not in seen, seen
    assert seen["silence_notice"] == "Мы вас не слышим! Говорите громче или поправьте микрофон."
    result = seen["result"]
    assert result["silence_warnings"] >= 2, result  # one per silent answer
    assert result["ok"], result  # a silent answer is warned about, not a failure: it is still saved
    assert (ARTIFACTS / "silent" / "silent_answer.png").is_file()
