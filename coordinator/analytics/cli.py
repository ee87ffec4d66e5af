"""``vpr-node analytics report ФАЙЛ.pdf|ФАЙЛ.xlsx --subject ПРЕДМЕТ [--class КЛАСС]
[--names] [--journal]``: the same report as the console's «Аналитика»; ``--names`` (the
protocol's passphrase is asked) adds the pupils' names for the parents' meeting;
``--journal`` (the passphrase too) only the comparison with the journal marks, which are
encrypted with the protocol."""

from __future__ import annotations

import getpass
from pathlib import Path

from coordinator.analytics import export, report
from coordinator.school import vault
from coordinator.school.store import SchoolStore
from coordinator.scoring.store import ScoringStore


def cmd_report(args) -> int:
    d = args.data_dir_of(args)
    with SchoolStore(d) as school:
        key = vault.unlock(school, getpass.getpass("Парольная фраза протокола: ")) \
            if args.names or args.journal else None
        classes = [c.strip() for c in (args.class_name or "").split(",") if c.strip()] or None
        rep = report.build(school, args.subject, classes, ScoringStore(d), key, names=args.names)
    path = export.write(rep, args.file)
    print(f"Отчёт сохранён: {path} ({rep.title}, {rep.selection}, выполняли {rep.marks.n})"
          + (" - с фамилиями учеников: храните его в школе." if rep.names else ".")
          + (" Сравнения с журналом нет: отметки зашифрованы - добавьте --journal." if rep.journal_locked else ""))
    return 0


def register(subparsers, add_common, data_dir_of) -> None:
    g = subparsers.add_parser("analytics", help="аналитика результатов: отчёт PDF или xlsx",
                              description="Аналитика результатов предмета")
    sub = g.add_subparsers(dest="analytics_cmd", metavar="ДЕЙСТВИЕ")
    sub.required = True
    p = sub.add_parser("report", help="отчёт по предмету (школа, класс или несколько классов)",
                       description="Отчёт: отметки, качество, баллы и границы, задания, журнал, эксперты")
    add_common(p, json=False)
    p.add_argument("file", type=Path, metavar="ФАЙЛ", help="имя файла .pdf или .xlsx")
    p.add_argument("--subject", required=True, metavar="ПРЕДМЕТ", help="например eng8")
    p.add_argument("--class", dest="class_name", metavar="КЛАСС", help="класс или классы через запятую: 8А,8Б")
    p.add_argument("--names", action="store_true", help="с фамилиями учеников (нужна парольная фраза протокола)")
    p.add_argument("--journal", action="store_true", help="со сравнением с отметками по журналу, без фамилий (нужна "
                   "парольная фраза протокола: отметки зашифрованы)")
    p.set_defaults(handler=cmd_report, data_dir_of=data_dir_of)
