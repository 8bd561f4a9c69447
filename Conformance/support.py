"""Helpers shared by the conformance tests (imported as a plain module; see pytest.ini `pythonpath`).

Nothing here talks to the SDKs' internals: the helpers only decode what a user could decode
(the JWT payload, the `expiresOn` string) or build raw HTTP requests for the tests that need
to go around the SDKs (unsigned requests, stale `x-ms-date`, the Parley-specific endpoints).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import datetime, timezone
from email.utils import formatdate
from typing import Any, Mapping
from urllib.parse import quote, urlsplit

# Timeout for every direct `requests` call, so that a hung server fails a test instead of the run.
HTTP_TIMEOUT = 30

# The api-version the identity SDK 1.5.0 sends by default (identity/_api_versions.py).
IDENTITY_API_VERSION = "2023-10-01"

# base64 of SHA-256 over the empty body.
EMPTY_BODY_SHA256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="

ALL_SCOPES = ["chat", "voip", "chat.join", "chat.join.limited", "voip.join"]


# --------------------------------------------------------------------------------------------
# Connection strings
# --------------------------------------------------------------------------------------------

def parse_connection_string(cs: str) -> dict[str, str]:
    """`endpoint=...;accesskey=...` -> {"endpoint": ..., "accesskey": ...} (keys lower-cased).

    Splits each element on its first `=` only: the access key is base64 and may end in `=`.
    """
    out: dict[str, str] = {}
    for part in cs.split(";"):
        if not part.strip():
            continue
        k, _, v = part.partition("=")
        out[k.strip().lower()] = v.strip()
    return out


def connection_string(endpoint: str, key: str) -> str:
    return f"endpoint={endpoint};accesskey={key}"


# --------------------------------------------------------------------------------------------
# HMAC-SHA256, written from the reference (acs-identity-chat.md §1.2), independent of the SDK
# --------------------------------------------------------------------------------------------

def rfc1123(ts: float) -> str:
    """`Sun, 29 Nov 2026 00:58:39 GMT`, as the SDK's x-ms-date."""
    return formatdate(ts, usegmt=True)


def content_sha256(body: bytes) -> str:
    return base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def string_to_sign(method: str, path_and_query: str, date: str, host: str, body_hash: str) -> str:
    return f"{method.upper()}\n{path_and_query}\n{date};{host};{body_hash}"


def hmac_signature(key_b64: str, to_sign: str) -> str:
    digest = hmac.new(base64.b64decode(key_b64), to_sign.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def hmac_headers(
    method: str, url: str, body: bytes, key_b64: str, date: str, host: str | None = None
) -> dict[str, str]:
    """Headers that sign `method url body` like the SDK's HMACCredentialsPolicy.

    `host` defaults to the URL's netloc (what `from_connection_string` signs).
    """
    parts = urlsplit(url)
    path_and_query = parts.path + (("?" + parts.query) if parts.query else "")
    body_hash = content_sha256(body)
    sig = hmac_signature(
        key_b64, string_to_sign(method, path_and_query, date, host or parts.netloc, body_hash)
    )
    return {
        "x-ms-date": date,
        "x-ms-content-sha256": body_hash,
        "x-ms-return-client-request-id": "true",
        "Authorization": f"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={sig}",
    }


# --------------------------------------------------------------------------------------------
# Tokens and times
# --------------------------------------------------------------------------------------------

def b64url_decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(header, payload, signature segment), decoded strictly as base64url."""
    segments = token.split(".")
    assert len(segments) == 3, f"a JWT has 3 segments, got {len(segments)}: {token!r}"
    header = json.loads(b64url_decode(segments[0]))
    payload = json.loads(b64url_decode(segments[1]).decode("ascii"))
    return header, payload, segments[2]


def parse_expires_on(value: Any) -> datetime:
    """Parse AccessToken.expires_on as returned by the identity SDK.

    SDK bug worked around: azure-communication-identity 1.5.0 returns
    `AccessToken(token, expires_on=<the raw expiresOn string>)` although azure-core declares
    `expires_on` as int Unix seconds (the generated model types expiresOn as str and the client
    does not convert it). So a user has to parse the ISO-8601 string themselves.
    The string must carry an offset (`Z` or `+00:00`): a naive timestamp is ambiguous.
    """
    assert isinstance(value, str), (
        f"identity 1.5.0 passes expiresOn through as a str; got {type(value).__name__} {value!r}"
    )
    assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", value), (
        f"expiresOn is not ISO-8601 with an offset: {value!r}"
    )
    # Python 3.11's fromisoformat accepts 7 fractional digits (it truncates to microseconds) and Z.
    dt = datetime.fromisoformat(value)
    assert dt.tzinfo is not None
    return dt.astimezone(timezone.utc)


def error_envelope(body: Mapping[str, Any]) -> Mapping[str, Any]:
    """Assert the ACS error envelope `{"error": {"code": str, "message": str}}` and return `error`."""
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), (
        f"expected the ACS error envelope {{'error': {{...}}}}, got {body!r}"
    )
    err = body["error"]
    assert isinstance(err.get("code"), str) and err["code"], f"error.code missing: {body!r}"
    assert isinstance(err.get("message"), str) and err["message"], f"error.message missing: {body!r}"
    return err


def describe(resp) -> str:
    """One-line request/response summary for assertion messages."""
    req = resp.request
    return f"{req.method} {req.url} -> {resp.status_code} {resp.headers.get('content-type')!r} {resp.text[:500]!r}"


def resource_path(resource: Mapping[str, Any]) -> str:
    """`/admin/resources/{id}` with the id percent-encoded."""
    return "/admin/resources/" + quote(str(resource["id"]), safe="")
