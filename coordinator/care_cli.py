"""``vpr-node backup``, ``restore`` and ``audit``: the school's data care, as top-level
commands. The audit needs facts of both rooms - the school's data and the station side
(node certificate, where recordings are, the materials password) - so this module, at
the top where ``cli`` composes the node and the school, gathers the node's facts and
hands them to ``coordinator.school.audit``; the school never imports the node."""

from __future__ import annotations

from datetime import timezone
from pathlib import Path

from cryptography import x509

from coordinator.node.storage import DB_NAME as NODE_DB, NodeStore
from coordinator.node.tls import CERT_NAME
from coordinator.school import audit, timefmt, vault
from coordinator.school.cli import register_backup
from coordinator.school.cli_handlers import _secret
from coordinator.school.pdf_audit import write_audit_pdf
from coordinator.school.store import SchoolStore, default_data_dir
from vpr_common.cli import print_json

def node_facts(data_dir: Path) -> audit.NodeFacts:
    """The station side's facts for the audit, read without creating anything."""
    cert_before = cert_after = None
    cert = data_dir / "tls" / CERT_NAME
    if cert.is_file():
        try:
            c = x509.load_pem_x509_certificate(cert.read_bytes())
            cert_before = c.not_valid_before.replace(tzinfo=timezone.utc)
            cert_after = c.not_valid_after.replace(tzinfo=timezone.utc)
        except (OSError, ValueError):
            pass
    if not (data_dir / NODE_DB).exists():
        return audit.NodeFacts(data_dir, cert_before, cert_after)
    node = NodeStore(data_dir)
    return audit.NodeFacts(
        data_dir, cert_before, cert_after, recordings_dir=node.packages_dir,
        recordings_count=len(node.list_packages()), recordings_encrypted=False,  # signed, not encrypted
        exam_password_stored=bool(node.get_meta("exam_password")),
        exam_password_released=bool(node.get_meta("password_released_at")))


def report_text(report: audit.AuditReport, tz_label: str, local_time: str) -> str:
    lines = [f"Аудит хранения конфиденциальной информации - {report.school or 'ОО'}, {local_time} ({tz_label})",
             f"Итог: {audit.summary_ru(report)}.", ""]
    for i, f in enumerate(report.findings, 1):
        lines.append(f"{i}. {f.title_ru}: {audit.STATUS_RU[f.status]}. {f.detail_ru}")
        if f.remedy_ru and f.status is not audit.Status.OK:
            lines.append(f"   Что сделать: {f.remedy_ru}")
    return "\n".join(lines)


def _cmd_audit(args) -> int:
    data_dir = Path(args.data) if args.data else default_data_dir()
    with SchoolStore(data_dir) as store:
        if args.fix_permissions:
            changed = audit.close_permissions(data_dir)
            print(f"Доступ закрыт для других пользователей (изменено: {changed}).")
        phrase = _secret(vault.PASSPHRASE_ENV, "Парольная фраза координатора (Enter - проверить без неё): ") \
            if vault.is_initialized(store) else None
        report = audit.run_audit(store, passphrase=phrase or None, facts=node_facts(data_dir),
                                 extra_dirs=[Path(p) for p in args.scan])
    if args.pdf:
        write_audit_pdf(Path(args.pdf), report)
    if args.json:
        print_json({"ok": True, "worst": report.worst.value, "summary_ru": audit.summary_ru(report),
                    "findings": [{"check": f.check, "status": f.status.value, "title_ru": f.title_ru,
                                  "detail_ru": f.detail_ru, "remedy_ru": f.remedy_ru} for f in report.findings],
                    "pdf": args.pdf or ""})
    else:
        print(report_text(report, timefmt.zone_label(report.tz), timefmt.local(report.at_utc, report.tz)))
        print(f"\nОтчёт для руководителя сохранён: {args.pdf}" if args.pdf else
              "\nОтчёт для руководителя (PDF): vpr-node audit --pdf ФАЙЛ")
    return 3 if report.worst is audit.Status.FAIL else 0


def register(sub) -> None:
    """Add ``backup``, ``restore`` and ``audit`` to ``vpr-node``."""
    register_backup(sub)
    help_ru = ("аудит хранения конфиденциальной информации: шифрование протокола, ФИО вне протокола, доступ к "
               "папке данных, логины, сертификат узла, записи ответов")
    p = sub.add_parser("audit", help=help_ru, description=help_ru)
    p.add_argument("--data", default=None, metavar="ПАПКА", help="папка с данными программы (по умолчанию - "
                   "стандартная)")
    p.add_argument("--json", action="store_true", help="ответ в машиночитаемом виде (для других программ)")
    p.add_argument("--pdf", metavar="ФАЙЛ", help="сохранить отчёт для руководителя ОО (PDF)")
    p.add_argument("--scan", action="append", default=[], metavar="ПАПКА",
                   help="проверить ещё и эту папку на ФИО (например, папку с выгрузками)")
    p.add_argument("--fix-permissions", action="store_true",
                   help="закрыть папку данных для других пользователей компьютера")
    p.set_defaults(handler=_cmd_audit)
