"""Console commands of the school side: ``classes``, ``codes``, ``protocol``,
``subjects``, ``results``, ``schedule``, ``upload`` and ``school``.

``register(subparsers)`` adds these groups to the node's ``vpr-node`` parser; this
module also runs standalone: ``python -m coordinator.school.cli codes generate``.
Every command takes ``--data DIR`` (default: the node data dir); commands that print
state take ``--json``. Handlers live in ``cli_handlers``.
"""

from __future__ import annotations

import argparse
from typing import Sequence

from coordinator.school import accommodations as acc
from coordinator.school import cli_handlers as h
from vpr_common.argparse_ru import RuArgumentParser
from vpr_common.cli import run_cli


def _leaf(group, name: str, func, help_ru: str, *, json_out: bool = True) -> argparse.ArgumentParser:
    p = group.add_parser(name, help=help_ru, description=help_ru)
    # SUPPRESS: when the node's own parser already has --data/--json, a leaf default must
    # not overwrite the value given before the group name.
    p.add_argument("--data", metavar="КАТАЛОГ", default=argparse.SUPPRESS,
                   help="каталог данных узла (по умолчанию - стандартный)")
    if json_out:
        p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="вывод в формате JSON")
    p.set_defaults(func=func)
    return p


def _group(subparsers, name: str, help_ru: str):
    g = subparsers.add_parser(name, help=help_ru, description=help_ru)
    sub = g.add_subparsers(dest=f"{name}_cmd", metavar="ДЕЙСТВИЕ")
    sub.required = True
    return sub


