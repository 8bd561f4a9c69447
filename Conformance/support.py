"""Helpers shared by the conformance tests (imported as a plain module; see pytest.ini `pythonpath`).

Nothing here talks to the SDKs' internals: the helpers only decode what a user could decode
(the JWT payload, the `expiresOn` string), build raw HTTP requests for the tests that need
to go around the SDKs (unsigned requests, stale `x-ms-date`, the Parley-specific endpoints),
or wrap the chat SDK's public API the way an application would (`ChatUser` and friends).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import shutil
import signal
import ssl
import socket
import subprocess
import re
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from email.utils import formatdate
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping
from urllib.parse import quote, urlsplit

import pytest
import websocket  # websocket-client, a dependency of selenium
from azure.communication.chat import (
    ChatClient,
    ChatMessageType,
    ChatParticipant,
    ChatThreadClient,
    CommunicationTokenCredential,
    CommunicationUserIdentifier,
)
from azure.core.exceptions import HttpResponseError
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

# Timeout for every direct `requests` call, so that a hung server fails a test instead of the run.
HTTP_TIMEOUT = 30

# The api-version the identity SDK 1.5.0 sends by default (identity/_api_versions.py).
IDENTITY_API_VERSION = "2023-10-01"

# base64 of SHA-256 over the empty body.
EMPTY_BODY_SHA256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="

ALL_SCOPES = ["chat", "voip", "chat.join", "chat.join.limited", "voip.join"]


# --------------------------------------------------------------------------------------------
# The target
# --------------------------------------------------------------------------------------------

def target_kind() -> str:
    """`parley` (scripts/test started a server and wrote its ready file) or `external` (a
    connection string of any endpoint was given: CONFORMANCE_CONNECTION_STRING); `none` otherwise."""
    if os.environ.get("PARLEY_READY_FILE"):
        return "parley"
    if os.environ.get("CONFORMANCE_CONNECTION_STRING"):
        return "external"
    return "none"


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


# --------------------------------------------------------------------------------------------
# Chat (azure-communication-chat 1.3.0, used unmodified)
# --------------------------------------------------------------------------------------------
#
# These helpers only use the chat SDK's public surface, the way an application would: a
# `ChatClient(endpoint, CommunicationTokenCredential(token))` per user, thread clients from
# `get_chat_thread_client`, `ChatParticipant` built from `CommunicationUserIdentifier(raw_id)`.

# `19:<32 hex>@thread.v2` (Parley's thread id format; real ACS also uses this form).
THREAD_ID_RE = re.compile(r"^19:[0-9a-fA-F]{32}@thread\.v2$")

# shareHistoryTime of participants that were given none (the creator, for one).
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

# Published limits (reference §5), as Parley enforces them.
MESSAGE_BYTES_LIMIT = 28 * 1024  # content, in bytes of UTF-8
PARTICIPANTS_PER_BATCH = 200  # create_chat_thread / add_participants
TYPING_AND_RECEIPTS_MAX_PARTICIPANTS = 20
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 200

USER_MESSAGE_TYPES = (ChatMessageType.TEXT, ChatMessageType.HTML)
SYSTEM_MESSAGE_TYPES = (
    ChatMessageType.TOPIC_UPDATED,
    ChatMessageType.PARTICIPANT_ADDED,
    ChatMessageType.PARTICIPANT_REMOVED,
)


def unique_topic(prefix: str = "topic") -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def ghost_user_id(immutable_id: str) -> str:
    """A well-formed ACS user id of `immutable_id` that was never created."""
    return f"8:acs:{immutable_id}_{uuid.uuid4()}"


class ChatUser:
    """An ACS user holding a chat access token, as an application holds one.

    `client` is a sync `ChatClient` built exactly like the quickstarts do; thread clients come
    from `client.get_chat_thread_client`. Everything is closed by the fixture's teardown.
    """

    def __init__(self, endpoint: str, identity_user: Any, token: str, scopes: list[str]):
        self.endpoint = endpoint
        self.identity_user = identity_user  # the identity SDK's identifier (for revoke/delete)
        self.raw_id: str = identity_user.properties["id"]
        self.identifier = CommunicationUserIdentifier(self.raw_id)  # the chat SDK's identifier
        self.token = token
        self.scopes = scopes
        self._client: ChatClient | None = None
        self._thread_clients: list[ChatThreadClient] = []

    def __repr__(self) -> str:
        return f"ChatUser({self.raw_id}, scopes={self.scopes})"

    @property
    def client(self) -> ChatClient:
        if self._client is None:
            self._client = ChatClient(self.endpoint, CommunicationTokenCredential(self.token))
        return self._client

    def thread(self, thread_id: str) -> ChatThreadClient:
        tc = self.client.get_chat_thread_client(thread_id)
        self._thread_clients.append(tc)
        return tc

    def participant(self, display_name: str | None = None, share_history_time: datetime | None = None) -> ChatParticipant:
        return ChatParticipant(
            identifier=self.identifier, display_name=display_name, share_history_time=share_history_time
        )

    def create_thread(self, topic: str | None = None, participants: Iterable[Any] = (), **kwargs) -> ChatThreadClient:
        """Create a thread (asserting no participant errors) and return this user's thread client."""
        result = self.client.create_chat_thread(
            topic or unique_topic(), thread_participants=as_participants(participants), **kwargs
        )
        assert not result.errors, f"create_chat_thread reported participant errors: {result.errors!r}"
        return self.thread(result.chat_thread.id)

    def close(self) -> None:
        for tc in self._thread_clients:
            tc.close()
        if self._client is not None:
            self._client.close()


