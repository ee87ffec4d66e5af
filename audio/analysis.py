"""Analysis of a recording: level, clipping, silence and speech-like activity.

Pure functions on int16 (or float in [-1, 1]) mono samples; no I/O, no threads.

Definitions (documented in docs/audio.md):
* ``peak_dbfs`` / ``rms_dbfs``: relative to full scale (a full-scale sine has RMS -3 dBFS);
  ``-inf`` is reported as ``None`` in JSON.
* ``clipped_fraction``: share of samples at |x| >= 32767/32768 of full scale.
* analysis blocks are 30 ms; a block is *silent* when its RMS is below -50 dBFS and
  *speech-like* when its RMS is at least -40 dBFS (a voice in a headset mic is
  typically -35..-15 dBFS; room noise is below -50).
* ``longest_silence_s``: the longest run of silent blocks.
* ``digital_silence``: every sample is exactly zero - the symptom of a muted or
  privacy-blocked microphone, which must never pass as a recording.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from enum import Enum

import numpy as np

BLOCK_S = 0.03
SILENCE_DBFS = -50.0
SPEECH_DBFS = -40.0
CLIP_LEVEL = 32767 / 32768


def dbfs(value: float) -> float:
    """Amplitude ratio to dBFS; ``-inf`` for zero."""
    return 20.0 * math.log10(value) if value > 0 else float("-inf")


@dataclass(frozen=True)
class Analysis:
    """Summary numbers of one recording."""

    peak_dbfs: float
    rms_dbfs: float
    clipped_fraction: float
    longest_silence_s: float
    speech_fraction: float
    digital_silence: bool

    def as_dict(self) -> dict:
        """JSON-friendly (``-inf`` becomes ``None``; values rounded)."""
        out = {}
        for k, v in asdict(self).items():
            if isinstance(v, float):
                out[k] = None if math.isinf(v) else round(v, 4)
            else:
                out[k] = v
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "Analysis":
        vals = {k: (float("-inf") if d.get(k) is None and k.endswith("dbfs") else d.get(k)) for k in
                ("peak_dbfs", "rms_dbfs", "clipped_fraction", "longest_silence_s", "speech_fraction",
                 "digital_silence")}
        return cls(**vals)


QUIET_PEAK_DBFS = -40.0
CLIPPED_LIMIT = 0.001
NO_SPEECH_LIMIT = 0.05


class QualityIssue(Enum):
    """Something wrong with a recording that a person must hear about."""

    DIGITAL_SILENCE = "digital_silence"
    TOO_QUIET = "too_quiet"
    CLIPPING = "clipping"
    NO_SPEECH = "no_speech"

    @property
    def message_ru(self) -> str:
        return _ISSUE_TEXT[self]


_ISSUE_TEXT = {
    QualityIssue.DIGITAL_SILENCE: ("Микрофон выдаёт полную цифровую тишину: он отключён или заблокирован. "
                                   "Проверьте гарнитуру, а в Windows - «Параметры → Конфиденциальность → Микрофон»."),
    QualityIssue.TOO_QUIET: "Запись очень тихая. Проверьте, что микрофон гарнитуры у рта, и увеличьте его громкость.",
    QualityIssue.CLIPPING: "Запись перегружена (искажения). Уменьшите громкость (усиление) микрофона.",
    QualityIssue.NO_SPEECH: "В записи почти нет речи.",
}


def quality_issues(a: "Analysis") -> list[QualityIssue]:
    """The issues a recording shows (empty when it looks fine). Thresholds: peak below
    -40 dBFS is too quiet, more than 0.1 % clipped samples is clipping, fewer than 5 %
    speech-like blocks is no speech; digital silence implies nothing else."""
    if a.digital_silence:
        return [QualityIssue.DIGITAL_SILENCE]
    issues = []
    if a.peak_dbfs < QUIET_PEAK_DBFS:
        issues.append(QualityIssue.TOO_QUIET)
    if a.clipped_fraction > CLIPPED_LIMIT:
        issues.append(QualityIssue.CLIPPING)
    if a.speech_fraction < NO_SPEECH_LIMIT:
        issues.append(QualityIssue.NO_SPEECH)
    return issues


def to_float(samples: np.ndarray) -> np.ndarray:
    """int16 -> float64 in [-1, 1); float input is returned as float64."""
    a = np.asarray(samples)
    if a.dtype == np.int16:
        return a.astype(np.float64) / 32768.0
    return a.astype(np.float64)


def block_rms_dbfs(x: np.ndarray, rate: int, block_s: float = BLOCK_S) -> np.ndarray:
    """RMS in dBFS of consecutive blocks (the last partial block is included)."""
    n = max(1, int(round(rate * block_s)))
    if len(x) == 0:
        return np.zeros(0)
    pad = (-len(x)) % n
    xx = np.concatenate([x, np.zeros(pad)]) if pad else x
    blocks = xx.reshape(-1, n)
    counts = np.full(len(blocks), n, dtype=np.float64)
    if pad:
        counts[-1] = n - pad
    ms = np.einsum("ij,ij->i", blocks, blocks) / counts
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(ms)


def analyze(samples: np.ndarray, rate: int) -> Analysis:
    """Analyze mono samples (int16 or float). Raises ``ValueError`` for a bad rate."""
    if rate <= 0:
        raise ValueError("rate must be positive")
    x = to_float(samples).reshape(-1)
    if len(x) == 0:
        return Analysis(float("-inf"), float("-inf"), 0.0, 0.0, 0.0, True)
    peak = float(np.max(np.abs(x)))
    rms = float(np.sqrt(np.mean(x * x)))
    clipped = float(np.count_nonzero(np.abs(x) >= CLIP_LEVEL - 1e-12)) / len(x)
    levels = block_rms_dbfs(x, rate)
    silent = levels < SILENCE_DBFS
    longest = run = 0
    block_frames = max(1, int(round(rate * BLOCK_S)))
    for s in silent:
        run = run + 1 if s else 0
        longest = max(longest, run)
    longest_s = min(longest * block_frames, len(x)) / rate
    speech = float(np.count_nonzero(levels >= SPEECH_DBFS)) / len(levels)
    return Analysis(
        peak_dbfs=dbfs(peak), rms_dbfs=dbfs(rms), clipped_fraction=clipped,
        longest_silence_s=longest_s, speech_fraction=speech, digital_silence=(peak == 0.0),
    )


class RunningAnalysis:
    """Incremental :func:`analyze` over consecutive int16 chunks (for long recordings,
    so finalization never holds the whole recording as floats). Chunks are cut on
    30 ms block boundaries internally, so the result equals a one-shot analysis."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.block = max(1, int(round(rate * BLOCK_S)))
        self._carry = np.zeros(0, dtype=np.float64)
        self.n = 0
        self.peak = 0.0
        self.sumsq = 0.0
        self.clipped = 0
        self.blocks = 0
        self.speech_blocks = 0
        self.run = 0
        self.longest = 0

    def _blocks(self, x: np.ndarray) -> None:
        for level in block_rms_dbfs(x, self.rate):
            self.blocks += 1
            if level >= SPEECH_DBFS:
                self.speech_blocks += 1
            self.run = self.run + 1 if level < SILENCE_DBFS else 0
            self.longest = max(self.longest, self.run)

    def add(self, samples: np.ndarray) -> None:
        x = to_float(samples).reshape(-1)
        if len(x) == 0:
            return
        self.n += len(x)
        self.peak = max(self.peak, float(np.max(np.abs(x))))
        self.sumsq += float(np.dot(x, x))
        self.clipped += int(np.count_nonzero(np.abs(x) >= CLIP_LEVEL - 1e-12))
        x = np.concatenate([self._carry, x])
        whole = len(x) - len(x) % self.block
        self._blocks(x[:whole])
        self._carry = x[whole:]

    def result(self) -> Analysis:
        if self.n == 0:
            return Analysis(float("-inf"), float("-inf"), 0.0, 0.0, 0.0, True)
        if len(self._carry):
            self._blocks(self._carry)
            self._carry = np.zeros(0)
        longest_s = min(self.longest * self.block, self.n) / self.rate
        return Analysis(
            peak_dbfs=dbfs(self.peak), rms_dbfs=dbfs(math.sqrt(self.sumsq / self.n)),
            clipped_fraction=self.clipped / self.n, longest_silence_s=longest_s,
            speech_fraction=self.speech_blocks / self.blocks if self.blocks else 0.0,
            digital_silence=(self.peak == 0.0),
        )
