"""The results kiosk in a real Kivy window against a real node (the demo school, the
kiosk PC paired like a station): the right code + PIN shows that participant's released
results and no other code; a wrong PIN is refused in Russian and clears the PIN; wrong
PINs for one code are limited without blocking another code; the results close by
themselves after the idle time; Esc and window close are refused and only the
technician's PIN closes the kiosk."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from coordinator.kiosk import access
from coordinator.kiosk.store import KioskStore
from coordinator.school import codes as school_codes
from coordinator.school import results as school_results
from coordinator.school.store import SchoolStore
from coordinator.school.subjects import get_subject
from tests.conftest import REPO_ROOT
from tests.sync.harness import NodeProcess, pair_station, run_node_cli

ARTIFACTS = REPO_ROOT / "test-artifacts" / "station" / "results_kiosk"
IDLE_S = 3


@pytest.fixture(scope="module")
def school(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("kiosk-window")
    folder = tmp / "school"
    assert run_node_cli("demo", str(folder), "--participants", "30")[0] == 0
    node = NodeProcess(folder).start()
    yield node, folder, tmp
    node.stop()


def _env(home):
    env = dict(os.environ)
    for name in ("VPR_DATA_DIR", "VPR_LOG_DIR", "VPR_CONFIG_DIR", "KIVY_HOME", "XDG_CACHE_HOME"):
        env[name] = str(home / name.lower())
        (home / name.lower()).mkdir(parents=True, exist_ok=True)
    env.pop("DISPLAY", None)  # SDL's offscreen driver
    return env


def test_kiosk_window_against_a_real_node(school):
    node, folder, tmp = school
    kiosk_sync = pair_station(node, tmp / "kiosk-sync", name="Холл, киоск")
    store = KioskStore(folder)
    with SchoolStore(folder) as s:
        codes = [c.code for c in school_codes.active_codes(s)]
        rus = get_subject(s, "rus8")
        mine = {r.code: r for r in school_results.list_results(s, rus) if r.code in codes[:3]}
    pins = access.issue_pins(store, codes)
    access.release(store, "rus8", "coordinator")
    me, other, third = codes[0], codes[1], codes[2]
    wrong = "000000" if pins[me] != "000000" and pins[other] != "000000" else "999999"
    case = {"sync_root": str(kiosk_sync.root), "idle_s": IDLE_S, "wrong_pin": wrong,
            "me": {"code": me, "pin": pins[me]}, "other": {"code": other},
            "third": {"code": third, "pin": pins[third]}}
    case_file = tmp / "case.json"
    case_file.write_text(json.dumps(case), "utf-8")
    proc = subprocess.run([sys.executable, "-m", "tests.station.results_kiosk.scenario", str(case_file),
                           str(ARTIFACTS)], cwd=REPO_ROOT, env=_env(tmp / "home"), capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    seen = json.loads(proc.stdout[proc.stdout.index("{"):])
    assert "callback_exception" not in seen and "timeout_at_step" not in seen, seen

    # the kiosk keeps the person inside it
    assert seen["esc_handled"] is True and seen["close_refused"] is True
    # a wrong PIN: refused in Russian, PIN emptied, code kept for the next try
    assert seen["target_after_code"] == "pin"
    assert seen["wrong_pin_notice"].startswith("Код участника или PIN не подходят.")
    assert seen["pin_cleared"] is True and seen["code_kept"] == me
    # the right PIN: this participant's subject, task by task, and nothing of another code
    texts = seen["results_texts"]
    body = "\n".join(texts)
    assert texts[0] == f"Результаты участника с кодом {me}"
    r = mine[me]
    assert rus.title in texts
    assert f"Первичный балл: {r.primary} из {rus.max_total}" in texts and f"Отметка: {r.mark}" in texts
    for i, task in enumerate(rus.tasks):
        assert f"{r.points[i]} из {task.max_points}" in texts
    assert all(c not in body for c in codes if c != me)
    assert all(pin not in body for pin in pins.values())
    assert seen["entry_emptied"] == ["", ""]  # the PIN left the screen when used
    assert seen["countdown"].startswith("Экран закроется через")
    assert seen["scrolled"] is True
    # nobody touched it: the results closed by themselves
    assert IDLE_S - 0.5 <= seen["closed_after_s"] <= IDLE_S + 2
    assert seen["results_after_close"] == [""]
    # guessing one code: five wrong answers, then a wait - in Russian
    notices = seen["guess_notices"]
    assert all(n.startswith("Код участника или PIN не подходят.") for n in notices[:5]), notices
    assert notices[5].startswith("Слишком много неверных попыток для этого кода.") and "Подождите" in notices[5]
    # ... which never blocks another participant's code
    assert "third_notice" not in seen, seen.get("third_notice")
    assert seen["third_texts"][0] == f"Результаты участника с кодом {third}"
    assert seen["after_close_button"] == "entry"
    # only the technician's PIN closes it
    assert seen["exit_screen"] == "exit" and seen["wrong_tech_pin"] == "Неверный PIN." and seen["exited"]
    for shot in ("entry", "wrong_pin", "results", "too_many"):
        assert (ARTIFACTS / f"{shot}.png").stat().st_size > 10_000
