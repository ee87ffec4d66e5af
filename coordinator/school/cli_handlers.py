"""Handlers of the school console commands (see ``cli``). Each takes the parsed
arguments, opens ``school.sqlite`` in ``--data`` and prints Russian text or JSON.
Names are printed only by ``protocol show`` - after the passphrase - and never logged.
"""

from __future__ import annotations

import getpass
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from coordinator.school import (
    changes,
    codes,
    forms,
    protocol,
    results,
    roster,
    schedule,
    settings,
    subjects,
    timefmt,
    timegates,
    upload,
    vault,
)
from coordinator.school.errors import (
    JournalLockedError,
    PassphraseRequiredError,
    SchoolError,
    UploadError,
    UsageError,
    VaultNotInitializedError,
)
from coordinator.school.pdf_codes import write_codes_pdf
from coordinator.school.pdf_protocol import write_protocol_pdf
from coordinator.school.store import SchoolStore
from vpr_common.atomic import atomic_write_text
from vpr_common.cli import print_json
from vpr_common.text import shown

UPLOAD_PASSWORD_ENV = "VPR_UPLOAD_PASSWORD"
NEW_PASSPHRASE_ENV = "VPR_NODE_NEW_PASSPHRASE"


def _store(args) -> SchoolStore:
    return SchoolStore(getattr(args, "data", None))


def _out(args, obj: object, text: str) -> int:
    if getattr(args, "json", False):
        print_json({"ok": True, **obj} if isinstance(obj, dict) else obj)
    else:
        print(text)
    return 0


def _secret(env: str, prompt: str) -> str | None:
    value = os.environ.get(env)
    if value:
        return value
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(prompt)
    return None


def passphrase() -> str:
    """From VPR_NODE_PASSPHRASE or an interactive prompt. Raises PassphraseRequiredError."""
    value = _secret(vault.PASSPHRASE_ENV, "Парольная фраза координатора: ")
    if not value:
        raise PassphraseRequiredError("no passphrase available")
    return value


_NO_JOURNAL = " Столбец «Отметка по журналу» оставлен пустым (--without-journal)."


def _with_journal(args, store: SchoolStore, call):
    """``call(key)`` for a form with the «Отметка по журналу» column: first without the
    key; when journal marks are stored (JournalLockedError, raised before anything is
    written), once more with the passphrase - from the environment or asked. Without a
    passphrase the error stands, with its remedy (--without-journal)."""
    try:
        return call(None)
    except JournalLockedError:
        value = _secret(vault.PASSPHRASE_ENV, "Парольная фраза координатора (для отметок по журналу): ")
        if not value:
            raise
        return call(vault.unlock(store, value))


def _unlock(store: SchoolStore) -> vault.VaultKey:
    if not vault.is_initialized(store):
        raise VaultNotInitializedError("vault not initialised")
    return vault.unlock(store, passphrase())


# -- school ------------------------------------------------------------------------
def school_set(args) -> int:
    with _store(args) as s:
        info = settings.set_info(s, name=args.name, code=args.code, municipality=args.municipality, tz=args.tz)
    return _out(args, {"school": info.__dict__}, "Сведения об ОО сохранены.")


def school_show(args) -> int:
    with _store(args) as s:
        i = settings.get_info(s)
    return _out(args, {"school": i.__dict__}, f"ОО: {i.name or '-'}\nКод ОО: {i.fis_code if i.code else '-'}\n"
                f"Муниципалитет: {i.municipality or '-'}\nЧасовой пояс: {timefmt.zone_title(i.tz)}")


# -- protocol ----------------------------------------------------------------------
def protocol_init(args) -> int:
    with _store(args) as s:
        value = passphrase()
        if not os.environ.get(vault.PASSPHRASE_ENV):
            if getpass.getpass("Повторите парольную фразу: ") != value:
                raise UsageError("mismatch", message_ru="Парольные фразы не совпадают.", remedy_ru="Повторите ввод.")
        vault.init_vault(s, value)
    return _out(args, {"initialized": True}, "Парольная фраза задана. Запишите её и храните в сейфе: без неё "
                "протокол открыть нельзя.")


