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
        "error": {"code": "boom", "reason": "boom", "message": "detail", "message_ru": "Всё сломалось.",
                  "remedy_ru": "Почините."},
    }


def test_unexpected_error_hides_traceback(capsys):
    rc = run_cli("test", _raise(ZeroDivisionError("x")), [])
    out = capsys.readouterr()
    assert rc == INTERNAL_ERROR_EXIT
    assert "Внутренняя ошибка" in out.err
    assert "Traceback" not in out.err and "ZeroDivisionError" not in out.err


def test_argparse_messages_are_translated():
    from vpr_common.argparse_ru import RuArgumentParser
    from vpr_common.errors import UsageError
    import pytest

    p = RuArgumentParser(prog="vpr-x")
    sub = p.add_subparsers(dest="command", required=True, parser_class=RuArgumentParser)
    sub.add_parser("go").add_argument("path")
    with pytest.raises(UsageError) as exc:
        p.parse_args(["nope"])
    assert "неизвестная команда «nope»" in exc.value.message_ru
    with pytest.raises(UsageError) as exc:
        p.parse_args(["go"])
    assert "не указаны обязательные параметры: path" in exc.value.message_ru
