"""``vpr-node`` commands as the coordinator runs them (in-process): JSON output,
Russian messages, clear errors, and the school's command groups."""

from __future__ import annotations

import json
import socket

from coordinator.cli import build_parser
from tests.sync.harness import run_node_cli


def test_pair_code_prints_code_and_fingerprint(tmp_path):
    rc, out, _ = run_node_cli("pair-code", "--data", str(tmp_path))
    assert rc == 0 and "Код подключения станции" in out and "Проверочный код узла" in out
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


def test_school_command_groups_are_in_the_node_parser(tmp_path):
    args = build_parser().parse_args(["codes", "generate", "--json", "--data", str(tmp_path)])
    assert args.json and str(args.data) == str(tmp_path) and callable(args.func)


def test_serve_on_busy_port_is_a_clear_error(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        rc, _, err = run_node_cli("serve", "--host", "127.0.0.1", "--port", str(port), "--data", str(tmp_path))
    assert rc != 0 and "занят" in err and "Traceback" not in err


def test_old_second_port_option_is_ignored_and_everything_uses_one_port(tmp_path):
    # Nodes started by an older script with --upload-port keep working: the option is
    # ignored (logged), nothing listens there, and a station uploads through --port.
    from tests.sync.harness import NodeProcess, free_port, make_package, pair_station

    old = free_port()
    node = NodeProcess(tmp_path / "node", extra=("--upload-port", str(old))).start()
    try:
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", old)) != 0
        st = pair_station(node, tmp_path / "st")
        pkg = make_package(st, tmp_path, size=300_000)
        assert st.client().upload(pkg.path, pkg.package_id) == "verified"
    finally:
        node.stop()
