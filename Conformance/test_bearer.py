"""Bearer user tokens on the server side: `GET /parley/v1/me` accepts exactly the tokens that are valid.

Plain `requests` (TLS trust via REQUESTS_CA_BUNDLE only). The chat SDK sends these tokens unchanged
and does not check expiry or revocation itself (reference §1.3), so the server is the only guard.
"""

from __future__ import annotations

import base64
import json

import pytest

import support

pytestmark = pytest.mark.parley_only("GET /parley/v1/me is Parley's own token introspection")


def assert_401(resp) -> None:
    assert resp.status_code == 401, support.describe(resp)
    support.error_envelope(resp.json())
    # A `WWW-Authenticate: ... error="insufficient_claims"` challenge would make azure-core try a
    # claims challenge instead of failing (reference §1.3).
    assert "insufficient_claims" not in resp.headers.get("WWW-Authenticate", ""), resp.headers


def test_me_with_valid_token(http, identity_client):
    user, token = identity_client.create_user_and_token(["chat", "voip"])
    resp = http.me(token.token)
    assert resp.status_code == 200, support.describe(resp)
    body = resp.json()
    raw_id = user.properties["id"]
    assert body["communicationUser"]["rawId"] == raw_id, body
    assert body["communicationUser"]["communicationUser"]["id"] == raw_id, body
    assert sorted(body["scopes"]) == ["chat", "voip"], body
    expires = support.parse_expires_on(body["expiresOn"])
    assert abs(expires - support.parse_expires_on(token.expires_on)).total_seconds() <= 1.5, body


def test_me_reports_each_users_own_identity(http, identity_client):
    a, ta = identity_client.create_user_and_token(["chat"])
    b, tb = identity_client.create_user_and_token(["chat.join"])
    ra, rb = http.me(ta.token), http.me(tb.token)
    assert ra.status_code == 200 and rb.status_code == 200, (support.describe(ra), support.describe(rb))
    assert ra.json()["communicationUser"]["rawId"] == a.properties["id"]
    assert rb.json()["communicationUser"]["rawId"] == b.properties["id"]
    assert rb.json()["scopes"] == ["chat.join"]


def test_revoke_invalidates_earlier_tokens_only(http, identity_client):
    user, token = identity_client.create_user_and_token(["chat"])
    older = identity_client.get_token(user, ["voip"])
    assert http.me(token.token).status_code == 200

    identity_client.revoke_tokens(user)
    assert_401(http.me(token.token))
    assert_401(http.me(older.token))

    # A token issued right after the revocation (no sleep: a user would not sleep either) works.
    fresh = identity_client.get_token(user, ["chat"])
    resp = http.me(fresh.token)
    assert resp.status_code == 200, support.describe(resp)
    assert resp.json()["communicationUser"]["rawId"] == user.properties["id"]


def test_delete_user_invalidates_tokens(http, identity_client):
    user, token = identity_client.create_user_and_token(["chat"])
    assert http.me(token.token).status_code == 200
    identity_client.delete_user(user)
    assert_401(http.me(token.token))


def test_tampered_signature_is_rejected(http, identity_client):
    _, token = identity_client.create_user_and_token(["chat"])
    header, payload, sig = token.token.split(".")
    # Flip a character in the middle of the signature (the last one may only carry pad bits).
    i = len(sig) // 2
    flipped = "A" if sig[i] != "A" else "B"
    tampered = f"{header}.{payload}.{sig[:i]}{flipped}{sig[i + 1:]}"
    assert tampered != token.token
    assert_401(http.me(tampered))


def test_forged_payload_is_rejected(http, identity_client):
    """Another user's id pasted into a valid token's payload, signature kept."""
    victim = identity_client.create_user()
    _, token = identity_client.create_user_and_token(["chat"])
    header, payload_seg, sig = token.token.split(".")
    payload = json.loads(support.b64url_decode(payload_seg))
    payload["skypeid"] = victim.properties["id"][len("8:"):]
    forged_seg = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    assert_401(http.me(f"{header}.{forged_seg}.{sig}"))


def test_missing_or_garbage_authorization_is_rejected(http, access_key):
    assert_401(http.get("/parley/v1/me"))
    assert_401(http.get("/parley/v1/me", headers={"Authorization": "Bearer not-a-jwt"}))
    assert_401(http.get("/parley/v1/me", headers={"Authorization": "Bearer a.b.c"}))
    # The resource access key is not a user token.
    assert_401(http.get("/parley/v1/me", headers={"Authorization": f"Bearer {access_key}"}))
