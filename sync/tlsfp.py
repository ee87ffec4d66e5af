"""Certificate fingerprints as people read them (``AB12 CD34 ...``) and as the code
compares them (lowercase hex)."""

from __future__ import annotations


def normalize(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch in "0123456789abcdef")


def grouped(fp: str) -> str:
    fp = normalize(fp).upper()
    return " ".join(fp[i:i + 4] for i in range(0, len(fp), 4))