def protocol_passwd(args) -> int:
    with _store(args) as s:
        old_key = _unlock(s)
        new = _secret(NEW_PASSPHRASE_ENV, "Новая парольная фраза: ")
        if not new:
            raise PassphraseRequiredError("no new passphrase", message_ru="Не задана новая парольная фраза.")
        if not os.environ.get(NEW_PASSPHRASE_ENV) and getpass.getpass("Повторите новую фразу: ") != new:
            raise UsageError("mismatch", message_ru="Парольные фразы не совпадают.", remedy_ru="Повторите ввод.")
        vault.change_passphrase(s, old_key, new)
    return _out(args, {"changed": True}, "Парольная фраза изменена; протокол и учётные данные перешифрованы.")


def protocol_show(args) -> int:
    with _store(args) as s:
        entries = protocol.entries(s, _unlock(s), args.class_name)
    lines = [f"{e.class_name:>4}  {e.code or '-----'}  {e.name or '(ФИО на бумаге)'}" for e in entries]
    return _out(args, {"entries": [{"class": e.class_name, "code": e.code, "name": e.name} for e in entries]},
                "\n".join(lines) or "Протокол пуст.")


def protocol_pdf(args) -> int:
    with _store(args) as s:
        subject = subjects.get_subject(s, args.subject)
        info = settings.get_info(s)
        item = schedule.get_item(s, subject.id)
        if args.with_names:
            rows = [(e.class_name, e.code, e.name) for e in protocol.entries(s, _unlock(s), args.class_name) if e.code]
        else:
            rows = [(c.class_name, c.code, "") for c in codes.active_codes(s, args.class_name)]
        day = schedule.parse_date(args.reserve_day, "Резервный день") if args.reserve_day else None
        if day:
            wanted = set(results.reserve_codes(s, subject, day.isoformat()))
            rows = [r for r in rows if r[1] in wanted]
        when = day or (item.work_date if item else None)
        write_protocol_pdf(Path(args.out), rows, subject, info.name, when.strftime("%d.%m.%Y") if when else "")
    print(f"Протокол сохранён: {args.out} (участников: {len(rows)})."
          + (" В нём есть ФИО: храните в ОО, не отправляйте." if args.with_names else ""))
    return 0


# -- classes -----------------------------------------------------------------------
def classes_import(args) -> int:
    with _store(args) as s:
        rep = roster.import_class_list(s, Path(args.file), _unlock(s), allow_duplicates=args.allow_duplicates)
    lines = [f"Загружено участников: {rep.total} (" + ", ".join(f"{k}: {v}" for k, v in rep.counts.items())
             + "). ФИО сохранены в зашифрованном протоколе."]
    if rep.mark_columns:
        lines.append("Отметки по журналу взяты из столбцов: " + ", ".join(f"«{h}»" for h in rep.mark_columns) + ".")
    if rep.ignored_columns:
        lines.append("Не использованы столбцы: " + ", ".join(f"«{h}»" for h in rep.ignored_columns) + ".")
    if rep.skipped_sheets:
        lines.append("Листы без списка учеников пропущены: " + ", ".join(f"«{n}»" for n in rep.skipped_sheets) + ".")
    lines += [f"Внимание: {w}" for w in rep.warnings]
    return _out(args, {"imported": rep.counts, "ignored_columns": list(rep.ignored_columns),
                       "mark_columns": list(rep.mark_columns), "skipped_sheets": list(rep.skipped_sheets),
                       "warnings": list(rep.warnings)}, "\n".join(lines))


