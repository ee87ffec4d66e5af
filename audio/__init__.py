"""Audio devices, prompt playback, the crash-safe recorder, level metering, analysis
and recovery of interrupted recordings. Public API and decisions: docs/audio.md.
Nothing in this package imports Kivy."""
