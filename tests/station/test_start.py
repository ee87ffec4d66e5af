"""Start-up of the real station (a subprocess with a real window): the first screen is
shown before the runtime is made (imports, package verification), the station becomes
ready after it, and a start that cannot work (no package configured) closes the window
and prints the Russian error with its exit code - no traceback."""

from __future__ import annotations

import re
import signal
import time


def test_first_screen_then_ready_then_a_clean_stop(station):
    proc = station.popen("--demo", "--fast", "--windowed")
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and "station ready" not in station.log():
            time.sleep(0.1)
        log = station.log()
        first = re.search(r"first screen sound_hear shown ([0-9.]+) s after process start", log)
        ready = re.search(r"station ready ([0-9.]+) s after process start", log)
        assert first and ready, log[-3000:]
        assert float(first.group(1)) < float(ready.group(1))
        assert log.index("first screen") < log.index("flow event phase {'phase': 'sound_hear'")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err[-2000:]
    assert "Traceback" not in out + err


def test_a_station_that_cannot_start_says_why(station):
    proc = station.popen("--windowed")  # not set up: no package, no password
    out, err = proc.communicate(timeout=90)
    assert proc.returncode == 1, (out, err[-2000:])
    assert err.startswith("Ошибка: Станция не настроена"), err[-2000:]
    assert "vpr-station setup" in err and "Traceback" not in out + err
