"""Fault injection (development mode) as the official SDKs see it: their own retry policies meet
the injected answers exactly as they would meet the service's.

azure-core 1.41.0's `RetryPolicy` (used unmodified by every client here, with its defaults unless a
test says otherwise): 408, 429, 500, 502, 503 and 504 are retried; a POST only on 500, 503 and
504, or on any status that comes with `Retry-After` (whose delay it honours); the first retry is
immediate, then it backs off 0.8 s × 2^(n-1); it gives up after `retry_status` (3) retries of
status errors, or `retry_total` (10) of all; a dropped connection is a read error, retried for
GET but not for POST; 401 is never retried and surfaces as `ClientAuthenticationError`.

Every rule is matched by API, method, path or user, strikes a given number of times, and is
counted in the rule (`injected`) and on `/metrics`.
"""

from __future__ import annotations

import time

import pytest
from azure.communication.chat import ChatClient, CommunicationTokenCredential
from azure.communication.identity import CommunicationIdentityClient
from azure.communication.identity.aio import CommunicationIdentityClient as AsyncIdentityClient
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ServiceResponseError

import support

pytestmark = pytest.mark.parley_dev


def test_503_is_retried_by_the_sdk_until_the_fault_is_gone(dev, dev_identity):
    rule = dev.fault({"type": "status", "status": 503}, times=2, api="identity", method="POST")
    start = time.monotonic()
    user = dev_identity.create_user()
    elapsed = time.monotonic() - start
    assert user.properties["id"].startswith("8:acs:")
    assert dev.rule(rule["id"]) is None, "two strikes use the rule up"
    # Retries: the first at once, the second after the default backoff of 0.8 s × 2.
    assert elapsed >= 1.6, elapsed


def test_the_sdk_gives_up_after_its_retries_with_the_service_error(dev, dev_identity):
    rule = dev.fault({"type": "status", "status": 503, "message": "Down for maintenance"}, api="identity", method="POST")
    with pytest.raises(HttpResponseError) as info:
        dev_identity.create_user()
    assert info.value.status_code == 503
    assert info.value.error.code == "ServiceUnavailable"
    assert info.value.error.message == "Down for maintenance"
    # One try and retry_status (3) retries.
    assert dev.rule(rule["id"])["injected"] == 4


def test_a_lower_retry_total_gives_up_sooner(dev):
    rule = dev.fault({"type": "status", "status": 500}, api="identity")
    client = CommunicationIdentityClient.from_connection_string(dev.conn_str, retry_total=1)
    with pytest.raises(HttpResponseError) as info:
        client.create_user()
    assert info.value.status_code == 500
    assert info.value.error.code == "InternalError"
    assert dev.rule(rule["id"])["injected"] == 2


def test_429_with_retry_after_is_retried_after_that_delay(dev, dev_identity):
    rule = dev.fault({"type": "status", "status": 429, "retryAfterSeconds": 2}, times=1, api="identity")
    start = time.monotonic()
    user, token = dev_identity.create_user_and_token(["chat"])
    assert time.monotonic() - start >= 2.0
    assert token.token
    assert dev.rule(rule["id"]) is None


def test_429_without_retry_after_on_a_post_is_not_retried(dev, dev_identity):
    rule = dev.fault({"type": "status", "status": 429}, api="identity")
    with pytest.raises(HttpResponseError) as info:
        dev_identity.create_user()
    assert info.value.status_code == 429
    assert info.value.error.code == "TooManyRequests"
    assert dev.rule(rule["id"])["injected"] == 1


def test_429_on_a_get_is_retried(dev, dev_user):
    alice = dev_user()
    thread = alice.create_thread()
    rule = dev.fault({"type": "status", "status": 429}, times=1, api="chat", method="GET", identity=alice.raw_id)
    assert thread.get_properties().id == thread.thread_id
    assert dev.rule(rule["id"]) is None


