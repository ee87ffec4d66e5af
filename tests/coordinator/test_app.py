"""The app factory: other node modules mount their routers, and their errors get the
same JSON error bodies (in-process ASGI client; the real server is tested elsewhere)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fastapi import APIRouter
from fastapi.testclient import TestClient

from coordinator.app import create_app
from coordinator.node.errors import ConflictError


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


def test_node_server_process_does_not_load_office_libraries(tmp_path):
    # The server process never builds a workbook or a PDF; importing openpyxl and
    # fpdf2 (with Pillow) there cost ~50 MB of the node's 200 MB memory budget.
    code = (
        "import sys; from pathlib import Path; from coordinator.app import create_app; "
        "create_app(Path(sys.argv[1])); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'openpyxl', 'fpdf', 'PIL', 'lxml', 'numpy'}))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "node")], capture_output=True, text=True,
                         timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
