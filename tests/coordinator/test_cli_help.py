"""Every ``vpr-node`` command explains itself in Russian (issue 21): a description, a
help line for every option and argument, argparse's own headings translated, no
English in ``--help``."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys

from coordinator.cli import build_parser
from tests.conftest import REPO_ROOT

ENGLISH = re.compile(r"\b(usage|options|positional arguments|optional arguments|show this help)\b", re.I)


def _walk(parser, path):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _walk(sub, path + [name])


def test_every_command_has_russian_help():
    problems = []
    count = 0
    for path, p in _walk(build_parser(), ["vpr-node"]):
        count += 1
        text = p.format_help()
        unexplained = [a.dest for a in p._actions
                       if not isinstance(a, argparse._SubParsersAction) and a.help in (None, "")]
        if unexplained or ENGLISH.search(text) or not p.description or not re.search("[а-я]", p.description):
            problems.append((" ".join(path), unexplained, ENGLISH.findall(text)))
    assert count > 40 and problems == []


def test_help_in_a_real_process():
    p = subprocess.run([sys.executable, "-m", "coordinator.cli", "results", "absent", "--help"], cwd=REPO_ROOT,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0
    assert p.stdout.startswith("Вызов: vpr-node results absent")
    assert "показать эту справку и выйти" in p.stdout and "параметры:" in p.stdout
