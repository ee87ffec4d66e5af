"""What ``vpr-node status`` shows: stations (last seen, readiness summary), packages
received and verified per participant code, which valid codes have no package yet,
packages for unknown codes (kept, flagged), uploads in progress and every rejection
with its reason. Reads the node database only; safe while the node serves."""

from __future__ import annotations

import time
from datetime import datetime

from coordinator.node.storage import NodeStore
from coordinator.school import timegates
from coordinator.school.store import DB_NAME as SCHOOL_DB, SchoolStore
from sync.protocol import Reason

ONLINE_WINDOW_S = 120

REASONS_RU = {
    Reason.BAD_FORMAT: "файл не является пакетом ответов или обрезан",
    Reason.UNSUPPORTED_VERSION: "неизвестная версия формата пакета",
    Reason.ID_MISMATCH: "идентификатор не совпадает с содержимым",
    Reason.STATION_MISMATCH: "пакет подписан другой станцией",
    Reason.BAD_SIGNATURE: "подпись станции не совпадает (пакет изменён)",
    Reason.FILE_MISSING: "в пакете не хватает файла",
    Reason.EXTRA_FILE: "в пакете лишний файл",
    Reason.FILE_SIZE_MISMATCH: "размер файла не совпадает с описью",
    Reason.FILE_HASH_MISMATCH: "содержимое файла изменено или повреждено",
    Reason.UNKNOWN_STATION: "станция не подключена к узлу",
    Reason.REVOKED_STATION: "станция отключена координатором",
}


def _when(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds") if ts else None


def _readiness_summary(readiness: dict | None) -> str:
    if not readiness:
        return "нет данных"
    if "summary" in readiness:
        return str(readiness["summary"])
    ok = readiness.get("ok")
    return "готова" if ok is True else "есть проблемы" if ok is False else "нет данных"


def _school_facts(store: NodeStore) -> tuple[dict[str, str], list[str]]:
    """Codes the school marked absent (no answer expected until their reserve day) and
    the upload deadlines as countdowns with their upload state."""
    if not (store.data_dir / SCHOOL_DB).exists():
        return {}, []
    with SchoolStore(store.data_dir) as school:
        return ({code: a.text_ru for code, a in timegates.not_expected(school).items()},
                [c.text_ru for c in timegates.countdowns(school)])


def build_status(store: NodeStore) -> dict:
    now = time.time()
    stations = []
    for st in store.list_stations():
        stations.append({
            "station_id": st.station_id, "name": st.name, "paired_at": _when(st.paired_at),
            "revoked": st.revoked_at is not None, "last_seen": _when(st.last_seen),
            "online": bool(st.last_seen and now - st.last_seen < ONLINE_WINDOW_S and st.revoked_at is None),
            "readiness": st.readiness, "readiness_summary": _readiness_summary(st.readiness)})
    packages = store.list_packages()
    by_code: dict[str, list] = {}
    for p in packages:
        by_code.setdefault(p["participant_code"], []).append({
            "package_id": p["package_id"], "station_id": p["station_id"], "variant": p["variant"],
            "subject": p["subject"], "size": p["size"], "received_at": _when(p["received_at"]), "via": p["via"]})
    codes = store.list_codes()
    code_set = set(codes)
    uploads = [{"package_id": u.package_id, "station_id": u.station_id, "offset": u.offset, "size": u.size,
                "percent": round(100.0 * u.offset / u.size, 1) if u.size else 0.0,
                "updated_at": _when(u.updated_at), "idle_hours": round((now - u.updated_at) / 3600, 1)}
               for u in store.list_uploads()]
    rejections = [dict(r, at=_when(r["at"]), reason_ru=REASONS_RU.get(r["reason"], r["reason"]))
                  for r in store.list_rejections()]
    exam_sha = store.get_meta("exam_sha256")
    school_absent, deadlines = _school_facts(store)
    absent = {c: why for c, why in school_absent.items() if c not in by_code}
    return {
        "node": {
            "data_dir": str(store.data_dir), "now": _when(now),
            "exam_package": ({"name": store.get_meta("exam_name"), "sha256": exam_sha,
                              "size": int(store.get_meta("exam_size", "0"))} if exam_sha else None),
            "password_released": bool(store.get_meta("password_released_at")),
            "valid_codes": len(codes)},
        "stations": stations,
        "packages": {"verified": len(packages), "participants": len(by_code), "by_participant": by_code},
        "missing_codes": [c for c in codes if c not in by_code and c not in absent],
        "absent_codes": absent,
        "deadlines": deadlines,
        "unknown_code_packages": [dict(p, participant_code=c) for c, ps in by_code.items()
                                  if c not in code_set for p in ps],
        "uploads_in_progress": uploads,
        "rejections": rejections,
    }


def shown_time(iso: str | None) -> str:
    """A stored local ISO time as people read it: ``03.12.2026 16:52``."""
    return datetime.fromisoformat(iso).strftime("%d.%m.%Y %H:%M") if iso else "никогда"


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} МБ"


