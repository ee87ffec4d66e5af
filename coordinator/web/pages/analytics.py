"""«Аналитика» (coordinator): one subject's figures for the school, a class or a group
of classes (:mod:`coordinator.analytics.report`), charts drawn on the node, the report
as PDF and xlsx with the same numbers; names only when the protocol is unlocked in this
session."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response

from coordinator.analytics import export, report
from coordinator.school.store import SchoolStore
from coordinator.school.subjects import list_subjects
from coordinator.school.roster import list_classes
from coordinator.web.accounts import Role
from coordinator.web.console import render, require
from coordinator.web.pages.experts import _scoring

router = APIRouter()


def _selection(request: Request, session) -> tuple[str | None, list[str] | None]:
    subject = request.query_params.get("subject") or None
    classes = [c for c in request.query_params.getlist("class") if c] or None
    return subject, classes


def _build(request: Request, session, subject, classes):
    with SchoolStore(request.app.state.data_dir) as school:
        subjects = list_subjects(school)
        all_classes = [c.name for c in list_classes(school)]
        if subject is None and subjects:
            subject = subjects[0].id
        rep = report.build(school, subject, classes, _scoring(request), session.protocol_key) if subject else None
    return subjects, all_classes, subject, rep


_CHARTS: OrderedDict[str, dict] = OrderedDict()
_CHARTS_KEPT = 64


def _charts(rep) -> str:
    """Keep the numbers of the report's charts under a key for
    ``/analytics/chart/<key>/<kind>.svg``, which draws each chart when the browser asks
    for it (the page itself does not wait for matplotlib) and keeps the drawing; a node
    process keeps the last 64 sets."""
    key = hashlib.sha256(repr((rep.marks, rep.histogram, rep.tasks)).encode()).hexdigest()[:32]
    if key not in _CHARTS:
        _CHARTS[key] = {"marks": rep.marks, "histogram": rep.histogram, "tasks": rep.tasks}
        while len(_CHARTS) > _CHARTS_KEPT:
            _CHARTS.popitem(last=False)
    return key


def _draw(key: str, kind: str) -> str | None:
    entry = _CHARTS.get(key)
    if entry is None or kind not in ("marks", "histogram", "tasks"):
        return None
    drawn = entry.get(f"svg:{kind}")
    if drawn is None:
        from coordinator.analytics import charts

        fig = {"marks": charts.marks_chart, "histogram": charts.histogram_chart, "tasks": charts.tasks_chart}[kind]
        drawn = entry[f"svg:{kind}"] = charts.svg(fig(entry[kind]))
    return drawn


@router.get("/analytics")
async def analytics_page(request: Request):
    session = require(request, Role.COORDINATOR)
    subject, classes = _selection(request, session)
    subjects, all_classes, subject, rep = await anyio.to_thread.run_sync(_build, request, session, subject, classes)
    charts = _charts(rep) if rep and rep.rows else None
    return render(request, "analytics.html", session, subjects=subjects, all_classes=all_classes, subject=subject,
                  classes=classes or [], r=rep, charts=charts, query=request.url.query)


@router.get("/analytics/chart/{key}/{kind}.svg")
async def chart(key: str, kind: str, request: Request):
    """A chart drawn for a page just shown. Its SVG carries matplotlib's own styles, so its
    answer has its own policy: styles inline, nothing else (an image runs no script)."""
    require(request, Role.COORDINATOR)
    svg = await anyio.to_thread.run_sync(_draw, key, kind)
    if svg is None:
        return Response(status_code=404)
    return Response(svg, media_type="image/svg+xml",
                    headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})


@router.get("/analytics/report.{ext}")
async def analytics_file(ext: str, request: Request):
    session = require(request, Role.COORDINATOR)
    subject, classes = _selection(request, session)
    _, _, subject, rep = await anyio.to_thread.run_sync(_build, request, session, subject, classes)
    if ext == "pdf":
        data, media = await anyio.to_thread.run_sync(export.pdf_bytes, rep), "application/pdf"
    else:
        data = await anyio.to_thread.run_sync(export.xlsx_bytes, rep)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    name = f"analytics-{subject}{'-' + '-'.join(classes) if classes else ''}.{'pdf' if ext == 'pdf' else 'xlsx'}"
    return Response(data, media_type=media, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})
