"""Event subscriptions: every chat and calling event reaches a real webhook receiver, Event Grid
style (docs/events.md).

The receiver (`webhooks.Receiver`) is an HTTPS server in this process with a certificate from the
Parley installation's CA. The actions are done the way applications do them: chat with the
official chat SDK (and the Graph-shaped API for the Teams user), users and tokens with the
identity SDK, calls over the real-time calling protocol (`CallSocket` of test_call_recording.py).
Every payload is parsed with the official azure-eventgrid package and every eventType is one of
its SystemEventNames. The server runs with its defaults (HTTPS webhooks only, Event Grid's retry
schedule); the fault and restart tests, which need a shorter retry schedule and kill the server,
are in test_events_durability.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest
import requests

import support
import webhooks
from support import connect_call
from test_call_recording import hang_up, sockets  # noqa: F401 - `sockets` is a fixture
from test_graph_chat_interop import shared_thread, teams  # noqa: F401 - `teams` is a fixture
from webhooks import of_type, raw

pytestmark = pytest.mark.parley_admin  # event subscriptions are made through Parley's operator API (ACS makes them through ARM)

CHAT_TYPES = {
    "ChatThreadCreated", "ChatThreadCreatedWithUser", "ChatMessageReceived", "ChatMessageReceivedInThread",
    "ChatMessageEdited", "ChatMessageEditedInThread", "ChatMessageDeleted", "ChatMessageDeletedInThread",
    "ChatThreadPropertiesUpdated", "ChatThreadPropertiesUpdatedPerUser", "ChatThreadParticipantAdded",
    "ChatParticipantAddedToThreadWithUser", "ChatThreadParticipantRemoved", "ChatParticipantRemovedFromThreadWithUser",
    "ChatThreadDeleted", "ChatThreadWithUserDeleted",
}


@pytest.fixture(scope="session")
def receiver_tls(ready, tmp_path_factory):
    """A certificate for 127.0.0.1 from the installation's CA (the server trusts it for webhooks)."""
    data = Path(ready["dataDirectory"])
    return webhooks.issue_certificate(str(data / "ca.pem"), str(data / "ca-key.pem"), tmp_path_factory.mktemp("receiver"))


@pytest.fixture
def receiver(receiver_tls):
    r = webhooks.Receiver(tls=receiver_tls)
    yield r
    r.close()


def thread_events(events, thread_id):
    return [e for e in events if e["data"].get("threadId") == thread_id]


# ---- every chat event ----------------------------------------------------------------------

