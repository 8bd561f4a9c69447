"""Chat messages: send, get, list (order, sequence ids, start time, paging), edit, delete.

Parley's decisions tested here:
  - message ids and versions are epoch-millisecond strings; sequenceId counts 1, 2, 3, ... per
    thread with no gaps, system messages included (1 = participantAdded, 2 = topicUpdated);
  - list_messages is newest first; start_time keeps messages with createdOn >= startTime;
    default page size 20, maximum 200, and the SDK yields every message exactly once across pages;
  - only the sender edits or deletes a message (403 for anyone else, the thread creator included);
    an edit sets editedOn and changes version; a delete leaves a tombstone with deletedOn, and
    deleting again is still 204;
  - metadata, the html type and the sender display name are kept; system messages have no sender.
"""

from __future__ import annotations

import time

import pytest
from azure.communication.chat import ChatMessageType
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

import support

# More than one maximum-size page (200) of user messages.
BIG = 230


def test_send_and_get_message(alice, bob):
    tc = alice.create_thread(participants=[bob])
    text = "h\u00e9llo \u2713 \U0001f44b"
    msg_id = tc.send_message(text, sender_display_name="Alice").id
    support.assert_epoch_ms(msg_id, "message id")

    for reader in (alice, bob):
        m = reader.thread(tc.thread_id).get_message(msg_id)
        assert m.id == msg_id
        assert m.type == ChatMessageType.TEXT
        assert m.content.message == text
        assert m.sender.raw_id == alice.raw_id
        assert m.sender_display_name == "Alice"
        assert m.sequence_id == "3"
        support.assert_epoch_ms(m.version, "version")
        support.assert_aware(m.created_on, "createdOn")
        assert m.edited_on is None and m.deleted_on is None
        assert not m.metadata, f"metadata was never set, got {m.metadata!r}"


def test_metadata_is_kept(alice):
    tc = alice.create_thread()
    msg_id = tc.send_message("with metadata", metadata={"k": "v"}).id
    assert tc.get_message(msg_id).metadata == {"k": "v"}
    listed = next(m for m in support.messages(tc) if m.id == msg_id)
    assert listed.metadata == {"k": "v"}


def test_html_message_is_kept(alice, bob):
    tc = alice.create_thread(participants=[bob])
    html = '<p>Hello <b>Bob</b> &amp; <a href="https://example.com/?a=1&b=2">co</a></p>'
    msg_id = tc.send_message(html, chat_message_type=ChatMessageType.HTML).id
    m = bob.thread(tc.thread_id).get_message(msg_id)
    assert m.type == ChatMessageType.HTML
    assert m.content.message == html


def test_system_messages_have_no_sender(alice, bob):
    tc = alice.create_thread(participants=[bob])
    tc.update_topic("renamed")
    tc.remove_participant(bob.identifier)
    system = [m for m in support.messages(tc) if m.type in support.SYSTEM_MESSAGE_TYPES]
    assert {m.type for m in system} == set(support.SYSTEM_MESSAGE_TYPES), [m.type for m in system]
    for m in system:
        assert m.sender is None, f"{m.type} message has a sender: {m.sender!r}"
        assert m.sender_display_name is None, m.sender_display_name
        assert not m.metadata, m.metadata


def test_list_is_newest_first_with_contiguous_sequence_ids(alice, bob):
    tc = alice.create_thread(participants=[bob])
    bob_tc = bob.thread(tc.thread_id)
    sent = support.send_messages(tc, 3, "alice")
    sent += support.send_messages(bob_tc, 2, "bob")
    tc.update_topic("midway")
    sent += support.send_messages(tc, 2, "alice again")

    msgs = support.messages(bob_tc)
    support.assert_newest_first(msgs)
    assert [int(m.sequence_id) for m in msgs] == list(range(len(msgs), 0, -1)), [m.sequence_id for m in msgs]
    assert len(msgs) == 2 + 7 + 1  # creation system messages, user messages, topic update
    assert [m.id for m in support.user_messages(msgs)] == sent[::-1]
    assert len({m.id for m in msgs}) == len(msgs), "message ids are unique"
    for m in msgs:
        support.assert_epoch_ms(m.id, f"id of {m.type} message")
        support.assert_epoch_ms(m.version, f"version of {m.type} message")


def test_get_unknown_message_is_not_found(alice):
    tc = alice.create_thread()
    with pytest.raises(ResourceNotFoundError):
        tc.get_message(str(int(time.time() * 1000) - 10_000_000))


