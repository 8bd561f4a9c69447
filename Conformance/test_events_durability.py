"""Event delivery through faults: an endpoint that fails for a while, the attempt and time-to-live
limits, and a receiver that is down while Parley is killed with `kill -9` and restarted.

These tests run their OWN servers (as test_chat_durability.py does) with two settings meant for
local development: `--allow-http-webhooks` (the receiver here is plain HTTP) and
`events.maxRetryDelaySeconds=5` (PARLEY_EVENTS_MAX_RETRY_DELAY_SECONDS), which caps Event Grid's
retry delays and probation (10 s, 30 s, 1 min, … up to 12 h) at 5 s so that a retried delivery
comes within seconds. The schedule itself is tested with the injected clock in the Swift tests
(Tests/ParleyCoreTests/Events). The SDK calls run in a child process that trusts that server's CA.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest
import requests

import support
import webhooks
from test_chat_durability import PARLEY_BIN, Server

pytestmark = [
    pytest.mark.skipif(not PARLEY_BIN, reason="PARLEY_BIN is not set (scripts/test exports it); these tests run their own servers"),
    pytest.mark.parley_only("these tests start and kill Parley servers of their own"),
]

RETRY_CAP_SECONDS = "5"

# Runs in a child interpreter: argv[1] is a JSON request, the last stdout line the JSON answer.
CHILD = r"""
import json, sys
from azure.communication.identity import CommunicationIdentityClient
from azure.communication.chat import ChatClient, CommunicationTokenCredential

req = json.loads(sys.argv[1])
ready = json.load(open(req["ready"]))
identity = CommunicationIdentityClient.from_connection_string(ready["connectionString"])
user, token = identity.create_user_and_token(["chat"])
chat = ChatClient(ready["resource"]["endpoint"], CommunicationTokenCredential(token.token))
thread = chat.create_chat_thread(req.get("topic", "events")).chat_thread
tc = chat.get_chat_thread_client(thread.id)
ids = [tc.send_message(f"m{i}").id for i in range(req["n"])]  # each returns after its 201
if req.get("edit_first") and ids:
    tc.update_message(ids[0], content="edited")
