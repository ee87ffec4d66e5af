"""A private, user-space PulseAudio loopback for tests and benchmarks.

:class:`PulseLoopback` starts its own ``pulseaudio`` daemon in a fresh temporary runtime
directory (its own socket, state and cookie dirs), so it never meets another engineer's
daemon on the same machine, and it works as root (pulseaudio then only warns). The
daemon has one ``module-null-sink``; it is the default sink and its ``.monitor`` the
default source, so anything played to the default output comes back on the default
input. A keep-alive reader (``parecord --latency-msec=10``) keeps the idle null sink
clocked in small blocks (an idle null sink runs in 2-second blocks and PortAudio
streams would stall); :meth:`start` waits until ``pactl list sinks`` reports a latency
under 100 ms (DESIGN.md section 8).

PortAudio reaches the daemon through the ALSA ``pulse`` plugin, which reads
``PULSE_SERVER`` when a device is opened and when ALSA's configuration is first loaded.
So the variable must be in the environment before PortAudio initializes: use
:meth:`env` for subprocesses, or :meth:`export` before the first ``import
sounddevice`` (``audio.devices.reinitialize()`` re-enumerates afterwards).

Reused by other test packages: ``from tests.harness.pulse_loopback import
PulseLoopback, loopback_unavailable_reason``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SINK_NAME = "vpr_loop"
RATE = 48000
LATENCY_LIMIT_US = 100_000


def _die_with_parent() -> None:
    """preexec_fn: on Linux the child gets SIGTERM when the test process dies (even by
    SIGKILL or a CI timeout), so no daemon outlives its tests."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class LoopbackError(RuntimeError):
    """The loopback could not be started (the message says why)."""


def loopback_unavailable_reason() -> str | None:
    """Why a loopback cannot run here, or ``None`` when it can.

    On Windows there is no PulseAudio: callers may skip with this reason. Elsewhere a
    missing program is a broken test setup and callers should fail, not skip.
    """
    if sys.platform == "win32":
        return "PulseAudio loopback is not available on Windows"
    missing = [p for p in ("pulseaudio", "pactl", "parecord") if shutil.which(p) is None]
    if missing:
        return (
            f"missing programs {missing}: install pulseaudio and pulseaudio-utils "
            "(scripts/setup.sh test does it)"
        )
    return None


class PulseLoopback:
    """One private PulseAudio daemon with a null-sink loopback.

    Use as a context manager or call :meth:`start` / :meth:`stop`. Raises
    :class:`LoopbackError` when the daemon does not come up.
    """

    def __init__(self, *, sink_name: str = SINK_NAME, rate: int = RATE) -> None:
        self.sink_name = sink_name
        self.rate = rate
        self.root = Path(tempfile.mkdtemp(prefix="vpr-pulse-"))
        self.socket = self.root / "native"
        self.daemon: subprocess.Popen | None = None
        self.keepalive: subprocess.Popen | None = None
        self._log = None

    # -- environment -------------------------------------------------------------
    @property
    def server(self) -> str:
        """The ``PULSE_SERVER`` value that reaches this daemon."""
        return f"unix:{self.socket}"

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """A copy of ``base`` (default ``os.environ``) pointed at this daemon."""
        env = dict(os.environ if base is None else base)
        env["PULSE_SERVER"] = self.server
        env.pop("PULSE_SOURCE", None)
        env.pop("PULSE_SINK", None)
        return env

    def export(self) -> None:
        """Point this process's environment at the daemon (before PortAudio starts)."""
        os.environ["PULSE_SERVER"] = self.server

    def _daemon_env(self) -> dict[str, str]:
        home = self.root / "home"
        runtime = self.root / "runtime"
        for d in (home, runtime, self.root / "state"):
            d.mkdir(parents=True, exist_ok=True)
        os.chmod(runtime, 0o700)
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "XDG_RUNTIME_DIR": str(runtime),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "PULSE_RUNTIME_PATH": str(runtime / "pulse"),
            "PULSE_STATE_PATH": str(self.root / "state"),
            "LANG": "C",
        }

    # -- lifecycle -------------------------------------------------------------
    def start(self, timeout: float = 15.0) -> "PulseLoopback":
        """Start daemon, sink and keep-alive; wait for low latency."""
        reason = loopback_unavailable_reason()
        if reason:
            raise LoopbackError(reason)
        self._log = open(self.root / "pulseaudio.log", "wb")
        cmd = [
            "pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no",
            "--disallow-exit", "--log-target=stderr", "--log-level=notice",
            "-L", f"module-native-protocol-unix socket={self.socket} auth-anonymous=1",
            "-L", (f"module-null-sink sink_name={self.sink_name} rate={self.rate} "
                   f"sink_properties=device.description=VPR_Loopback"),
        ]
        self.daemon = subprocess.Popen(
            cmd, env=self._daemon_env(), stdout=self._log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, cwd=self.root, start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.daemon.poll() is not None:
                raise LoopbackError(f"pulseaudio exited with {self.daemon.returncode}: {self.log_tail()}")
            if self.socket.exists() and self.pactl("info", check=False).returncode == 0:
                break
            if time.monotonic() > deadline:
                self.stop()
                raise LoopbackError(f"pulseaudio did not answer in {timeout} s: {self.log_tail()}")
            time.sleep(0.05)
        self.pactl("set-default-sink", self.sink_name)
        self.pactl("set-default-source", f"{self.sink_name}.monitor")
        self.keepalive = subprocess.Popen(
            ["parecord", "--latency-msec=10", f"--device={self.sink_name}.monitor",
             "--raw", "--format=s16le", "--channels=1", f"--rate={self.rate}"],
            env=self.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL, start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        while True:
            lat = self.sink_latency_us()
            if lat is not None and lat < LATENCY_LIMIT_US:
                break
            if time.monotonic() > deadline:
                self.stop()
                raise LoopbackError(f"null sink latency stayed at {lat} us (need < {LATENCY_LIMIT_US})")
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        """Stop keep-alive and daemon and remove the temp dir; safe to call twice."""
        for proc in (self.keepalive, self.daemon):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
        self.keepalive = self.daemon = None
        if self._log is not None:
            self._log.close()
            self._log = None
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "PulseLoopback":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- control ---------------------------------------------------------------
    def pactl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run ``pactl`` against this daemon."""
        return subprocess.run(
            ["pactl", *args], env=self.env(), capture_output=True, text=True, timeout=10, check=check,
        )

    def sink_latency_us(self) -> int | None:
        """The null sink's current latency in microseconds, as ``pactl`` reports it."""
        out = self.pactl("list", "sinks", check=False).stdout
        m = re.search(r"Latency:\s*(\d+)\s*usec", out)
        return int(m.group(1)) if m else None

    def pause(self) -> None:
        """Freeze the daemon (SIGSTOP): every stream stops getting audio."""
        assert self.daemon is not None
        os.kill(self.daemon.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """Undo :meth:`pause`."""
        assert self.daemon is not None
        os.kill(self.daemon.pid, signal.SIGCONT)

    def kill_daemon(self) -> None:
        """Kill the daemon outright: for PortAudio the device is gone."""
        if self.daemon is not None and self.daemon.poll() is None:
            self.daemon.kill()
            self.daemon.wait(5)

    def log_tail(self, n: int = 2000) -> str:
        """The end of the daemon's log (for error messages)."""
        try:
            return (self.root / "pulseaudio.log").read_text(errors="replace")[-n:]
        except OSError:
            return ""
