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


_CHARTS: OrderedDict[str, dict[str, str]] = OrderedDict()
_CHARTS_KEPT = 64


def _charts(rep) -> str:
    """Draw the report's SVG charts once per distinct set of numbers (a node process
    keeps the last 64); returns their key for ``/analytics/chart/<key>/<kind>.svg``."""
    key = hashlib.sha256(repr((rep.marks, rep.histogram, rep.tasks)).encode()).hexdigest()[:32]
    if key not in _CHARTS:
        from coordinator.analytics import charts

        _CHARTS[key] = {"marks": charts.svg(charts.marks_chart(rep.marks)),
                        "histogram": charts.svg(charts.histogram_chart(rep.histogram)),
                        "tasks": charts.svg(charts.tasks_chart(rep.tasks))}
        while len(_CHARTS) > _CHARTS_KEPT:
            _CHARTS.popitem(last=False)
    return key


@router.get("/analytics")
async def analytics_page(request: Request):
    session = require(request, Role.COORDINATOR)
    subject, classes = _selection(request, session)
    subjects, all_classes, subject, rep = await anyio.to_thread.run_sync(_build, request, session, subject, classes)
    charts = await anyio.to_thread.run_sync(_charts, rep) if rep and rep.rows else None
    return render(request, "analytics.html", session, subjects=subjects, all_classes=all_classes, subject=subject,
                  classes=classes or [], r=rep, charts=charts, query=request.url.query)


@router.get("/analytics/chart/{key}/{kind}.svg")
async def chart(key: str, kind: str, request: Request):
    """A chart drawn for a page just shown. Its SVG carries matplotlib's own styles, so its
    answer has its own policy: styles inline, nothing else (an image runs no script)."""
    require(request, Role.COORDINATOR)
    svg = _CHARTS.get(key, {}).get(kind)
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
