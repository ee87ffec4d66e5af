"""A tiny reference receiving endpoint for the upload client: what a municipal or
regional collection service might run. HTTP Basic auth, the raw xlsx as the body, answers a
JSON receipt with the SHA-256 it computed itself. ``fail_first`` makes the first N
requests answer 503 to exercise the client's retries. Everything it received is kept in
``received`` for the name-leak scan."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


@dataclass
class ReceiverState:
    user: str
    password: str
    fail_first: int = 0
    calls: int = 0
    wrong_hash: bool = False
    received: list[bytes] = field(default_factory=list)
    files: list[bytes] = field(default_factory=list)


def make_receiver(state: ReceiverState) -> FastAPI:
    app = FastAPI()

    @app.post("/vpr/upload")
    async def upload(request: Request):
        state.calls += 1
        raw = await request.body()
        state.received.append(raw)
        if state.calls <= state.fail_first:
            return JSONResponse({"error": "busy"}, status_code=503)
        auth = request.headers.get("authorization", "")
        expected = "Basic " + base64.b64encode(f"{state.user}:{state.password}".encode()).decode()
        if not secrets.compare_digest(auth, expected):
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        data = raw
        state.files.append(data)
        sha = hashlib.sha256(data).hexdigest()
        return {"receipt_id": f"R-{state.calls:04d}", "sha256": "0" * 64 if state.wrong_hash else sha,
                "subject": request.headers.get("x-vpr-subject"), "size": len(data)}

    return app
