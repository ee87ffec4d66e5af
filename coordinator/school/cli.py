"""Console commands of the school side: ``classes``, ``codes``, ``protocol``,
``subjects``, ``results``, ``schedule``, ``upload`` and ``school``.

``register(subparsers)`` adds these groups to the node's ``vpr-node`` parser; this
module also runs standalone: ``python -m coordinator.school.cli codes generate``.
Every command takes ``--data DIR`` (default: the node data dir); commands that print
state take ``--json``. Handlers live in ``cli_handlers`` and ``cli_handlers_care`` (rooms,
retention, backup).
"""

from __future__ import annotations

import argparse
from typing import Sequence

from coordinator.school import accommodations as acc
from coordinator.school import cli_handlers as h
from coordinator.school import cli_handlers_care as hc
from vpr_common.argparse_ru import RuArgumentParser
from vpr_common.cli import run_cli


def _leaf(group, name: str, func, help_ru: str, *, json_out: bool = True) -> argparse.ArgumentParser:
    p = group.add_parser(name, help=help_ru, description=help_ru)
    # SUPPRESS: when the node's own parser already has --data/--json, a leaf default must
    # not overwrite the value given before the group name.
    p.add_argument("--data", metavar="ПАПКА", default=argparse.SUPPRESS,
                   help="папка с данными программы (по умолчанию - стандартная)")
    if json_out:
        p.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                       help="ответ в машиночитаемом виде (для других программ)")
    p.set_defaults(func=func)
    return p


def _subject(p) -> None:
    p.add_argument("--subject", required=True, metavar="ПРЕДМЕТ", help="код предмета, например eng8 "
                   "(список: vpr-node subjects list)")


def _confirm(p) -> None:
    p.add_argument("--confirm", action="store_true",
                   help="подтвердить ввод, о котором программа предупредила (до публикации критериев, после срока)")
    p.add_argument("--now", help=argparse.SUPPRESS)  # a fixed "now" for checks and tests


def _verbose(p) -> None:
    p.add_argument("--verbose", "--подробно", dest="verbose", action="store_true",
                   help="показать подробности (контрольную сумму файла)")


def _without_journal(p) -> None:
    p.add_argument("--without-journal", "--без-журнала", dest="without_journal", action="store_true",
                   help="без отметок по журналу (они зашифрованы; без этого параметра программа спросит парольную "
                        "фразу)")


def _class(p) -> None:
    p.add_argument("--class", dest="class_name", metavar="КЛАСС", help="только этот класс, например 8А")


def _group(subparsers, name: str, help_ru: str):
    g = subparsers.add_parser(name, help=help_ru, description=help_ru)
    sub = g.add_subparsers(dest=f"{name}_cmd", metavar="ДЕЙСТВИЕ")
    sub.required = True
    return sub