def classes_counts(args) -> int:
    parsed: dict[str, int] = {}
    for item in args.counts:
        cls, sep, n = item.partition("=")
        if not sep or not n.strip().isdigit():
            raise UsageError("bad count", message_ru=f"«{shown(item)}»: укажите класс и численность так: 8А=25.")
        parsed[cls] = parsed.get(cls, 0) + int(n)
    with _store(args) as s:
        added = roster.add_counts(s, parsed)
    return _out(args, {"added": added}, "Добавлено участников: " + ", ".join(f"{k}: {v}" for k, v in added.items()))


def classes_list(args) -> int:
    with _store(args) as s:
        items = roster.list_classes(s)
    lines = [f"{c.name:>4}: участников {c.participants}, с кодами {c.with_codes}"
             + (", ФИО в протоколе" if c.with_names else ", ФИО на бумаге") for c in items]
    return _out(args, {"classes": [c.__dict__ for c in items]}, "\n".join(lines) or "Классы не загружены.")


# -- codes -------------------------------------------------------------------------
def codes_generate(args) -> int:
    with _store(args) as s:
        n = codes.generate(s)
        total = len(codes.active_codes(s))
    return _out(args, {"issued": n, "active": total}, f"Выдано новых кодов: {n}. Всего действующих: {total}.")


def codes_list(args) -> int:
    with _store(args) as s:
        items = codes.active_codes(s, args.class_name)
    return _out(args, {"codes": [{"code": c.code, "class": c.class_name} for c in items]},
                "\n".join(f"{c.code}  {c.class_name}" for c in items) or "Кодов нет.")


def codes_revoke(args) -> int:
    with _store(args) as s:
        out = codes.revoke(s, args.code, args.reason, replace=not args.no_replace)
    text = f"Код {out.code} отозван."
    if out.new_code:
        text += f" Взамен выдан код {out.new_code}" + (f" (класс {out.class_name})." if out.class_name else ".")
        if out.moved_subjects:
            text += (" Результаты и отметки об отсутствии перенесены на новый код: "
                     + ", ".join(out.moved_subjects) + ".")
        text += f"\nЛисток с новым кодом: vpr-node codes pdf ФАЙЛ.pdf --code {out.new_code}"
    else:
        text += " Новый код выдаст команда: vpr-node codes generate."
    return _out(args, {"revoked": out.code, "new_code": out.new_code, "moved_subjects": list(out.moved_subjects)},
                text)


def codes_pdf(args) -> int:
    with _store(args) as s:
        items = codes.active_codes(s, args.class_name)
        if args.code:
            wanted = {codes.clean_code(c) for c in args.code}
            items = [c for c in items if c.code in wanted]
            missing = sorted(wanted - {c.code for c in items})
            if missing:
                raise SchoolError("not active", message_ru=f"Среди действующих кодов нет: {', '.join(missing)}.",
                                  remedy_ru="Список действующих кодов: vpr-node codes list.")
        pages = write_codes_pdf(Path(args.out), items, settings.get_info(s).name)
    print(f"Лист кодов сохранён: {args.out} (кодов: {len(items)}, страниц: {pages}).")
    return 0


# -- subjects ----------------------------------------------------------------------
def subjects_load(args) -> int:
    if not args.file and not args.demo:
        raise UsageError("no file", message_ru="Укажите файл предметов или --demo.")
    items = subjects.read_subjects_file(Path(args.file) if args.file else subjects.demo_subjects_path())
    with _store(args) as s:
        subjects.save_subjects(s, items)
    return _out(args, {"loaded": [x.id for x in items]}, "Загружены предметы: " + ", ".join(
        f"{x.id} ({x.title})" for x in items))


def subjects_list(args) -> int:
    with _store(args) as s:
        items = subjects.list_subjects(s)
    lines = [f"{x.id:<6} {x.title}: заданий {len(x.tasks)}, максимум {x.max_total}, варианты "
             + ", ".join(map(str, x.variants)) for x in items]
    return _out(args, {"subjects": [x.to_json() for x in items]}, "\n".join(lines) or "Предметы не загружены.")


