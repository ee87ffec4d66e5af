"""pytest fixtures around :mod:`tests.harness.pulse_loopback`, for any test package.

Use in a package's ``conftest.py``::

    from tests.harness.fixtures import pulse_loopback, private_loopback  # noqa: F401

``pulse_loopback`` (session): one shared loopback; this process's ``PULSE_SERVER``
points at it and PortAudio is re-initialized so ``sounddevice`` sees it.
``private_loopback`` (function): a second, throw-away daemon for destructive tests
(freeze it, kill it); the process is switched to it and back afterwards.
Without PulseAudio the fixtures FAIL with the reason (a broken setup must not pass as
skipped); on Windows they skip with the reason.
"""

from __future__ import annotations

import os
import sys

import pytest

from tests.harness.pulse_loopback import PulseLoopback, loopback_unavailable_reason


def _require() -> None:
    reason = loopback_unavailable_reason()
    if reason and sys.platform == "win32":
        pytest.skip(reason)
    if reason:
        pytest.fail(f"audio loopback unavailable: {reason}")


def _switch(server: str | None) -> None:
    if server is None:
        os.environ.pop("PULSE_SERVER", None)
    else:
        os.environ["PULSE_SERVER"] = server
    from audio import devices

    devices.reinitialize()


@pytest.fixture(scope="session")
def pulse_loopback():
    _require()
    old = os.environ.get("PULSE_SERVER")
    lb = PulseLoopback().start()
    _switch(lb.server)
    yield lb
    lb.stop()
    _switch(old)


@pytest.fixture
def private_loopback(pulse_loopback):
    lb = PulseLoopback(sink_name="vpr_private").start()
    _switch(lb.server)
    yield lb
    lb.stop()
    _switch(pulse_loopback.server)
