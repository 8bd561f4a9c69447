"""HMAC-SHA256 request signing (reference §1.2): what the server accepts and what it refuses."""

from __future__ import annotations

import base64
import os
import time

import pytest
from azure.communication.identity import CommunicationIdentityClient
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

import support

CREATE_PATH = f"/identities?api-version={support.IDENTITY_API_VERSION}"


# ---- the test's own signer is right (offline, against the reference's wire-captured vectors) ----

VECTOR_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
VECTOR_DATE = "Sun, 29 Nov 2026 00:58:39 GMT"
VECTOR_HOST = "localhost:18443"


@pytest.mark.parametrize(
    "path, body, body_hash, signature",
    [
        (
            "/identities?api-version=2023-10-01",
            b"",
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            "FqIzinKybOoVJnBTnlLzE/QaQ1PahFpshljxtWBhtSo=",
        ),
        (
            "/identities?api-version=2023-10-01",
            b'{"createTokenWithScopes": ["chat", "voip"]}',
            "V8+u8Ex0JoTgTgmpir8t4JxsTqBhz791KhW/8639K2A=",
            "/D1l9D1rZQyOVLlMh1hmg0wlywmN8w+0BjygmfVpExI=",
        ),
        (
            "/identities/8%3Aacs%3Ab6aada1f-0b1d-47ac-866f-91aae00a1d01_00000001-0000-0000-0000-000000000001"
            "/:issueAccessToken?api-version=2023-10-01",
            b'{"scopes": ["chat", "chat.join", "chat.join.limited", "voip", "voip.join"]}',
            "AqzzUXRnTFSaUHGqYnOQa5VtWO5ULBtRw55Cbs+GOyc=",
            "7F59ZI+sMIq/5liGAYH+BWJI01epEjYusxDI71Idh0o=",
        ),
    ],
)
def test_signer_matches_reference_vectors(path, body, body_hash, signature):
    headers = support.hmac_headers("POST", f"https://{VECTOR_HOST}{path}", body, VECTOR_KEY, VECTOR_DATE)
    assert headers["x-ms-content-sha256"] == body_hash
    assert headers["Authorization"].endswith("&Signature=" + signature)


# ---- against the server ----

def signed_create(http, base_url, key, date):
    url = base_url + CREATE_PATH
    headers = support.hmac_headers("POST", url, b"", key, date)
    headers["Content-Type"] = "application/json"
    return http.post(CREATE_PATH, data=b"", headers=headers)


def test_fresh_signed_request_succeeds(http, base_url, access_key, immutable_id):
    """Proves the signer against the server before the negative tests rely on it."""
    resp = signed_create(http, base_url, access_key, support.rfc1123(time.time()))
    assert resp.status_code == 201, support.describe(resp)
    assert resp.json()["identity"]["id"].startswith(f"8:acs:{immutable_id}_")


def test_unsigned_request_is_401(http):
    resp = http.post(CREATE_PATH, data=b"", headers={"Content-Type": "application/json"})
    assert resp.status_code == 401, support.describe(resp)
    support.error_envelope(resp.json())


def test_stale_date_is_401(http, base_url, access_key):
    resp = signed_create(http, base_url, access_key, support.rfc1123(time.time() - 3600))
    assert resp.status_code == 401, support.describe(resp)
    support.error_envelope(resp.json())


def test_future_date_is_401(http, base_url, access_key):
    resp = signed_create(http, base_url, access_key, support.rfc1123(time.time() + 3600))
    assert resp.status_code == 401, support.describe(resp)
    support.error_envelope(resp.json())


def test_body_not_matching_hash_is_401(http, base_url, access_key):
    """Signed over an empty body, sent with a different one."""
    url = base_url + CREATE_PATH
    headers = support.hmac_headers("POST", url, b"", access_key, support.rfc1123(time.time()))
    headers["Content-Type"] = "application/json"
    resp = http.post(CREATE_PATH, data=b'{"createTokenWithScopes": ["chat"]}', headers=headers)
    assert resp.status_code == 401, support.describe(resp)
    support.error_envelope(resp.json())


def test_wrong_access_key_is_client_authentication_error(ready):
    endpoint = support.parse_connection_string(ready["connectionString"])["endpoint"]
    wrong = base64.b64encode(os.urandom(32)).decode()
    client = CommunicationIdentityClient.from_connection_string(support.connection_string(endpoint, wrong))
    with pytest.raises(ClientAuthenticationError) as info:
        client.create_user()
    assert info.value.status_code == 401


# ---- explicit endpoint + key credential ----

@pytest.mark.parametrize("trailing_slash", [True, False])
@pytest.mark.parametrize("credential_kind", ["AzureKeyCredential", "str"])
def test_explicit_endpoint_and_key(base_url, access_key, immutable_id, trailing_slash, credential_kind):
    # Quirk (reference §1.2): with "https://host:port/" the SDK signs the host as "host:port/",
    # slash included; the server has to accept that as well as the plain host.
    endpoint = base_url + ("/" if trailing_slash else "")
    credential = AzureKeyCredential(access_key) if credential_kind == "AzureKeyCredential" else access_key
    client = CommunicationIdentityClient(endpoint, credential)
    user, token = client.create_user_and_token(["chat"])
    assert user.properties["id"].startswith(f"8:acs:{immutable_id}_")
    client.get_token(user, ["voip"])  # a percent-encoded path, signed with the same host
    client.revoke_tokens(user)
    client.delete_user(user)


def test_unknown_api_version_is_400(conn_str):
    client = CommunicationIdentityClient.from_connection_string(conn_str, api_version="2099-01-01")
    with pytest.raises(HttpResponseError) as info:
        client.create_user()
    err = info.value
    assert err.status_code == 400, str(err)
    message = str(err)
    assert "api-version" in message.lower() or "api version" in message.lower() or "2099-01-01" in message, message
