"""The answer key: a separate encrypted archive (``<package>.answers.zip``) for the
coordinator and the experts. Stations never receive it, and the station's package
manifest has no answer fields (its schema forbids them).

``answer_key.json``: ``{"format_version", "package_id", "answers": {variant: {task_id:
{item_id: answer}}}}`` where an answer is the index of the right option (listening,
multiple choice, matching) or, from format version 2, a typed item's rule
``{"accept": [...], "case_sensitive": bool, "yo_equals_ye": bool}``. The format version
is the package's; :mod:`exam_content.scoring` reads both."""

from __future__ import annotations

import json
from pathlib import Path

import pyzipper

from exam_content import errors as E
from vpr_common.atomic import atomic_write_with

KEY_NAME = "answer_key.json"


def write_answer_key(path: Path, package_id: str, answers: dict, password: bytes, *,
                     format_version: int = 1) -> None:
    """Write the key archive atomically (AES-256, same password as the package)."""
    body = json.dumps({"format_version": format_version, "package_id": package_id, "answers": answers},
                      ensure_ascii=False, indent=2).encode("utf-8")

    def write(fh) -> None:
        with pyzipper.AESZipFile(fh, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as zf:
            zf.setpassword(password)
            zf.setencryption(pyzipper.WZ_AES, nbits=256)
            zf.writestr(KEY_NAME, body)

    atomic_write_with(Path(path), write)


def read_answer_key(path: Path, password: bytes) -> dict:
    """``{"format_version": ..., "package_id": ..., "answers": {variant: {task_id: {item_id: answer}}}}``.

    Raises :class:`WrongPasswordError`, :class:`TamperedArchiveError`,
    :class:`PackageNotFoundError`, :class:`NotAnArchiveError`.
    """
    try:
        with pyzipper.AESZipFile(path) as zf:
            return json.loads(zf.read(KEY_NAME, pwd=password).decode("utf-8"))
    except FileNotFoundError as exc:
        raise E.PackageNotFoundError(str(path)) from exc
    except RuntimeError as exc:
        raise E.WrongPasswordError(str(exc)) from exc
    except KeyError as exc:
        raise E.MissingFileError(KEY_NAME) from exc
    except pyzipper.BadZipFile as exc:
        raise E.TamperedArchiveError(str(exc)) from exc