def register(subparsers) -> None:
    """Add the school command groups to ``subparsers`` (from ``add_subparsers``)."""
    g = _group(subparsers, "school", "сведения об ОО: название, код, муниципалитет, часовой пояс")
    p = _leaf(g, "set", h.school_set, "задать сведения об ОО")
    p.add_argument("--name")
    p.add_argument("--code", help="код ОО в ФИС ОКО")
    p.add_argument("--municipality")
    p.add_argument("--tz", help="часовой пояс IANA, например Asia/Yekaterinburg")
    _leaf(g, "show", h.school_show, "показать сведения об ОО")

    g = _group(subparsers, "protocol", "протокол «код - ФИО» (зашифрован паролем координатора)")
    _leaf(g, "init", h.protocol_init, "задать парольную фразу координатора")
    _leaf(g, "passwd", h.protocol_passwd, "сменить парольную фразу (всё перешифровывается)")
    p = _leaf(g, "show", h.protocol_show, "показать протокол (нужна парольная фраза)")
    p.add_argument("--class", dest="class_name")
    p = _leaf(g, "pdf", h.protocol_pdf, "бумажный протокол в PDF", json_out=False)
    p.add_argument("out")
    p.add_argument("--subject", required=True)
    p.add_argument("--class", dest="class_name")
    p.add_argument("--with-names", action="store_true", help="вписать ФИО (нужна парольная фраза)")

    g = _group(subparsers, "classes", "классы и участники")
    p = _leaf(g, "import", h.classes_import, "загрузить список класса (xlsx/csv: Класс, ФИО, отметки)")
    p.add_argument("file")
    p = _leaf(g, "counts", h.classes_counts, "только численность: 8А=25 8Б=24 (ФИО остаются на бумаге)")
    p.add_argument("counts", nargs="+")
    _leaf(g, "list", h.classes_list, "список классов")

    g = _group(subparsers, "codes", "коды участников")
    _leaf(g, "generate", h.codes_generate, "выдать коды всем участникам без кода")
    p = _leaf(g, "list", h.codes_list, "список действующих кодов")
    p.add_argument("--class", dest="class_name")
    p = _leaf(g, "revoke", h.codes_revoke, "отозвать код (он больше никогда не будет выдан)")
    p.add_argument("code")
    p.add_argument("--reason", required=True)
    p = _leaf(g, "pdf", h.codes_pdf, "лист кодов для печати и разрезания (A4, PDF)", json_out=False)
    p.add_argument("out")
    p.add_argument("--class", dest="class_name")
    p = _leaf(g, "accommodate", acc.cmd_accommodate,
              "особые условия для участника с ОВЗ: дополнительное время и/или крупный шрифт")
    p.add_argument("code", metavar="КОД")
    p.add_argument("--extra-time", metavar="ВРЕМЯ",
                   help="множитель для каждого этапа (1.5) или минуты на всю работу со знаком плюс (+15)")
    p.add_argument("--large-print", action="store_true", help="крупный шрифт на экранах заданий")
    p.add_argument("--clear", action="store_true", help="снять особые условия с кода")
    _leaf(g, "accommodations", acc.cmd_list, "коды с особыми условиями")

    g = _group(subparsers, "subjects", "предметы и критерии оценивания")
    p = _leaf(g, "load", h.subjects_load, "загрузить файл предметов (JSON)")
    p.add_argument("file", nargs="?")
    p.add_argument("--demo", action="store_true", help="загрузить демонстрационные предметы")
    _leaf(g, "list", h.subjects_list, "список предметов")
    p = _leaf(g, "template", h.subjects_template, "сохранить шаблон файла предметов", json_out=False)
    p.add_argument("out")

    g = _group(subparsers, "results", "результаты: ввод, импорт, экспорт формы")
    p = _leaf(g, "template", h.results_template, "пустая форма с кодами для заполнения (xlsx)", json_out=False)
    p.add_argument("out")
    p.add_argument("--subject", required=True)
    p.add_argument("--class", dest="class_name")
    p = _leaf(g, "import", h.results_import, "загрузить заполненную форму (xlsx/csv)")
    p.add_argument("file")
    p.add_argument("--subject", required=True)
    p = _leaf(g, "enter", h.results_enter, "ввести баллы одного участника")
    p.add_argument("--subject", required=True)
    p.add_argument("--code", required=True)
    p.add_argument("--variant", required=True)
    p.add_argument("--points", required=True, help="например 1=2,2=X,9.1=1")
    p = _leaf(g, "absent", h.results_absent, "отметить отсутствие участника")
    p.add_argument("--subject", required=True)
    p.add_argument("--code", required=True)
    p.add_argument("--reason", required=True)
    p.add_argument("--reserve-day")
    p = _leaf(g, "list", h.results_list, "результаты по предмету")
    p.add_argument("--subject", required=True)
    p.add_argument("--class", dest="class_name")
    p = _leaf(g, "export", h.results_export, "форма результатов (xlsx + csv), только коды", json_out=False)
    p.add_argument("out")
    p.add_argument("--subject", required=True)
    p.add_argument("--class", dest="class_name")

    g = _group(subparsers, "schedule", "расписание и сроки (МСК и местное время)")
    p = _leaf(g, "set", h.schedule_set, "задать даты предмета")
    p.add_argument("--subject", required=True)
    p.add_argument("--date", required=True, help="дата проведения ГГГГ-ММ-ДД")
    p.add_argument("--upload-date", help="дата загрузки результатов (по умолчанию - дата проведения)")
    p.add_argument("--reserve", action="append", default=[], help="резервный день (можно несколько)")
    p = _leaf(g, "show", h.schedule_show, "расписание и предупреждения о сроках")
    p.add_argument("--now", help="текущий момент ISO 8601 (для проверки)")

    g = _group(subparsers, "upload", "выгрузка формы результатов")
    p = _leaf(g, "prepare", h.upload_prepare, "файл и чек-лист для ручной загрузки в ФИС ОКО")
    p.add_argument("out_dir")
    p.add_argument("--subject", required=True)
    p = _leaf(g, "confirm", h.upload_confirm, "отметить, что форма загружена вручную")
    p.add_argument("--subject", required=True)
    p.add_argument("--file", help="загруженный файл (по умолчанию - подготовленный командой prepare)")
    p = _leaf(g, "config", h.upload_config, "адрес и логин сервиса сбора (пароль хранится зашифрованным)")
    p.add_argument("--url", required=True)
    p.add_argument("--user", required=True)
    p = _leaf(g, "send", h.upload_send, "отправить форму в сервис сбора")
    p.add_argument("--subject", required=True)
    p.add_argument("--attempts", type=int, default=4)
    _leaf(g, "receipts", h.upload_receipts, "квитанции об отправке")


def build_parser() -> RuArgumentParser:
    parser = RuArgumentParser(prog="vpr-node", description="ВПР: коды, протокол, результаты, загрузка формы")
    sub = parser.add_subparsers(dest="group", metavar="ГРУППА")
    sub.required = True
    register(sub)
    return parser


def _main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    return int(args.func(args) or 0)


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("coordinator", _main, argv)


if __name__ == "__main__":
    raise SystemExit(main())