def subjects_template(args) -> int:
    atomic_write_text(Path(args.out), subjects.template_text())
    print(f"Шаблон сохранён: {args.out}. Заполните его и загрузите: vpr-node subjects load {args.out}")
    return 0


# -- results -----------------------------------------------------------------------
def _warn(lines: list[str], warnings) -> None:
    lines += [f"Внимание: {w}" for w in warnings]


def results_template(args) -> int:
    with _store(args) as s:
        subject = subjects.get_subject(s, args.subject)
        n = _with_journal(args, s, lambda key: forms.write_template(
            s, subject, Path(args.out), args.class_name, args.reserve_day, key=key,
            without_journal=args.without_journal))
    print(f"Форма для заполнения сохранена: {args.out} (кодов: {n}). Не выполнял задание - X; отсутствовал - "
          "слово «отсутствовал» в столбце «Вариант»." + _NO_JOURNAL * args.without_journal)
    return 0


def results_import(args) -> int:
    with _store(args) as s:
        subject = subjects.get_subject(s, args.subject)
        rep = forms.import_form(s, subject, Path(args.file), confirmed=args.confirm, now_utc=_now_arg(args))
    lines = [f"Принято результатов: {rep.stored} (ячеек «не выполнял»: {rep.not_done_cells})."]
    if rep.absent_marked:
        lines.append(f"Отмечено отсутствующих: {rep.absent_marked}.")
    if rep.unfilled_rows:
        lines.append(f"Строк с кодом, но без баллов (пропущены): {rep.unfilled_rows}.")
    _warn(lines, rep.warnings)
    return _out(args, {"stored": rep.stored, "not_done_cells": rep.not_done_cells, "unfilled_rows": rep.unfilled_rows,
                       "absent_marked": rep.absent_marked, "warnings": list(rep.warnings)}, "\n".join(lines))


def results_enter(args) -> int:
    points: dict[str, str] = {}
    for part in args.points.split(","):
        k, sep, v = part.partition("=")
        if not sep:
            raise UsageError("bad points", message_ru=f"«{shown(part)}»: баллы задаются так: 1=2,2=X,9.1=1.")
        points[k.strip()] = v.strip()
    with _store(args) as s:
        subject = subjects.get_subject(s, args.subject)
        entry = results.validate_api_entry(s, subject, {"code": args.code, "variant": args.variant, "points": points})
        rec = results.record_results(s, subject, [entry], results.Source.CLI, confirmed=args.confirm,
                                     now_utc=_now_arg(args))
        r = [x for x in results.list_results(s, subject) if x.code == entry.code][0]
    lines = [f"Код {r.code}: первичный балл {r.primary}, отметка {r.mark}."]
    _warn(lines, rec.warnings)
    return _out(args, {"code": r.code, "primary": r.primary, "mark": r.mark, "warnings": list(rec.warnings)},
                "\n".join(lines))


def results_absent(args) -> int:
    raw = [c for item in args.code for c in item.replace(";", ",").split(",") if c.strip()]
    with _store(args) as s:
        subject = subjects.get_subject(s, args.subject)
        done = results.mark_absent_many(s, subject, raw, args.reason, args.reserve_day, confirmed=args.confirm,
                                        now_utc=_now_arg(args))
    who = f"Код {done[0]}" if len(done) == 1 else f"Коды {', '.join(done)}"
    text = f"{who}: отмечено отсутствие ({args.reason.strip()})."
    if args.reserve_day:
        text += f" Резервный день: {schedule.ru_date(schedule.parse_date(args.reserve_day, 'Резервный день'))} - " \
                "с теми же кодами."
    return _out(args, {"absent": done}, text)


