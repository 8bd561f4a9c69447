"""Identity API through the sync `CommunicationIdentityClient` (requests transport), as in the quickstarts."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from azure.communication.identity import (
    CommunicationIdentityClient,
    CommunicationTokenScope,
    CommunicationUserIdentifier,
)
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

import support

# Slack for clock reads on both sides and the request round trip.
SKEW = timedelta(minutes=2)

GUID_SUFFIX = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def assert_expires_in(expires_on, minutes: int, token: str | None = None) -> None:
    expected = datetime.now(timezone.utc) + timedelta(minutes=minutes)
    actual = support.parse_expires_on(expires_on)
    assert abs(actual - expected) < SKEW, f"expiresOn {expires_on} is not ~{minutes} min ahead"
    if token is not None:
        # The JWT's exp must agree with the expiresOn the service reported.
        _, payload, _ = support.jwt_parts(token)
        assert abs(payload["exp"] - actual.timestamp()) <= 1.5, (payload["exp"], expires_on)


def test_create_user_id_is_scoped_to_the_resource(identity_client, immutable_id):
    user = identity_client.create_user()
    prefix = f"8:acs:{immutable_id}_"
    assert user.properties["id"].startswith(prefix), user.properties["id"]
    assert user.raw_id == user.properties["id"]
    suffix = user.properties["id"][len(prefix):]
    # Real ACS ids end in a GUID-shaped suffix (reference §2.1).
    assert GUID_SUFFIX.match(suffix), user.properties["id"]
    assert identity_client.create_user().properties["id"] != user.properties["id"]


def test_create_user_and_token_default_expiry_is_24h(identity_client, immutable_id):
    user, token = identity_client.create_user_and_token(["chat", "voip"])
    assert user.properties["id"].startswith(f"8:acs:{immutable_id}_")
    assert isinstance(token.token, str) and token.token.count(".") == 2
    # SDK bug: expires_on is the raw expiresOn string (see support.parse_expires_on).
    assert_expires_in(token.expires_on, 1440, token.token)


def test_create_user_and_token_custom_expiry(identity_client):
    _, token = identity_client.create_user_and_token(["chat"], token_expires_in=timedelta(minutes=60))
    assert_expires_in(token.expires_on, 60, token.token)


def test_get_token_for_existing_user(identity_client):
    user = identity_client.create_user()
    token = identity_client.get_token(user, [CommunicationTokenScope.CHAT])
    assert token.token.count(".") == 2
    assert_expires_in(token.expires_on, 1440, token.token)
    _, payload, _ = support.jwt_parts(token.token)
    assert payload["skypeid"] == user.properties["id"][2:]


def test_get_token_custom_expiry(identity_client):
    user = identity_client.create_user()
    token = identity_client.get_token(user, ["voip"], token_expires_in=timedelta(hours=2))
    assert_expires_in(token.expires_on, 120, token.token)


@pytest.mark.parametrize("minutes", [60, 1440])
def test_expiry_bounds_are_inclusive(identity_client, minutes):
    user = identity_client.create_user()
    token = identity_client.get_token(user, ["chat"], token_expires_in=timedelta(minutes=minutes))
    assert_expires_in(token.expires_on, minutes, token.token)


@pytest.mark.parametrize("scope", support.ALL_SCOPES)
def test_each_scope_is_accepted(identity_client, scope):
    user = identity_client.create_user()
    token = identity_client.get_token(user, [scope])
    _, payload, _ = support.jwt_parts(token.token)
    assert payload["acsScope"].split(",") == [scope]


def test_all_five_scopes_together(identity_client):
    user, token = identity_client.create_user_and_token(
        [
            CommunicationTokenScope.CHAT,
            CommunicationTokenScope.VOIP,
            CommunicationTokenScope.CHAT_JOIN,
            CommunicationTokenScope.CHAT_JOIN_LIMITED,
            CommunicationTokenScope.VOIP_JOIN,
        ]
    )
    _, payload, _ = support.jwt_parts(token.token)
    assert sorted(payload["acsScope"].split(",")) == sorted(support.ALL_SCOPES)
    again = identity_client.get_token(user, support.ALL_SCOPES)
    _, payload, _ = support.jwt_parts(again.token)
    assert sorted(payload["acsScope"].split(",")) == sorted(support.ALL_SCOPES)


@pytest.mark.parametrize("minutes", [59, 1441])
@pytest.mark.parametrize("call", ["get_token", "create_user_and_token"])
def test_expiry_out_of_range_is_validation_error(identity_client, minutes, call):
    user = identity_client.create_user()
    with pytest.raises(HttpResponseError) as info:
        if call == "get_token":
            identity_client.get_token(user, ["chat"], token_expires_in=timedelta(minutes=minutes))
        else:
            identity_client.create_user_and_token(["chat"], token_expires_in=timedelta(minutes=minutes))
    err = info.value
    assert err.status_code == 400, str(err)
    assert err.error is not None, f"no ACS error envelope: {err}"
    assert err.error.code == "ValidationError", str(err)


def test_get_token_without_scopes_is_validation_error(identity_client):
    # scopes=None makes the SDK send `{}`; real ACS answers 400 ValidationError (reference §3).
    user = identity_client.create_user()
    with pytest.raises(HttpResponseError) as info:
        identity_client.get_token(user, None)
    assert info.value.status_code == 400, str(info.value)
    assert info.value.error is not None and info.value.error.code == "ValidationError", str(info.value)


def test_get_token_unknown_user_is_not_found(identity_client, immutable_id):
    ghost = CommunicationUserIdentifier(f"8:acs:{immutable_id}_00000000-0000-0000-0000-000000000000")
    with pytest.raises(ResourceNotFoundError) as info:
        identity_client.get_token(ghost, ["chat"])
    assert info.value.status_code == 404


def test_get_token_random_unknown_user_is_not_found(identity_client, immutable_id):
    ghost = CommunicationUserIdentifier(f"8:acs:{immutable_id}_{uuid.uuid4()}")
    with pytest.raises(ResourceNotFoundError):
        identity_client.get_token(ghost, ["chat"])


def test_deleted_user_cannot_get_token(identity_client):
    user = identity_client.create_user()
    identity_client.get_token(user, ["chat"])  # exists before
    identity_client.delete_user(user)
    with pytest.raises(ResourceNotFoundError):
        identity_client.get_token(user, ["chat"])


def test_revoke_tokens_then_new_token_still_issued(identity_client):
    user = identity_client.create_user()
    identity_client.revoke_tokens(user)  # 204, nothing returned
    token = identity_client.get_token(user, ["chat"])
    assert token.token.count(".") == 2


def test_malformed_id_is_bad_request(identity_client):
    with pytest.raises(HttpResponseError) as info:
        identity_client.get_token(CommunicationUserIdentifier("8:acs:fakeid==="), ["chat"])
    assert info.value.status_code == 400, str(info.value)
    assert not isinstance(info.value, ResourceNotFoundError)


def test_client_is_reusable_with_explicit_default_api_version(conn_str, immutable_id):
    client = CommunicationIdentityClient.from_connection_string(conn_str, api_version="2023-10-01")
    assert client.create_user().properties["id"].startswith(f"8:acs:{immutable_id}_")