def as_participants(items: Iterable[Any]) -> list[ChatParticipant]:
    """ChatUser, identifier or ChatParticipant -> ChatParticipant."""
    out = []
    for item in items:
        if isinstance(item, ChatParticipant):
            out.append(item)
        elif isinstance(item, ChatUser):
            out.append(item.participant())
        else:
            out.append(ChatParticipant(identifier=item))
    return out


def raw_ids(items: Iterable[Any]) -> list[str]:
    """Raw ids of ChatParticipants / identifiers / ChatUsers / read receipts, in order."""
    out = []
    for item in items:
        if isinstance(item, ChatUser):
            out.append(item.raw_id)
        elif isinstance(item, ChatParticipant):
            out.append(item.identifier.raw_id)
        elif hasattr(item, "sender"):  # ChatMessageReadReceipt
            out.append(item.sender.raw_id)
        else:
            out.append(item.raw_id)
    return out


def participant_ids(tc: ChatThreadClient, **kwargs) -> list[str]:
    return raw_ids(tc.list_participants(**kwargs))


def messages(tc: ChatThreadClient, **kwargs) -> list[Any]:
    """Every message the SDK yields for `list_messages(**kwargs)`, in the order yielded."""
    return list(tc.list_messages(**kwargs))


def user_messages(items: Iterable[Any]) -> list[Any]:
    return [m for m in items if m.type in USER_MESSAGE_TYPES]


def of_type(items: Iterable[Any], message_type: ChatMessageType) -> list[Any]:
    return [m for m in items if m.type == message_type]


def pages(paged) -> list[list[Any]]:
    """The pages of an ItemPaged, each materialised as a list."""
    return [list(page) for page in paged.by_page()]


