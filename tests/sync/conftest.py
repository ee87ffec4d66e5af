"""Fixtures for sync tests: one real node per module."""

from __future__ import annotations

import pytest

from tests.sync.harness import NodeProcess


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    proc = NodeProcess(tmp_path_factory.mktemp("node") / "data").start()
    yield proc
    proc.stop()
