"""Certificate fingerprints as people read them (``AB12 CD34 ...``) and as the code
compares them (lowercase hex)."""

from __future__ import annotations

import hmac

#: Hex digits of a SHA-256 fingerprint.
FINGERPRINT_HEX = 64


def normalize(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch in "0123456789abcdef")


def grouped(fp: str) -> str:
    fp = normalize(fp).upper()
    return " ".join(fp[i:i + 4] for i in range(0, len(fp), 4))


def is_full(text: str) -> bool:
    """Whether ``text`` holds a whole SHA-256 fingerprint (64 hex digits, any grouping)."""
    return len(normalize(text)) == FINGERPRINT_HEX


def matches(expected_text: str, actual_hex: str) -> bool:
    """Exact, full-length, constant-time comparison; a prefix or an empty text never matches."""
    expected = normalize(expected_text)
    actual = normalize(actual_hex)
    return len(expected) == FINGERPRINT_HEX and len(actual) == FINGERPRINT_HEX and hmac.compare_digest(expected, actual)