def register(subparsers) -> None:
    """Add the school command groups to ``subparsers`` (from ``add_subparsers``)."""
    g = _group(subparsers, "school", "сведения об ОО: название, код, муниципалитет, часовой пояс")
    p = _leaf(g, "set", h.school_set, "задать сведения об ОО")
    p.add_argument("--name", metavar="НАЗВАНИЕ", help="название ОО, как в ФИС ОКО")
    p.add_argument("--code", metavar="КОД", help="код (логин) ОО в ФИС ОКО, например edu390001")
    p.add_argument("--municipality", metavar="МУНИЦИПАЛИТЕТ", help="муниципалитет, например Черняховск")
    p.add_argument("--tz", metavar="ПОЯС", help="часовой пояс школы: город (Екатеринбург) или разница с Москвой "
                   "(МСК+2)")
    _leaf(g, "show", h.school_show, "показать сведения об ОО")

    g = _group(subparsers, "protocol", "протокол «код - ФИО» (зашифрован паролем координатора)")
    _leaf(g, "init", h.protocol_init, "задать парольную фразу координатора")
    _leaf(g, "passwd", h.protocol_passwd, "сменить парольную фразу (всё перешифровывается)")
    p = _leaf(g, "show", h.protocol_show, "показать протокол (нужна парольная фраза)")
    _class(p)
    p = _leaf(g, "pdf", h.protocol_pdf, "бумажный протокол в PDF", json_out=False)
    p.add_argument("out", metavar="ФАЙЛ", help="куда сохранить PDF")
    _subject(p)
    _class(p)
    p.add_argument("--reserve-day", metavar="ДАТА", help="протокол резервного дня: только его участники (коды те же)")
    p.add_argument("--with-names", action="store_true", help="вписать ФИО (нужна парольная фраза)")

    g = _group(subparsers, "classes", "классы и участники")
    p = _leaf(g, "import", h.classes_import, "загрузить список классов из выгрузки электронного журнала "
              "(xlsx или csv: ФИО или Фамилия/Имя/Отчество, класс в столбце, в названии листа или над таблицей)")
    p.add_argument("file", metavar="ФАЙЛ", help="выгрузка из электронного журнала")
    p.add_argument("--allow-duplicates", action="store_true",
                   help="принять список, где в одном классе два ученика с одинаковыми ФИО")
    p = _leaf(g, "counts", h.classes_counts, "только численность: 8А=25 8Б=24 (ФИО остаются на бумаге)")
    p.add_argument("counts", nargs="+", metavar="КЛАСС=ЧИСЛО", help="например 8А=25")
    _leaf(g, "list", h.classes_list, "список классов")

    g = _group(subparsers, "codes", "коды участников")
    _leaf(g, "generate", h.codes_generate, "выдать коды всем участникам без кода")
    p = _leaf(g, "list", h.codes_list, "список действующих кодов")
    _class(p)
    p = _leaf(g, "revoke", h.codes_revoke, "отозвать код и сразу выдать участнику новый (старый код больше "
              "никогда не выдаётся; результаты переходят на новый код)")
    p.add_argument("code", metavar="КОД", help="код, который нужно отозвать")
    p.add_argument("--reason", required=True, metavar="ПРИЧИНА", help="например: листок потерян")
    p.add_argument("--no-replace", action="store_true",
                   help="не выдавать новый код сейчас (его выдаст vpr-node codes generate)")
    p = _leaf(g, "pdf", h.codes_pdf, "лист кодов для печати и разрезания (A4, PDF)", json_out=False)
    p.add_argument("out", metavar="ФАЙЛ", help="куда сохранить PDF")
    _class(p)
    p.add_argument("--code", action="append", default=[], metavar="КОД",
                   help="только этот код (можно несколько раз), например новый код взамен отозванного")
    p = _leaf(g, "accommodate", acc.cmd_accommodate,
              "особые условия для участника с ОВЗ: дополнительное время и/или крупный шрифт")
    p.add_argument("code", metavar="КОД", help="код участника, например 51234")
    p.add_argument("--extra-time", metavar="ВРЕМЯ",
                   help="множитель для каждого этапа (1.5) или минуты на всю работу со знаком плюс (+15)")
    p.add_argument("--large-print", action="store_true", help="крупный шрифт на экранах заданий")
    p.add_argument("--clear", action="store_true", help="снять особые условия с кода")
    _leaf(g, "accommodations", acc.cmd_list, "коды с особыми условиями")

    g = _group(subparsers, "subjects", "предметы и критерии оценивания")
    p = _leaf(g, "load", h.subjects_load, "загрузить файл предметов и критериев")
    p.add_argument("file", nargs="?", metavar="ФАЙЛ", help="файл предметов (его шаблон: vpr-node subjects template)")
    p.add_argument("--demo", action="store_true", help="загрузить демонстрационные предметы")
    _leaf(g, "list", h.subjects_list, "список предметов")
    p = _leaf(g, "template", h.subjects_template, "сохранить шаблон файла предметов", json_out=False)
    p.add_argument("out", metavar="ФАЙЛ", help="куда сохранить шаблон")

    g = _group(subparsers, "results", "результаты: ввод, импорт, отсутствующие, выгрузка")
    p = _leaf(g, "template", h.results_template, "пустая форма с кодами для заполнения (xlsx)", json_out=False)
    p.add_argument("out", metavar="ФАЙЛ", help="куда сохранить форму")
    _subject(p)
    _class(p)
    p.add_argument("--reserve-day", metavar="ДАТА", help="только участники резервного дня (их коды те же)")
    _without_journal(p)
    p = _leaf(g, "import", h.results_import, "загрузить заполненную форму (xlsx или csv); строки со словом "
              "«отсутствовал» в столбце «Вариант» отмечают отсутствующих")
    p.add_argument("file", metavar="ФАЙЛ", help="заполненная форма")
    _subject(p)
    _confirm(p)
    p = _leaf(g, "enter", h.results_enter, "ввести баллы одного участника")
    _subject(p)
    p.add_argument("--code", required=True, metavar="КОД", help="код участника")
    p.add_argument("--variant", required=True, metavar="ВАРИАНТ", help="номер варианта")
    p.add_argument("--points", required=True, metavar="БАЛЛЫ", help="например 1=2,2=X,9.1=1 (X - не выполнял)")
    _confirm(p)
    p = _leaf(g, "absent", h.results_absent, "отметить отсутствующих (одного или сразу нескольких)")
    _subject(p)
    p.add_argument("--code", required=True, action="append", metavar="КОД",
                   help="код участника; несколько: --code 12345 --code 23456 или --code 12345,23456")
    p.add_argument("--reason", required=True, metavar="ПРИЧИНА", help="например: болезнь")
    p.add_argument("--reserve-day", metavar="ДАТА", help="резервный день из расписания, например 22.04.2026")
    _confirm(p)
    p = _leaf(g, "list", h.results_list, "результаты по предмету")
    _subject(p)
    _class(p)
    p = _leaf(g, "export", h.results_export, "индивидуальные результаты в формате ФИС ОКО (xlsx + csv), только "
              "коды", json_out=False)
    p.add_argument("out", metavar="ФАЙЛ", help="куда сохранить (рядом появится такой же .csv)")
    _subject(p)
    _class(p)
    _without_journal(p)

    g = _group(subparsers, "schedule", "расписание и сроки (время местное и московское)")
    p = _leaf(g, "set", h.schedule_set, "задать даты предмета по плану-графику")
    _subject(p)
    p.add_argument("--date", required=True, metavar="ДАТА", help="дата проведения, например 15.04.2026")
    p.add_argument("--upload-date", metavar="ДАТА", help="последний день загрузки результатов (по умолчанию - "
                   "день проведения; загрузить до 23:00 МСК)")
    p.add_argument("--reserve", action="append", default=[], metavar="ДАТА",
                   help="резервный день (можно несколько раз)")
    p = _leaf(g, "show", h.schedule_show, "расписание, сколько осталось до конца загрузки, предупреждения")
    p.add_argument("--now", help=argparse.SUPPRESS)

    g = _group(subparsers, "upload", "загрузка формы результатов в ФИС ОКО")
    p = _leaf(g, "prepare", h.upload_prepare, "файл формы и чек-лист для загрузки в ФИС ОКО")
    p.add_argument("out_dir", metavar="ПАПКА", help="куда положить файл формы и чек-лист")
    _subject(p)
    _verbose(p)
    _without_journal(p)
    p = _leaf(g, "confirm", h.upload_confirm, "отметить, что форма загружена в ФИС ОКО")
    _subject(p)
    p.add_argument("--file", metavar="ФАЙЛ", help="загруженный файл (по умолчанию - подготовленный командой prepare)")
    _verbose(p)
    _leaf(g, "status", h.upload_status, "что загружено, что изменено после загрузки")
    p = _leaf(g, "config", h.upload_config, "адрес и логин сервиса сбора муниципалитета или региона "
              "(пароль хранится зашифрованным)")
    p.add_argument("--url", required=True, metavar="АДРЕС", help="адрес сервиса (даёт муниципальный координатор)")
    p.add_argument("--user", required=True, metavar="ЛОГИН", help="логин в сервисе сбора")
    p = _leaf(g, "send", h.upload_send, "отправить форму в сервис сбора")
    _subject(p)
    p.add_argument("--attempts", type=int, default=4, metavar="ЧИСЛО", help="сколько раз пробовать (по умолчанию 4)")
    _leaf(g, "receipts", h.upload_receipts, "квитанции об отправке")
    _register_rooms(subparsers)
    _register_retention(subparsers)


