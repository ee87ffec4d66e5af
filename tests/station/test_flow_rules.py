"""Rules the station's code keeps (issue 15): every text a person reads is in the
message catalogue (no Russian literal in ``station/flow/``, and every key the station
asks for exists), and the flow's modules stay small."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

from station import messages
from tests.conftest import REPO_ROOT

FLOW_DIR = REPO_ROOT / "station" / "flow"
CYRILLIC = re.compile("[\u0400-\u04ff]")
# string literals (f-strings are one STRING token before Python 3.12, pieces after it) and comments
_SCANNED = {tokenize.STRING, tokenize.COMMENT, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}
# messages.t("key") / t("key") / app.t("key") in Python and KV files
_KEY_USE = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z_.]+)["']""")


def cyrillic_literals(path: Path) -> list[str]:
    """``line: text`` of every string literal or comment in ``path`` with Cyrillic letters."""
    found = []
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text("utf-8")).readline)
    for tok in tokens:
        if tok.type in _SCANNED and CYRILLIC.search(tok.string):
            found.append(f"{tok.start[0]}: {tok.string[:60]}")
    return found


@pytest.mark.parametrize("path", sorted(FLOW_DIR.glob("*.py")), ids=lambda p: p.name)
def test_flow_has_no_russian_literals(path):
    assert cyrillic_literals(path) == [], f"move these texts to station/messages.py: {path.name}"


def test_the_scan_sees_russian_literals(tmp_path):
    # the scan itself: a plain, an f-string and a joined literal are all caught
    sample = tmp_path / "sample.py"
    sample.write_text('a = "Слышу"\nb = f"Код {a}"\nc = ("x "\n     "ещё")\nd = "fine"  # no\n', "utf-8")
    assert [line.split(":")[0] for line in cyrillic_literals(sample)] == ["1", "2", "4"]


def test_every_message_key_the_station_uses_exists():
    station = REPO_ROOT / "station"
    used = {key for path in [*station.rglob("*.py"), *station.rglob("*.kv")]
            for key in _KEY_USE.findall(path.read_text("utf-8"))}
    assert len(used) > 50  # the pattern still finds the uses
    assert sorted(used - set(messages.RU)) == []



def test_flow_machine_stays_under_400_lines():
    lines = len((FLOW_DIR / "machine.py").read_text("utf-8").splitlines())
    assert lines < 400, f"station/flow/machine.py has {lines} lines; give a part its own module"


def test_the_app_talks_to_the_flow_only_through_public_calls():
    # wiring happens in build_runtime through constructor arguments; the shell, the
    # screens and the self-test never assign into the flow or its sealer, nor call
    # their private methods (issue 15)
    poke = re.compile(r"\b(?:flow|sealer)\.(?:\w+\.)*(?:_\w+|\w+\s*=(?!=))")
    station = REPO_ROOT / "station"
    found = [f"{path.relative_to(REPO_ROOT)}:{n}: {line.strip()}"
             for path in [*station.glob("*.py"), *station.glob("screens/*.py"), *station.glob("screens/*.kv")]
             for n, line in enumerate(path.read_text("utf-8").splitlines(), 1) if poke.search(line)]
    assert found == []
