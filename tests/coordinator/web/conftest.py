"""Fixtures of the console tests: a real node (subprocess, real TLS) with a coordinator
account, and one real Chromium per test module."""

from __future__ import annotations

import pytest

from tests.coordinator.web.browser import launch
from tests.sync.harness import NodeProcess, run_node_cli

COORD = ("Координатор", "верный-пароль-2026")


@pytest.fixture(scope="module")
def console_node(tmp_path_factory):
    data = tmp_path_factory.mktemp("console") / "node"
    import io
    import sys

    stdin, sys.stdin = sys.stdin, io.StringIO(COORD[1] + "\n")
    try:
        rc, out, err = run_node_cli("users", "add", "--role", "coordinator", "--login", COORD[0],
                                    "--password-stdin", "--data", str(data))
    finally:
        sys.stdin = stdin
    assert rc == 0, err
    node = NodeProcess(data).start()
    yield node
    node.stop()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright not installed: browser tests NOT run")
    with sync_api.sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()