def _register_rooms(subparsers) -> None:
    g = _group(subparsers, "rooms", "аудитории: места, станции, классы, организаторы и наблюдатели, лист аудитории")
    p = _leaf(g, "add", hc.rooms_add, "добавить аудиторию или изменить её места и станции")
    p.add_argument("name", metavar="НАЗВАНИЕ", help="например 12 или «Кабинет информатики»")
    p.add_argument("--seats", type=int, required=True, metavar="ЧИСЛО", help="сколько мест для участников")
    p.add_argument("--stations", action="append", default=[], metavar="СТАНЦИИ",
                   help="для устной части: компьютеры со станциями, например ПК-1,ПК-2,ПК-3")
    p.add_argument("--note", metavar="ТЕКСТ", help="примечание (этаж, корпус)")
    _leaf(g, "list", hc.rooms_list, "аудитории и размещённые в них классы")
    p = _leaf(g, "remove", hc.rooms_remove, "удалить аудиторию")
    p.add_argument("name", metavar="НАЗВАНИЕ", help="название аудитории")
    p = _leaf(g, "place", hc.rooms_place, "разместить класс в аудитории на предмет")
    _subject(p)
    p.add_argument("--class", dest="class_name", required=True, metavar="КЛАСС", help="например 8А")
    p.add_argument("--room", required=True, metavar="АУДИТОРИЯ", help="название аудитории")
    p = _leaf(g, "staff", hc.rooms_staff, "назначить взрослых в аудиторию на день")
    p.add_argument("room", metavar="АУДИТОРИЯ", help="название аудитории")
    p.add_argument("--day", required=True, metavar="ДАТА", help="день, например 15.04.2026")
    p.add_argument("--organizer", action="append", default=[], metavar="ФИО", help="организатор в аудитории")
    p.add_argument("--observer", action="append", default=[], metavar="ФИО", help="общественный наблюдатель")
    p.add_argument("--technician", action="append", default=[], metavar="ФИО", help="технический специалист")
    p.add_argument("--remove", action="append", default=[], metavar="ФИО", help="снять человека с этого дня")
    p = _leaf(g, "sheet", hc.rooms_sheet, "лист аудитории для организатора (PDF)", json_out=False)
    p.add_argument("out", metavar="ФАЙЛ", help="куда сохранить PDF")
    p.add_argument("--room", required=True, metavar="АУДИТОРИЯ", help="название аудитории")
    _subject(p)
    p.add_argument("--day", metavar="ДАТА", help="день (по умолчанию - день проведения; резервный день - только его "
                   "участники)")
    p.add_argument("--with-names", action="store_true", help="вписать ФИО участников (нужна парольная фраза)")


