"""The written section on a real window (SDL offscreen) with the real audio loopback:
the whole demo variant done with the keyboard alone, and a SIGKILL while a student
types, after which the station continues the same section with every answer typed."""

from __future__ import annotations

import json
import signal
import time
import zipfile

from tests.station.conftest import ARTIFACTS


def test_the_whole_test_with_the_keyboard_alone(station):
    shots = ARTIFACTS / "keyboard"
    rc, seen, err = station.run("keyboard", str(shots), module="tests.station.ui_written", timeout=300)
    assert rc == 0, err[-3000:]
    assert "callback_exception" not in seen and "timeout_in" not in seen and "raise_hand" not in seen, seen
    assert seen["listening"] == {"A": 0, "B": 1, "C": 2, "D": 0, "E": 1}
    assert seen["photo"] == 1
    assert seen["after_space"] == [0, 2]
    assert seen["field_focused"] is True
    assert seen["back_to"] == ["5.1", "fuhren"]
    assert seen["cyrillic_notice"].startswith("Вы печатаете русскими буквами")
    assert seen["notice_after_fix"] == ""
    assert seen["technician_from_field"] == "technician" and seen["field_text_unchanged"] == "mochte"
    assert seen["back_in"] == ["written", "5.5"]
    assert seen["finish_focused"] is True and seen["still_written"] == "written"
    assert "Вы ответили на 11 из 18 вопросов" in seen["confirm_text"] and "6.1" in seen["confirm_text"]
    expected = {"reading": {"A": 2, "B": 0, "C": 1, "D": 2, "E": 3, "F": 4},
                "grammar": {"g1": "fuhren", "g2": "beste", "g3": "Kindern", "g4": "wärmer", "g5": "mochte"}}
    assert seen["answers"] == expected and seen["sealed_answers"] == expected and seen["finished"] is True
    with zipfile.ZipFile(seen["package"]) as zf:
        assert json.loads(zf.read("files/responses.json"))["written_answers"] == expected
    assert max(seen["switch_ms"]) < 100, seen["switch_ms"]
    for name in ("written_intro.png", "written_typed.png", "written_confirm.png"):
        assert (shots / name).is_file()


def test_kill_while_typing_keeps_every_answer_and_the_time(station, tmp_path):
    progress = tmp_path / "progress.json"
    sessions = station.data_dir / "station" / "selftest" / "sessions"
    proc = station.popen("type_until_killed", str(tmp_path / "shots"), str(progress), module="tests.station.ui_written")
    try:
        deadline = time.monotonic() + 200
        seen = {}
        while time.monotonic() < deadline:
            time.sleep(0.01)
            try:
                seen = json.loads(progress.read_text())
            except (OSError, ValueError):
                continue
            if seen["keys"] >= 30:  # two words and a half
                break
        assert seen.get("keys", 0) >= 30, "the scenario never typed"
        time.sleep(0.1)  # a change is on disk within 50 ms of its key (bench/written_answers.py)
        proc.send_signal(signal.SIGKILL)
        killed_at = time.time()
    finally:
        proc.kill()
        proc.communicate()
    session_dir = next(iter(sessions.glob("*/")))
    before = json.loads((session_dir / "session.json").read_text())
    assert before["phase"] == "written" and not before["finished"]
    keys = json.loads(progress.read_text())["keys"]
    words = ("Wissenschaftler", "glücklicher", "freundlich")
    typed, left = {}, keys
    for i, word in enumerate(words):
        if left > 0:
            typed[f"g{i + 1}"] = word[:left]
        left -= len(word)

    rc, result, err = station.run("--self-test", "--fast", "--language", "de")  # continues the section
    assert rc == 0, (result, err[-2000:], station.log()[-3000:])
    assert result["phases"][0] == "written"
    vocabulary = result["written_answers"]["vocabulary"]
    assert vocabulary == typed, (vocabulary, typed, keys)
    with zipfile.ZipFile(result["response_package"]["path"]) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    [resume] = [e for e in manifest["timeline"] if e["event"] == "resume"]
    assert resume["phase"] == "written"
    used_before = before["phase_elapsed_s"]
    [end] = [e for e in manifest["timeline"] if e["event"] == "written_end"]
    # the section's clock went on from where it was (saved twice a second), not from 0
    assert used_before >= 3.0 and used_before - 0.6 <= end["used_s"] <= used_before + 30
    print(f"killed after {keys} key presses ({killed_at:.0f}); {used_before:.1f} s of the section used before")


def test_large_print_and_extra_time_on_the_real_screens(station):
    shots = ARTIFACTS / "large_print"
    rc, seen, err = station.run("large_print", str(shots), module="tests.station.ui_written", timeout=300)
    assert rc == 0, err[-3000:]
    assert "callback_exception" not in seen, seen
    assert seen["scale_before_code"] == 1.0  # the code is not known yet: normal print
    assert seen["instructions"]["scale"] == 1.3 and seen["instructions"]["duration"] == 3 * 1.5
    assert seen["instructions"]["body_font"] > 26 * 1.25
    assert seen["written"]["duration"] == 90 * 1.5 and seen["written"]["overlaps"] == []
    assert seen["written"]["item"] == "5.1" and seen["written"]["broken_words"] == []
    assert seen["written"]["field_visible"]  # the typed item's field scrolled into view
    assert seen["written"]["prompt_font"] > 24 * 1.25
    assert (shots / "large_print_typed.png").is_file()
