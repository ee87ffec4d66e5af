"""``vpr-node users``: console accounts from the node PC's terminal - the first
coordinator account is made here; further ones in the console («Учётные записи»)."""

from __future__ import annotations

import argparse
import getpass
import sys

from coordinator.web import accounts
from coordinator.web.accounts import Role
from coordinator.web.errors import AccountError
from coordinator.web.store import ConsoleStore
from vpr_common.cli import print_json

ROLE_CHOICES = {r.value: r for r in Role}


def _store(args) -> ConsoleStore:
    return ConsoleStore(args.data_dir_of(args))  # the node CLI owns --data (see register)


def _read_password(args) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n") or None
    if args.ask_password:
        first = getpass.getpass("Пароль (не меньше 10 знаков): ")
        if getpass.getpass("Ещё раз: ") != first:
            raise AccountError("passwords differ", message_ru="Пароли не совпадают.", remedy_ru="Введите ещё раз.")
        return first
    return None


def users_add(args) -> int:
    role = ROLE_CHOICES[args.role]
    account, password = accounts.add_user(_store(args), args.login, role, _read_password(args))
    if args.json:
        print_json({"ok": True, "login": account.login, "role": role.value, "password": password})
    else:
        print(f"Учётная запись создана: {account.login} ({role.title_ru}).")
        print(f"Пароль: {password}")
        print("Запишите пароль и передайте лично; программа его больше не покажет. "
              "Консоль: https://АДРЕС_УЗЛА:8443/ в браузере.")
    return 0


def users_list(args) -> int:
    users = accounts.list_users(_store(args))
    if args.json:
        print_json({"ok": True, "users": [{"login": u.login, "role": u.role.value, "disabled": u.disabled,
                                           "created_utc": u.created_utc} for u in users]})
        return 0
    if not users:
        print("Учётных записей нет. Создайте: vpr-node users add --role coordinator --login ЛОГИН")
    for u in users:
        print(f"{u.login}\t{u.role.title_ru}\t{'отключена' if u.disabled else 'действует'}")
    return 0


def users_passwd(args) -> int:
    store = _store(args)
    account = accounts.find_login(store, args.login)
    if account is None:
        raise AccountError(f"no login {args.login}", message_ru=f"Учётной записи «{args.login}» нет.",
                           remedy_ru="Список: vpr-node users list")
    password = accounts.set_password(store, account.id, _read_password(args))
    print(f"Новый пароль для {account.login}: {password}")
    return 0


def register(subparsers, add_common, data_dir_of) -> None:
    """Add the ``users`` group; ``add_common`` adds the node's common options to a
    parser and ``data_dir_of(args)`` gives the node data dir (both from the node CLI)."""
    g = subparsers.add_parser("users", help="учётные записи консоли (координатор, эксперты ...)",
                              description="Учётные записи консоли координатора")
    sub = g.add_subparsers(dest="users_cmd", metavar="ДЕЙСТВИЕ")
    sub.required = True
    p = sub.add_parser("add", help="создать учётную запись", description="Создать учётную запись консоли")
    add_common(p)
    p.add_argument("--login", required=True, metavar="ЛОГИН", help="имя для входа: буквы, цифры, точка, дефис")
    p.add_argument("--role", required=True, choices=list(ROLE_CHOICES), metavar="РОЛЬ",
                   help="coordinator (координатор), technician (технический специалист), expert (эксперт), "
                        "lead_expert (ведущий эксперт)")
    _password_options(p)
    p.set_defaults(handler=users_add, data_dir_of=data_dir_of)
    p = sub.add_parser("list", help="список учётных записей", description="Список учётных записей консоли")
    add_common(p)
    p.set_defaults(handler=users_list, data_dir_of=data_dir_of)
    p = sub.add_parser("passwd", help="новый пароль", description="Дать учётной записи новый пароль")
    add_common(p, json=False)
    p.add_argument("--login", required=True, metavar="ЛОГИН", help="чей пароль заменить")
    _password_options(p)
    p.set_defaults(handler=users_passwd, data_dir_of=data_dir_of)


def _password_options(p: argparse.ArgumentParser) -> None:
    how = p.add_mutually_exclusive_group()
    how.add_argument("--ask-password", action="store_true", help="ввести пароль самому (иначе программа придумает)")
    how.add_argument("--password-stdin", action="store_true", help="прочитать пароль из стандартного ввода")
