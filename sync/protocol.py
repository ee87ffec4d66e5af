"""The wire vocabulary shared by the station client and the node: API paths, header
names, the statuses an upload answer carries and the stable reason codes of every
refusal. Both sides import these names; no status or reason is spelled anywhere
else (``tests/sync/test_protocol.py`` checks the tree).

The values are part of the protocol (docs/sync-protocol.md): a station of one
version talks to a node of another, so a value never changes once released. The
enums derive from ``str`` so a value compares equal to its text and serialises to
JSON as itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Any, Mapping

API_PREFIX = "/api/v1"

# -- paths (relative to the node's base URL) --------------------------------------
PATH_TIME = f"{API_PREFIX}/time"
PATH_PAIR = f"{API_PREFIX}/pair"
PATH_WHOAMI = f"{API_PREFIX}/whoami"
PATH_HEARTBEAT = f"{API_PREFIX}/heartbeat"
PATH_CODES = f"{API_PREFIX}/codes"
PATH_PASSWORD = f"{API_PREFIX}/exam/password"
PATH_EXAM_INFO = f"{API_PREFIX}/exam/package/info"
PATH_EXAM = f"{API_PREFIX}/exam/package"
PATH_KIOSK_LOOKUP = f"{API_PREFIX}/kiosk/lookup"


def upload_path(package_id: str) -> str:
    """``PUT`` opens or resumes an upload, ``PATCH ?offset=N`` appends a chunk."""
    return f"{API_PREFIX}/uploads/{package_id}"


def complete_path(package_id: str) -> str:
    """``POST``: verify the whole package and acknowledge it."""
    return f"{API_PREFIX}/uploads/{package_id}/complete"


def package_path(package_id: str) -> str:
    """``GET``: whether the node has the package, or how far its upload got."""
    return f"{API_PREFIX}/packages/{package_id}"


# -- headers ------------------------------------------------------------------------
H_STATION = "X-VPR-Station"
H_TIMESTAMP = "X-VPR-Timestamp"
H_NONCE = "X-VPR-Nonce"
H_BODY = "X-VPR-Content-SHA256"
H_SIGNATURE = "X-VPR-Signature"
#: The exam package's SHA-256 on ``GET`` of :data:`PATH_EXAM`.
H_EXAM_SHA256 = "X-VPR-SHA256"

#: Body-hash value of an upload chunk whose bytes are not hashed into the signature
#: (as S3's ``UNSIGNED-PAYLOAD``): TLS with the pinned certificate already keeps the
#: bytes intact in transit, and the node verifies every file of the package against
#: its signed manifest before acknowledging it. Saves two SHA-256 passes per byte.
UNSIGNED_PAYLOAD = "unsigned-payload"


class WireValue(str, Enum):
    """A protocol value: equal to its text, and shown as it (f-strings, logs, SQLite)."""

    def __str__(self) -> str:
        return self.value


class UploadStatus(WireValue):
    """``status`` of an upload answer (``PUT``, ``PATCH``, ``complete``, ``GET``)."""

    RECEIVING = "receiving"        # the node holds ``offset`` of ``size`` bytes
    ALREADY_HAVE = "already_have"  # verified earlier: nothing more to send
    VERIFIED = "verified"          # verified and stored now
    UNKNOWN = "unknown"            # no such upload or package (``GET`` only)


class Reason(WireValue):
    """``error.reason`` of a refusal: what went wrong, stable across versions."""

    # request authentication (401; 403 for a revoked station)
    MISSING_CREDENTIALS = "missing_credentials"
    MALFORMED_CREDENTIALS = "malformed_credentials"
    UNKNOWN_STATION = "unknown_station"
    REVOKED_STATION = "revoked_station"
    STALE_TIMESTAMP = "stale_timestamp"
    BAD_SIGNATURE = "bad_signature"
    REPLAYED_REQUEST = "replayed_request"
    BODY_MISMATCH = "body_mismatch"
    # pairing (400)
    BAD_PUBLIC_KEY = "bad_public_key"
    # the upload (400 / 409 / 507)
    BAD_PACKAGE_ID = "bad_package_id"
    BAD_SIZE = "bad_size"
    UPLOAD_OWNER = "upload_owner"
    LENGTH_REQUIRED = "length_required"
    BAD_CHUNK_SIZE = "bad_chunk_size"
    CHUNK_PAST_END = "chunk_past_end"
    CHUNK_TRUNCATED = "chunk_truncated"
    CHUNK_HASH_MISMATCH = "chunk_hash_mismatch"
    NO_UPLOAD = "no_upload"                # start again from byte 0 (``offset`` 0)
    OFFSET_MISMATCH = "offset_mismatch"    # send from the committed ``offset``
    UPLOAD_INCOMPLETE = "upload_incomplete"
    NODE_DISK_FULL = "node_disk_full"
    BODY_TOO_LARGE = "body_too_large"
    # verification of a whole package (422)
    BAD_FORMAT = "bad_format"
    UNSUPPORTED_VERSION = "unsupported_version"
    ID_MISMATCH = "id_mismatch"
    STATION_MISMATCH = "station_mismatch"
    FILE_MISSING = "file_missing"
    EXTRA_FILE = "extra_file"
    FILE_SIZE_MISMATCH = "file_size_mismatch"
    FILE_HASH_MISMATCH = "file_hash_mismatch"
    # station side only (never sent by the node)
    EXAM_HASH_MISMATCH = "exam_hash_mismatch"
    HTTP_ERROR = "http_error"


class Activity(WireValue):
    """``live.activity`` of a heartbeat: what the station is doing now (the node adds
    "offline" itself when heartbeats stop)."""

    READY = "ready"              # waiting for a participant (code entry)
    SOUND_CHECK = "sound_check"
    IN_TASK = "in_task"          # a participant works: ``task``/``tasks``, ``remaining_s``
    DONE = "done"                # answers sealed; waiting for the next participant
    FAULT = "fault"              # an adult is needed: ``fault`` says why


#: Refusals after which the station resumes from the ``offset`` in the answer.
RESUME_FROM_OFFSET = frozenset({Reason.NO_UPLOAD, Reason.OFFSET_MISMATCH, Reason.UPLOAD_INCOMPLETE})


# -- accommodations in the answer of PATH_CODES ----------------------------------------
#: Limits the node enforces when the coordinator sets extra time, and the station checks.
MAX_EXTRA_FACTOR = 3.0
MAX_EXTRA_MINUTES = 120


@dataclass(frozen=True)
class Accommodation:
    """What a participant code gets (``GET /codes`` answers ``{"codes": [...],
    "accommodations": {code: wire form}}``): extra time as a factor for every timed
    phase (``extra_factor`` 1.5) or as minutes added to the whole work
    (``extra_minutes`` 15, spread over its timed phases by the station), and large
    print. The default is no accommodation."""

    extra_factor: float = 1.0
    extra_minutes: int = 0
    large_print: bool = False

    def to_wire(self) -> dict[str, Any]:
        return {"extra_factor": self.extra_factor, "extra_minutes": self.extra_minutes,
                "large_print": self.large_print}

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> "Accommodation":
        """Raises ``ValueError`` for values outside the limits (unknown keys are ignored,
        so a newer node can add some)."""
        factor = float(d.get("extra_factor", 1.0))
        minutes = d.get("extra_minutes", 0)
        large = d.get("large_print", False)
        if not (math.isfinite(factor) and 1.0 <= factor <= MAX_EXTRA_FACTOR):
            raise ValueError(f"extra_factor {factor!r} outside 1..{MAX_EXTRA_FACTOR}")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 0 <= minutes <= MAX_EXTRA_MINUTES:
            raise ValueError(f"extra_minutes {minutes!r} outside 0..{MAX_EXTRA_MINUTES}")
        if not isinstance(large, bool):
            raise ValueError(f"large_print {large!r} is not a boolean")
        return cls(factor, minutes, large)

    @property
    def extra_time(self) -> bool:
        return self.extra_factor > 1.0 or self.extra_minutes > 0