def test_every_chat_event_type_reaches_the_webhook(receiver, http, admin_headers, alice, bob, carol, immutable_id):
    sub = webhooks.subscribe(http, admin_headers, receiver.url())
    assert sub["provisioningState"] == "Succeeded", sub
    handshake = receiver.requests[0]
    assert handshake["headers"]["aeg-event-type"] == "SubscriptionValidation"
    validation = webhooks.EventGridEvent.from_dict(json.loads(handshake["body"])[0])
    assert validation.event_type == "Microsoft.EventGrid.SubscriptionValidationEvent"
    assert validation.event_type in webhooks.SYSTEM_EVENT_NAMES

    tc = alice.create_thread("events", [bob.participant("Bob")])
    thread_id = tc.thread_id
    sent = tc.send_message("as sent", sender_display_name="Alice", metadata={"order": "42"})
    tc.update_message(sent.id, content="as edited")
    tc.delete_message(sent.id)
    tc.update_topic("renamed")
    tc.add_participants([carol.participant("Carol")])
    tc.remove_participant(carol.identifier)
    alice.client.delete_chat_thread(thread_id)

    events = receiver.wait_for(
        lambda es: {webhooks.event_type(e).split(".")[-1] for e in thread_events(es, thread_id)} >= CHAT_TYPES,
        "every chat event type",
    )
    mine = thread_events(events, thread_id)
    topic = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/parley/providers/Microsoft.Communication/communicationServices/default"
    assert all(e["topic"] == topic for e in mine)
    received = of_type(mine, "ChatMessageReceived")
    assert [raw(e["data"]["recipientCommunicationIdentifier"]) for e in received] == [bob.raw_id]
    data = received[0]["data"]
    assert data["messageBody"] == "as sent" and data["metadata"] == {"order": "42"} and data["senderDisplayName"] == "Alice"
    assert raw(data["senderCommunicationIdentifier"]) == alice.raw_id
    assert data["messageId"] == sent.id and data["type"] == "Text" and isinstance(data["version"], int)
    assert received[0]["subject"] == f"thread/{thread_id}/sender/{alice.raw_id}/recipient/{bob.raw_id}"
    in_thread = of_type(mine, "ChatMessageReceivedInThread")[0]
    assert "recipientCommunicationIdentifier" not in in_thread["data"]
    assert in_thread["subject"] == f"thread/{thread_id}/sender/{alice.raw_id}"
    assert in_thread["data"]["transactionId"] == data["transactionId"]
    assert of_type(mine, "ChatMessageEdited")[0]["data"]["messageBody"] == "as edited"
    assert "editTime" in of_type(mine, "ChatMessageEditedInThread")[0]["data"]
    deleted = of_type(mine, "ChatMessageDeletedInThread")[0]["data"]
    assert "messageBody" not in deleted and "deleteTime" in deleted
    created = of_type(mine, "ChatThreadCreated")[0]
    assert created["data"]["properties"] == {"topic": "events"}
    assert {raw(p["participantCommunicationIdentifier"]) for p in created["data"]["participants"]} == {alice.raw_id, bob.raw_id}
    assert raw(created["data"]["createdByCommunicationIdentifier"]) == alice.raw_id
    assert of_type(mine, "ChatThreadPropertiesUpdated")[0]["data"]["properties"] == {"topic": "renamed"}
    added = of_type(mine, "ChatThreadParticipantAdded")[0]
    assert raw(added["data"]["participantAdded"]["participantCommunicationIdentifier"]) == carol.raw_id
    assert added["data"]["participantAdded"]["displayName"] == "Carol"
    assert added["subject"] == f"thread/{thread_id}/participantAdded/{carol.raw_id}"
    # Per-user copies go to every other app user in the thread at the time, the removed one too.
    assert {raw(e["data"]["recipientCommunicationIdentifier"]) for e in of_type(mine, "ChatParticipantRemovedFromThreadWithUser")} == {
        bob.raw_id, carol.raw_id,
    }
    assert [raw(e["data"]["recipientCommunicationIdentifier"]) for e in of_type(mine, "ChatThreadWithUserDeleted")] == [bob.raw_id]
    for request in receiver.deliveries():
        headers = request["headers"]
        assert headers["aeg-event-type"] == "Notification"
        assert headers["aeg-subscription-name"] == sub["name"].upper()
        assert headers["aeg-delivery-count"] == "0"
        assert headers["aeg-data-version"] == "1.0" and headers["aeg-metadata-version"] == "1"


# ---- calls ----------------------------------------------------------------------------------

