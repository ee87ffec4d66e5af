"""The standalone school CLI (``python -m coordinator.school.cli``): Russian output,
exact messages for bad input, ``--json``, no tracebacks; and ``register`` mounts the
groups into another parser."""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
import subprocess
import sys

import pytest

from coordinator.school import cli
from tests.conftest import REPO_ROOT
from tests.coordinator.school.conftest import CLASS_LIST_CSV, PASSPHRASE
from vpr_common.argparse_ru import RuArgumentParser


def run(args, tmp_path, env_extra=None):
    env = dict(os.environ, VPR_LOG_DIR=str(tmp_path / "logs"), **(env_extra or {}))
    env.pop("VPR_NODE_PASSPHRASE", None)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "coordinator.school.cli", *args, "--data", str(tmp_path / "node")],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_standalone_flow_and_messages(tmp_path):
    lst = tmp_path / "list.csv"
    lst.write_text(CLASS_LIST_CSV, encoding="utf-8")
    p = run(["classes", "import", str(lst)], tmp_path)
    assert p.returncode == 1
    assert p.stderr.strip() == ("Ошибка: Защищённое хранилище протокола ещё не создано. "
                                "Сначала задайте парольную фразу координатора: vpr-node protocol init.")
    pw = {"VPR_NODE_PASSPHRASE": PASSPHRASE}
    assert run(["protocol", "init"], tmp_path, pw).returncode == 0
    p = run(["classes", "import", str(lst)], tmp_path)
    assert p.returncode == 1 and p.stderr.strip() == (
        "Ошибка: Нужна парольная фраза координатора. Запустите команду в окне командной строки: программа спросит "
        "фразу.")
    p = run(["classes", "import", str(lst), "--json"], tmp_path, pw)
    assert json.loads(p.stdout) == {"ok": True, "imported": {"8А": 2, "8Б": 3}, "ignored_columns": [],
                                    "mark_columns": ["eng8", "Математика"], "skipped_sheets": [], "warnings": []}
    p = run(["codes", "generate"], tmp_path)
    assert p.stdout.strip() == "Выдано новых кодов: 5. Всего действующих: 5."
    p = run(["results", "export", str(tmp_path / "o.xlsx"), "--subject", "eng8"], tmp_path)
    assert p.returncode == 1 and p.stderr.strip() == ("Ошибка: Предмет «eng8» не найден. Список предметов: "
                                                       "vpr-node subjects list; загрузить: vpr-node subjects load ФАЙЛ.")
    assert run(["subjects", "load", "--demo"], tmp_path).returncode == 0
    p = run(["results", "export", str(tmp_path / "o.xlsx"), "--subject", "eng8"], tmp_path)
    assert p.stderr.strip() == ("Ошибка: По предмету «ВПР 2026 Английский язык 8 класс» нет результатов - пустую "
                                "форму не выгружаю. Бланк для заполнения: vpr-node results template ФАЙЛ --subject eng8.")
    assert not (tmp_path / "o.xlsx").exists()
    p = run(["results", "enter", "--subject", "eng8", "--code", "12", "--variant", "1", "--points", "1:2,2:3"],
            tmp_path)
    assert p.stderr.strip() == "Ошибка: «1:2»: баллы задаются так: 1=2,2=X,9.1=1."
    p = run(["classes", "counts", "8В"], tmp_path)
    assert p.stderr.strip() == "Ошибка: «8В»: укажите класс и численность так: 8А=25."
    p = run(["schedule", "show", "--now", "вчера"], tmp_path)
    assert p.stderr.strip() == "Ошибка: «вчера» - не дата и время. Пример: --now 2026-04-15T18:00+05:00"
    p = run(["codes", "frobnicate"], tmp_path)
    assert p.returncode == 2 and p.stderr.startswith("Ошибка: Неверные параметры команды «vpr-node codes»")
    p = run(["results", "export", str(tmp_path / "o.xlsx"), "--subject", "eng8", "--class", "9Я"], tmp_path)
    assert p.stderr.strip() == "Ошибка: Класс «9Я» не найден. Список классов: vpr-node classes list."
    assert "Traceback" not in p.stderr + p.stdout


