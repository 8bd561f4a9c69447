"""Call and real-time faults (development mode) through Parley's calling protocol: injected end
reasons reach every party, callees that never answer or decline, calling requests that fail,
connections and endpoints that drop, upgrades that are refused.

Each party is its own real-time WebSocket (`support.CallSocket`), as in test_call_recording.py.
"""

from __future__ import annotations

import base64
import os

import pytest
import requests

import support

pytestmark = [pytest.mark.parley_dev, pytest.mark.parley_only("Parley's real-time calling protocol")]

REASON = {"code": 480, "subCode": 10037}


def ended(socket: support.CallSocket, call_id: str) -> dict:
    return socket.call_frame(call_id, lambda d: d["state"] == "Disconnected", "Disconnected")


def incoming_ended(socket: support.CallSocket, call_id: str) -> dict:
    return socket.wait(lambda f: f["type"] == "incomingCallEnded" and f["data"]["id"] == call_id, "incomingCallEnded")["data"]


def test_an_ended_call_tells_every_party_the_chosen_reason(dev, dev_user, dev_sockets):
    alice, bob, carol = (dev_sockets(dev_user(), name) for name in ("alice", "bob", "carol"))
    call_id = alice.ok("startCall", {"targets": [{"rawId": bob.raw_id}, {"rawId": carol.raw_id}]})["call"]["id"]
    bob.wait(lambda f: f["type"] == "incomingCall" and f["data"]["id"] == call_id, "incomingCall")
    bob.ok("acceptCall", {"callId": call_id})
    listed = dev.calls()
    assert [(p["rawId"], p["state"]) for p in listed[0]["participants"]] == [
        (alice.raw_id, "connected"), (bob.raw_id, "connected"), (carol.raw_id, "ringing"),
    ]

    dev.end_call(call_id, REASON["code"], REASON["subCode"])
    assert ended(alice, call_id)["callEndReason"] == REASON
    assert ended(bob, call_id)["callEndReason"] == REASON
    assert incoming_ended(carol, call_id)["callEndReason"] == REASON
    assert dev.calls() == []


def test_an_end_call_fault_on_accept_ends_the_call_for_everyone(dev, dev_user, dev_sockets):
    alice, bob = dev_sockets(dev_user(), "alice"), dev_sockets(dev_user(), "bob")
    dev.fault({"type": "endCall", "endReason": REASON}, times=1, api="calling", operation="acceptCall", identity=bob.raw_id)
    call_id = alice.ok("startCall", {"targets": [{"rawId": bob.raw_id}]})["call"]["id"]
    bob.wait(lambda f: f["type"] == "incomingCall" and f["data"]["id"] == call_id, "incomingCall")
    reply = bob.request("acceptCall", {"callId": call_id})
    assert reply["error"]["status"] == 404, reply
    assert ended(alice, call_id)["callEndReason"] == REASON
    assert incoming_ended(bob, call_id)["callEndReason"] == REASON


def test_a_callee_that_never_answers_is_not_rung_and_the_call_rings_out(dev, dev_user, dev_sockets):
    alice, bob = dev_sockets(dev_user(), "alice"), dev_sockets(dev_user(), "bob")
    dev.fault({"type": "noAnswer"}, times=1, api="ringing", identity=bob.raw_id)
    call_id = alice.ok("startCall", {"targets": [{"rawId": bob.raw_id}]})["call"]["id"]
    alice.call_frame(call_id, lambda d: d["state"] == "Ringing", "Ringing")
    dev.advance(85)
    assert ended(alice, call_id)["callEndReason"] == {"code": 487, "subCode": 10004}
    # Bob heard nothing of it: the next frame he gets is the next call's ring.
    second = alice.ok("startCall", {"targets": [{"rawId": bob.raw_id}]})["call"]["id"]
    first_ring = bob.wait(lambda f: f["type"] in ("incomingCall", "incomingCallEnded"), "a ring")
    assert first_ring["type"] == "incomingCall" and first_ring["data"]["id"] == second, bob.frames


def test_a_callee_that_declines_ends_the_call_with_603(dev, dev_user, dev_sockets):
    alice, bob = dev_sockets(dev_user(), "alice"), dev_sockets(dev_user(), "bob")
    dev.fault({"type": "decline"}, api="ringing", identity=bob.raw_id)
    call_id = alice.ok("startCall", {"targets": [{"rawId": bob.raw_id}]})["call"]["id"]
    assert ended(alice, call_id)["callEndReason"] == {"code": 603, "subCode": 0}
    assert dev.calls() == []


def test_a_calling_request_can_be_refused_with_a_status(dev, dev_user, dev_sockets):
    alice, bob = dev_sockets(dev_user(), "alice"), dev_sockets(dev_user(), "bob")
    dev.fault({"type": "status", "status": 503, "message": "Try later"}, times=1, api="calling", operation="startCall")
    refused = alice.request("startCall", {"targets": [{"rawId": bob.raw_id}]})
    assert refused["error"] == {"status": 503, "code": "ServiceUnavailable", "message": "Try later"}, refused
    assert dev.calls() == []
    alice.ok("startCall", {"targets": [{"rawId": bob.raw_id}]})


def test_a_close_fault_drops_the_requesting_connection(dev, dev_user, dev_sockets):
    alice, bob = dev_sockets(dev_user(), "alice"), dev_sockets(dev_user(), "bob")
    call_id = support.connect_call(alice, bob)
    dev.fault({"type": "close"}, times=1, api="calling", operation="hold", identity=alice.raw_id)
    alice.ws.send('{"type": "hold", "requestId": "h", "data": {"callId": "%s"}}' % call_id)
    assert alice.closed() is None
    # Alice's endpoint is in its grace period: Bob's call goes on.
    assert [p["connectionLost"] for p in dev.calls()[0]["participants"]] == [True, False]


@pytest.mark.parametrize("code", [1001, 4001, 4003, 4008, 4009])
def test_a_users_connections_drop_with_the_chosen_close_code(dev, dev_user, dev_sockets, code):
    user = dev_user()
    first, second = dev_sockets(user, "phone", register=False), dev_sockets(user, "laptop", register=False)
    assert dev.drop(user.raw_id, close_code=code) == 2
    assert first.closed() == code
    assert second.closed() == code


def test_a_drop_without_a_close_code_is_a_lost_network(dev, dev_user, dev_sockets):
    user = dev_user()
    socket = dev_sockets(user, "phone", register=False)
    assert dev.drop(user.raw_id) == 1
    assert socket.closed() is None


def test_an_unknown_close_code_is_refused(dev):
    resp = dev.request("POST", "/admin/dev/realtime/drop", expect=400, json={"identity": "8:acs:x", "closeCode": 1006})
    assert resp.json()["error"]["target"] == "closeCode"


def test_an_upgrade_fault_refuses_the_websocket_with_the_envelope_and_retry_after(dev, dev_user):
    user = dev_user()
    dev.fault({"type": "status", "status": 503, "retryAfterSeconds": 5}, times=1, api="realtime", identity=user.raw_id)
    headers = {
        "Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(), "Authorization": f"Bearer {user.token}",
    }
    refused = requests.get(dev.base_url + "/parley/v1/realtime", headers=headers, timeout=support.HTTP_TIMEOUT)
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "5"
    assert refused.json()["error"]["code"] == "ServiceUnavailable"
    upgraded = requests.get(dev.base_url + "/parley/v1/realtime", headers=headers, timeout=support.HTTP_TIMEOUT, stream=True)
    assert upgraded.status_code == 101
    upgraded.close()