def assert_page_sizes(got: list[list[Any]], page_size: int, total: int) -> None:
    """`total` items listed with results_per_page=`page_size`: no page is larger (on *every* page:
    the nextLink must carry maxPageSize, the SDK does not re-send it), so at least
    ceil(total / page_size) pages, and `total` items in all."""
    sizes = [len(p) for p in got]
    assert all(n <= page_size for n in sizes), (
        f"page sizes {sizes} with results_per_page={page_size} (does the nextLink keep maxPageSize?)"
    )
    assert sum(sizes) == total, f"{sum(sizes)} items in pages {sizes}, expected {total}"
    assert len(sizes) >= -(-total // page_size), f"page sizes {sizes}"


def send_messages(tc: ChatThreadClient, n: int, prefix: str = "message") -> list[str]:
    """Send `n` text messages `"{prefix} {i}"`; return their ids in sending order."""
    return [tc.send_message(f"{prefix} {i}").id for i in range(n)]


def assert_aware(dt: Any, what: str = "timestamp") -> None:
    assert isinstance(dt, datetime), f"{what} is {dt!r}, not a datetime"
    assert dt.tzinfo is not None, f"{what} {dt!r} has no offset (the server must send Z or +00:00)"


def assert_epoch_ms(value: Any, what: str = "id") -> None:
    """Message ids and versions: strings of epoch milliseconds close to now."""
    assert isinstance(value, str), f"{what} {value!r} is not a string"
    assert value.isdigit(), f"{what} {value!r} is not an epoch-ms string"
    assert abs(int(value) / 1000 - time.time()) < 3600, f"{what} {value!r} is not epoch ms of about now"


def assert_newest_first(items: list[Any]) -> None:
    """list_messages order: sequence ids strictly decreasing, createdOn never increasing."""
    seqs = [int(m.sequence_id) for m in items]
    assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == len(seqs), f"not newest first: {seqs}"
    created = [m.created_on for m in items]
    assert all(a >= b for a, b in zip(created, created[1:])), f"createdOn increases somewhere: {created}"


def assert_status(exc: HttpResponseError, status: int, code: str | None = None) -> None:
    assert exc.status_code == status, f"expected HTTP {status}, got {exc.status_code}: {exc}"
    if code is not None:
        assert exc.error is not None, f"no ACS error envelope in the {status} response: {exc}"
        assert exc.error.code == code, f"expected error code {code!r}, got {exc.error.code!r}: {exc}"


@contextmanager
def raises_status(status: int, code: str | None = None) -> Iterator[Any]:
    """`pytest.raises(HttpResponseError)` plus the status code (and ACS error code, if given)."""
    with pytest.raises(HttpResponseError) as info:
        yield info
    assert_status(info.value, status, code)


def wait_past(dt: datetime, margin: float = 1.2) -> None:
    """Sleep until the local clock is `margin` seconds past `dt`, so later server timestamps are
    strictly after `dt` even when the server renders whole seconds (real ACS does)."""
    delay = dt.timestamp() + margin - time.time()
    time.sleep(max(margin, delay))


# --------------------------------------------------------------------------------------------
# Organizations: Entra-shaped sign-in and the Graph-shaped directory
# --------------------------------------------------------------------------------------------
#
# A tenant, its people and its app registrations are made through Parley's operator API; sign-in
# goes through the OAuth token endpoint (raw `requests` or MSAL Python, unmodified), and the
# directory is read with plain `requests` the way a Graph REST caller does.

GRAPH_AUDIENCE = "https://graph.microsoft.com"
GRAPH_DEFAULT_SCOPE = "https://graph.microsoft.com/.default"
# The scope the Communication SDKs of the resource APIs ask a TokenCredential for
# (`_shared/auth_policy_utils.py` of identity 1.5.0, networktraversal 1.1.0b2, callautomation
# 1.6.0): the double slash is theirs. Tokens for it have `aud` COMMUNICATION_AUDIENCE.
COMMUNICATION_SCOPE = "https://communication.azure.com//.default"
COMMUNICATION_AUDIENCE = "https://communication.azure.com"
# What MSAL sends for `scopes=["User.Read"]` (it adds the OIDC scopes itself).
USER_SCOPE = "User.Read openid profile offline_access"
PASSWORD = "Correct-Horse-7"
# The Graph v1.0 default property set of a user (returned when there is no $select).
GRAPH_USER_PROPERTIES = frozenset({
    "businessPhones", "displayName", "givenName", "id", "jobTitle", "mail", "mobilePhone",
    "officeLocation", "preferredLanguage", "surname", "userPrincipalName",
})
GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class Org:
    """One tenant made through `POST /admin/tenants`, with its people and apps.

    `http` is conftest's `Http`; `admin` the admin headers. Every user document returned by
    `add_user` is the operator API's answer plus the `password` it was given (None if none).
    """

    def __init__(self, http: Any, admin: Mapping[str, str], tenant: Mapping[str, Any]):
        self.http = http
        self.admin = dict(admin)
        self.tenant = dict(tenant)
        self.id: str = tenant["id"]
        self.domain: str = tenant["domain"]

    def __repr__(self) -> str:
        return f"Org({self.id}, {self.domain})"

    @property
    def authority(self) -> str:
        """What an application gives MSAL: `<url>/<tenant id>`."""
        return f"{self.http.base_url}/{self.id}"

    @property
    def issuer(self) -> str:
        return f"{self.http.base_url}/{self.id}/v2.0"

    def token_path(self, tenant: str | None = None) -> str:
        return f"/{tenant or self.id}/oauth2/v2.0/token"

    def add_user(self, display_name: str, local_part: str | None = None, password: str | None = PASSWORD) -> dict[str, Any]:
        local = local_part or display_name.split()[0].lower()
        body: dict[str, Any] = {"displayName": display_name, "userPrincipalName": f"{local}@{self.domain}"}
        if password is not None:
            body["password"] = password
        resp = self.http.post(f"/admin/tenants/{self.id}/users", headers=self.admin, json=body)
        assert resp.status_code == 201, describe(resp)
        doc = resp.json()
        for field in ("id", "rawId", "userPrincipalName", "mail"):
            assert field in doc, f"created user lacks {field!r}: {doc!r}"
        assert doc["userPrincipalName"].lower() == body["userPrincipalName"].lower(), doc
        return {**doc, "password": password}

    def set_password(self, user: Mapping[str, Any], password: str):
        return self.http.put(
            f"/admin/tenants/{self.id}/users/{user['id']}/password", headers=self.admin, json={"password": password}
        )

    def add_app(self, display_name: str = "Contoso Chat", redirect_uris: list[str] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"displayName": display_name}
        if redirect_uris is not None:
            body["redirectUris"] = redirect_uris
        resp = self.http.post(f"/admin/tenants/{self.id}/apps", headers=self.admin, json=body)
        assert resp.status_code == 201, describe(resp)
        doc = resp.json()
        for field in ("appId", "displayName", "clientSecret", "tenantId"):
            assert field in doc, f"created app lacks {field!r}: {doc!r}"
        assert doc["tenantId"] == self.id, doc
        assert doc["displayName"] == display_name, doc
        return doc

    def grant(self, app: Mapping[str, Any], resource: str = "default", role: str = "Contributor",
              tenant: str | None = None) -> dict[str, Any]:
        """`POST /admin/resources/<resource>/role-assignments`: the app may use the resource's APIs
        with its Entra ID tokens. Returns the assignment (201 when new, 200 when it existed)."""
        resp = self.http.post(
            f"/admin/resources/{resource}/role-assignments", headers=self.admin,
            json={"tenant": tenant or self.domain, "appId": app["appId"], "role": role},
        )
        assert resp.status_code in (200, 201), describe(resp)
        doc = resp.json()
        for field in ("id", "appId", "tenantId", "role", "resourceEndpoint"):
            assert field in doc, f"role assignment lacks {field!r}: {doc!r}"
        return doc

    def credential(self, app: Mapping[str, Any], tenant: str | None = None):
        """azure-identity's ClientSecretCredential for `app` with this Parley as its authority,
        configured as docs/api.md says: `authority=<server URL>`, `disable_instance_discovery=True`
        (there is no Entra instance discovery offline)."""
        from azure.identity import ClientSecretCredential

        return ClientSecretCredential(
            tenant or self.id, app["appId"], app["clientSecret"],
            authority=self.http.base_url, disable_instance_discovery=True,
        )

    def token_request(self, data: Mapping[str, Any], tenant: str | None = None, **kwargs):
        """Raw form-encoded `POST /<tenant>/oauth2/v2.0/token`."""
        return self.http.post(self.token_path(tenant), data=dict(data), **kwargs)

    def password_grant(self, user: Mapping[str, Any], app: Mapping[str, Any], password: str | None = None,
                       scope: str = USER_SCOPE, tenant: str | None = None, **extra):
        return self.token_request({
            "grant_type": "password",
            "client_id": app["appId"],
            "username": user["userPrincipalName"],
            "password": password if password is not None else user["password"],
            "scope": scope,
            "client_info": "1",
            **extra,
        }, tenant=tenant)

    def sign_in(self, user: Mapping[str, Any], app: Mapping[str, Any], **kwargs) -> dict[str, Any]:
        """A successful password grant's JSON body."""
        resp = self.password_grant(user, app, **kwargs)
        assert resp.status_code == 200, describe(resp)
        body = resp.json()
        assert "access_token" in body, body
        return body

    def client_credentials(self, app: Mapping[str, Any], secret: str | None = None,
                           scope: str = GRAPH_DEFAULT_SCOPE, tenant: str | None = None):
        return self.token_request({
            "grant_type": "client_credentials",
            "client_id": app["appId"],
            "client_secret": secret if secret is not None else app["clientSecret"],
            "scope": scope,
        }, tenant=tenant)

    def app_token(self, app: Mapping[str, Any]) -> dict[str, Any]:
        resp = self.client_credentials(app)
        assert resp.status_code == 200, describe(resp)
        body = resp.json()
        assert "access_token" in body, body
        return body


class TeamsUser:
    """A Teams user of an organization that enabled interop with the resource, who signs in at the
    organization's authority with a public client app, as the ACS quickstart for Teams users does
    (MSAL's username/password flow). Parley's (`conftest.teams_user`) is made through the operator
    API; another endpoint's comes from CONFORMANCE_TEAMS_AUTHORITY, _CLIENT_ID, _USERNAME, _PASSWORD."""

    def __init__(self, authority: str, client_id: str, username: str, password: str,
                 http_client: Any = None, instance_discovery: bool = True):
        self.authority = authority
        self.client_id = client_id
        self.username = username
        self.password = password
        self.http_client = http_client
        self.instance_discovery = instance_discovery

    def sign_in(self, scopes: list[str]) -> dict[str, Any]:
        """MSAL's result of the sign-in (with `access_token`), or a failed assertion with MSAL's error."""
        import msal
        import warnings

        kwargs: dict[str, Any] = {"authority": self.authority, "instance_discovery": self.instance_discovery}
        if self.http_client is not None:
            kwargs["http_client"] = self.http_client
        app = msal.PublicClientApplication(self.client_id, **kwargs)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "This API has been deprecated", DeprecationWarning)
            result = app.acquire_token_by_username_password(self.username, self.password, scopes=scopes)
        assert "access_token" in result, result
        return result