def test_calling_events_and_incoming_call_between_app_users(receiver, http, admin_headers, new_chat_user, sockets):
    webhooks.subscribe(http, admin_headers, receiver.url())
    two_party = webhooks.subscribe(http, admin_headers, receiver.url("/two-party"), filter={
        "advancedFilters": [{"operatorType": "BoolEquals", "key": "data.isTwoParty", "value": True}],
    })
    group_only = webhooks.subscribe(http, admin_headers, receiver.url("/group"), filter={
        "advancedFilters": [{"operatorType": "BoolEquals", "key": "data.isTwoParty", "value": False}],
    })
    alice_user, bob_user = new_chat_user(["voip"]), new_chat_user(["voip"])
    alice = sockets(alice_user.token, alice_user.raw_id, "alice")
    bob = sockets(bob_user.token, bob_user.raw_id, "bob")
    call_id = connect_call(alice, bob)
    hang_up(alice, bob, call_id)

    def call_events(es):
        return [e for e in es if e["data"].get("serverCallId") == call_id]

    events = call_events(receiver.wait_for(lambda es: len(call_events(es)) >= 7, "seven calling events", path="/hook"))
    names = sorted(webhooks.event_type(e).split(".")[-1] for e in events)
    assert names == sorted(["CallStarted", "IncomingCall", "CallParticipantAdded", "CallParticipantAdded",
                            "CallParticipantRemoved", "CallParticipantRemoved", "CallEnded"]), names
    started = of_type(events, "CallStarted")[0]
    assert started["subject"] == f"call/{call_id}/startedBy/{alice.raw_id}"
    assert raw(started["data"]["startedBy"]["communicationIdentifier"]) == alice.raw_id
    assert started["data"]["isTwoParty"] is True and started["data"]["correlationId"]
    incoming = of_type(events, "IncomingCall")[0]
    assert incoming["subject"] == f"/caller/{alice.raw_id}/recipient/{bob.raw_id}"
    assert raw(incoming["data"]["to"]) == bob.raw_id and raw(incoming["data"]["from"]) == alice.raw_id
    assert incoming["data"]["callerDisplayName"] == "alice"
    assert len(incoming["data"]["incomingCallContext"].split(".")) == 3, "a compact JWS"
    ended = of_type(events, "CallEnded")[0]["data"]
    assert raw(ended["endedBy"]["communicationIdentifier"]) == alice.raw_id and ended["endedBy"]["type"] == "Participant"
    assert ended["reason"]["code"] == 0 and isinstance(ended["callDurationInSeconds"], (int, float))
    added = {raw(e["data"]["user"]["communicationIdentifier"]) for e in of_type(events, "CallParticipantAdded")}
    assert added == {alice.raw_id, bob.raw_id}
    # BoolEquals on data.isTwoParty: the 1:1 call's events go to the two-party subscription (not
    # IncomingCall, which has no such field), none to the group-call one.
    for sub in (two_party, group_only):
        webhooks.wait_subscription(http, admin_headers, sub["name"], lambda s: s["deliveryState"]["logPositionsBehind"] == 0, "caught up")
    two = [webhooks.event_type(e).split(".")[-1] for e in receiver.events(path="/two-party") if e["data"].get("serverCallId") == call_id]
    assert sorted(two) == sorted(n for n in names if n != "IncomingCall"), two
    assert not [e for e in receiver.events(path="/group") if e["data"].get("serverCallId") == call_id]


def test_an_app_user_and_a_teams_user_chat_and_call(receiver, http, admin_headers, alice, new_chat_user, sockets, teams):
    _, person, _, org_headers = teams
    org_token = org_headers["Authorization"].removeprefix("Bearer ")
    webhooks.subscribe(http, admin_headers, receiver.url())
    # Chat: the app user starts it (with the chat SDK's KeyError bug, see test_graph_chat_interop).
    thread_id = shared_thread(alice, person)
    resp = http.post(
        f"/v1.0/chats/{thread_id}/messages",
        headers=org_headers,
        json={"body": {"contentType": "text", "content": "hi from Teams"}},
    )
    assert resp.status_code == 201, support.describe(resp)
    events = receiver.wait_for(lambda es: of_type(thread_events(es, thread_id), "ChatMessageReceived"), "the Teams user's message")
    chat = thread_events(events, thread_id)
    message = of_type(chat, "ChatMessageReceived")[0]["data"]
    sender = message["senderCommunicationIdentifier"]
    assert sender["rawId"] == person["rawId"] and sender["microsoftTeamsUser"]["userId"] == person["id"]
    assert message["senderDisplayName"] == "Adele Vance" or message.get("senderDisplayName") is None
    assert raw(message["recipientCommunicationIdentifier"]) == alice.raw_id, "only app users get per-user events"
    created = of_type(chat, "ChatThreadCreated")[0]["data"]
    kinds = {p["participantCommunicationIdentifier"]["kind"] for p in created["participants"]}
    assert kinds == {"communicationUser", "microsoftTeamsUser"}
    assert not of_type(chat, "ChatThreadCreatedWithUser"), "the Teams user is no recipient; the app user created it"

    # Call: the app user calls the Teams user (rule K1), who answers and hangs up.
    caller = new_chat_user(["voip"])
    app_side = sockets(caller.token, caller.raw_id, "caller")
    teams_side = sockets(org_token, person["rawId"], "adele")
    call_id = connect_call(app_side, teams_side)
    teams_side.ok("hangUp", {"callId": call_id})
    for side in (app_side, teams_side):
        side.call_frame(call_id, lambda d: d["state"] == "Disconnected", "state Disconnected")
    events = receiver.wait_for(lambda es: len([e for e in es if e["data"].get("serverCallId") == call_id]) >= 6, "six calling events")
    call = [e for e in events if e["data"].get("serverCallId") == call_id]
    assert not of_type(call, "IncomingCall"), "IncomingCall is for app-user callees"
    users = {raw(e["data"]["user"]["communicationIdentifier"]): e["data"]["user"]["communicationIdentifier"] for e in of_type(call, "CallParticipantAdded")}
    assert users[person["rawId"]]["kind"] == "microsoftTeamsUser"
    assert users[caller.raw_id]["kind"] == "communicationUser"
    assert raw(of_type(call, "CallEnded")[0]["data"]["endedBy"]["communicationIdentifier"]) == person["rawId"]


