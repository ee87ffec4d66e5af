"""``vpr-node`` commands as the coordinator runs them (in-process): JSON output,
Russian messages, clear errors, and subcommands added by other modules."""

from __future__ import annotations

import json
import socket

from coordinator.cli import add_common, build_parser
from tests.sync.harness import run_node_cli


def test_pair_code_prints_code_and_fingerprint(tmp_path):
    rc, out, _ = run_node_cli("pair-code", "--data", str(tmp_path))
    assert rc == 0 and "Код подключения станции" in out and "Отпечаток" in out
    rc, out, _ = run_node_cli("pair-code", "--json", "--data", str(tmp_path))
    data = json.loads(out)
    assert len(data["code"]) == 8 and len(data["fingerprint"]) == 64


def test_import_codes_text_and_csv(tmp_path):
    f = tmp_path / "codes.csv"
    f.write_text("\ufeffКод;Класс\n12345;8А\n12346;8Б\n1234;8В\n", encoding="utf-8")
    rc, out, _ = run_node_cli("import-codes", str(f), "--json", "--data", str(tmp_path / "n"))
    data = json.loads(out)
    assert rc == 0 and data["added"] == 2 and "1234" in data["ignored"]
    empty = tmp_path / "empty.txt"
    empty.write_text("нет кодов\n", encoding="utf-8")
    rc, _, err = run_node_cli("import-codes", str(empty), "--data", str(tmp_path / "n"))
    assert rc != 0 and "нет пятизначных кодов" in err


def test_status_json_and_text(tmp_path):
    rc, out, _ = run_node_cli("status", "--json", "--data", str(tmp_path))
    data = json.loads(out)
    assert rc == 0 and data["packages"]["verified"] == 0 and data["stations"] == []
    rc, out, _ = run_node_cli("status", "--data", str(tmp_path))
    assert "Станции (0)" in out and "не загружен" in out


def test_errors_are_russian_without_traceback(tmp_path):
    rc, _, err = run_node_cli("revoke", "st999-0000", "--data", str(tmp_path))
    assert rc != 0 and "не подключена" in err and "Traceback" not in err
    rc, _, err = run_node_cli("import", str(tmp_path / "none"), "--data", str(tmp_path))
    assert rc == 2 and "Папка не найдена" in err
    rc, _, err = run_node_cli("release-password", "--data", str(tmp_path))
    assert rc != 0 and "Пароль" in err
    rc, _, err = run_node_cli("no-such-command")
    assert rc == 2 and "Неверные параметры" in err


def test_extension_subcommands_register(tmp_path):
    def register(sub):
        p = sub.add_parser("results-form")
        add_common(p)
        p.set_defaults(handler=lambda args: 0)

    args = build_parser([register]).parse_args(["results-form", "--json", "--data", str(tmp_path)])
    assert args.json and args.data == tmp_path and args.handler(args) == 0


def test_serve_on_busy_port_is_a_clear_error(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        rc, _, err = run_node_cli("serve", "--host", "127.0.0.1", "--port", str(port), "--data", str(tmp_path))
    assert rc != 0 and "занят" in err and "Traceback" not in err


def test_serve_on_busy_upload_port_names_that_option(tmp_path):
    with socket.socket() as main, socket.socket() as busy:
        main.bind(("127.0.0.1", 0))
        port = main.getsockname()[1]
        main.close()  # free: only the upload port is taken
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        taken = busy.getsockname()[1]
        rc, _, err = run_node_cli("serve", "--host", "127.0.0.1", "--port", str(port), "--upload-port", str(taken),
                                  "--data", str(tmp_path))
    assert rc != 0 and f"порт {taken}" in err and "--upload-port" in err and "Traceback" not in err