def oauth_error(resp, status: int | tuple[int, ...], error: str | tuple[str, ...]) -> dict[str, Any]:
    """Assert an OAuth 2.0 error response (RFC 6749 §5.2) and return its body.

    MSAL hands the JSON body to the application as its result dict, so `error` and
    `error_description` are what a user sees.
    """
    statuses = (status,) if isinstance(status, int) else status
    errors = (error,) if isinstance(error, str) else error
    assert resp.status_code in statuses, f"expected HTTP {statuses}: {describe(resp)}"
    assert (resp.headers.get("content-type") or "").startswith("application/json"), describe(resp)
    body = resp.json()
    assert body.get("error") in errors, f"expected error in {errors}: {body!r}"
    assert isinstance(body.get("error_description"), str) and body["error_description"], body
    assert "access_token" not in body and "id_token" not in body, body
    return body


def decode_client_info(value: str) -> dict[str, Any]:
    """`client_info` is base64url JSON `{"uid": <object id>, "utid": <tenant id>}` (MSAL builds the
    account's home_account_id `uid.utid` from it)."""
    return json.loads(b64url_decode(value))


def verify_jwt(token: str, jwks: Mapping[str, Any], audience: str, issuer: str) -> dict[str, Any]:
    """Verify `token` the way a Python resource server does: PyJWT with the JWKS key whose `kid`
    is in the token header, ES256 only, checking signature, exp/nbf/iat, aud and iss."""
    import jwt  # PyJWT

    header = jwt.get_unverified_header(token)
    assert header.get("alg") == "ES256", header
    keys = [k for k in jwks["keys"] if k.get("kid") == header.get("kid")]
    assert len(keys) == 1, f"token kid {header.get('kid')!r} is not (exactly once) in the JWKS {jwks!r}"
    key = jwt.PyJWK(keys[0]).key
    return jwt.decode(token, key=key, algorithms=["ES256"], audience=audience, issuer=issuer, leeway=60)


