"""``vpr-node scoring``: link a school subject to its exam content, load an exam package
and its answer key for scoring, prepare delivered answers, settings, status and the
report. The experts themselves work in the console (``/experts``)."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from coordinator.node.storage import NodeStore
from coordinator.school.store import SchoolStore
from coordinator.scoring import content, flow, report, responses, settings, work
from coordinator.scoring.store import ScoringStore
from vpr_common.cli import print_json
from vpr_common.errors import UsageError


def _stores(args) -> tuple[ScoringStore, NodeStore, SchoolStore]:
    d = args.data_dir_of(args)
    return ScoringStore(d), NodeStore(d), SchoolStore(d)


def _password(args) -> str:
    if args.password_file:
        try:
            text = sys.stdin.readline() if str(args.password_file) == "-" else \
                Path(args.password_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(str(exc), message_ru=f"Не удалось прочитать файл пароля {args.password_file}.",
                             remedy_ru="Проверьте путь к файлу.") from exc
        return text.splitlines()[0].strip() if text.strip() else ""
    return getpass.getpass("Пароль к материалам: ").strip()


def cmd_link(args) -> int:
    scoring, _, _ = _stores(args)
    link = content.link(scoring, args.subject, args.content)
    print(f"Предмет {link.subject_id} оценивается по ответам станций с материалами «{link.content_subject}».")
    return 0


def cmd_load(args) -> int:
    scoring, node, _ = _stores(args)
    if args.from_node:
        from coordinator.node import content as node_content

        info = node_content.exam_package(node)
        password = node.get_meta("exam_password") or ""
        if not password:
            raise UsageError("no password on the node", message_ru="Пароль к материалам на узле не сохранён.",
                             remedy_ru="Укажите пакет и файл пароля: vpr-node scoring load ПАКЕТ.zip --password-file ФАЙЛ")
        loaded = content.load(scoring, info.path, password, args.answers)
    else:
        if args.package is None:
            raise UsageError("no package", message_ru="Укажите файл пакета или --from-node.")
        loaded = content.load(scoring, args.package, _password(args), args.answers)
    print(f"Материалы загружены для оценивания: {loaded.title}"
          + (" (с ключами ответов)." if loaded.has_key else ". Ключи ответов не загружены: автоматической "
                                                             "проверки ещё нет (--answers ПАКЕТ.answers.zip)."))
    return 0


def cmd_prepare(args) -> int:
    scoring, node, school = _stores(args)
    rep = responses.prepare(scoring, node, args.subject)
    rescored = responses.rescore_objective(scoring, node, args.subject)
    moved = flow.to_results(scoring, school, args.subject)
    if args.json:
        print_json({"ok": True, "packages": rep.packages, "responses": rep.responses, "objective": rep.objective_scored
                    + rescored, "skipped": rep.skipped, "results_stored": moved.stored})
        return 0
    print(f"Новых пакетов: {rep.packages}, ответов для экспертов: {rep.responses}, "
          f"проверено автоматически: {rep.objective_scored + rescored}; в форму результатов записано: {moved.stored}.")
    for reason in rep.skipped:
        print("  " + reason)
    return 0


def cmd_status(args) -> int:
    scoring, _, school = _stores(args)
    data = report.status(scoring, school, args.subject)
    if args.json:
        print_json(dict(data, ok=True))
        return 0
    print(f"{data['title']}: ответов для экспертов {data['responses']}, у ведущего эксперта {data['adjudication']}")
    for t in data["tasks"]:
        kappa = f", каппа {t['kappa']}" if t["kappa"] is not None else ""
        print(f"  задание {t['task']}: не оценено {t['to_score']}, ждут второй проверки {t['second_pending']}, "
              f"расхождений {t['discrepancies']}, итог {t['final']} из {t['responses']}{kappa}")
    for e in data["experts"]:
        print(f"  эксперт {e['login']}: оценено {e['scored']}")
    return 0


def cmd_export(args) -> int:
    scoring, _, school = _stores(args)
    path = report.export(scoring, school, args.subject, args.file)
    print(f"Отчёт сохранён: {path}")
    return 0


def cmd_settings(args) -> int:
    scoring, _, _ = _stores(args)
    changes = {}
    if args.double is not None:
        changes["double_share"] = args.double / 100
    if args.seed_every is not None:
        changes["seed_every"] = args.seed_every
    if args.final_rule:
        changes["within_tolerance"] = args.final_rule
    qc = settings.update(scoring, args.subject, **changes) if changes else settings.get(scoring, args.subject)
    if changes:
        work.settle(scoring, args.subject)
    if args.json:
        print_json({"ok": True, **qc.as_dict()})
    else:
        print(f"Двойная проверка: {round(qc.double_share * 100)} % ответов; контрольный ответ: каждый "
              f"{qc.seed_every}-й; итог при согласии экспертов: {qc.within_tolerance.value}; "
              f"закрепление ответа за экспертом: {qc.lease_s // 60} мин.")
    return 0


def register(subparsers, add_common, data_dir_of) -> None:
    g = subparsers.add_parser("scoring", help="оценивание устных ответов экспертами и автоматическая проверка",
                              description="Оценивание: связь предмета с материалами, ключи, подготовка ответов, отчёт")
    sub = g.add_subparsers(dest="scoring_cmd", metavar="ДЕЙСТВИЕ")
    sub.required = True

    def leaf(name, handler, help_ru, json=True):
        p = sub.add_parser(name, help=help_ru, description=help_ru)
        add_common(p, json=json)
        p.set_defaults(handler=handler, data_dir_of=data_dir_of)
        return p

    p = leaf("link", cmd_link, "связать предмет школы с материалами языка", json=False)
    p.add_argument("--subject", required=True, metavar="ПРЕДМЕТ", help="например eng8")
    p.add_argument("--content", required=True, metavar="ЯЗЫК", help="english, german или french")
    p = leaf("load", cmd_load, "загрузить экзаменационный пакет (и ключи ответов) для оценивания", json=False)
    p.add_argument("package", nargs="?", type=Path, metavar="ПАКЕТ.zip", help="экзаменационный пакет")
    p.add_argument("--answers", type=Path, metavar="КЛЮЧИ.answers.zip", help="ключи ответов этого пакета")
    p.add_argument("--password-file", metavar="ФАЙЛ", help="пароль в первой строке файла (- : со стандартного ввода)")
    p.add_argument("--from-node", action="store_true", help="взять пакет и пароль, загруженные на узел")
    p = leaf("prepare", cmd_prepare, "подготовить полученные ответы к оцениванию")
    p.add_argument("--subject", required=True, metavar="ПРЕДМЕТ", help="предмет школы, например eng8")
    p = leaf("status", cmd_status, "ход оценивания по заданиям и экспертам")
    p.add_argument("--subject", required=True, metavar="ПРЕДМЕТ", help="предмет школы, например eng8")
    p = leaf("export", cmd_export, "отчёт об оценивании в .xlsx или .csv", json=False)
    p.add_argument("file", type=Path, metavar="ФАЙЛ", help="имя файла .xlsx или .csv")
    p.add_argument("--subject", required=True, metavar="ПРЕДМЕТ", help="предмет школы, например eng8")
    p = leaf("settings", cmd_settings, "настройки контроля качества оценивания")
    p.add_argument("--subject", required=True, metavar="ПРЕДМЕТ", help="предмет школы, например eng8")
    p.add_argument("--double", type=float, metavar="ПРОЦЕНТ", help="доля ответов для второй проверки, 0-100")
    p.add_argument("--seed-every", type=int, metavar="N", help="контрольный ответ среди каждых N")
    p.add_argument("--final-rule", choices=[r.value for r in settings.FinalRule],
                   help="итог при согласии двух экспертов: mean_up (среднее с округлением вверх), first, higher, lower")
