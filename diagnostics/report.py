"""The readiness report: every check's result, an overall status, the software
versions, as schema-versioned JSON the station sends to the node (heartbeat
``readiness``) and the CLI prints with ``--json``.

The JSON Schema is ``diagnostics/readiness_report.schema.json`` (shipped in the
package); :func:`validate_report` checks a report against it. The node's monitoring
reads ``ok`` and ``summary``. No I/O besides reading the schema; no threads.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from diagnostics.checks import CheckResult, Status, worst

SCHEMA_NAME = "vpr-readiness-report"
SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("readiness_report.schema.json")
LAST_REPORT = "last-readiness-report.json"


def overall_status(results: Iterable[CheckResult]) -> Status:
    """FAIL if any check failed, WARN if any warned, else PASS."""
    return worst(r.status for r in results)


def summary_ru(results: list[CheckResult]) -> str:
    """One Russian line for the coordinator's station list."""
    fails = [r for r in results if r.status is Status.FAIL]
    warns = [r for r in results if r.status is Status.WARN]
    if fails:
        return "не готова: " + "; ".join(r.title_ru.lower() for r in fails)
    if warns:
        return "готова, замечания: " + "; ".join(r.title_ru.lower() for r in warns)
    return "готова"


def build_report(results: Iterable[CheckResult], *, versions: dict[str, Any] | None = None,
                 station_name: str | None = None, station_id: str | None = None,
                 generated_at: datetime | None = None) -> dict[str, Any]:
    """The readiness report as a JSON-ready dict (see the schema). ``versions`` defaults
    to :func:`diagnostics.audio_checks.versions`."""
    results = list(results)
    if versions is None:
        from diagnostics.audio_checks import versions as _versions

        versions = _versions()
    status = overall_status(results)
    when = (generated_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return {
        "schema": SCHEMA_NAME,
        "schema_version": SCHEMA_VERSION,
        "generated_at": when.isoformat(timespec="seconds"),
        "station": {"name": station_name, "station_id": station_id},
        "ok": status is not Status.FAIL,
        "status": status.value,
        "summary": summary_ru(results),
        "counts": {s.value: sum(1 for r in results if r.status is s) for s in Status},
        "checks": [r.as_dict() for r in results],
        "versions": dict(versions),
    }


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The report's JSON Schema."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def validate_report(report: dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` when ``report`` does not match the schema."""
    import jsonschema

    jsonschema.validate(report, schema())


def last_report_path() -> Path:
    """Where the station keeps its latest report (``<data dir>/diagnostics/``)."""
    from vpr_common import paths

    return paths.data_dir() / "diagnostics" / LAST_REPORT


def save_report(report: dict[str, Any], path: Path | None = None) -> Path:
    """Write ``report`` atomically (default :func:`last_report_path`). Raises ``OSError``."""
    from vpr_common.atomic import atomic_write_text

    target = Path(path) if path else last_report_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, json.dumps(report, ensure_ascii=False, indent=2))
    return target


def load_report(path: Path | None = None) -> dict[str, Any] | None:
    """The saved report, or None when there is none or it is unreadable/invalid."""
    target = Path(path) if path else last_report_path()
    try:
        report = json.loads(target.read_text(encoding="utf-8"))
        validate_report(report)
    except Exception:  # noqa: BLE001 - a missing or damaged report is simply "none"
        return None
    return report