def odata_query(**params: Any) -> str:
    """`?$filter=...&$top=...` (`filter="..."` -> `$filter=...`): each value percent-encoded in
    full (spaces as %20, quotes as %27, parentheses as %28/%29, `@` as %40), as the Graph SDKs'
    URI templates send them. Booleans are written `true`/`false`."""
    if not params:
        return ""

    def text(v: Any) -> str:
        return ("true" if v else "false") if isinstance(v, bool) else str(v)

    return "?" + "&".join(f"${k}={quote(text(v), safe='')}" for k, v in params.items())


def graph_error(resp, status: int, code: str | None = None) -> Mapping[str, Any]:
    """Assert a Graph error: the status and `{"error": {"code", "message"}}` (and the code)."""
    assert resp.status_code == status, f"expected HTTP {status}: {describe(resp)}"
    err = error_envelope(resp.json())
    if code is not None:
        assert err["code"] == code, f"expected Graph error code {code!r}: {describe(resp)}"
    return err


class FormPage(HTMLParser):
    """The forms of an HTML page, as a browser sees them: `forms` is a list of
    `{"action", "method", "fields": {name: value}}` (hidden and visible inputs with their values).
    """

    def __init__(self, html: str):
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": (a.get("method") or "get").lower(), "fields": {}})
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a.get("value") or ""

    def handle_data(self, data):
        if data.strip():
            self.text.append(data.strip())


def sign_in_through_page(session, auth_uri: str, username: str, password: str, follow: bool = False):
    """What a person's browser does with an authorization URL: load the sign-in page (which sets
    its cookie), fill in the form, post it. Returns the POST's response (a 302 to the redirect
    URI, or the page again with an error), without following the redirect."""
    import requests

    page = session.get(auth_uri, timeout=HTTP_TIMEOUT, allow_redirects=False)
    assert page.status_code == 200, describe(page)
    assert page.headers.get("content-type", "").startswith("text/html"), describe(page)
    forms = FormPage(page.text).forms
    assert len(forms) == 1 and forms[0]["method"] == "post", forms
    fields = {**forms[0]["fields"], "username": username, "password": password}
    action = requests.compat.urljoin(page.url, forms[0]["action"])
    return session.post(action, data=fields, timeout=HTTP_TIMEOUT, allow_redirects=follow)


def redirect_parameters(response) -> dict[str, str]:
    """The parameters of a 302's Location (query, or fragment for response_mode=fragment)."""
    from urllib.parse import parse_qsl

    assert response.status_code == 302, describe(response)
    location = urlsplit(response.headers["Location"])
    return dict(parse_qsl(location.query or location.fragment))


class DefaultPortSession:
    """MSAL's `http_client` for the password flow against a server on a non-default port.

    Before a username/password (ROPC) request, MSAL 1.39.0 asks the authority's host for the
    user's realm: `GET https://{hostname}/common/userrealm/{upn}?api-version=1.0`, built from
    `urlparse(authority).hostname`, which drops the port (msal/authority.py,
    `Authority.user_realm_discovery`). Against Entra (port 443) that is right; against a server on
    `https://127.0.0.1:PORT` it would go to port 443 and fail with a connection error before the
    token request. A Parley deployed on 443 needs nothing; here this session puts the port back,
    i.e. behaves like a port forward 443 -> PORT. Every other URL (discovery, token endpoint) is
    left alone. It is a plain `requests.Session` otherwise (TLS trust from REQUESTS_CA_BUNDLE).
    MSAL accepts any such object through its documented `http_client=` parameter.
    """

    def __init__(self, base_url: str):
        import requests

        parts = urlsplit(base_url)
        self._default = f"https://{parts.hostname}/"
        self._actual = f"{parts.scheme}://{parts.netloc}/"
        self._session = requests.Session()

    def _url(self, url: str) -> str:
        if url.startswith(self._default) and self._default != self._actual:
            return self._actual + url[len(self._default):]
        return url

    def get(self, url: str, **kwargs):
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        return self._session.get(self._url(url), **kwargs)

    def post(self, url: str, **kwargs):
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        return self._session.post(self._url(url), **kwargs)

    def close(self) -> None:
        self._session.close()


def launch_chromium(ca_path: str, home: Path, extra_args: tuple[str, ...] = ()):
    """Headless Chromium whose HOME is `home`, trusting the CA at `ca_path` through that home's
    NSS database; `extra_args` are more command-line switches."""
    tools = ("/usr/bin/chromium", "/usr/bin/chromedriver", shutil.which("certutil"))
    if not all(t and os.path.exists(t) for t in tools):
        pytest.fail("needs Debian's chromium, chromium-driver and libnss3-tools (scripts/test installs them)", pytrace=False)
    nssdb = home / ".pki" / "nssdb"
    nssdb.mkdir(parents=True)
    for args in (["-N", "--empty-password"],
                 ["-A", "-t", "C,,", "-n", "parley-test-ca", "-i", ca_path]):
        subprocess.run(["certutil", "-d", f"sql:{nssdb}", *args], check=True, capture_output=True)
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", *extra_args):
        options.add_argument(arg)
    service = Service("/usr/bin/chromedriver", env={**os.environ, "HOME": str(home)})
    return webdriver.Chrome(service=service, options=options)