def results_list(args) -> int:
    with _store(args) as s:
        subject = subjects.get_subject(s, args.subject)
        rows = results.list_results(s, subject, args.class_name)
    lines = []
    for r in rows:
        if r.status is results.ResultStatus.ABSENT:
            lines.append(f"{r.code} {r.class_name:>4}  отсутствовал: {r.absent_reason}"
                         + (f", резервный день {schedule.ru_date(r.reserve_date)}" if r.reserve_date else ""))
        else:
            pts = " ".join("X" if p is None else str(p) for p in r.points)
            lines.append(f"{r.code} {r.class_name:>4}  в.{r.variant}  {pts}  = {r.primary}, отметка {r.mark}"
                         + (f" (резервный день {schedule.ru_date(r.reserve_date)})" if r.reserve_date else ""))
    return _out(args, {"results": [{"code": r.code, "class": r.class_name, "status": r.status.value,
                                    "variant": r.variant, "points": list(r.points), "primary": r.primary,
                                    "mark": r.mark, "reserve_date": r.reserve_date} for r in rows]},
                "\n".join(lines) or "Результатов нет.")


def results_export(args) -> int:
    out = Path(args.out)
    with _store(args) as s:
        subject = subjects.get_subject(s, args.subject)
        n = _with_journal(args, s, lambda key: forms.export_results(s, subject, out, args.class_name, key=key,
                                                                    without_journal=args.without_journal))
    print(f"Результаты сохранены: {out} и {out.with_suffix('.csv')} (участников: {n}; только коды, без ФИО)."
          + _NO_JOURNAL * args.without_journal)
    return 0


# -- schedule ----------------------------------------------------------------------
def schedule_set(args) -> int:
    with _store(args) as s:
        item = schedule.set_item(s, args.subject, args.date, args.upload_date, args.reserve)
        view = schedule.item_view(item, settings.get_info(s).tz)
        past = item.work_date < timegates.local_today(s)
    text = f"{view['title']}: проведение {view['work_date_ru']}; критерии с {view['criteria']}; загрузить до " \
           f"{view['deadline']}."
    if past:
        text += f"\nВнимание: дата проведения {view['work_date_ru']} уже прошла - проверьте год и дату."
    return _out(args, {"item": view, "work_date_past": past}, text)


def _now_arg(args) -> datetime | None:
    if not getattr(args, "now", None):
        return None
    try:
        now = datetime.fromisoformat(args.now)
    except ValueError:
        raise UsageError("bad now", message_ru=f"«{shown(args.now)}» - не дата и время.",
                         remedy_ru="Пример: --now 2026-04-15T18:00+05:00") from None
    return now.replace(tzinfo=timezone.utc) if now.tzinfo is None else now


def schedule_show(args) -> int:
    now = _now_arg(args)
    with _store(args) as s:
        tz = settings.get_info(s).tz
        items = [schedule.item_view(i, tz) for i in schedule.list_items(s)]
        warns = schedule.warnings(s, now)
        counts = timegates.countdowns(s, now)
    lines = []
    for v in items:
        lines.append(f"{v['title']}: проведение {v['work_date_ru']}; критерии с {v['criteria']}; "
                     f"загрузка до {v['deadline']}" + (f"; резервные дни: {', '.join(v['reserve_dates_ru'])}"
                                                      if v["reserve_dates"] else ""))
    if counts:
        lines.append("")
        lines += [c.text_ru for c in counts]
    for w in warns:
        lines.append(("!!! " if w.level is not schedule.WarningLevel.INFO else "! ") + w.message_ru)
    return _out(args, {"tz": tz, "items": items, "warnings": [{"subject": w.subject_id, "level": w.level.value,
                                                              "message_ru": w.message_ru} for w in warns],
                       "countdowns": [{"subject": c.subject_id, "seconds_left": int(c.left.total_seconds()),
                                       "upload_state": c.upload.state.value, "text_ru": c.text_ru} for c in counts]},
                "\n".join(lines) or "Расписание пусто.")


