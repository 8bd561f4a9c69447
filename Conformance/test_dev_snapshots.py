"""Snapshots (development mode): the whole state saved under a name and restored while the server
runs, so a test suite resets between cases. What restoring does to what is running: calls end
for every party (0/7000), real-time connections close (4009), and a client that resumes from a
position of before is told to reload (`resyncRequired`).
"""

from __future__ import annotations

import pytest
from azure.core.exceptions import ResourceNotFoundError

import support

pytestmark = [pytest.mark.parley_dev, pytest.mark.parley_only("snapshots are development mode's")]


def test_a_restore_brings_back_the_saved_state(dev, dev_identity, dev_user):
    alice, bob = dev_user(), dev_user()
    kept = alice.create_thread("kept", participants=[bob])
    kept.send_message("before")
    saved = dev.save("suite-start")
    assert saved["name"] == "suite-start" and saved["databaseBytes"] > 0

    kept.send_message("after")
    gone = alice.create_thread("gone")
    carol, _ = dev_identity.create_user_and_token(["chat"])

    result = dev.restore("suite-start")
    assert result["snapshot"]["name"] == "suite-start"
    assert [m.content.message for m in support.user_messages(support.messages(kept))] == ["before"]
    with support.raises_status(404):
        gone.get_properties()
    with pytest.raises(ResourceNotFoundError):
        dev_identity.get_token(carol, ["chat"])
    # Users of before the snapshot go on with the tokens they hold.
    bob.thread(kept.thread_id).send_message("bob is still here")


def test_a_restore_ends_calls_for_every_party_and_closes_connections(dev, dev_user, dev_sockets):
    dev.save("empty")
    alice, bob = dev_sockets(dev_user(), "alice"), dev_sockets(dev_user(), "bob")
    call_id = support.connect_call(alice, bob)
    result = dev.restore("empty")
    assert result["callsEnded"] == 1
    assert result["connectionsClosed"] >= 2
    for side in (alice, bob):
        assert side.call_frame(call_id, lambda d: d["state"] == "Disconnected", "Disconnected")["callEndReason"] == {
            "code": 0, "subCode": 7000,
        }
        assert side.closed() == 4009


def test_a_client_resuming_from_before_a_restore_reloads(dev, dev_user, dev_sockets):
    alice, bob = dev_user(), dev_user()
    dev.save("two-users")
    listener = dev_sockets(bob, "bob", register=False)
    alice.create_thread(participants=[bob]).send_message("soon forgotten")
    position = listener.wait(lambda f: f["type"] == "chatMessageReceived", "the message")["position"]
    dev.restore("two-users")
    assert listener.closed() == 4009
    resumed = dev_sockets(bob, "bob-again", register=False, after=position)
    resync = [f for f in resumed.frames if f["type"] == "resyncRequired"]
    assert resync and "snapshot" in resync[0]["data"]["reason"], resumed.frames
    # From the position it is given, it goes on with what happens next.
    alice.create_thread(participants=[bob]).send_message("new history")
    resumed.wait(lambda f: f["type"] == "chatMessageReceived", "the new message")


def test_snapshots_are_listed_and_deleted_and_names_are_checked(dev):
    dev.save("listed")
    names = [s["name"] for s in dev.request("GET", "/admin/dev/snapshots").json()["value"]]
    assert "listed" in names
    dev.request("DELETE", "/admin/dev/snapshots/listed", expect=204)
    missing = dev.request("POST", "/admin/dev/snapshots/listed/restore", expect=404)
    assert missing.json()["error"]["code"] == "SnapshotNotFound"
    bad = dev.request("POST", "/admin/dev/snapshots", expect=400, json={"name": "../../etc"})
    assert bad.json()["error"]["target"] == "name"