# --------------------------------------------------------------------------------------------
# Parley's calling protocol over the real-time WebSocket (websocket-client, Selenium's dependency)
# --------------------------------------------------------------------------------------------

CALL_WAIT_SECONDS = 20



class CallSocket:
    """A real-time connection registered as a calling endpoint (token in the header, as a
    non-browser client sends it). Every frame read is kept in `frames`, in order."""

    def __init__(self, base_url: str, token: str, raw_id: str, name: str, register: bool = True, after: int | None = None):
        self.name = name
        self.raw_id = raw_id
        self.seq = 0
        self.frames: list[dict[str, Any]] = []
        self.ws = websocket.create_connection(
            f"wss://{urlsplit(base_url).netloc}/parley/v1/realtime" + ("" if after is None else f"?after={after}"),
            header=[f"Authorization: Bearer {token}"],
            sslopt={"cert_reqs": ssl.CERT_REQUIRED, "ca_certs": os.environ["REQUESTS_CA_BUNDLE"]},
            timeout=CALL_WAIT_SECONDS,
        )
        hello = self.wait(lambda f: f["type"] == "hello", "hello")
        assert hello["data"]["identity"]["rawId"] == raw_id, hello
        self.position: int = hello["data"]["position"]
        self.wait(lambda f: f["type"] == "caughtUp", "caughtUp")
        self.endpoint_id: str | None = None
        if register:
            registration = self.ok("registerCallAgent", {"displayName": name})["registration"]
            assert registration["endpointId"] and registration["calls"] == [], registration
            self.endpoint_id = registration["endpointId"]

    def __repr__(self) -> str:
        return f"CallSocket({self.name}, {self.raw_id})"

    def wait(self, match: Callable[[dict[str, Any]], bool], what: str, start: int = 0) -> dict[str, Any]:
        """The first frame from index `start` on that satisfies `match`, reading more as needed;
        bounded by CALL_WAIT_SECONDS in all."""
        index = start
        deadline = time.monotonic() + CALL_WAIT_SECONDS
        while True:
            while index < len(self.frames):
                if match(self.frames[index]):
                    return self.frames[index]
                index += 1
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self.ws.settimeout(remaining)
            try:
                text = self.ws.recv()
            except websocket.WebSocketTimeoutException:
                break
            self.frames.append(json.loads(text))
        pytest.fail(f"{self.name}: no {what} within {CALL_WAIT_SECONDS} s; frames: {json.dumps(self.frames)[-6000:]}")

    def request(self, type_: str, data: dict[str, Any]) -> dict[str, Any]:
        self.seq += 1
        request_id = f"{self.name}-{self.seq}"
        start = len(self.frames)
        self.ws.send(json.dumps({"type": type_, "requestId": request_id, "data": data}))
        frame = self.wait(
            lambda f: f["type"] == "reply" and f["data"].get("requestId") == request_id,
            f"reply to {type_} ({request_id})", start,
        )
        return frame["data"]

    def ok(self, type_: str, data: dict[str, Any]) -> dict[str, Any]:
        reply = self.request(type_, data)
        assert "error" not in reply, f"{self.name}: {type_} {data} refused: {reply}"
        return reply

    def call_frame(self, call_id: str, match: Callable[[dict[str, Any]], bool], what: str, start: int = 0) -> dict[str, Any]:
        """The data of the first `call` frame of `call_id` (from index `start`) satisfying `match`."""
        return self.wait(
            lambda f: f["type"] == "call" and f["data"]["id"] == call_id and match(f["data"]),
            f"call frame of {call_id} with {what}", start,
        )["data"]

    def call_frames(self, call_id: str, start: int = 0) -> list[dict[str, Any]]:
        return [f["data"] for f in self.frames[start:] if f["type"] == "call" and f["data"]["id"] == call_id]

    def newest(self, call_id: str) -> dict[str, Any]:
        """The newest snapshot of `call_id` received so far (the highest `version`)."""
        frames = self.call_frames(call_id)
        assert frames, f"{self.name}: no call frame of {call_id}"
        return max(frames, key=lambda d: d["version"])

    def closed(self) -> int | None:
        """Reads until the server ends the connection; returns its close code, or None when it
        closed with no close frame (a dropped network: a client sees 1006)."""
        deadline = time.monotonic() + CALL_WAIT_SECONDS
        while time.monotonic() < deadline:
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                opcode, data = self.ws.recv_data(control_frame=True)
            except websocket.WebSocketConnectionClosedException:
                return None
            except websocket.WebSocketTimeoutException:
                break
            except (ConnectionError, OSError, ssl.SSLError):
                return None
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                return int.from_bytes(data[:2], "big") if len(data) >= 2 else 1005
            if opcode == websocket.ABNF.OPCODE_TEXT:
                self.frames.append(json.loads(data))
        pytest.fail(f"{self.name}: the connection did not close within {CALL_WAIT_SECONDS} s")

    def close(self) -> None:
        self.ws.close()


