"""What the node's OpenAPI document (``/openapi.json``) says beyond the routes' own
parameters: the one error body (:class:`ErrorBody`, the shape of
:func:`vpr_common.errors.error_body`), the statuses each route can answer
(:func:`errors` for ``responses=``), the answers of the station routes, and the
station's request signature as a security scheme.

Documentation only: the routes return plain dicts, and nothing here filters or
checks them at run time. ``tests/coordinator/node/test_fuzz.py`` holds the node to
this document (every status documented, every body of the documented shape).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sync.protocol import H_BODY, H_NONCE, H_SIGNATURE, H_STATION, H_TIMESTAMP, UploadStatus


class ErrorDetail(BaseModel):
    code: str = Field(description="stable English code of the error type")
    reason: str = Field(description="stable reason code (docs/sync-protocol.md), often the same as code")
    message: str = Field(description="English detail for logs")
    message_ru: str = Field(description="what happened, in Russian, for the person at the screen")
    remedy_ru: str = Field(description="what to do about it, in Russian (may be empty)")


class ErrorBody(BaseModel):
    """Every error answer of the node."""

    model_config = ConfigDict(extra="allow")
    ok: Literal[False]
    error: ErrorDetail
    offset: int | None = Field(None, description="the committed upload offset the station continues from")


#: Why each status is answered (the ``description`` of the documented response).
_WHY = {
    400: "Bad request: the request does not parse (invalid_request), or a malformed package id, size, chunk "
         "or public key (error.reason says which).",
    401: "Not authenticated: missing, malformed, stale, replayed or wrongly signed credentials, unknown "
         "station, or a body that differs from its signed hash.",
    403: "Refused: a revoked station, a pairing proof that matches no open code, or (kiosk) a participant "
         "code and PIN that do not match.",
    404: "Not on the node (no exam package yet).",
    409: "Conflict with the node's state: continue from error.offset (offset_mismatch, no_upload, "
         "upload_incomplete), another station's upload, or a password not released yet.",
    413: "The request body is over 256 KiB (every request but an upload chunk).",
    422: "The package failed verification (error.reason: bad_format, bad_signature, file_hash_mismatch ...).",
    429: "Too many wrong PINs (kiosk): for this code or from this kiosk; error.message_ru says how long to wait.",
    507: "The node's disk is full; the station keeps its data and retries.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries: each status with :class:`ErrorBody` and why it is answered."""
    return {status: {"model": ErrorBody, "description": _WHY[status]} for status in statuses}


#: What any route of the node can answer: a body over the limit.
ANY = (413,)
#: What every signed route can answer on top: refused credentials, a revoked station,
#: a full disk when the request's nonce is recorded.
SIGNED = (401, 403, 413, 507)


def answer(model: type[BaseModel], description: str = "Success.") -> dict[int | str, dict[str, Any]]:
    return {200: {"model": model, "description": description}}


class TimeAnswer(BaseModel):
    unix: float
    utc: str
    local: str


class PairAnswer(BaseModel):
    station_id: str
    node_proof: str = Field(description="HMAC of the code over the station id and fingerprint")
    node_time: float
    fingerprint: str
    recording_key: str = Field(description="the node's X25519 key (raw, base64) stations seal recordings to")


class WhoAmIAnswer(BaseModel):
    station_id: str
    name: str
    node_time: float
    recording_key: str = Field(description="the node's X25519 key (raw, base64) stations seal recordings to")


class HeartbeatAnswer(BaseModel):
    ok: Literal[True]
    node_time: float


class ExamInfoAnswer(BaseModel):
    name: str
    sha256: str
    size: int


class PasswordAnswer(BaseModel):
    password: str


class AccommodationAnswer(BaseModel):
    """One code's accommodation (``sync.protocol.Accommodation``)."""

    extra_factor: float
    extra_minutes: int
    large_print: bool


class CodesAnswer(BaseModel):
    codes: list[str]
    accommodations: dict[str, AccommodationAnswer] = {}


class UploadAnswer(BaseModel):
    """Any answer of the upload routes; which fields come depends on ``status``."""

    model_config = ConfigDict(extra="allow")
    status: UploadStatus
    package_id: str | None = None
    offset: int | None = Field(None, description="bytes the node has committed")
    size: int | None = None
    duplicate_chunk: bool | None = None
    unknown_code: bool | None = Field(None, description="the participant code is not on the node's list")


EXAM_FILE = {200: {"description": "The exam package as opaque bytes; header X-VPR-SHA256 carries its hash.",
                   "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
                   "headers": {"X-VPR-SHA256": {"schema": {"type": "string"}}}}}

#: The signature headers (docs/sync-protocol.md, section 3), all five together.
SIGNATURE_SCHEMES = {
    scheme: {"type": "apiKey", "in": "header", "name": header}
    for scheme, header in (("vpr_station", H_STATION), ("vpr_timestamp", H_TIMESTAMP), ("vpr_nonce", H_NONCE),
                           ("vpr_body_sha256", H_BODY), ("vpr_signature", H_SIGNATURE))
}
STATION_SIGNATURE = [{scheme: [] for scheme in SIGNATURE_SCHEMES}]
#: ``openapi_extra`` of a signed route.
SIGNED_OP = {"security": STATION_SIGNATURE}


def finish_openapi(doc: dict) -> dict:
    """The last touches to the generated document: the signature schemes in
    ``components``, and FastAPI's own 422 answers taken out - the node answers a request
    that does not parse with 400 and the one error body, documented per route."""
    doc.setdefault("components", {}).setdefault("securitySchemes", {}).update(SIGNATURE_SCHEMES)
    for ops in doc.get("paths", {}).values():
        for op in ops.values():
            answer_422 = op.get("responses", {}).get("422", {})
            if "HTTPValidationError" in str(answer_422.get("content", "")):
                del op["responses"]["422"]
    schemas = doc["components"].get("schemas", {})
    if "HTTPValidationError" not in str(doc.get("paths")):
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
    return doc