# ---- schemas, handshakes, refusals ------------------------------------------------------------

def test_cloud_events_schema_with_the_options_handshake_and_batches(receiver, http, admin_headers, alice):
    single = webhooks.subscribe(http, admin_headers, receiver.url("/single"), eventDeliverySchema="CloudEventSchemaV1_0",
                                filter={"includedEventTypes": ["Microsoft.Communication.ChatMessageReceivedInThread"]})
    batched = webhooks.subscribe(http, admin_headers, receiver.url("/batched"), eventDeliverySchema="CloudEventSchemaV1_0",
                                 destination={"maxEventsPerBatch": 10},
                                 filter={"includedEventTypes": ["Microsoft.Communication.ChatMessageReceivedInThread"]})
    assert single["provisioningState"] == batched["provisioningState"] == "Succeeded"
    options = [r for r in receiver.requests if r["method"] == "OPTIONS"]
    assert len(options) == 2 and all(r["headers"]["webhook-request-origin"] == "eventgrid.azure.net" for r in options)
    tc = alice.create_thread("cloud")
    ids = [tc.send_message(f"m{i}").id for i in range(3)]
    receiver.wait_for(lambda es: sum(e["data"]["messageId"] in ids for e in es) == 6, "each message twice (two subscriptions)")
    for request in receiver.accepted():
        kind = request["headers"]["content-type"]
        if request["path"] == "/single":
            assert kind == "application/cloudevents+json; charset=utf-8"
        else:
            assert kind == "application/cloudevents-batch+json; charset=utf-8"
        for event in webhooks.parse(request):
            assert event["specversion"] == "1.0" and event["subject"].startswith("thread/")


def test_manual_validation_through_the_validation_url(receiver, http, admin_headers, alice):
    receiver.validation = "manual"
    sub = webhooks.subscribe(http, admin_headers, receiver.url())
    assert sub["provisioningState"] == "AwaitingManualAction", sub
    assert sub["validationExpiresOn"]
    validation_url = json.loads(receiver.requests[0]["body"])[0]["data"]["validationUrl"]
    # Nothing is delivered while it waits.
    tc = alice.create_thread("before validation")
    resp = requests.get(validation_url, timeout=support.HTTP_TIMEOUT)
    assert resp.status_code == 200, support.describe(resp)
    assert webhooks.show(http, admin_headers, sub["name"])["provisioningState"] == "Succeeded"
    sent = tc.send_message("after validation")
    events = receiver.wait_for(lambda es: any(e["data"].get("messageId") == sent.id for e in es), "the message after validation")
    assert not [e for e in events if e["data"].get("threadId") == tc.thread_id and webhooks.event_type(e).endswith("ChatThreadCreated")]
    # A wrong code is refused.
    resp = requests.get(validation_url.replace("code=", "code=X"), timeout=support.HTTP_TIMEOUT)
    assert resp.status_code in (200, 400), support.describe(resp)  # the subscription is active: harmless