def connect_call(caller: CallSocket, callee: CallSocket) -> str:
    """The caller rings the callee, who accepts; both see the call Connected and not recorded.
    Returns the server call id."""
    started = caller.ok("startCall", {"targets": [{"rawId": callee.raw_id}]})["call"]
    call_id = started["id"]
    assert call_id and started["state"] == "Connecting", started
    callee.wait(lambda f: f["type"] == "incomingCall" and f["data"]["id"] == call_id, f"incomingCall {call_id}")
    accepted = callee.ok("acceptCall", {"callId": call_id})["call"]
    assert accepted["id"] == call_id, accepted
    for side in (caller, callee):
        snapshot = side.call_frame(call_id, lambda d: d["state"] == "Connected", "state Connected")
        assert snapshot["isRecordingActive"] is False, snapshot
        assert snapshot["isGroupCall"] is False, snapshot
    return call_id



# --------------------------------------------------------------------------------------------
# A server of a test's own (not the one scripts/test started)
# --------------------------------------------------------------------------------------------

OWN_SERVER_READY_TIMEOUT = 60


class OwnServer:
    """One `$PARLEY_BIN serve --port 0` process on a given data directory, started by a test.

    `prefix` runs it under another command (e.g. `faketime`, which forks the server as its child),
    with `extra_env` added to its environment; the process runs in a session of its own, and is
    signalled as a group, so a wrapper's child goes with it. `share_ca_of` (a data directory) copies that installation's CA into the new data
    directory before the first start, so the server's certificate is trusted by whoever trusts
    that CA already (this process, through REQUESTS_CA_BUNDLE / SSL_CERT_FILE). `extra_args` are
    more `serve` flags (e.g. `--allow-http-webhooks`).
    """

    def __init__(self, data_dir: Path, work: Path, name: str, prefix: Iterable[str] = (),
                 extra_env: Mapping[str, str] | None = None, share_ca_of: str | None = None,
                 extra_args: Iterable[str] = ()):
        self.ready_path = work / f"ready-{name}.json"
        self.log_path = work / f"server-{name}.log"
        self.data_dir = data_dir
        self.prefix = list(prefix)
        self.extra_env = dict(extra_env or {})
        self.share_ca_of = share_ca_of
        self.extra_args = list(extra_args)
        self.proc: subprocess.Popen | None = None
        self.ready: dict | None = None

    def start(self) -> dict:
        binary = os.environ.get("PARLEY_BIN")
        if not binary:
            pytest.fail("PARLEY_BIN is not set (scripts/test exports the server binary)", pytrace=False)
        if self.share_ca_of and not (self.data_dir / "ca.pem").exists():
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            for name in ("ca.pem", "ca-key.pem"):
                shutil.copy2(Path(self.share_ca_of) / name, self.data_dir / name)
        self.ready_path.unlink(missing_ok=True)
        # PARLEY_* variables are server configuration (PARLEY_READY_FILE is `readyFile`): only
        # the flags below configure this server.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
        env.update(self.extra_env)
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [*self.prefix, binary, "serve", "--port", "0", "--data-dir", str(self.data_dir),
                 "--ready-file", str(self.ready_path), *self.extra_args],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True,
            )
        deadline = time.monotonic() + OWN_SERVER_READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"server exited with {self.proc.returncode} before it was ready:\n{self.log_tail()}")
            try:
                self.ready = json.loads(self.ready_path.read_text())
                return self.ready
            except (FileNotFoundError, json.JSONDecodeError):
                time.sleep(0.1)
        pytest.fail(f"no ready file at {self.ready_path} after {OWN_SERVER_READY_TIMEOUT} s:\n{self.log_tail()}")

    def _signal(self, signum: int) -> None:
        assert self.proc is not None
        try:
            os.killpg(self.proc.pid, signum)
        except ProcessLookupError:
            pass

    def kill9(self) -> None:
        self._signal(signal.SIGKILL)
        assert self.proc is not None
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is not None:
            self._signal(signal.SIGKILL)  # a wrapper's child, if any is left
            return
        self._signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill9()

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no server log)"

    def child_env(self) -> dict[str, str]:
        """This process's environment, with TLS trust switched to this server's CA."""
        assert self.ready is not None
        env = dict(os.environ)
        ready_env = self.ready.get("environment") or {}
        for var in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
            value = ready_env.get(var) or self.ready.get("caCertificatePath")
            assert value and Path(value).is_file(), f"no CA file for {var} in {self.ready!r}"
            env[var] = value
        env.pop("PARLEY_READY_FILE", None)
        return env


class StaticTokenCredential:
    """A TokenCredential (azure-core's protocol: `get_token(*scopes, **kwargs)`) that hands out one
    given token, whatever is asked: what an application does that got its token elsewhere. Tests
    use it to send tokens the server must refuse (another audience, expired, forged) through an
    unmodified SDK."""

    def __init__(self, token: str, expires_on: int | None = None):
        self.token = token
        self.expires_on = expires_on if expires_on is not None else int(time.time()) + 3600
        self.scopes_asked: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any):
        from azure.core.credentials import AccessToken

        self.scopes_asked.append(scopes)
        return AccessToken(self.token, self.expires_on)


# --------------------------------------------------------------------------------------------
# Development mode (docs/testing-your-app.md): a server of the suite's own, started with --dev
# --------------------------------------------------------------------------------------------

