"""Audio tests run on the real PulseAudio null-sink loopback (tests/harness)."""

from tests.harness.fixtures import pulse_loopback, private_loopback  # noqa: F401
