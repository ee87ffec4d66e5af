"""The app factory: other node modules mount their routers, and their errors get the
same JSON error bodies (in-process ASGI client; the real server is tested elsewhere)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.testclient import TestClient

from coordinator.app import create_app
from coordinator.errors import ConflictError


def test_extra_routers_are_mounted_and_documented(tmp_path):
    router = APIRouter(prefix="/api/v1/school")

    @router.get("/ping")
    def ping() -> dict:
        return {"pong": True}

    @router.get("/boom")
    def boom() -> dict:
        raise ConflictError("busy", code="school_busy", message_ru="Занято.", extra={"retry": 5})

    client = TestClient(create_app(tmp_path / "node", extra_routers=[router]))
    assert client.get("/api/v1/school/ping").json() == {"pong": True}
    r = client.get("/api/v1/school/boom")
    assert r.status_code == 409 and r.json()["error"]["message_ru"] == "Занято." and r.json()["retry"] == 5
    assert "/api/v1/school/ping" in client.get("/openapi.json").json()["paths"]