class DevServer:
    """A Parley in development mode with its admin API at hand: the clock, fault rules,
    snapshots, real-time drops and calls (`/admin/dev/...`). Its CA is the main server's, so the
    SDKs trust it through the same environment variables."""

    def __init__(self, server: OwnServer):
        self.server = server
        ready = server.ready
        assert ready is not None
        self.ready = ready
        self.base_url = ready["url"].rstrip("/")
        self.conn_str = ready["connectionString"]
        self.endpoint = ready["resource"]["endpoint"]
        self.admin = {"Authorization": f"Bearer {ready['adminKey']}"}

    def request(self, method: str, path: str, expect: int | None = 200, **kwargs):
        import requests

        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        resp = requests.request(method, self.base_url + path, headers=self.admin, **kwargs)
        if expect is not None:
            assert resp.status_code == expect, describe(resp)
        return resp

    # The clock
    def clock(self) -> dict[str, Any]:
        return self.request("GET", "/admin/dev/clock").json()

    def advance(self, seconds: float) -> dict[str, Any]:
        return self.request("POST", "/admin/dev/clock/advance", json={"seconds": seconds}).json()

    def freeze(self) -> dict[str, Any]:
        return self.request("POST", "/admin/dev/clock/freeze").json()

    def resume(self) -> dict[str, Any]:
        return self.request("POST", "/admin/dev/clock/resume").json()

    # Faults
    def fault(self, action: Mapping[str, Any], times: int | None = None, duration: float | None = None, **match: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"match": match, "action": dict(action)}
        if times is not None:
            body["times"] = times
        if duration is not None:
            body["durationSeconds"] = duration
        return self.request("POST", "/admin/dev/faults", expect=201, json=body).json()

    def rule(self, rule_id: str) -> dict[str, Any] | None:
        resp = self.request("GET", f"/admin/dev/faults/{rule_id}", expect=None)
        return resp.json() if resp.status_code == 200 else None

    def clear_faults(self) -> int:
        return self.request("DELETE", "/admin/dev/faults").json()["removed"]

    # Snapshots
    def save(self, name: str) -> dict[str, Any]:
        return self.request("POST", "/admin/dev/snapshots", expect=201, json={"name": name, "replace": True}).json()

    def restore(self, name: str) -> dict[str, Any]:
        return self.request("POST", f"/admin/dev/snapshots/{name}/restore").json()

    # Connections and calls
    def drop(self, identity: str, close_code: int | None = None) -> int:
        body: dict[str, Any] = {"identity": identity}
        if close_code is not None:
            body["closeCode"] = close_code
        return self.request("POST", "/admin/dev/realtime/drop", json=body).json()["dropped"]

    def calls(self) -> list[dict[str, Any]]:
        return self.request("GET", "/admin/dev/calls").json()["value"]

    def end_call(self, call_id: str, code: int, sub_code: int) -> None:
        self.request("POST", f"/admin/dev/calls/{call_id}/end", expect=204, json={"code": code, "subCode": sub_code})

    def drop_endpoint(self, endpoint_id: str, close_code: int | None = None) -> None:
        body = {} if close_code is None else {"closeCode": close_code}
        self.request("POST", f"/admin/dev/calls/endpoints/{endpoint_id}/drop", json=body)

    def reset(self) -> None:
        """Between tests: no rules, real time, and the state of the start (the `pristine`
        snapshot): no call left running, no event of another test in the log."""
        self.clear_faults()
        self.resume()
        self.restore("pristine")


# --------------------------------------------------------------------------------------------
# Processes the tests start themselves (coturn, a second server)
# --------------------------------------------------------------------------------------------

def free_loopback_port() -> int:
    """A port free on 127.0.0.1 for both UDP and TCP (coturn listens on both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no port free for both UDP and TCP on 127.0.0.1")


def wait_until(proc: subprocess.Popen, check: Callable[[], Any], seconds: float, what: str, log: Path):
    """Poll `check` until it is truthy, at most `seconds`; fail early if `proc` exits."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {seconds} s:\n{tail(log)}")
        try:
            proc.wait(timeout=0.05)  # the pause between polls; returns early only if it exited
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"{what}: the process exited with {proc.returncode}:\n{tail(log)}")


def tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def stop_process(proc: subprocess.Popen | None, grace: float = 10) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


class TcpProxy:
    """A TCP forwarder on a free loopback port to `target_port`, whose network can be cut: `cut()`
    drops every connection through it and refuses new ones until `restore()`. TLS passes through
    untouched (the server's certificate names 127.0.0.1 whatever the port), so a browser pointed
    at the proxy's origin talks to the server as over any network, and loses it as on a real drop.
    """

    def __init__(self, target_port: int):
        import threading

        self.target = ("127.0.0.1", target_port)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.open: set[socket.socket] = set()
        self.down = False
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import threading

        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                self._drop(s)

    def _drop(self, s: socket.socket) -> None:
        with self.lock:
            self.open.discard(s)
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()

    def cut(self) -> None:
        self.down = True
        with self.lock:
            victims = list(self.open)
        for s in victims:
            self._drop(s)

    def restore(self) -> None:
        self.down = False

    def close(self) -> None:
        self.closed = True
        self.cut()
        self.listener.close()
