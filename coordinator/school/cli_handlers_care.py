"""Handlers of the rooms, retention and backup commands (see ``cli``): parse, call the
core function, print. The shared helpers come from ``cli_handlers``."""

from __future__ import annotations

from pathlib import Path

from coordinator.school import backup, retention, rooms, schedule, settings, subjects, timefmt
from coordinator.school.cli_handlers import _out, _store, _unlock, passphrase
from coordinator.school.errors import UsageError
from coordinator.school.pdf_acts import write_deletion_act
from coordinator.school.pdf_rooms import write_room_sheet
from coordinator.school.store import class_sort_key, default_data_dir


# -- rooms -------------------------------------------------------------------------
def rooms_add(args) -> int:
    stations = [x for part in args.stations for x in part.split(",")]
    with _store(args) as s:
        room = rooms.save_room(s, args.name, args.seats, stations, args.note or "")
    text = f"Аудитория «{room.name}»: мест {room.capacity}" + (
        f", станции: {', '.join(room.stations)}." if room.stations else ".")
    return _out(args, {"room": {"name": room.name, "seats": room.capacity, "stations": list(room.stations)}}, text)


def rooms_list(args) -> int:
    with _store(args) as s:
        items = rooms.list_rooms(s)
        placed = {x.id: {} for x in items}
        for subj in subjects.list_subjects(s):
            for cls, room_name in rooms.placements(s, subj).items():
                rid = next(x.id for x in items if x.name == room_name)
                placed[rid].setdefault(subj.id, []).append(cls)
    lines = []
    for r in items:
        line = f"«{r.name}»: мест {r.capacity}" + (f", станции: {', '.join(r.stations)}" if r.stations else "")
        for subj_id, classes in sorted(placed[r.id].items()):
            line += f"; {subj_id}: {', '.join(sorted(classes, key=class_sort_key))}"
        lines.append(line)
    return _out(args, {"rooms": [{"name": r.name, "seats": r.capacity, "stations": list(r.stations),
                                  "classes": placed[r.id]} for r in items]},
                "\n".join(lines) or "Аудитории не заданы: vpr-node rooms add НАЗВАНИЕ --seats ЧИСЛО.")


def rooms_remove(args) -> int:
    with _store(args) as s:
        rooms.remove_room(s, args.name)
    return _out(args, {"removed": args.name}, f"Аудитория «{args.name}» удалена.")


def rooms_place(args) -> int:
    with _store(args) as s:
        subject = subjects.get_subject(s, args.subject)
        total = rooms.place_class(s, subject, args.class_name, args.room)
    return _out(args, {"room": args.room, "class": args.class_name, "participants": total},
                f"Класс {args.class_name} пишет «{subject.title}» в аудитории «{args.room}» (участников в ней: {total}).")


def rooms_staff(args) -> int:
    given = [(rooms.StaffRole.ORGANIZER, p) for p in args.organizer] + \
        [(rooms.StaffRole.OBSERVER, p) for p in args.observer] + \
        [(rooms.StaffRole.TECHNICIAN, p) for p in args.technician]
    if not given and not args.remove:
        raise UsageError("nobody", message_ru="Укажите, кого назначить: --organizer ФИО, --observer ФИО или "
                         "--technician ФИО.")
    with _store(args) as s:
        for person in args.remove:
            rooms.remove_staff(s, args.room, args.day, person)
        for role, person in given:
            rooms.assign_staff(s, args.room, args.day, role, person)
        room = rooms.get_room(s, args.room)
        staff = rooms.staff_on(s, room, schedule.parse_date(args.day, "День").isoformat())
    lines = [f"Аудитория «{room.name}», {schedule.ru_date(schedule.parse_date(args.day, 'День'))}:"]
    lines += [f"  {rooms.ROLE_RU[r]}: {', '.join(p)}" for r, p in staff.items() if p]
    return _out(args, {"staff": {r.value: list(p) for r, p in staff.items()}}, "\n".join(lines))


