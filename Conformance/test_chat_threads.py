"""Chat threads: create (incl. idempotency), properties, topic, delete, listing, and who may see them.

Every call goes through the official sync `ChatClient` / `ChatThreadClient` (azure-communication-chat
1.3.0), built from the ready file's `resource.endpoint` and a user token from the identity SDK
(reference acs-identity-chat.md §4). Parley's decisions tested here:
  - thread ids are `19:<32 hex>@thread.v2`; the creator is a participant (shareHistoryTime 1970);
    creation writes participantAdded (seq 1: all initial participants, initiator = creator) and
    topicUpdated (seq 2), so the first user message is seq 3;
  - the same repeatability-request-id (idempotency_token) from the same user gives the same thread;
  - update_topic writes a topicUpdated message; delete_chat_thread makes the thread 404 for every
    participant, while list_chat_threads still lists it with deletedOn;
  - an unknown thread id is 404; a participant-only thread is 403 for another user of the resource;
    another resource's thread is 404 (no leak) and never listed;
  - list_chat_threads lists only the user's threads, with lastMessageReceivedOn set (system
    messages count), filtered by start_time on lastMessageReceivedOn, paged by results_per_page.
"""

from __future__ import annotations

import time
import uuid

import pytest
from azure.communication.chat import ChatMessageType
from azure.core.exceptions import ResourceNotFoundError

import support


def test_create_thread_result(alice, bob):
    before = time.time()
    result = alice.client.create_chat_thread(
        "Project sync", thread_participants=[bob.participant(display_name="Bob")]
    )
    assert result.errors == [], result.errors
    thread = result.chat_thread
    assert support.THREAD_ID_RE.match(thread.id), f"thread id {thread.id!r} is not 19:<32 hex>@thread.v2"
    assert thread.topic == "Project sync"
    assert thread.created_by.raw_id == alice.raw_id
    support.assert_aware(thread.created_on, "createdOn")
    assert before - 60 <= thread.created_on.timestamp() <= time.time() + 60, thread.created_on


def test_creator_is_a_participant(alice, bob):
    tc = alice.create_thread(participants=[bob.participant(display_name="Bob")])
    participants = {p.identifier.raw_id: p for p in tc.list_participants()}
    assert set(participants) == {alice.raw_id, bob.raw_id}
    creator = participants[alice.raw_id]
    assert creator.share_history_time == support.EPOCH, creator.share_history_time
    assert participants[bob.raw_id].display_name == "Bob"


def test_thread_with_no_participants_has_only_the_creator(alice):
    tc = alice.create_thread()
    assert support.participant_ids(tc) == [alice.raw_id]


def test_create_writes_system_messages(alice, bob, carol):
    topic = support.unique_topic("system")
    tc = alice.create_thread(topic, participants=[bob, carol])
    msgs = support.messages(tc)
    assert [(m.sequence_id, m.type) for m in msgs] == [
        ("2", ChatMessageType.TOPIC_UPDATED),
        ("1", ChatMessageType.PARTICIPANT_ADDED),
    ]
    topic_msg, added_msg = msgs
    assert topic_msg.content.topic == topic
    assert sorted(support.raw_ids(added_msg.content.participants)) == sorted(
        [alice.raw_id, bob.raw_id, carol.raw_id]
    )
    assert added_msg.content.initiator.raw_id == alice.raw_id

    # The first user message comes right after them.
    msg_id = tc.send_message("first").id
    assert tc.get_message(msg_id).sequence_id == "3"


def test_create_is_idempotent_per_token(alice, bob):
    token = str(uuid.uuid4())
    topic = support.unique_topic("idempotent")
    first = alice.client.create_chat_thread(topic, thread_participants=[bob.participant()], idempotency_token=token)
    again = alice.client.create_chat_thread(topic, thread_participants=[bob.participant()], idempotency_token=token)
    assert again.chat_thread.id == first.chat_thread.id
    assert again.chat_thread.created_on == first.chat_thread.created_on

    # Nothing was created twice: one thread listed, one set of system messages, two participants.
    listed = [t.id for t in alice.client.list_chat_threads()]
    assert listed.count(first.chat_thread.id) == 1, listed
    tc = alice.thread(first.chat_thread.id)
    assert [m.sequence_id for m in support.messages(tc)] == ["2", "1"]
    assert sorted(support.participant_ids(tc)) == sorted([alice.raw_id, bob.raw_id])

    # Another token is another thread.
    other = alice.client.create_chat_thread(topic, idempotency_token=str(uuid.uuid4()))
    assert other.chat_thread.id != first.chat_thread.id


def test_get_properties_for_each_participant(alice, bob):
    topic = support.unique_topic("props")
    tc = alice.create_thread(topic, participants=[bob])
    mine = tc.get_properties()
    theirs = bob.thread(tc.thread_id).get_properties()
    for props in (mine, theirs):
        assert props.id == tc.thread_id
        assert props.topic == topic
        assert props.created_by.raw_id == alice.raw_id
        support.assert_aware(props.created_on, "createdOn")
    assert mine.created_on == theirs.created_on


def test_update_topic(alice, bob):
    tc = alice.create_thread("old topic", participants=[bob])
    assert tc.update_topic("new topic") is None  # 204
    assert tc.get_properties().topic == "new topic"
    assert bob.thread(tc.thread_id).get_properties().topic == "new topic"

    latest = support.messages(tc)[0]
    assert latest.type == ChatMessageType.TOPIC_UPDATED
    assert latest.content.topic == "new topic"
    assert latest.sequence_id == "3"