def _register_retention(subparsers) -> None:
    g = _group(subparsers, "retention", "срок хранения результатов и протоколов, их удаление с актом")
    p = _leaf(g, "set", hc.retention_set, "задать срок хранения (по приказу ОО)")
    p.add_argument("--months", type=int, required=True, metavar="МЕСЯЦЕВ", help="сколько месяцев после дня "
                   "проведения хранить результаты и протокол")
    _leaf(g, "show", hc.retention_show, "что и до какого дня хранится, акты удаления")
    p = _leaf(g, "delete", hc.retention_delete, "удалить результаты (и протокол), срок хранения которых истёк, "
              "и напечатать акт")
    p.add_argument("--by", metavar="ФИО", help="кто подтверждает удаление (для акта)")
    p.add_argument("--act", metavar="ФАЙЛ", help="куда сохранить акт удаления (PDF)")
    _confirm(p)


def register_backup(subparsers) -> None:
    """``backup`` and ``restore`` as top-level commands of ``vpr-node``."""
    p = _leaf(subparsers, "backup", hc.backup_make, "зашифрованная резервная копия данных школы (коды, протокол, "
              "результаты, расписание, аудитории)")
    p.add_argument("file", metavar="ФАЙЛ", help="куда сохранить копию (лучше на отдельный носитель)")
    p = _leaf(subparsers, "restore", hc.backup_restore, "восстановить данные школы из резервной копии")
    p.add_argument("file", metavar="ФАЙЛ", help="файл копии (.vprbak)")
    p.add_argument("--replace", action="store_true", help="заменить имеющиеся данные (они будут сохранены в копию)")


def build_parser() -> RuArgumentParser:
    parser = RuArgumentParser(prog="vpr-node", description="ВПР: коды, протокол, результаты, загрузка формы")
    sub = parser.add_subparsers(dest="group", metavar="ГРУППА")
    sub.required = True
    register(sub)
    register_backup(sub)
    return parser


def _main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    return int(args.func(args) or 0)


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("coordinator", _main, argv)


if __name__ == "__main__":
    raise SystemExit(main())