def test_refusals_name_the_field_and_create_nothing(receiver, http, admin_headers):
    url = receiver.url()
    cases = [
        ({"name": "plain-http", "destination": {"endpointUrl": url.replace("https:", "http:")}}, "destination.endpointUrl"),
        ({"name": "no-destination"}, "destination"),
        ({"name": "x", "destination": {"endpointUrl": url}}, "name"),
        ({"name": "bad-type", "destination": {"endpointUrl": url}, "filter": {"includedEventTypes": ["Microsoft.Communication.SMSReceived"]}},
         "filter.includedEventTypes"),
        ({"name": "big-batch", "destination": {"endpointUrl": url, "maxEventsPerBatch": 5001}}, "destination.maxEventsPerBatch"),
        ({"name": "attempts", "destination": {"endpointUrl": url}, "retryPolicy": {"maxDeliveryAttempts": 0}}, "retryPolicy.maxDeliveryAttempts"),
        ({"name": "ttl", "destination": {"endpointUrl": url}, "retryPolicy": {"eventTimeToLiveInMinutes": 1441}}, "retryPolicy.eventTimeToLiveInMinutes"),
        ({"name": "unknown", "destination": {"endpointUrl": url, "colour": "red"}}, "destination.colour"),
        ({"name": "wrong-type", "destination": {"endpointUrl": url, "maxEventsPerBatch": "ten"}}, "destination.maxEventsPerBatch"),
        ({"name": "schema", "destination": {"endpointUrl": url}, "eventDeliverySchema": "CustomInputSchema"}, "eventDeliverySchema"),
        ({"name": "filter-op", "destination": {"endpointUrl": url},
          "filter": {"advancedFilters": [{"operatorType": "StringLike", "key": "subject", "values": ["x"]}]}}, "filter.advancedFilters[0].operatorType"),
        ({"name": "headers", "destination": {"endpointUrl": url, "deliveryAttributeMappings": [
            {"name": f"X-H{i}", "type": "Static", "properties": {"value": "v"}} for i in range(11)]}}, "destination.deliveryAttributeMappings"),
    ]
    for payload, field in cases:
        error = webhooks.refused(http, admin_headers, payload)
        assert error.get("target") == field, (payload, error)
    assert not [r for r in receiver.requests], "an invalid subscription is never validated"
    # A failed handshake (the endpoint answers 500) and a CloudEvents endpoint that grants nothing.
    receiver.validation = 500
    error = webhooks.refused(http, admin_headers, {"name": "handshake", "destination": {"endpointUrl": url}})
    assert error["code"] == "WebhookValidationFailed" and error["target"] == "destination.endpointUrl"
    receiver.grant_origin = False
    error = webhooks.refused(http, admin_headers, {"name": "options", "destination": {"endpointUrl": url}, "eventDeliverySchema": "CloudEventSchemaV1_0"})
    assert error["code"] == "WebhookValidationFailed"
    names = [s["name"] for s in http.get(webhooks.subscriptions_path(), headers=admin_headers).json()["value"]]
    assert not {"handshake", "options", "plain-http"} & set(names)


# ---- filters, batching, dead letters, Entra, metrics -----------------------------------------