def test_delete_thread(alice, bob):
    tc = alice.create_thread(participants=[bob])
    tc.send_message("before the end")
    assert alice.client.delete_chat_thread(tc.thread_id) is None  # 204

    for user in (alice, bob):
        with pytest.raises(ResourceNotFoundError):
            user.thread(tc.thread_id).get_properties()
        items = [t for t in user.client.list_chat_threads() if t.id == tc.thread_id]
        assert len(items) == 1, f"{user} no longer lists the deleted thread"
        support.assert_aware(items[0].deleted_on, "deletedOn")


# Operations a user can attempt on a thread by id, for the 403/404 tables below.
THREAD_OPERATIONS = {
    "get_properties": lambda tc: tc.get_properties(),
    "send_message": lambda tc: tc.send_message("hello?"),
    "list_messages": lambda tc: list(tc.list_messages()),
    "list_participants": lambda tc: list(tc.list_participants()),
    "update_topic": lambda tc: tc.update_topic("hijacked"),
    "send_typing_notification": lambda tc: tc.send_typing_notification(),
    "list_read_receipts": lambda tc: list(tc.list_read_receipts()),
}


@pytest.mark.parametrize("operation", ["get_properties", "send_message", "list_messages", "list_participants"])
def test_unknown_thread_is_not_found(alice, operation):
    tc = alice.thread(f"19:{uuid.uuid4().hex}@thread.v2")
    with pytest.raises(ResourceNotFoundError):
        THREAD_OPERATIONS[operation](tc)


@pytest.mark.parametrize("operation", sorted(THREAD_OPERATIONS))
def test_non_participant_is_forbidden(alice, bob, carol, operation):
    """Carol (same resource, chat scope) is not in Alice and Bob's thread: 403 for everything."""
    tc = alice.create_thread(support.unique_topic("private"), participants=[bob])
    tc.send_message("for Bob only")
    with support.raises_status(403):
        THREAD_OPERATIONS[operation](carol.thread(tc.thread_id))
    # And nothing changed.
    assert tc.get_properties().topic.startswith("private")
    assert [m.content.message for m in support.user_messages(support.messages(tc))] == ["for Bob only"]


@pytest.mark.parley_admin
@pytest.mark.parametrize("operation", ["get_properties", "send_message", "list_messages", "list_participants"])
def test_thread_of_other_resource_is_not_found(new_chat_user, second_resource, alice, operation):
    """Another resource's thread is 404, never 403: its existence does not leak across resources."""
    stranger = new_chat_user(resource=second_resource)
    tc = stranger.create_thread(support.unique_topic("elsewhere"))
    tc.send_message("resource 2 only")
    with pytest.raises(ResourceNotFoundError):
        THREAD_OPERATIONS[operation](alice.thread(tc.thread_id))
    assert tc.thread_id not in [t.id for t in alice.client.list_chat_threads()]


def test_list_threads_only_where_participant(alice, bob, carol):
    shared = alice.create_thread(support.unique_topic("shared"), participants=[bob])
    carols = carol.create_thread(support.unique_topic("carol's"))

    alice_items = {t.id: t for t in alice.client.list_chat_threads()}
    assert set(alice_items) == {shared.thread_id}
    assert {t.id for t in bob.client.list_chat_threads()} == {shared.thread_id}
    assert {t.id for t in carol.client.list_chat_threads()} == {carols.thread_id}

    item = alice_items[shared.thread_id]
    assert item.topic.startswith("shared")
    assert item.deleted_on is None
    # The system messages written at creation count as received messages.
    support.assert_aware(item.last_message_received_on, "lastMessageReceivedOn")


def test_last_message_received_on_follows_messages(alice):
    tc = alice.create_thread()
    created = next(iter(alice.client.list_chat_threads())).last_message_received_on
    support.wait_past(created)
    msg = tc.get_message(tc.send_message("later").id)
    item = next(t for t in alice.client.list_chat_threads() if t.id == tc.thread_id)
    assert item.last_message_received_on > created
    assert item.last_message_received_on.timestamp() >= msg.created_on.timestamp() - 1


def test_list_threads_paging(alice):
    ids = {alice.create_thread(support.unique_topic(f"page {i}")).thread_id for i in range(5)}
    got = support.pages(alice.client.list_chat_threads(results_per_page=2))
    support.assert_page_sizes(got, 2, total=5)
    listed = [t.id for page in got for t in page]
    assert sorted(listed) == sorted(ids), "every thread exactly once across pages"


def test_list_threads_start_time(alice):
    older = alice.create_thread(support.unique_topic("older"))
    older_item = next(iter(alice.client.list_chat_threads()))
    support.wait_past(older_item.last_message_received_on)
    newer = alice.create_thread(support.unique_topic("newer"))
    newer_item = next(t for t in alice.client.list_chat_threads() if t.id == newer.thread_id)

    since = newer_item.last_message_received_on
    listed = list(alice.client.list_chat_threads(start_time=since))
    assert [t.id for t in listed] == [newer.thread_id]
    assert all(t.last_message_received_on >= since for t in listed)
    # And a start time before both lists both.
    both = {t.id for t in alice.client.list_chat_threads(start_time=older_item.last_message_received_on)}
    assert both == {older.thread_id, newer.thread_id}