def rooms_sheet(args) -> int:
    with _store(args) as s:
        subject = subjects.get_subject(s, args.subject)
        key = _unlock(s) if args.with_names else None
        sheet = rooms.room_sheet(s, args.room, subject, args.day, key)
        write_room_sheet(Path(args.out), sheet, settings.get_info(s).name)
    present = sum(1 for x in sheet.seats if not x.absent)
    print(f"Лист аудитории сохранён: {args.out} (участников: {present}"
          + (f", смен за станциями: {max(x.round for x in sheet.seats)}" if sheet.room.stations and present else "")
          + ")." + (" В нём есть ФИО: храните в ОО, не отправляйте." if key else ""))
    return 0


# -- retention and backup ------------------------------------------------------------
def retention_set(args) -> int:
    with _store(args) as s:
        retention.set_months(s, args.months)
    return _out(args, {"months": args.months}, f"Срок хранения результатов и протоколов: {args.months} мес. после "
                "дня проведения. Когда он истечёт, удалите их: vpr-node retention delete.")


def retention_show(args) -> int:
    with _store(args) as s:
        months = retention.get_months(s)
        items = retention.plan(s) if months else []
        done = retention.acts(s)
    lines = [f"Срок хранения: {months} мес. после дня проведения." if months else
             "Срок хранения не задан: vpr-node retention set --months 12."]
    lines += [f"{i.title}: результатов {i.results}, хранить до {schedule.ru_date(i.keep_until)}"
              + (" - СРОК ИСТЁК, можно удалить" if i.due else "") for i in items]
    tz = settings.get_info(s).tz if done else ""
    lines += [f"Акт № {a.number} от {timefmt.local(a.at_utc, tz)[:10]}: удалено - "
              + ", ".join(x.title for x in a.subjects) for a in done]
    return _out(args, {"months": months, "subjects": [{"subject": i.subject_id, "keep_until": i.keep_until.isoformat(),
                                                       "results": i.results, "due": i.due} for i in items],
                       "acts": [a.number for a in done]}, "\n".join(lines))


def retention_delete(args) -> int:
    with _store(args) as s:
        act = retention.delete_due(s, confirmed=args.confirm, confirmed_by=args.by or "")
        out = Path(args.act) if args.act else s.data_dir / f"акт_удаления_{act.number}.pdf"
        write_deletion_act(out, act, settings.get_info(s))
    lines = [f"Удалено: " + "; ".join(f"{x.title} ({x.results})" for x in act.subjects) + ".",
             "Протокол «код - ФИО» удалён." if act.protocol_deleted else
             "Протокол «код - ФИО» сохранён: по другим работам срок не истёк.",
             f"Акт удаления № {act.number}: {out} - распечатайте и подпишите."]
    if act.backups_with_data:
        lines.append("Эти данные ещё есть в резервных копиях - уничтожьте их: " + "; ".join(act.backups_with_data))
    return _out(args, {"act": act.number, "act_pdf": str(out), "protocol_deleted": act.protocol_deleted,
                       "backups_with_data": list(act.backups_with_data)}, "\n".join(lines))


def backup_make(args) -> int:
    with _store(args) as s:
        info = backup.make_backup(s, Path(args.file), passphrase())
    return _out(args, {"file": str(info.path), "size": info.size},
                f"Резервная копия сохранена: {info.path} ({info.size / 1024 / 1024:.1f} МБ), зашифрована парольной "
                f"фразой координатора.\nВосстановить: vpr-node restore \"{info.path}\". Храните копию на отдельном "
                "носителе в сейфе.")


def backup_restore(args) -> int:
    data_dir = Path(getattr(args, "data", None) or default_data_dir())
    info = backup.restore_backup(data_dir, Path(args.file), passphrase(), replace=args.replace)
    made = f" Прежние данные сохранены: {info.replaced_copy}." if info.replaced_copy else ""
    with _store(args) as s:
        when = timefmt.local(info.created_utc, settings.get_info(s).tz) if info.created_utc else "?"
    return _out(args, {"created_utc": info.created_utc, "replaced_copy": str(info.replaced_copy or "")},
                f"Данные восстановлены из копии от {when}.{made}")
