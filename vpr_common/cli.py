"""The wrapper every console script runs its ``main`` through.

It sets up logging, turns a :class:`~vpr_common.errors.VprError` into its Russian
message on stderr (or a JSON object when ``--json`` was asked for) and a non-zero exit,
and turns anything unexpected into a short message that points at the log file - never
a traceback on the console.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Callable, Sequence

from vpr_common.errors import VprError, error_body
from vpr_common.logging_setup import setup_logging

INTERNAL_ERROR_EXIT = 70


def print_json(obj: object) -> None:
    """Print ``obj`` as pretty UTF-8 JSON on stdout (Cyrillic kept readable)."""
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def run_cli(component: str, main: Callable[[Sequence[str]], int], argv: Sequence[str] | None = None) -> int:
    """Run ``main(argv)`` and return its exit code with the error policy above."""
    if argv is None:
        argv = sys.argv[1:]
    log_path = setup_logging(component)
    log = logging.getLogger(component)
    want_json = "--json" in argv
    try:
        return int(main(argv) or 0)
    except VprError as exc:
        log.warning("%s failed: %s (%s)", component, exc.code, exc.detail, exc_info=True)
        if want_json:
            print_json(error_body(exc))
        else:
            print(f"Ошибка: {exc.user_text}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("Прервано.", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence for the user
        log.exception("%s: unexpected error", component)
        text = (
            "Внутренняя ошибка программы. Подробности записаны в журнал: "
            f"{log_path}. Сообщите о ней техническому специалисту."
        )
        if want_json:
            print_json({"ok": False, "error": {"code": "internal", "reason": "internal", "message": repr(exc),
                                               "message_ru": text, "remedy_ru": ""}})
        else:
            print(f"Ошибка: {text}", file=sys.stderr)
        return INTERNAL_ERROR_EXIT
