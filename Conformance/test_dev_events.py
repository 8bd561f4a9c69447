"""Development mode and events out (docs/testing-your-app.md, "Events"): the controllable clock
drives webhook delivery retries, probation, time to live and manual validation windows; fault
rules of API `eventDelivery` fail attempts as a webhook's answer would; snapshots keep dead
letters.

A real webhook receiver (webhooks.Receiver, HTTPS with a certificate of the installation's CA)
gets the deliveries. The clock is frozen first, so real time never reaches a retry: what arrives
after a move arrived because of the move.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

import support
import webhooks

pytestmark = pytest.mark.parley_dev

THREAD_CREATED = "Microsoft.Communication.ChatThreadCreated"


@pytest.fixture(scope="module")
def dev_receiver_tls(dev_server_process, tmp_path_factory):
    data = Path(dev_server_process.ready["dataDirectory"])
    return webhooks.issue_certificate(str(data / "ca.pem"), str(data / "ca-key.pem"), tmp_path_factory.mktemp("dev-receiver"))


@pytest.fixture
def receiver(dev_receiver_tls):
    r = webhooks.Receiver(tls=dev_receiver_tls)
    yield r
    r.close()


def subscribe(dev, receiver, **body) -> dict:
    payload = {
        "name": f"dev-{uuid.uuid4().hex[:10]}",
        "destination": {"endpointUrl": receiver.url()},
        "filter": {"includedEventTypes": [THREAD_CREATED]},
        **body,
    }
    return dev.request("POST", webhooks.subscriptions_path(), expect=201, json=payload).json()


def dead_letters(dev, name: str) -> list[dict]:
    return dev.request("GET", f"{webhooks.subscriptions_path()}/{name}/deadLetters").json()["value"]


def wait(predicate, what: str, timeout: float = webhooks.WAIT_SECONDS):
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        assert time.monotonic() < deadline, f"no {what} within {timeout} s"
        time.sleep(0.1)
    return result


def thread_created(receiver, thread_id: str) -> list[dict]:
    return [e for e in receiver.events() if webhooks.event_type(e) == THREAD_CREATED and e["data"]["threadId"] == thread_id]


def test_a_failed_delivery_is_retried_when_the_clock_moves_past_its_retry(dev, dev_user, receiver):
    dev.freeze()
    sub = subscribe(dev, receiver)
    rule = dev.fault({"type": "status", "status": 503}, times=1, api="eventDelivery", operation=sub["name"])
    alice = dev_user()
    thread_id = alice.client.create_chat_thread("retried").chat_thread.id

    # The first attempt failed by the rule (it never reached the receiver), and nothing else
    # comes while the clock stands still: Event Grid waits at least 30 s after a 503.
    wait(lambda: dev.rule(rule["id"]) is None, "injected fault")
    assert dev.request("GET", f"{webhooks.subscriptions_path()}/{sub['name']}").json()["deliveryState"]["lastDeliveryOutcome"] == "Busy"
    assert thread_created(receiver, thread_id) == []

    dev.advance(45)
    receiver.wait_for(lambda es: thread_created(receiver, thread_id), "the retried ChatThreadCreated", timeout=10)
    retried = [r for r in receiver.accepted() if thread_id.encode() in r["body"]]
    assert [r["headers"]["aeg-delivery-count"] for r in retried] == ["1"], "the retry is the event's second attempt"


def test_events_outliving_their_time_to_live_are_dead_lettered_as_the_clock_says(dev, dev_user, receiver):
    dev.freeze()
    sub = subscribe(dev, receiver, retryPolicy={"eventTimeToLiveInMinutes": 1, "maxDeliveryAttempts": 30})
    dev.fault({"type": "status", "status": 503}, api="eventDelivery", resource="default")
    thread_id = dev_user().client.create_chat_thread("expiring").chat_thread.id
    wait(lambda: dev.request("GET", f"{webhooks.subscriptions_path()}/{sub['name']}").json()["deliveryState"]["lastDeliveryOutcome"] == "Busy",
         "failed attempt")
    assert dead_letters(dev, sub["name"]) == []

    dev.advance(61)
    letters = wait(lambda: [e for e in dead_letters(dev, sub["name"]) if e["data"]["threadId"] == thread_id], "dead letter", timeout=10)
    assert letters[0]["deadLetterReason"] == "TimeToLiveExceeded"
    assert letters[0]["lastDeliveryOutcome"] == "Busy"
    assert thread_created(receiver, thread_id) == []


def test_a_close_fault_fails_the_attempt_as_a_dropped_connection(dev, dev_user, receiver):
    dev.freeze()
    sub = subscribe(dev, receiver)
    dev.fault({"type": "close"}, times=1, api="eventDelivery", operation=sub["name"])
    thread_id = dev_user().client.create_chat_thread("dropped").chat_thread.id
    state = wait(
        lambda: (d := dev.request("GET", f"{webhooks.subscriptions_path()}/{sub['name']}").json()["deliveryState"])["lastDeliveryOutcome"] == "SocketError" and d,
        "socket error")
    assert state["consecutiveFailures"] == 1
    dev.advance(60)
    receiver.wait_for(lambda es: thread_created(receiver, thread_id), "the event after the dropped attempt", timeout=10)


def test_a_rule_naming_no_api_leaves_deliveries_alone(dev, dev_user, receiver):
    subscribe(dev, receiver)
    dev.fault({"type": "status", "status": 503}, path="/nothing/else")
    dev.fault({"type": "status", "status": 500}, identity="8:acs:nobody")
    thread_id = dev_user().client.create_chat_thread("unharmed").chat_thread.id
    receiver.wait_for(lambda es: thread_created(receiver, thread_id), "ChatThreadCreated")


def test_a_manual_validation_window_closes_when_the_clock_moves_past_it(dev, receiver):
    dev.freeze()
    receiver.validation = "manual"
    sub = subscribe(dev, receiver)
    assert sub["provisioningState"] == "AwaitingManualAction", sub
    dev.advance(301)
    # The move returns once the window's end is recorded.
    shown = dev.request("GET", f"{webhooks.subscriptions_path()}/{sub['name']}").json()
    assert shown["provisioningState"] == "Failed", shown


def test_dead_letters_are_part_of_a_snapshot(dev, dev_user, receiver):
    receiver.default_status = 400
    sub = subscribe(dev, receiver)
    thread_id = dev_user().client.create_chat_thread("lettered").chat_thread.id
    wait(lambda: dead_letters(dev, sub["name"]), "dead letter")
    dev.save("lettered")
    dev.request("DELETE", f"{webhooks.subscriptions_path()}/{sub['name']}/deadLetters", expect=204)
    assert dead_letters(dev, sub["name"]) == []

    dev.restore("lettered")
    assert [e["data"]["threadId"] for e in dead_letters(dev, sub["name"])] == [thread_id]
    dev.restore("pristine")
    assert dev.request("GET", f"{webhooks.subscriptions_path()}/{sub['name']}", expect=404).json()["error"]["code"]
    letters = Path(dev.ready["dataDirectory"]) / "dead-letters"
    assert not letters.exists() or not list(letters.rglob("*.json")), "the pristine state has no dead letters"
    dev.request("DELETE", "/admin/dev/snapshots/lettered", expect=204)
