"""ACS Network Traversal: `CommunicationRelayClient.get_relay_configuration` of
azure-communication-networktraversal 1.1.0b2 (api-version 2022-03-01-preview), unmodified.

The credentials are checked the way coturn's `use-auth-secret` checks them (docs/relay.md):
username `<unix expiry>:<user>`, credential `base64(HMAC-SHA1(secret, username))`, with the secret
the server reports in its ready document. Tests/ParleyServerTests/CoturnIntegrationTests.swift
shows a real coturn accepting them (and refusing expired ones).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid

import pytest
from azure.communication.identity import CommunicationIdentityClient, CommunicationUserIdentifier
from azure.communication.networktraversal import CommunicationRelayClient, RouteType
from azure.communication.networktraversal.aio import CommunicationRelayClient as AsyncRelayClient
from azure.core.exceptions import ClientAuthenticationError

import support

MAX_TTL = 172800  # 48 hours: the service's maximum and default


@pytest.fixture(scope="module")
def relay_client(conn_str) -> CommunicationRelayClient:
    return CommunicationRelayClient.from_connection_string(conn_str)


@pytest.fixture(scope="module")
def relay(ready) -> dict:
    assert "relay" in ready, f"ready file lacks 'relay': {ready!r}"
    return ready["relay"]


def turn_credential(secret: str, username: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()).decode()


def check(config, relay: dict, user_part: str | None, route_types: list[str], ttl: int, issued_at: float) -> None:
    """Every ICE server lists the configured URLs and carries a credential coturn would accept
    until `expires_on`, which is `ttl` seconds after the request."""
    expires = config.expires_on
    assert expires.tzinfo is not None, f"expires_on is naive: {expires!r}"
    # Never before the moment of the request plus ttl (a client computes it before it asks); the
    # server rounds up to whole seconds, so at most one second later than its own clock's now + ttl.
    assert issued_at + ttl <= expires.timestamp() <= time.time() + ttl + 1, (expires, issued_at, ttl)
    assert [s.route_type for s in config.ice_servers] == route_types
    for server in config.ice_servers:
        assert server.urls == relay["stunURLs"] + relay["turnURLs"]
        timestamp, _, user = server.username.partition(":")
        assert int(timestamp) == int(expires.timestamp()), (server.username, expires)
        if user_part is None:
            uuid.UUID(user)  # anonymous: a random UUID
        else:
            assert user == user_part
        assert server.credential == turn_credential(relay["sharedSecret"], server.username)


def test_for_a_user_both_route_types_live_48_hours(relay_client, identity_client, relay):
    user = identity_client.create_user()
    start = time.time()
    config = relay_client.get_relay_configuration(user=user)
    check(config, relay, user.properties["id"], [RouteType.ANY, RouteType.NEAREST], MAX_TTL, start)


def test_without_a_user(relay_client, relay):
    start = time.time()
    config = relay_client.get_relay_configuration()
    check(config, relay, None, ["any", "nearest"], MAX_TTL, start)


@pytest.mark.parametrize("route_type", [RouteType.ANY, RouteType.NEAREST, "nearest"])
def test_route_type_filters(relay_client, identity_client, relay, route_type):
    user = identity_client.create_user()
    start = time.time()
    config = relay_client.get_relay_configuration(user=user, route_type=route_type)
    check(config, relay, user.properties["id"], [RouteType(route_type).value], MAX_TTL, start)


@pytest.mark.parametrize("ttl", [0, 100, 3600, MAX_TTL])
def test_ttl(relay_client, relay, ttl):
    start = time.time()
    config = relay_client.get_relay_configuration(ttl=ttl)
    check(config, relay, None, ["any", "nearest"], ttl, start)


def test_ttl_above_the_maximum_gets_the_default(relay_client, relay):
    # The specification: "The default value will be used if given value exceeds it."
    start = time.time()
    config = relay_client.get_relay_configuration(ttl=MAX_TTL + 1)
    check(config, relay, None, ["any", "nearest"], MAX_TTL, start)


def test_negative_ttl_is_bad_request(relay_client):
    # The SDK turns off client-side validation, so the out-of-range value reaches the server.
    with support.raises_status(400, "ValidationError") as info:
        relay_client.get_relay_configuration(ttl=-1)
    assert info.value.error.target == "ttl"


def test_unknown_route_type_is_bad_request(relay_client):
    with support.raises_status(400, "ValidationError") as info:
        relay_client.get_relay_configuration(route_type="closest")
    assert info.value.error.target == "routeType"


def test_unknown_user_is_bad_request(relay_client, immutable_id):
    ghost = CommunicationUserIdentifier(support.ghost_user_id(immutable_id))
    with support.raises_status(400, "ValidationError") as info:
        relay_client.get_relay_configuration(user=ghost)
    assert info.value.error.target == "id"


def test_user_of_another_resource_is_bad_request(relay_client, second_resource):
    stranger = CommunicationIdentityClient.from_connection_string(second_resource["connectionString"]).create_user()
    with support.raises_status(400, "ValidationError"):
        relay_client.get_relay_configuration(user=stranger)
    # ... while that resource's own key gets credentials for it.
    own = CommunicationRelayClient.from_connection_string(second_resource["connectionString"])
    config = own.get_relay_configuration(user=stranger, route_type=RouteType.ANY)
    assert config.ice_servers[0].username.endswith(":" + stranger.properties["id"])


def test_wrong_key_is_refused(ready):
    bad = support.connection_string(ready["resource"]["endpoint"], base64.b64encode(b"\x03" * 64).decode())
    with pytest.raises(ClientAuthenticationError) as info:
        CommunicationRelayClient.from_connection_string(bad).get_relay_configuration()
    assert info.value.status_code == 401


def test_stable_api_version(relay_client, relay):
    # The SDK ignores a client-level api_version (the generated operation reads it from the
    # call's kwargs only), so the stable version is passed per call.
    start = time.time()
    config = relay_client.get_relay_configuration(route_type=RouteType.ANY, api_version="2022-02-01")
    check(config, relay, None, ["any"], MAX_TTL, start)


async def test_async_client(conn_str, identity_client, relay):
    user = identity_client.create_user()
    async with AsyncRelayClient.from_connection_string(conn_str) as client:
        start = time.time()
        config = await client.get_relay_configuration(user=user, route_type=RouteType.NEAREST, ttl=600)
    check(config, relay, user.properties["id"], ["nearest"], 600, start)


def test_expiry_is_never_before_the_request_plus_ttl(relay_client, relay):
    """`expiresOn` is whole seconds: rounded up, so a client's own `now + ttl`, computed just before
    the call, is never later than it (a request almost always starts inside a second, where
    truncation would end up to a second early); the TURN username carries the same second."""
    for ttl in (1, 60, 600, 3600, 86400):
        start = time.time()
        config = relay_client.get_relay_configuration(ttl=ttl)
        assert config.expires_on.timestamp() >= start + ttl, (config.expires_on, start, ttl)
        check(config, relay, None, ["any", "nearest"], ttl, start)