print(json.dumps({"thread": thread.id, "ids": ids}))
"""


def start_server(tmp_path, name: str = "a") -> Server:
    server = Server(
        tmp_path / "data", tmp_path, name,
        extra_args=("--allow-http-webhooks",),
        extra_env={"PARLEY_EVENTS_MAX_RETRY_DELAY_SECONDS": RETRY_CAP_SECONDS},
    )
    server.start()
    return server


def act(server: Server, **request) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps({**request, "ready": str(server.ready_path)})],
        env=server.child_env(), capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, f"SDK child failed:\n{done.stderr[-4000:]}\n---- server log ----\n{server.log_tail()}"
    return json.loads(done.stdout.strip().splitlines()[-1])


class Admin:
    """The admin API of one server (plain requests, trusting that server's CA)."""

    def __init__(self, server: Server):
        self.ready = server.ready
        self.headers = {"Authorization": f"Bearer {server.ready['adminKey']}"}
        self.verify = server.ready["caCertificatePath"]

    def request(self, method: str, path: str, **kwargs):
        return requests.request(method, self.ready["url"] + path, headers=self.headers, verify=self.verify, timeout=support.HTTP_TIMEOUT, **kwargs)

    def subscribe(self, url: str, **body) -> dict:
        payload = {"name": f"sub-{os.urandom(4).hex()}", "destination": {"endpointUrl": url, **body.pop("destination", {})}, **body}
        resp = self.request("POST", webhooks.subscriptions_path(), json=payload)
        assert resp.status_code == 201, support.describe(resp)
        return resp.json()

    def show(self, name: str) -> dict:
        resp = self.request("GET", f"{webhooks.subscriptions_path()}/{name}")
        assert resp.status_code == 200, support.describe(resp)
        return resp.json()

    def dead_letters(self, name: str) -> list[dict]:
        resp = self.request("GET", f"{webhooks.subscriptions_path()}/{name}/deadLetters")
        assert resp.status_code == 200, support.describe(resp)
        return resp.json()["value"]

    def wait(self, check, what: str, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            assert time.monotonic() < deadline, f"no {what} within {timeout} s"
            time.sleep(0.25)


@pytest.fixture
def server(tmp_path):
    s = start_server(tmp_path)
    yield s
    s.stop()


def messages_of(events, thread_id):
    return [e for e in events if e["data"].get("threadId") == thread_id]


def test_an_endpoint_failing_for_a_while_gets_every_event_as_it_was_sent(server, record_property):
    admin = Admin(server)
    receiver = webhooks.Receiver()
    try:
        sub = admin.subscribe(receiver.url(), filter={"includedEventTypes": ["Microsoft.Communication.ChatMessageReceivedInThread"]})
        assert sub["provisioningState"] == "Succeeded", sub
        receiver.statuses = [500, 500]
        done = act(server, n=10, edit_first=True)
        ids = set(done["ids"])
        events = receiver.wait_for(lambda es: {e["data"]["messageId"] for e in messages_of(es, done["thread"])} >= ids, "all ten messages", timeout=90)
        mine = messages_of(events, done["thread"])
        first = [e for e in mine if e["data"]["messageId"] == done["ids"][0]]
        assert {e["data"]["messageBody"] for e in first} == {"m0"}, "the body as sent, though it was edited before the retry"
        failed = [r for r in receiver.deliveries() if r.get("status") == 500]
        assert len(failed) == 2
        retried = [r for r in receiver.accepted() if int(r["headers"]["aeg-delivery-count"]) >= 1]
        assert retried, "the failed events came again, with their delivery count"
        duplicates = len(mine) - len({e["id"] for e in mine})
        record_property("duplicates", duplicates)
        state = admin.wait(lambda: (s := admin.show(sub["name"]))["deliveryState"]["pendingRetries"] == 0 and s, "an empty retry queue")
        assert state["deliveryState"]["consecutiveFailures"] == 0
        assert admin.dead_letters(sub["name"]) == []
    finally:
        receiver.close()


def test_the_attempt_limit_dead_letters(server):
    admin = Admin(server)
    receiver = webhooks.Receiver()
    try:
        sub = admin.subscribe(receiver.url(), retryPolicy={"maxDeliveryAttempts": 2},
                              filter={"includedEventTypes": ["Microsoft.Communication.ChatThreadCreated"]})
        receiver.default_status = 503
        done = act(server, n=0)
        letters = admin.wait(lambda: [e for e in admin.dead_letters(sub["name"]) if e["data"]["threadId"] == done["thread"]], "a dead letter")
        assert letters[0]["deadLetterReason"] == "MaxDeliveryAttemptsExceeded"
        assert letters[0]["deliveryAttempts"] == 2 and letters[0]["lastDeliveryOutcome"] == "Busy"
        assert len([r for r in receiver.deliveries() if done["thread"].encode() in r["body"]]) == 2
    finally:
        receiver.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_events_committed_before_kill_9_arrive_after_the_restart_and_expired_ones_are_dead_lettered(tmp_path, record_property):
    first = start_server(tmp_path, "first")
    second = None
    port = free_port()
    receiver = webhooks.Receiver(port=port)
    expiring = webhooks.Receiver()
    try:
        admin = Admin(first)
        keep = admin.subscribe(receiver.url(), filter={"includedEventTypes": ["Microsoft.Communication.ChatMessageReceivedInThread"]})
        short = admin.subscribe(expiring.url(), retryPolicy={"eventTimeToLiveInMinutes": 1},
                                filter={"includedEventTypes": ["Microsoft.Communication.ChatMessageReceivedInThread"]})
        # Both receivers go down; the events are committed (each send acknowledged) meanwhile.
        receiver.close()
        expiring.close()
        published = time.monotonic()
        done = act(first, n=20)
        first.kill9()

        second = start_server(tmp_path, "second")
        admin = Admin(second)
        receiver = webhooks.Receiver(port=port)
        ids = set(done["ids"])
        events = receiver.wait_for(lambda es: {e["data"]["messageId"] for e in es} >= ids, "every event committed before the kill", timeout=90)
        mine = messages_of(events, done["thread"])
        assert {e["data"]["messageId"] for e in mine} == ids
        duplicates = len(mine) - len({e["id"] for e in mine})
        record_property("duplicates", duplicates)

        # The other receiver stays down: its events outlive their minute and are dead-lettered.
        letters = admin.wait(
            lambda: len(ls := [e for e in admin.dead_letters(short["name"]) if e["data"]["threadId"] == done["thread"]]) == 20 and ls,
            "twenty dead letters", timeout=max(30, 120 - (time.monotonic() - published)),
        )
        assert {e["deadLetterReason"] for e in letters} == {"TimeToLiveExceeded"}
        assert {e["data"]["messageId"] for e in letters} == ids
        assert all(e["lastDeliveryOutcome"] in (None, "SocketError") for e in letters if "lastDeliveryOutcome" in e)
    finally:
        receiver.close()
        first.stop()
        if second is not None:
            second.stop()