def test_list_messages_start_time(alice):
    tc = alice.create_thread()
    early = support.send_messages(tc, 3, "early")
    support.wait_past(tc.get_message(early[-1]).created_on)
    late = support.send_messages(tc, 5, "late")
    since = tc.get_message(late[0]).created_on

    listed = support.messages(tc, start_time=since)
    assert [m.id for m in listed] == late[::-1]
    assert all(m.created_on >= since for m in listed)

    # The filter holds on every page, not just the first one (the nextLink must keep startTime).
    paged = support.pages(tc.list_messages(start_time=since, results_per_page=2))
    support.assert_page_sizes(paged, 2, total=len(late))
    assert [m.id for page in paged for m in page] == late[::-1]


@pytest.fixture(scope="module")
def big_thread(chat_user_maker):
    """A thread with BIG user messages after its two system messages; (thread client, ids sent)."""
    owner = chat_user_maker()
    try:
        tc = owner.create_thread(support.unique_topic("big"))
        yield tc, support.send_messages(tc, BIG)
    finally:
        owner.close()


@pytest.mark.parametrize("page_size", [None, 50, support.MAX_PAGE_SIZE], ids=["default", "50", "200"])
def test_paging_yields_every_message_once_in_order(big_thread, page_size):
    tc, sent = big_thread
    kwargs = {} if page_size is None else {"results_per_page": page_size}
    limit = page_size or support.DEFAULT_PAGE_SIZE

    got = support.pages(tc.list_messages(**kwargs))
    support.assert_page_sizes(got, limit, total=BIG + 2)
    assert len(got[0]) == limit, f"first page has {len(got[0])} messages, expected {limit}"
    flat = [m for page in got for m in page]
    assert [m.id for m in support.user_messages(flat)] == sent[::-1]
    assert [int(m.sequence_id) for m in flat] == list(range(BIG + 2, 0, -1))


def test_page_size_above_maximum(big_thread):
    """maxPageSize 500 > 200: Parley refuses with 400 ValidationError (docs/errors.md) rather
    than silently returning pages of another size."""
    tc, _ = big_thread
    with pytest.raises(HttpResponseError) as caught:
        support.pages(tc.list_messages(results_per_page=500))
    support.assert_status(caught.value, 400)
    assert caught.value.error.code == "ValidationError"


def test_edit_message(alice, bob):
    tc = alice.create_thread(participants=[bob])
    msg_id = tc.send_message("draft").id
    before = tc.get_message(msg_id)

    assert tc.update_message(msg_id, content="final") is None  # 204
    after = tc.get_message(msg_id)
    assert after.content.message == "final"
    support.assert_aware(after.edited_on, "editedOn")
    assert after.version != before.version
    support.assert_epoch_ms(after.version, "version")
    assert (after.id, after.sequence_id, after.created_on) == (before.id, before.sequence_id, before.created_on)
    assert after.deleted_on is None

    # Everyone sees the edit in the list, and no message was added by it.
    listed = support.messages(bob.thread(tc.thread_id))
    assert [m.content.message for m in support.user_messages(listed)] == ["final"]
    assert len(listed) == 3


@pytest.mark.parametrize("sender_is_creator", [True, False], ids=["creator-sent", "participant-sent"])
def test_only_the_sender_edits_or_deletes(alice, bob, sender_is_creator):
    sender, other = (alice, bob) if sender_is_creator else (bob, alice)
    thread_id = alice.create_thread(participants=[bob]).thread_id
    msg_id = sender.thread(thread_id).send_message("mine").id

    other_tc = other.thread(thread_id)
    with support.raises_status(403):
        other_tc.update_message(msg_id, content="not yours")
    with support.raises_status(403):
        other_tc.delete_message(msg_id)

    m = sender.thread(thread_id).get_message(msg_id)
    assert m.content.message == "mine"
    assert m.edited_on is None and m.deleted_on is None


def test_delete_message_leaves_a_tombstone(alice, bob):
    tc = alice.create_thread(participants=[bob])
    keep = tc.send_message("keep").id
    gone = tc.send_message("oops").id
    assert tc.delete_message(gone) is None  # 204

    for reader in (alice, bob):
        listed = {m.id: m for m in support.messages(reader.thread(tc.thread_id))}
        assert gone in listed, "a deleted message stays in the list as a tombstone"
        support.assert_aware(listed[gone].deleted_on, "deletedOn")
        assert listed[keep].deleted_on is None
    support.assert_aware(tc.get_message(gone).deleted_on, "deletedOn")

    assert tc.delete_message(gone) is None  # deleting again is still 204
    support.assert_aware(tc.get_message(gone).deleted_on, "deletedOn")
