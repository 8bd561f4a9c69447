"""The controllable clock (development mode): everything that depends on time follows it, at
once, and nothing here sleeps.

The clock is moved through `POST /admin/dev/clock/advance`, which returns once what the move ends
has ended (ringing, grace periods, expired tokens' connections, retention), so each check reads
what a client reads right after: the SDKs' answers, and the frames already on the sockets.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from azure.communication.chat import ChatClient, CommunicationTokenCredential
from azure.communication.networktraversal import CommunicationRelayClient
from azure.core.exceptions import ClientAuthenticationError

import support

pytestmark = pytest.mark.parley_dev


def server_now(dev) -> datetime:
    return datetime.fromisoformat(dev.clock()["now"].replace("Z", "+00:00"))


def test_a_token_issued_for_60_minutes_stops_working_when_the_clock_moves_61(dev, dev_identity):
    user, token = dev_identity.create_user_and_token(["chat"], token_expires_in=timedelta(minutes=60))
    client = ChatClient(dev.endpoint, CommunicationTokenCredential(token.token))
    client.create_chat_thread("before")
    dev.advance(59 * 60)
    client.create_chat_thread("still valid")
    dev.advance(2 * 60)
    # The SDK's credential still believes the token (it reads real time); the server does not.
    with pytest.raises(ClientAuthenticationError) as info:
        client.create_chat_thread("after")
    assert info.value.status_code == 401
    client.close()
    # The identity SDK signs with real time (x-ms-date), which the moved clock does not refuse,
    # and the new token is good from the server's new now.
    fresh = dev_identity.get_token(user, ["chat"])
    expires = support.parse_expires_on(fresh.expires_on)
    assert abs((expires - server_now(dev)).total_seconds() - 24 * 3600) < 60, (expires, dev.clock())
    fresh_client = ChatClient(dev.endpoint, CommunicationTokenCredential(fresh.token))
    fresh_client.create_chat_thread("fresh")
    fresh_client.close()


def test_setting_the_clock_back_makes_new_tokens_expire_back_then(dev, dev_identity):
    dev.freeze()
    dev.request("POST", "/admin/dev/clock/set", json={"time": "2020-01-01T00:00:00Z"})
    _, token = dev_identity.create_user_and_token(["chat"], token_expires_in=timedelta(hours=1))
    assert support.parse_expires_on(token.expires_on) == datetime(2020, 1, 1, 1, 0, tzinfo=timezone.utc)
    assert support.jwt_parts(token.token)[1]["iat"] == int(datetime(2020, 1, 1, tzinfo=timezone.utc).timestamp())


def test_relay_credentials_expire_by_the_servers_clock(dev):
    dev.advance(10 * 24 * 3600)
    config = CommunicationRelayClient.from_connection_string(dev.conn_str).get_relay_configuration(ttl=600)
    assert abs((config.expires_on - server_now(dev)).total_seconds() - 600) <= 2, (config.expires_on, dev.clock())


def test_a_call_rings_out_at_once_when_the_clock_moves_85_seconds(dev, dev_user, dev_sockets):
    alice, bob = dev_sockets(dev_user(), "alice"), dev_sockets(dev_user(), "bob")
    call_id = alice.ok("startCall", {"targets": [{"rawId": bob.raw_id}]})["call"]["id"]
    bob.wait(lambda f: f["type"] == "incomingCall" and f["data"]["id"] == call_id, "incomingCall")
    dev.advance(84)
    assert [c["id"] for c in dev.calls()] == [call_id]
    dev.advance(1)
    assert dev.calls() == []
    ended = alice.call_frame(call_id, lambda d: d["state"] == "Disconnected", "Disconnected")
    assert ended["callEndReason"] == {"code": 487, "subCode": 10004}
    stopped = bob.wait(lambda f: f["type"] == "incomingCallEnded" and f["data"]["id"] == call_id, "incomingCallEnded")
    assert stopped["data"]["callEndReason"] == {"code": 487, "subCode": 10004}


def test_frozen_the_clock_lets_a_call_ring_as_long_as_it_likes(dev, dev_user, dev_sockets):
    dev.freeze()
    alice, bob = dev_sockets(dev_user(), "alice"), dev_sockets(dev_user(), "bob")
    call_id = alice.ok("startCall", {"targets": [{"rawId": bob.raw_id}]})["call"]["id"]
    bob.wait(lambda f: f["type"] == "incomingCall" and f["data"]["id"] == call_id, "incomingCall")
    assert dev.clock()["frozen"] is True
    assert [c["id"] for c in dev.calls()] == [call_id]
    bob.ok("acceptCall", {"callId": call_id})
    alice.call_frame(call_id, lambda d: d["state"] == "Connected", "Connected")


def test_the_grace_period_of_a_dropped_endpoint_ends_when_the_clock_says(dev, dev_user, dev_sockets):
    alice, bob = dev_sockets(dev_user(), "alice"), dev_sockets(dev_user(), "bob")
    call_id = support.connect_call(alice, bob)
    dev.drop_endpoint(alice.endpoint_id)
    assert alice.closed() is None, "dropped with no close frame"
    dev.advance(119)
    assert [p["connectionLost"] for c in dev.calls() for p in c["participants"]] == [True, False]
    dev.advance(2)
    ended = bob.call_frame(call_id, lambda d: d["state"] == "Disconnected", "Disconnected")
    assert ended["callEndReason"] == {"code": 0, "subCode": 4521}


def test_a_connection_closes_4001_when_the_clock_passes_its_tokens_expiry(dev, dev_identity, dev_sockets):
    user, token = dev_identity.create_user_and_token(["chat", "voip"], token_expires_in=timedelta(minutes=60))
    chat_user = support.ChatUser(dev.endpoint, user, token.token, ["chat", "voip"])
    socket = dev_sockets(chat_user, "alice", register=False)
    dev.advance(3601)
    assert socket.closed() == 4001


def test_events_older_than_retention_are_pruned_as_the_clock_says(dev, dev_identity, dev_user, dev_sockets):
    alice, bob = dev_user(), dev_user()
    listener = dev_sockets(bob, "bob", register=False)
    position = listener.position
    listener.close()
    alice.create_thread(participants=[bob]).send_message("long ago")
    dev.advance(24 * 3600 + 60)
    # A day later every token of then has expired: fresh ones, as an application would fetch.
    alice = support.ChatUser(dev.endpoint, alice.identity_user, dev_identity.get_token(alice.identity_user, ["chat"]).token, ["chat"])
    bob = support.ChatUser(dev.endpoint, bob.identity_user, dev_identity.get_token(bob.identity_user, ["chat"]).token, ["chat"])
    # Something new, so the old events are not the latest (the latest is always kept).
    alice.create_thread(participants=[bob])
    alice.close()
    dev.advance(1)
    resumed = dev_sockets(bob, "bob-again", register=False, after=position)
    resync = [f for f in resumed.frames if f["type"] == "resyncRequired"]
    assert resync and "retention" in resync[0]["data"]["reason"], resumed.frames
