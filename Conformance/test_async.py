"""The async identity client (aiohttp transport).

Two things differ from the sync client and are exercised here (reference §1.1, §1.2):
  - TLS trust comes from SSL_CERT_FILE (set by scripts/test before Python starts); aiohttp ignores
    REQUESTS_CA_BUNDLE.
  - The client signs and sends *decoded* paths: `POST /identities/8:acs:.../:issueAccessToken`
    with raw colons, so the server must route and verify both forms.
"""

from __future__ import annotations

import base64
import os
from datetime import timedelta

import pytest
from azure.communication.identity import CommunicationUserIdentifier
from azure.communication.identity.aio import CommunicationIdentityClient as AsyncIdentityClient
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError

import support


@pytest.mark.parley_only("it checks the tokens with GET /parley/v1/me, Parley's own token introspection")
async def test_async_lifecycle(conn_str, immutable_id, http):
    async with AsyncIdentityClient.from_connection_string(conn_str) as client:
        user = await client.create_user()
        assert user.properties["id"].startswith(f"8:acs:{immutable_id}_")

        user2, token2 = await client.create_user_and_token(["chat", "voip"])
        assert user2.properties["id"].startswith(f"8:acs:{immutable_id}_")
        _, payload, _ = support.jwt_parts(token2.token)
        assert payload["skypeid"] == user2.properties["id"][2:]

        token = await client.get_token(user, ["chat"], token_expires_in=timedelta(minutes=90))
        exp = support.parse_expires_on(token.expires_on)  # SDK bug: a string, see support
        assert abs(payload_exp(token.token) - exp.timestamp()) <= 1.5
        resp = http.me(token.token)
        assert resp.status_code == 200, support.describe(resp)
        assert resp.json()["communicationUser"]["rawId"] == user.properties["id"]

        await client.revoke_tokens(user)
        assert http.me(token.token).status_code == 401

        await client.delete_user(user)
        with pytest.raises(ResourceNotFoundError):
            await client.get_token(user, ["chat"])

        await client.delete_user(user2)
        assert http.me(token2.token).status_code == 401


def payload_exp(token: str) -> int:
    return support.jwt_parts(token)[1]["exp"]


async def test_async_errors_map_like_sync(conn_str, immutable_id):
    async with AsyncIdentityClient.from_connection_string(conn_str) as client:
        ghost = CommunicationUserIdentifier(f"8:acs:{immutable_id}_00000000-0000-0000-0000-000000000000")
        with pytest.raises(ResourceNotFoundError):
            await client.get_token(ghost, ["chat"])
        user = await client.create_user()
        with pytest.raises(HttpResponseError) as info:
            await client.get_token(user, ["chat"], token_expires_in=timedelta(minutes=1441))
        assert info.value.status_code == 400
        assert info.value.error is not None and info.value.error.code == "ValidationError"


async def test_async_wrong_key(ready):
    endpoint = support.parse_connection_string(ready["connectionString"])["endpoint"]
    wrong = base64.b64encode(os.urandom(32)).decode()
    async with AsyncIdentityClient.from_connection_string(support.connection_string(endpoint, wrong)) as client:
        with pytest.raises(ClientAuthenticationError):
            await client.create_user()
