"""The wire vocabulary lives in one place (:mod:`sync.protocol`): no upload status or
refusal reason is spelled as a string literal anywhere else in the product code, so
the station and the node cannot drift apart by a typo."""

from __future__ import annotations

import ast
import io
import tokenize

from sync.protocol import Reason, UploadStatus, WireValue
from tests.conftest import REPO_ROOT

PRODUCT = ["station", "coordinator", "diagnostics", "sync", "audio", "exam_content", "vpr_common"]
#: The same words used for something else than the wire (checked by hand): a key of
#: ``vpr-node status --json``, a key of the self-test summary, a state of the node's
#: ingest machine, and the content package's own error code.
NOT_WIRE = {("coordinator/node/monitoring.py", "verified"), ("station/selftest.py", "verified"),
            ("coordinator/node/ingest.py", "receiving"), ("exam_content/errors.py", "extra_file")}


def _literals(path):
    source = path.read_text(encoding="utf-8")
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.STRING:
            try:
                value = ast.literal_eval(tok.string)
            except (ValueError, SyntaxError):
                continue  # an f-string
            if isinstance(value, str):
                yield tok.start[0], value


def test_no_wire_value_spelled_outside_the_protocol_module():
    values = {m.value for m in Reason} | {m.value for m in UploadStatus}
    found = []
    for top in PRODUCT:
        for path in sorted((REPO_ROOT / top).rglob("*.py")):
            rel = path.relative_to(REPO_ROOT).as_posix()
            if rel == "sync/protocol.py":
                continue
            found += [f"{rel}:{line}: {v!r}" for line, v in _literals(path)
                      if v in values and (rel, v) not in NOT_WIRE]
    assert found == []


def test_wire_values_are_their_text():
    assert Reason.NO_UPLOAD == "no_upload" and f"{UploadStatus.VERIFIED}" == "verified"
    assert issubclass(Reason, WireValue) and UploadStatus("already_have") is UploadStatus.ALREADY_HAVE
    assert len({m.value for m in Reason}) == len(Reason)
