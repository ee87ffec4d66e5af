"""Request signatures: altered or stale requests refused."""

from __future__ import annotations

import pytest

from sync.errors import AuthError
from sync.signing import (StationKey, generate_private_key, parse_signed_headers, sign_request,
                          verify_request)


def _verify(key, headers, method="POST", path="/api/v1/x", query="", now=None):
    verify_request(key.private_key.public_key(), parse_signed_headers(headers), method, path, query, now=now)


def test_valid_signature_accepted():
    key = StationKey("st-1", generate_private_key())
    h = sign_request(key, "POST", "/api/v1/x", "offset=5", now=1000)
    _verify(key, h, query="offset=5", now=1010)


@pytest.mark.parametrize("change", ["method", "path", "query", "body", "station"])
def test_any_change_breaks_signature(change):
    key = StationKey("st-1", generate_private_key())
    h = sign_request(key, "POST", "/api/v1/x", "offset=5", now=1000)
    kw = {"method": "POST", "path": "/api/v1/x", "query": "offset=5", "now": 1000}
    if change == "method":
        kw["method"] = "PUT"
    elif change == "path":
        kw["path"] = "/api/v1/y"
    elif change == "query":
        kw["query"] = "offset=6"
    elif change == "body":
        h["X-VPR-Content-SHA256"] = "1" * 64
    else:
        h["X-VPR-Station"] = "st-2"
    with pytest.raises(AuthError) as err:
        _verify(key, h, **kw)
    assert err.value.reason == "bad_signature"


def test_stale_timestamp_refused():
    key = StationKey("st-1", generate_private_key())
    h = sign_request(key, "GET", "/api/v1/x", now=1000)
    with pytest.raises(AuthError) as err:
        _verify(key, h, method="GET", now=1000 + 301)
    assert err.value.reason == "stale_timestamp"


def test_missing_headers_refused():
    with pytest.raises(AuthError) as err:
        parse_signed_headers({})
    assert err.value.reason == "missing_credentials"
