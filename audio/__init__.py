"""Audio devices, prompt playback, the crash-safe recorder, level metering and
analysis."""