def test_filters_on_type_subject_and_data(receiver, http, admin_headers, alice, bob):
    wanted = alice.create_thread("wanted", [bob])
    other = alice.create_thread("other", [bob])
    webhooks.subscribe(
        http, admin_headers, receiver.url(),
        destination={"maxEventsPerBatch": 100},  # one request per pass: the last arrival bounds the wait
        filter={
            "includedEventTypes": ["Microsoft.Communication.ChatMessageReceived", "Microsoft.Communication.ChatMessageReceivedInThread"],
            "subjectBeginsWith": f"THREAD/{wanted.thread_id}",  # case-insensitive by default
            "advancedFilters": [
                {"operatorType": "StringIn", "key": "data.senderDisplayName", "values": ["alice", "Bob"]},
                {"operatorType": "StringBeginsWith", "key": "data.messageBody", "values": ["keep"]},
            ],
        },
    )
    wanted.send_message("drop: wrong body", sender_display_name="Alice")
    other.send_message("keep: wrong thread", sender_display_name="Alice")
    wanted.send_message("keep: wrong sender name", sender_display_name="Mallory")
    last = wanted.send_message("keep this", sender_display_name="Alice").id
    events = receiver.wait_for(lambda es: sum(e["data"]["messageId"] == last for e in es) == 2, "the matching message (both families)")
    assert {e["data"]["messageBody"] for e in events} == {"keep this"}

    webhooks.subscribe(http, admin_headers, receiver.url("/suffix"), destination={"maxEventsPerBatch": 100}, filter={
        "subjectEndsWith": f"/recipient/{bob.raw_id}", "isSubjectCaseSensitive": True,
    })
    marker = wanted.send_message("for bob").id
    events = receiver.wait_for(lambda es: any(e["data"].get("messageId") == marker for e in es), "the per-user copy for Bob", path="/suffix")
    mine = [e for e in events if e["data"].get("messageId") == marker]
    assert [webhooks.event_type(e) for e in mine] == ["Microsoft.Communication.ChatMessageReceived"], mine
    assert raw(mine[0]["data"]["recipientCommunicationIdentifier"]) == bob.raw_id


def test_batches_respect_max_events_per_batch(receiver, http, admin_headers, alice):
    webhooks.subscribe(http, admin_headers, receiver.url(), destination={"maxEventsPerBatch": 4},
                       filter={"includedEventTypes": ["Microsoft.Communication.ChatMessageReceivedInThread"]})
    tc = alice.create_thread("batches")
    ids = [tc.send_message(f"b{i}").id for i in range(10)]
    receiver.wait_for(lambda es: {e["data"]["messageId"] for e in es} >= set(ids), "all ten messages")
    sizes = [len(json.loads(r["body"])) for r in receiver.accepted()]
    assert all(1 <= n <= 4 for n in sizes) and sum(sizes) >= 10, sizes


