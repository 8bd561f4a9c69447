"""The user access tokens Parley mints must be usable by the chat SDK's own credential.

`azure.communication.chat.CommunicationTokenCredential(token)` decodes the JWT payload locally with
`base64.b64decode(payload + "==")`: standard (not url-safe) base64, non-strict, so any `-` or `_`
in the payload segment is silently dropped and the JSON is garbled (reference §1.3). That is an SDK
bug the server has to live with: every payload segment must be free of `-` and `_`. Real ACS
tokens are not exempt either; the server has to pad or adjust claims until the text is clean.

For ASCII JSON the bad characters can only come from the last 6 bits of every third byte, i.e. from
`>`, `?` or `~` at offsets 2, 5, 8, ...; non-ASCII bytes (which the SDK also refuses: it decodes
the payload as ASCII) can produce them anywhere. A server minting GUIDs, digits and scope names
passes by construction; these tests pin that down across many users and scope sets, and
`test_payload_rule_is_what_the_sdk_needs` shows that breaking the rule really breaks the SDK.
"""

from __future__ import annotations

import base64
import json
import time

import pytest
from azure.communication.chat import CommunicationTokenCredential

import support

# Scope sets that vary the payload length and content, so the encoded text varies a lot.
SCOPE_SETS = [
    ["chat"],
    ["voip"],
    ["chat", "voip"],
    ["chat.join"],
    ["chat.join.limited"],
    ["voip.join"],
    ["chat.join", "voip.join"],
    support.ALL_SCOPES,
]

N_USERS = 50


def check_token(token: str, user_id: str, scopes: list[str], immutable_id: str) -> None:
    segments = token.split(".")
    assert len(segments) == 3, token

    # The rule the server must keep for the SDK's non-strict standard-base64 decoder.
    assert "-" not in segments[1] and "_" not in segments[1], (
        f"payload segment contains '-' or '_', which the chat SDK drops: {segments[1]}"
    )

    header, payload, signature = support.jwt_parts(token)
    assert isinstance(header.get("alg"), str) and header["alg"].lower() != "none", header
    assert signature, "empty signature segment"

    # What the SDK itself reads: exp, through its own credential.
    sdk_token = CommunicationTokenCredential(token).get_token()
    assert sdk_token.token == token
    assert sdk_token.expires_on == payload["exp"]

    assert payload["skypeid"] == user_id[len("8:"):], (payload, user_id)
    assert sorted(payload["acsScope"].split(",")) == sorted(scopes), payload
    assert payload["resourceId"] == immutable_id, payload
    for claim in ("iat", "exp"):
        assert isinstance(payload[claim], int) and not isinstance(payload[claim], bool), payload
    now = time.time()
    assert payload["iat"] <= now + 120, payload
    assert payload["exp"] > now, payload
    assert payload["exp"] > payload["iat"], payload
    assert "scp" in payload and isinstance(payload["scp"], int), payload


def test_tokens_for_many_users_parse_with_the_sdk(identity_client, immutable_id):
    failures = []
    for i in range(N_USERS):
        scopes = SCOPE_SETS[i % len(SCOPE_SETS)]
        user, token = identity_client.create_user_and_token(scopes)
        try:
            check_token(token.token, user.properties["id"], scopes, immutable_id)
        except (AssertionError, ValueError, KeyError, TypeError) as exc:  # collect them all
            failures.append(f"user {i} {user.properties['id']} scopes={scopes}: {exc!r}")
    assert not failures, "\n".join(failures)


def test_reissued_tokens_parse_with_the_sdk(identity_client, immutable_id):
    user = identity_client.create_user()
    failures = []
    for i, scopes in enumerate(SCOPE_SETS * 2):
        token = identity_client.get_token(user, scopes)
        try:
            check_token(token.token, user.properties["id"], scopes, immutable_id)
        except (AssertionError, ValueError, KeyError, TypeError) as exc:
            failures.append(f"issue {i} scopes={scopes}: {exc!r}")
    assert not failures, "\n".join(failures)


def test_default_lifetime_in_claims(identity_client):
    _, token = identity_client.create_user_and_token(["chat"])
    _, payload, _ = support.jwt_parts(token.token)
    assert abs((payload["exp"] - payload["iat"]) - 24 * 3600) <= 2, payload


def test_tokens_are_not_reused(identity_client):
    user = identity_client.create_user()
    first = identity_client.get_token(user, ["chat"]).token
    second = identity_client.get_token(user, ["voip"]).token
    assert first != second


@pytest.mark.parametrize("bad", ["abc", "a.b", ""])
def test_sdk_rejects_non_jwt_locally(bad):
    # Sanity check that the SDK check used above can fail at all.
    with pytest.raises(ValueError):
        CommunicationTokenCredential(bad)


def test_payload_rule_is_what_the_sdk_needs():
    """A payload with `-`/`_` in its base64url text makes the SDK's credential fail (SDK bug)."""
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")

    def token_for(claims: dict) -> tuple[str, str]:
        seg = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
        return f"{header}.{seg}.c2ln", seg

    good, good_seg = token_for({"exp": 1700000000, "x": "aaa"})
    assert "-" not in good_seg and "_" not in good_seg
    assert CommunicationTokenCredential(good).get_token().expires_on == 1700000000

    bad, bad_seg = token_for({"exp": 1700000000, "x": "~~~???>>>"})
    assert "-" in bad_seg or "_" in bad_seg, bad_seg
    with pytest.raises(ValueError):
        CommunicationTokenCredential(bad)
