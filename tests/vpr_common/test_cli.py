"""The CLI wrapper: typed errors become Russian messages and exit codes; unexpected
errors never print a traceback."""

from __future__ import annotations

import json

from vpr_common.cli import INTERNAL_ERROR_EXIT, run_cli
from vpr_common.errors import VprError


class _Boom(VprError):
    code = "boom"
    message_ru = "Всё сломалось."
    remedy_ru = "Почините."
    exit_code = 4


def _raise(exc):
    def main(argv):
        raise exc

    return main


def test_typed_error_prints_russian_message(capsys):
    rc = run_cli("test", _raise(_Boom("detail for log")), [])
    out = capsys.readouterr()
    assert rc == 4
    assert "Всё сломалось. Почините." in out.err
    assert "Traceback" not in out.err + out.out


def test_typed_error_json(capsys):
    rc = run_cli("test", _raise(_Boom("detail")), ["--json"])
    data = json.loads(capsys.readouterr().out)
    assert rc == 4
    assert data == {
        "ok": False,
        "error": {"code": "boom", "message": "detail", "message_ru": "Всё сломалось.", "remedy_ru": "Почините."},
    }


def test_unexpected_error_hides_traceback(capsys):
    rc = run_cli("test", _raise(ZeroDivisionError("x")), [])
    out = capsys.readouterr()
    assert rc == INTERNAL_ERROR_EXIT
    assert "Внутренняя ошибка" in out.err
    assert "Traceback" not in out.err and "ZeroDivisionError" not in out.err
