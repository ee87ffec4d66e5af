"""Console entry point ``vpr-content``: build, verify, info and demo for exam packages.
Argument parsing and printing only; the work is in the modules of this package."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Sequence

from exam_content.archive import open_package, read_password_file
from exam_content.builder import build_package
from exam_content.demo import write_demo_packages
from exam_content.model import Manifest
from exam_content.archive import archive_facts
from vpr_common.argparse_ru import RuArgumentParser
from vpr_common.cli import print_json, run_cli

SUBJECT_RU = {"english": "английский язык", "german": "немецкий язык", "french": "французский язык"}
TASK_RU = {
    "instructions": "инструкция",
    "listening": "аудирование",
    "read_aloud": "чтение вслух",
    "photo_description": "описание фотографии",
    "reading_matching": "чтение (соответствие)",
    "multiple_choice": "чтение (выбор ответа)",
    "short_answer": "краткий ответ",
}


def _parser() -> RuArgumentParser:
    p = RuArgumentParser(prog="vpr-content", description="Пакеты экзаменационных материалов ВПР (устная часть).")
    sub = p.add_subparsers(dest="command", required=True, parser_class=RuArgumentParser)
    b = sub.add_parser("build", help="собрать зашифрованный пакет из папки с материалами")
    b.add_argument("src_dir", type=Path)
    b.add_argument("out_file", type=Path)
    b.add_argument("--password-file", type=Path, required=True, help="файл с паролем (первая строка); «-» - ввод")
    b.add_argument("--fast", action="store_true", help="сокращённые интервалы для репетиций и тестов")
    b.add_argument("--school-id", default=None)
    b.add_argument("--json", action="store_true")
    v = sub.add_parser("verify", help="расшифровать и полностью проверить пакет")
    v.add_argument("package", type=Path)
    v.add_argument("--password-file", type=Path, required=True)
    v.add_argument("--json", action="store_true")
    i = sub.add_parser("info", help="открытые сведения о пакете (пароль не нужен)")
    i.add_argument("package", type=Path)
    i.add_argument("--json", action="store_true")
    d = sub.add_parser("demo", help="записать демонстрационные пакеты и их пароли")
    d.add_argument("out_dir", type=Path)
    d.add_argument("--fast", action="store_true", help="сокращённые интервалы для репетиций и тестов")
    d.add_argument("--json", action="store_true")
    return p


def _manifest_summary(m: Manifest) -> dict:
    return {
        "package_id": m.package_id,
        "title": m.title,
        "subject": m.subject,
        "language": m.language,
        "grade": m.grade,
        "school_id": m.school_id,
        "created_at": m.created_at,
        "rehearsal": m.rehearsal,
        "variants": [
            {
                "number": v.number,
                "max_points": v.max_points,
                "max_primary": v.max_primary,
                "mark_scale": [{"mark": r.mark, "min": r.low, "max": r.high} for r in v.mark_scale],
                "tasks": [{"number": t.number, "type": t.type.value, "title": t.title, "max_points": t.max_points,
                           "level": t.level.value if t.level else None}
                          for t in v.tasks],
            }
            for v in m.variants
        ],
    }


def _print_manifest(m: Manifest) -> None:
    print(f"  {m.title}")
    print(f"  Предмет: {SUBJECT_RU.get(m.subject, m.subject)}, {m.grade} класс; пакет {m.package_id}")
    print(f"  Создан: {m.created_at}" + ("; РЕПЕТИЦИОННЫЙ (сокращённое время)" if m.rehearsal else ""))
    for v in m.variants:
        tasks = "; ".join(f"{t.number}. {TASK_RU[t.type.value]} ({t.max_points} б."
                          + (f", {t.level.value}" if t.level else "") + ")" for t in v.tasks)
        print(f"  Вариант {v.number}: {tasks}")
        if v.mark_scale:
            scale = ", ".join(f"«{r.mark}»: {r.low}-{r.high}" for r in v.mark_scale)
            print(f"  Максимальный первичный балл {v.max_primary}; шкала: {scale}")


def _cmd_build(a) -> int:
    result = build_package(a.src_dir, a.out_file, read_password_file(a.password_file), fast=a.fast, school_id=a.school_id)
    if a.json:
        print_json({"ok": True, "package": str(result.package_path),
                    "answers": str(result.answers_path) if result.answers_path else None,
                    **_manifest_summary(result.manifest)})
        return 0
    print(f"Пакет собран: {result.package_path}")
    if result.answers_path:
        print(f"Ключи ответов (только для координатора и экспертов, на станции не передавать): {result.answers_path}")
    _print_manifest(result.manifest)
    return 0


def _cmd_verify(a) -> int:
    started = time.perf_counter()
    package = open_package(a.package, read_password_file(a.password_file))
    elapsed = time.perf_counter() - started
    if a.json:
        print_json({"ok": True, "files": package.report.files, "bytes": package.report.bytes,
                    "seconds": round(elapsed, 3), **_manifest_summary(package.manifest)})
        return 0
    print(f"Пакет в порядке: пароль верный, все файлы совпадают с описанием "
          f"(файлов: {package.report.files}, {package.report.bytes / 1e6:.1f} МБ, проверка {elapsed:.1f} с).")
    _print_manifest(package.manifest)
    return 0


def _cmd_info(a) -> int:
    facts = archive_facts(a.package)
    if a.json:
        print_json({"ok": True, **facts})
        return 0
    print(f"Файл: {facts['file']}")
    print(f"Размер: {facts['size']} байт; SHA-256: {facts['sha256']}")
    print(f"Файлов внутри: {facts['entries']}; шифрование: {facts['encryption']}")
    pub = facts["public_facts"]
    if pub:
        print("Открытые сведения (будут сверены с содержимым, когда известен пароль):")
        print(f"  {pub.get('title')}")
        print(f"  Предмет: {SUBJECT_RU.get(pub.get('subject'), pub.get('subject'))}, {pub.get('grade')} класс; "
              f"вариантов: {pub.get('variants')}; формат {pub.get('format_version')}; пакет {pub.get('package_id')}")
        print(f"  Создан: {pub.get('created_at')}" + ("; РЕПЕТИЦИОННЫЙ" if pub.get("rehearsal") else ""))
    else:
        print("Открытых сведений о пакете нет (содержимое можно узнать только с паролем).")
    return 0


def _cmd_demo(a) -> int:
    packages = write_demo_packages(a.out_dir, fast=a.fast)
    if a.json:
        print_json({"ok": True, "packages": [
            {"language": p.language, "package": str(p.build.package_path), "password_file": str(p.password_file),
             "answers": str(p.build.answers_path) if p.build.answers_path else None} for p in packages]})
        return 0
    print(f"Демонстрационные пакеты записаны в {a.out_dir}:")
    for p in packages:
        print(f"  {p.build.package_path.name}  (пароль: {p.password_file.name})")
    return 0


COMMANDS = {"build": _cmd_build, "verify": _cmd_verify, "info": _cmd_info, "demo": _cmd_demo}


def _main(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    return COMMANDS[args.command](args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``vpr-content``; returns the process exit code."""
    return run_cli("vpr-content", _main, argv)


if __name__ == "__main__":
    raise SystemExit(main())
