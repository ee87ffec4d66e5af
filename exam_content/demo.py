"""Demo content: one variant each for English, German and French (listening, reading
aloud, photo description) built from the committed sources in ``demo_src/`` into
encrypted packages with freshly generated passwords. ``fast`` builds rehearsal packages
with timings of a few seconds (see :data:`exam_content.builder.FAST_TIMINGS`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from exam_content.builder import BuildResult, build_package
from vpr_common.atomic import atomic_write_text

LANGUAGES = ("en", "de", "fr")
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"


@dataclass(frozen=True)
class DemoPackage:
    language: str
    build: BuildResult
    password: bytes
    password_file: Path


def demo_source_dir(language: str) -> Path:
    """The committed source folder of the demo package for ``language``."""
    if language not in LANGUAGES:
        raise ValueError(language)
    return Path(str(resources.files("exam_content").joinpath("demo_src", language)))


def new_password(length: int = 12) -> bytes:
    """A password in the style of the published ones, without look-alike characters."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length)).encode("ascii")


def write_demo_packages(out_dir: Path, *, fast: bool = False, languages: tuple[str, ...] = LANGUAGES) -> list[DemoPackage]:
    """Build the demo packages into ``out_dir`` with a password file beside each.

    Raises ``OSError`` when ``out_dir`` cannot be written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = []
    suffix = "-fast" if fast else ""
    for lang in languages:
        password = new_password()
        package = out_dir / f"vpr-demo-{lang}{suffix}.zip"
        pw_file = out_dir / f"vpr-demo-{lang}{suffix}.password.txt"
        build = build_package(demo_source_dir(lang), package, password, fast=fast)
        atomic_write_text(pw_file, password.decode("ascii") + "\n", mode=0o600)
        result.append(DemoPackage(lang, build, password, pw_file))
    return result