# -- upload ------------------------------------------------------------------------
def upload_prepare(args) -> int:
    with _store(args) as s:
        subject = subjects.get_subject(s, args.subject)
        p = _with_journal(args, s, lambda key: upload.prepare(s, subject, Path(args.out_dir), key=key,
                                                              without_journal=args.without_journal))
    text = f"Готово к загрузке: {p.xlsx}\nУчастников с результатами: {p.participants}, отсутствовали: {p.absent}." \
           f"\nЧек-лист: {p.checklist}" + _NO_JOURNAL * args.without_journal
    if getattr(args, "verbose", False):
        text += f"\nКонтрольная сумма (SHA-256): {p.sha256}"
    return _out(args, {"xlsx": str(p.xlsx), "csv": str(p.csv), "checklist": str(p.checklist), "sha256": p.sha256,
                       "participants": p.participants, "absent": p.absent}, text)


def upload_confirm(args) -> int:
    with _store(args) as s:
        subject = subjects.get_subject(s, args.subject)
        sha = upload.confirm_manual(s, subject, Path(args.file) if args.file else None)
    text = f"Загрузка по предмету «{subject.title}» отмечена."
    if getattr(args, "verbose", False):
        text += f" Контрольная сумма (SHA-256): {sha}"
    return _out(args, {"sha256": sha}, text)


def upload_config(args) -> int:
    password = _secret(UPLOAD_PASSWORD_ENV, "Пароль сервиса сбора: ")
    if not password:
        raise UploadError("no password", message_ru="Не задан пароль сервиса сбора.",
                          remedy_ru="Запустите команду в окне командной строки: программа спросит пароль.")
    with _store(args) as s:
        upload.configure(s, _unlock(s), args.url, args.user, password)
    return _out(args, {"url": args.url}, "Сервис сбора настроен; логин и пароль сохранены в зашифрованном виде.")


def upload_send(args) -> int:
    with _store(args) as s:
        receipt = upload.send(s, _unlock(s), subjects.get_subject(s, args.subject), attempts=max(1, args.attempts))
    return _out(args, {"receipt": receipt}, f"Форма принята. Квитанция: {receipt.get('receipt_id')}.")


def upload_status(args) -> int:
    with _store(args) as s:
        items = [(x, changes.upload_status(s, x.id)) for x in subjects.list_subjects(s)]
        tz = settings.get_info(s).tz
    lines = []
    for subj, st in items:
        line = f"{subj.title}: {st.text_ru}"
        if st.last_upload_utc:
            line += f" (последняя загрузка {timefmt.local(st.last_upload_utc, tz)})"
        if st.changes_since_upload:
            codes_changed = sorted({c.code for c in st.changes_since_upload})
            line += f"; изменены результаты кодов: {', '.join(codes_changed)}"
        lines.append(line)
    return _out(args, {"subjects": [{"subject": subj.id, "state": st.state.value, "text_ru": st.text_ru,
                                     "last_upload_utc": st.last_upload_utc,
                                     "changed_codes": sorted({c.code for c in st.changes_since_upload})}
                                    for subj, st in items]}, "\n".join(lines) or "Предметы не загружены.")


def upload_receipts(args) -> int:
    with _store(args) as s:
        items = upload.receipts(s)
    kinds = {"manual": "вручную в ФИС ОКО", "http": "в сервис сбора"}
    lines = [f"{r.created_local}  {r.subject_id}  {kinds.get(r.kind, r.kind)}  {r.file_name}"
             + ("" if r.current else "  (заменена более поздней загрузкой)")
             + (f"  квитанция {r.receipt.get('receipt_id')}" if r.receipt.get("receipt_id") else "") for r in items]
    return _out(args, {"receipts": [{"subject": r.subject_id, "kind": r.kind, "file": r.file_name, "sha256": r.sha256,
                                     "size": r.size, "target": r.target, "receipt": r.receipt,
                                     "created_utc": r.created_utc, "current": r.current} for r in items]},
                "\n".join(lines) or "Отправок ещё не было.")