def test_401_surfaces_as_client_authentication_error_and_is_not_retried(dev, dev_user):
    alice = dev_user()
    rule = dev.fault({"type": "status", "status": 401}, api="chat", identity=alice.raw_id)
    with pytest.raises(ClientAuthenticationError) as info:
        alice.client.create_chat_thread("topic")
    assert info.value.status_code == 401
    assert dev.rule(rule["id"])["injected"] == 1
    # The identity SDK maps it the same way.
    dev.fault({"type": "status", "status": 401}, times=1, api="identity")
    with pytest.raises(ClientAuthenticationError):
        CommunicationIdentityClient.from_connection_string(dev.conn_str).create_user()


def test_403_names_its_code_and_strikes_only_the_thread_it_names(dev, dev_user):
    alice, bob = dev_user(), dev_user()
    hit = alice.create_thread(participants=[bob.participant()])
    other = alice.create_thread()
    dev.fault({"type": "status", "status": 403, "code": "Forbidden", "message": "Not now"}, thread=hit.thread_id)
    with support.raises_status(403, "Forbidden") as info:
        hit.send_message("hello")
    assert info.value.error.message == "Not now"
    with support.raises_status(403, "Forbidden"):
        bob.thread(hit.thread_id).get_properties()
    other.send_message("still fine")


def test_a_delay_is_waited_out_and_the_request_served(dev, dev_user):
    alice = dev_user()
    thread = alice.create_thread()
    dev.fault({"type": "delay", "milliseconds": 800}, times=1, api="chat", method="POST", path="/chat/threads/*/messages")
    start = time.monotonic()
    sent = thread.send_message("late")
    assert time.monotonic() - start >= 0.8
    assert thread.get_message(sent.id).content.message == "late"


def test_a_closed_connection_is_retried_for_a_get_and_surfaces_for_a_post(dev, dev_user):
    alice = dev_user()
    thread = alice.create_thread()
    rule = dev.fault({"type": "close"}, times=1, api="chat", method="GET")
    assert thread.get_properties().id == thread.thread_id
    assert dev.rule(rule["id"]) is None
    rule = dev.fault({"type": "close"}, times=1, api="chat", method="POST")
    with pytest.raises(ServiceResponseError):
        thread.send_message("lost")
    # Not retried: the message was never sent.
    assert not [m for m in support.user_messages(support.messages(thread)) if m.content.message == "lost"]


def test_a_chat_client_with_its_own_retry_settings_sees_them_applied(dev, dev_user):
    alice = dev_user()
    client = ChatClient(dev.endpoint, CommunicationTokenCredential(alice.token), retry_total=0)
    rule = dev.fault({"type": "status", "status": 503}, times=1, api="chat", identity=alice.raw_id)
    with support.raises_status(503, "ServiceUnavailable"):
        client.create_chat_thread("no retries")
    assert dev.rule(rule["id"]) is None
    client.close()


async def test_the_async_sdk_retries_the_same_way(dev):
    rule = dev.fault({"type": "status", "status": 503}, times=1, api="identity", method="POST")
    async with AsyncIdentityClient.from_connection_string(dev.conn_str) as client:
        user = await client.create_user()
    assert user.properties["id"].startswith("8:acs:")
    assert dev.rule(rule["id"]) is None


def test_a_rule_for_a_duration_ends_when_the_server_clock_moves_past_it(dev, dev_identity):
    rule = dev.fault({"type": "status", "status": 429}, duration=60, api="identity")
    with support.raises_status(429, "TooManyRequests"):
        dev_identity.create_user()
    dev.advance(61)
    assert dev.rule(rule["id"]) is None
    dev_identity.create_user()


def test_every_fault_is_counted_on_metrics(dev, dev_identity):
    def count() -> float:
        text = dev.request("GET", "/metrics").text
        line = next((l for l in text.splitlines() if l.startswith('parley_dev_faults_injected_total{api="identity",action="status"}')), None)
        return float(line.split()[-1]) if line else 0.0

    before = count()
    dev.fault({"type": "status", "status": 503}, times=1, api="identity")
    dev_identity.create_user()
    assert count() == before + 1