def test_in_process_commands(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("VPR_NODE_PASSPHRASE", PASSPHRASE)
    d = ["--data", str(tmp_path / "node")]
    assert cli.main(["protocol", "init", *d]) == 0
    assert cli.main(["classes", "counts", "8А=2", "8Б=1", *d]) == 0
    assert cli.main(["codes", "generate", *d]) == 0
    assert cli.main(["subjects", "load", "--demo", *d]) == 0
    assert cli.main(["school", "set", "--tz", "Asia/Yekaterinburg", "--name", "Школа", *d]) == 0
    assert cli.main(["schedule", "set", "--subject", "eng8", "--date", "2026-04-15", *d]) == 0
    capsys.readouterr()
    assert cli.main(["schedule", "show", "--now", "2026-04-15T18:00:00+00:00", *d]) == 0
    out = capsys.readouterr().out
    assert "загрузка до 15.04.2026 23:00 МСК (у вас 16.04.2026 01:00, время Екатеринбурга)" in out
    assert ("ВПР 2026 Английский язык 8 класс: не загружено; до конца загрузки 2 ч 00 мин (до 15.04.2026 23:00 МСК "
            "(у вас 16.04.2026 01:00, время Екатеринбурга)).") in out
    assert ("!!! ВПР 2026 Английский язык 8 класс: загрузите результаты до 15.04.2026 23:00 МСК (у вас 16.04.2026 "
            "01:00, время Екатеринбурга) - осталось 2 ч 00 мин.") in out
    assert cli.main(["codes", "list", "--json", *d]) == 0
    items = json.loads(capsys.readouterr().out)["codes"]
    assert [i["class"] for i in items] == ["8А", "8А", "8Б"]
    code = items[0]["code"]
    # dates around today, so the gates judge the same whenever the test runs
    yesterday, next_week = (date.today() - timedelta(days=1)).isoformat(), date.today() + timedelta(days=7)
    assert cli.main(["schedule", "set", "--subject", "eng8", "--date", yesterday, "--reserve",
                     next_week.strftime("%d.%m.%Y"), *d]) == 0
    assert cli.main(["results", "enter", "--subject", "eng8", "--code", code, "--variant", "1",
                     "--points", "1=2,2=X,3=5,4=6,5=6,6=6", *d]) == 3  # yesterday's deadline needs --confirm
    assert capsys.readouterr().err.startswith("Ошибка: Нужно подтверждение:\n- Срок загрузки результатов истёк")
    assert cli.main(["results", "enter", "--subject", "eng8", "--code", code, "--variant", "1",
                     "--points", "1=2,2=X,3=5,4=6,5=6,6=6", "--confirm", *d]) == 0
    assert capsys.readouterr().out.startswith(f"Код {code}: первичный балл 25, отметка 4.\nВнимание: Срок загрузки")
    assert cli.main(["results", "absent", "--subject", "eng8", "--code", items[1]["code"], "--reason", "болезнь",
                     "--reserve-day", "2020-04-22", *d]) == 1  # not a reserve day of the schedule
    assert cli.main(["results", "absent", "--subject", "eng8", "--code", items[1]["code"], "--reason", "болезнь",
                     "--reserve-day", next_week.isoformat(), *d]) == 0
    capsys.readouterr()
    assert cli.main(["results", "list", "--subject", "eng8", *d]) == 0
    out = capsys.readouterr().out
    assert f"{code}   8А  в.1  2 X 5 6 6 6  = 25, отметка 4" in out
    assert f"отсутствовал: болезнь, резервный день {next_week.strftime('%d.%m.%Y')}" in out
    capsys.readouterr()
    assert cli.main(["codes", "revoke", code, "--reason", "потерян", *d]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Код {code} отозван. Взамен выдан код ") and "перенесены на новый код: eng8." in out
    assert cli.main(["codes", "revoke", code, "--reason", "потерян", *d]) == 1
    assert capsys.readouterr().err.strip() == f"Ошибка: Код {code} уже отозван."
    assert cli.main(["subjects", "template", str(tmp_path / "s.json"), *d]) == 0
    capsys.readouterr()
    assert cli.main(["subjects", "load", str(tmp_path / "s.json"), "--json", *d]) == 0
    assert json.loads(capsys.readouterr().out) == {"ok": True, "loaded": ["rus7"]}


def test_register_mounts_groups_into_another_parser():
    parser = RuArgumentParser(prog="vpr-node")
    sub = parser.add_subparsers(dest="cmd")
    sub.add_parser("serve")
    cli.register(sub)
    args = parser.parse_args(["codes", "pdf", "out.pdf", "--class", "8А", "--data", "/x"])
    assert args.func.__name__ == "codes_pdf" and args.class_name == "8А" and args.data == "/x"
    for group in ("classes", "codes", "protocol", "subjects", "results", "schedule", "upload", "school"):
        assert group in sub.choices
    with pytest.raises(Exception) as e:
        parser.parse_args(["results", "export", "o.xlsx"])
    assert "--subject" in e.value.message_ru
    # a --data given to the node's parser before the group survives the leaf
    parser.add_argument("--data")
    assert parser.parse_args(["--data", "/node", "codes", "generate"]).data == "/node"
    assert parser.parse_args(["codes", "generate", "--data", "/leaf"]).data == "/leaf"


def test_passphrase_change_via_cli(tmp_path, capsys, monkeypatch):
    d = ["--data", str(tmp_path / "node")]
    monkeypatch.setenv("VPR_NODE_PASSPHRASE", PASSPHRASE)
    assert cli.main(["protocol", "init", *d]) == 0
    monkeypatch.setenv("VPR_NODE_NEW_PASSPHRASE", "совсем другая фраза")
    assert cli.main(["protocol", "passwd", *d]) == 0
    capsys.readouterr()
    assert cli.main(["protocol", "show", *d]) == 5
    assert capsys.readouterr().err.strip() == ("Ошибка: Неверная парольная фраза координатора. "
                                               "Проверьте раскладку клавиатуры и Caps Lock и повторите ввод.")
    monkeypatch.setenv("VPR_NODE_PASSPHRASE", "совсем другая фраза")
    assert cli.main(["protocol", "show", *d]) == 0
    assert capsys.readouterr().out.strip() == "Протокол пуст."


@pytest.mark.parametrize("argv, message", [
    (["subjects", "load"], "Ошибка: Укажите файл предметов или --demo."),
    (["subjects", "load", "нет-такого.json"], "Ошибка: Не удалось прочитать файл предметов нет-такого.json. "
                                              "Проверьте путь к файлу и права доступа."),
    (["codes", "pdf", "x.pdf"], "Ошибка: Нет выданных кодов участников. "
                                "Загрузите классы и выдайте коды: vpr-node codes generate."),
    (["protocol", "pdf", "x.pdf", "--subject", "eng8"], "Ошибка: Нет выданных кодов участников для протокола. "
                                                        "Выдайте коды: vpr-node codes generate."),
    (["schedule", "set", "--subject", "geo9", "--date", "2026-04-15"],
     "Ошибка: Предмет «geo9» не найден. Список предметов: vpr-node subjects list; "
     "загрузить: vpr-node subjects load ФАЙЛ."),
    (["upload", "send", "--subject", "eng8"], "Ошибка: Адрес сервиса сбора результатов не настроен. "
                                              "Задайте его: vpr-node upload config --url АДРЕС --user ЛОГИН."),
    (["upload", "config", "--url", "https://x.example/u", "--user", "u"],
     "Ошибка: Не задан пароль сервиса сбора. Запустите команду в окне командной строки: программа спросит пароль."),
    (["results", "absent", "--subject", "eng8", "--code", "12345", "--reason", "болезнь"],
     "Ошибка: Результаты не приняты, ошибок: 1.\ncode: код 12345 не выдавался в этой школе. "
     "Исправьте данные и повторите."),
    (["school", "set", "--tz", "UTC+5"], "Ошибка: Неизвестный часовой пояс «UTC+5». Укажите город (например: "
                                         "Екатеринбург, Новосибирск, Калининград) или разницу с Москвой "
                                         "(например: МСК+2)."),
])
def test_more_bad_inputs(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VPR_NODE_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("VPR_UPLOAD_PASSWORD", raising=False)
    d = ["--data", str(tmp_path / "node")]
    assert cli.main(["protocol", "init", *d]) == 0
    assert cli.main(["subjects", "load", "--demo", *d]) == 0
    capsys.readouterr()
    assert cli.main([*argv, *d]) != 0
    assert capsys.readouterr().err.strip() == message