def render_status(s: dict) -> str:
    """The status as plain Russian text for the coordinator."""
    n = s["node"]
    lines = [f"Узел координатора, данные: {n['data_dir']}, время на этом компьютере: {shown_time(n['now'])}"]
    ep = n["exam_package"]
    lines.append(f"Экзаменационный пакет: {ep['name']} ({_mb(ep['size'])})" if ep else
                 "Экзаменационный пакет: не загружен (vpr-node set-package ФАЙЛ)")
    lines.append("Пароль к материалам: " + ("открыт станциям" if n["password_released"] else "не открыт"))
    lines.append(f"Допустимых кодов участников: {n['valid_codes']}")
    lines.append(f"\nСтанции ({len(s['stations'])}):")
    for st in s["stations"]:
        state = "ОТКЛЮЧЕНА" if st["revoked"] else "на связи" if st["online"] else "не на связи"
        lines.append(f"  {st['station_id']} «{st['name']}»: {state}; последний раз: {shown_time(st['last_seen'])};"
                     f" готовность: {st['readiness_summary']}")
    p = s["packages"]
    lines.append(f"\nПринято и проверено пакетов: {p['verified']} (участников: {p['participants']})")
    for code, items in sorted(p["by_participant"].items()):
        lines.append(f"  {code}: " + ", ".join(f"вариант {i['variant']}, {i['station_id']}, {i['via']}" for i in items))
    if n["valid_codes"]:
        miss = s["missing_codes"]
        lines.append(f"Нет ответов от кодов ({len(miss)}): " + (", ".join(miss) if miss else "—"))
    if s.get("absent_codes"):
        lines.append(f"Отсутствуют, ответов не ждём ({len(s['absent_codes'])}): "
                     + "; ".join(f"{c} ({why})" for c, why in sorted(s["absent_codes"].items())))
    unk = s["unknown_code_packages"]
    if not n["valid_codes"]:
        lines.append("Список кодов не импортирован (vpr-node import-codes ФАЙЛ): коды не проверяются.")
    elif unk:
        lines.append(f"ВНИМАНИЕ: пакеты с кодами не из списка ({len(unk)}), сохранены: "
                     + ", ".join(sorted({u['participant_code'] for u in unk})))
    if s.get("deadlines"):
        lines.append("\nЗагрузка результатов в ФИС ОКО:")
        lines += [f"  {d}" for d in s["deadlines"]]
    if s["uploads_in_progress"]:
        lines.append("\nИдёт передача:")
        for u in s["uploads_in_progress"]:
            idle = f"; без движения {u['idle_hours']:g} ч" if u["idle_hours"] >= 1 else ""
            lines.append(f"  {u['package_id'][:12]}… от {u['station_id']}: {_mb(u['offset'])} из {_mb(u['size'])} "
                         f"({u['percent']}%){idle}")
        lines.append("  (передачи без движения дольше 24 ч узел удаляет сам; станция передаст пакет заново)")
    if s["rejections"]:
        lines.append(f"\nОтклонено при проверке ({len(s['rejections'])}):")
        for r in s["rejections"]:
            lines.append(f"  {shown_time(r['at'])} {(r['package_id'] or '')[:12]} {r['station_id'] or ''} [{r['via']}]: "
                         f"{r['reason_ru']}")
    return "\n".join(lines)
