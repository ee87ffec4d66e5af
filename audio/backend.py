"""The one place ``sounddevice`` (PortAudio) is imported, so a machine without the
PortAudio library gets a typed, Russian error instead of a traceback.

Raises :class:`~audio.errors.AudioBackendError` at import when PortAudio is missing.
"""

from __future__ import annotations

from audio.errors import AudioBackendError

try:
    import sounddevice as sd
except OSError as exc:  # sounddevice raises OSError("PortAudio library not found")
    raise AudioBackendError(f"cannot load PortAudio: {exc}") from exc

__all__ = ["sd"]
