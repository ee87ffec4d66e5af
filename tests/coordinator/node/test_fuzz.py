"""Fuzzing the node's API from its own OpenAPI document (schemathesis) on a real node
(uvicorn, TLS, SQLite in a subprocess): every operation, valid and invalid data, a
fixed seed (derandomized) and a bounded number of examples, twice - without
credentials, and with a valid station signature over the exact bytes sent. No answer
may be a server error (5xx), and every answer must be documented: its status listed
for the operation, its body of the documented schema (errors: the one Russian error
body), its content type and headers as documented.

Sized for CI: ``MAX_EXAMPLES`` per operation and mode (both runs about 30 s here).
"""

from __future__ import annotations

import hashlib
import os
import time
from urllib.parse import unquote, urlsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (content_type_conformance, negative_data_rejection, not_a_server_error,
                                 response_headers_conformance, response_schema_conformance, status_code_conformance)

from sync.signing import sign_request
from tests.sync.harness import pair_station, run_node_cli

#: Examples per operation and generation mode (VPR_FUZZ_EXAMPLES=500 for a deeper run by hand).
MAX_EXAMPLES = int(os.environ.get("VPR_FUZZ_EXAMPLES", "40"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection]
SETTINGS = settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate, Phase.shrink],
                    print_blob=False)


@pytest.fixture(scope="module")
def schema(node, tmp_path_factory):
    # Give the signed run something to find: an exam package, a released password, codes.
    work = tmp_path_factory.mktemp("fuzz")
    (work / "exam.bin").write_bytes(b"exam package bytes" * 100)
    (work / "codes.txt").write_text("12345\n23456\n", encoding="utf-8")
    for argv in (("set-package", str(work / "exam.bin"), "--password", "пароль"), ("release-password",),
                 ("import-codes", str(work / "codes.txt"))):
        rc, _, err = run_node_cli(*argv, "--data", str(node.data_dir))
        assert rc == 0, err
    return schemathesis.openapi.from_url(node.url + "/openapi.json", verify=False, timeout=30)


def _negated_only_in_headers(case) -> bool:
    """Whether the case is invalid in its headers alone - the documented headers of
    the node are only the signature's, which the signed run replaces."""
    negative = {str(getattr(location, "value", location)) for location, info in case.meta.components.items()
                if info.mode is GenerationMode.NEGATIVE}
    return negative == {"header"}


def _fuzz(schema, send, signed: bool = False) -> tuple[list[str], int]:
    """Run every operation in both generation modes; returns the failures and the
    number of requests sent. ``signed``: ``send`` replaces the signature headers, so a
    case made invalid only in them is sent valid (no rejection expected)."""
    failures: list[str] = []
    sent = [0]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12  # every operation of the document
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @SETTINGS
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case) -> None:
                response = send(case)
                sent[0] += 1
                replaced = signed and _negated_only_in_headers(case)
                case.validate_response(response, checks=CHECKS,
                                       excluded_checks=[negative_data_rejection] if replaced else None)

            try:
                run()
            except Unsatisfiable:
                # Nothing to make invalid (no parameters, no body): GET /time, GET /whoami ...
                assert mode is GenerationMode.NEGATIVE and not operation.body, operation.label
            except Exception as exc:  # noqa: BLE001 - collected, all operations run, then reported
                failures.append(f"{operation.label} [{mode.value}]: {str(exc)[:3000]}")
    return failures, sent[0]


def test_fuzz_without_credentials_finds_no_server_error_and_nothing_undocumented(schema, node):
    with requests.Session() as http:
        failures, sent = _fuzz(schema, lambda case: case.call(base_url=node.url, session=http, verify=False,
                                                              timeout=30))
    assert failures == [], "\n\n".join(failures)
    assert sent >= 12 * 2


def test_fuzz_with_a_station_signature_finds_no_server_error_and_nothing_undocumented(schema, node,
                                                                                    tmp_path_factory):
    key = pair_station(node, tmp_path_factory.mktemp("station")).station_key()
    statuses: dict[str, set[int]] = {}

    def send_signed(case):
        """The case's request serialized once; the signature covers exactly those bytes."""
        kwargs = case.as_transport_kwargs(base_url=node.url)
        request = requests.Request(kwargs["method"], kwargs["url"], headers=kwargs.get("headers"),
                                   params=kwargs.get("params"), json=kwargs.get("json"), data=kwargs.get("data"),
                                   cookies=kwargs.get("cookies"))
        prepared = http.prepare_request(request)
        body = prepared.body or b""
        body = body.encode("utf-8") if isinstance(body, str) else body
        url = urlsplit(prepared.url)
        prepared.headers.update(sign_request(key, prepared.method, unquote(url.path), url.query,
                                             hashlib.sha256(body).hexdigest(), time.time()))
        response = http.send(prepared, verify=False, timeout=30)
        statuses.setdefault(case.operation.label, set()).add(response.status_code)
        return response

    with requests.Session() as http:
        failures, sent = _fuzz(schema, send_signed, signed=True)
    assert failures == [], "\n\n".join(failures)
    # The signature was taken: the signed operations answered more than "not authenticated".
    assert {200} <= statuses["GET /api/v1/whoami"] and {200} <= statuses["GET /api/v1/exam/package"]
    assert 200 in statuses["PUT /api/v1/uploads/{package_id}"]  # an upload opened
    assert 409 in statuses["PATCH /api/v1/uploads/{package_id}"]  # chunks reached the upload's state