def test_a_400_is_dead_lettered_at_once_and_readable(receiver, http, admin_headers, alice, ready):
    receiver.default_status = 400
    sub = webhooks.subscribe(http, admin_headers, receiver.url(), filter={"includedEventTypes": ["Microsoft.Communication.ChatThreadCreated"]})
    tc = alice.create_thread("dead")
    path = f"{webhooks.subscriptions_path()}/{sub['name']}/deadLetters"

    def letters():
        resp = http.get(path, headers=admin_headers)
        assert resp.status_code == 200, support.describe(resp)
        return [e for e in resp.json()["value"] if e["data"]["threadId"] == tc.thread_id]

    deadline = __import__("time").monotonic() + webhooks.WAIT_SECONDS
    while not letters():
        assert __import__("time").monotonic() < deadline, "nothing was dead-lettered"
        __import__("time").sleep(0.2)
    letter = letters()[0]
    assert letter["deadLetterReason"] == "UndeliverableDueToHttpBadRequest"
    assert letter["deliveryAttempts"] == 1 and letter["lastDeliveryOutcome"] == "BadRequest" and letter["lastHttpStatusCode"] == 400
    assert letter["publishTime"] and letter["eventType"] == "Microsoft.Communication.ChatThreadCreated"
    assert len([r for r in receiver.deliveries() if tc.thread_id.encode() in r["body"]]) == 1, "400 is not retried"
    files = list(Path(sub["deadLetterDirectory"]).rglob("*.json"))
    assert files and Path(sub["deadLetterDirectory"]).is_relative_to(Path(ready["dataDirectory"]))
    # The CLI reads them too.
    bin_path = os.environ.get("PARLEY_BIN")
    if bin_path:
        done = subprocess.run(
            [bin_path, "events", "dead-letters", sub["name"], "--url", ready["url"], "--admin-key", ready["adminKey"], "--ca-file", ready["caCertificatePath"]],
            capture_output=True, text=True, timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert any(e["data"]["threadId"] == tc.thread_id for e in json.loads(done.stdout))
    resp = http.request("DELETE", path, headers=admin_headers)
    assert resp.status_code == 204 and not letters()


def test_entra_authenticated_delivery_carries_a_token_the_receiver_can_validate(receiver, http, admin_headers, org, alice, base_url):
    app = org.add_app("Webhook receiver")
    jwks = http.get(f"/{org.id}/discovery/v2.0/keys").json()
    seen = []

    def check(headers):
        token = headers.get("authorization", "").removeprefix("Bearer ")
        try:
            seen.append(support.verify_jwt(token, jwks, audience=app["appId"], issuer=f"{base_url}/{org.id}/v2.0"))
        except Exception as error:  # noqa: BLE001 - an invalid token is the receiver's 401
            seen.append(error)
            return 401
        return None

    receiver.check = check
    webhooks.subscribe(http, admin_headers, receiver.url(), destination={
        "azureActiveDirectoryTenantId": org.id, "azureActiveDirectoryApplicationIdOrUri": app["appId"],
    }, filter={"includedEventTypes": ["Microsoft.Communication.ChatThreadCreated"]})
    tc = alice.create_thread("entra")
    receiver.wait_for(lambda es: any(e["data"]["threadId"] == tc.thread_id for e in es), "the authenticated delivery")
    claims = [c for c in seen if isinstance(c, dict)]
    assert claims and not [c for c in seen if not isinstance(c, dict)], seen
    assert claims[0]["tid"] == org.id and claims[0]["idtyp"] == "app"
    assert "AzureEventGridSecureWebhookSubscriber" in claims[0]["roles"]
    # A tenant that does not exist is refused.
    error = webhooks.refused(http, admin_headers, {"name": "no-tenant", "destination": {
        "endpointUrl": receiver.url(), "azureActiveDirectoryTenantId": str(uuid.uuid4()), "azureActiveDirectoryApplicationIdOrUri": "api://x"}})
    assert error["target"] == "destination.azureActiveDirectoryTenantId"


def test_update_list_delete_and_metrics(receiver, http, admin_headers, alice):
    sub = webhooks.subscribe(http, admin_headers, receiver.url(), destination={"deliveryAttributeMappings": [
        {"name": "X-Api-Key", "type": "Static", "properties": {"value": "s3cret", "isSecret": True}},
        {"name": "X-Tenant", "type": "Static", "properties": {"value": "contoso"}},
    ]})
    mappings = {m["name"]: m["properties"] for m in sub["destination"]["deliveryAttributeMappings"]}
    assert mappings["X-Api-Key"].get("value") is None and mappings["X-Api-Key"]["isSecret"] is True, "a secret is never shown again"
    assert mappings["X-Tenant"]["value"] == "contoso"
    tc = alice.create_thread("headers")
    receiver.wait_for(lambda es: any(e["data"].get("threadId") == tc.thread_id for e in es), "a delivery")
    headers = receiver.deliveries()[-1]["headers"]
    assert headers["x-api-key"] == "s3cret" and headers["x-tenant"] == "contoso"

    resp = http.patch(f"{webhooks.subscriptions_path()}/{sub['name']}", headers=admin_headers,
                      json={"retryPolicy": {"maxDeliveryAttempts": 5}, "filter": {"includedEventTypes": ["Microsoft.Communication.ChatThreadDeleted"]}})
    assert resp.status_code == 200, support.describe(resp)
    updated = resp.json()
    assert updated["retryPolicy"] == {"maxDeliveryAttempts": 5, "eventTimeToLiveInMinutes": 1440}
    assert updated["destination"]["endpointUrl"] == receiver.url()
    listed = http.get(webhooks.subscriptions_path(), headers=admin_headers).json()["value"]
    assert sub["name"] in [s["name"] for s in listed]

    metrics = http.get("/metrics").text
    line = f'parley_events_delivered_total{{resource="default",subscription="{sub["name"]}"}}'
    assert line in metrics, metrics[-2000:]
    assert "parley_event_delivery_latency_seconds" in metrics and "parley_event_backlog" in metrics

    resp = http.request("DELETE", f"{webhooks.subscriptions_path()}/{sub['name']}", headers=admin_headers)
    assert resp.status_code == 204
    assert http.get(f"{webhooks.subscriptions_path()}/{sub['name']}", headers=admin_headers).status_code == 404
