"""Published Chat size limits (reference §5), with the errors Parley decided on.

  - message content above 28 KB (28 * 1024 bytes of UTF-8) -> 400 MessageTooLarge, nothing stored;
  - more than 200 participants in one create_chat_thread or add_participants call
    -> 400 TooManyParticipants, nothing changed;
  - typing notifications and read receipts in a thread of more than 20 participants
    -> 403 ThreadTooLarge.
"""

from __future__ import annotations

import pytest
from azure.communication.chat import ChatParticipant, CommunicationUserIdentifier

import support

LIMIT = support.MESSAGE_BYTES_LIMIT


@pytest.fixture(scope="module")
def many_users(identity_client) -> list[ChatParticipant]:
    """One more ACS user than a single call may add (no tokens: only the creator acts)."""
    return [
        ChatParticipant(identifier=CommunicationUserIdentifier(identity_client.create_user().properties["id"]))
        for _ in range(support.PARTICIPANTS_PER_BATCH + 1)
    ]


def test_message_at_the_size_limit_is_accepted(alice):
    tc = alice.create_thread()
    content = "a" * LIMIT
    msg_id = tc.send_message(content).id
    assert tc.get_message(msg_id).content.message == content


@pytest.mark.parametrize(
    "content",
    [
        "a" * (LIMIT + 1),
        # 14,337 characters only, but 28,674 bytes of UTF-8: the limit counts bytes.
        "\u00e9" * (LIMIT // 2 + 1),
    ],
    ids=["ascii", "two-byte-utf8"],
)
def test_message_over_the_size_limit_is_refused(alice, content):
    assert len(content.encode("utf-8")) > LIMIT
    tc = alice.create_thread()
    tc.send_message("small")
    count = len(support.messages(tc))
    with support.raises_status(400, "MessageTooLarge"):
        tc.send_message(content)
    assert len(support.messages(tc)) == count, "the refused message was stored"


def test_create_with_too_many_participants_is_refused(alice, many_users):
    topic = support.unique_topic("crowded")
    with support.raises_status(400, "TooManyParticipants"):
        alice.client.create_chat_thread(topic, thread_participants=many_users)
    assert topic not in [t.topic for t in alice.client.list_chat_threads()], "the thread was created anyway"


def test_add_too_many_participants_is_refused(alice, many_users):
    tc = alice.create_thread()
    with support.raises_status(400, "TooManyParticipants"):
        tc.add_participants(many_users)
    assert support.participant_ids(tc) == [alice.raw_id], "some participants were added anyway"


def test_add_the_maximum_batch_of_participants(alice, many_users):
    tc = alice.create_thread()
    batch = many_users[: support.PARTICIPANTS_PER_BATCH]
    assert tc.add_participants(batch) == []
    listed = support.participant_ids(tc)
    assert sorted(listed) == sorted([alice.raw_id, *support.raw_ids(batch)])


def test_typing_and_read_receipts_need_a_small_thread(alice, bob, many_users):
    small = support.TYPING_AND_RECEIPTS_MAX_PARTICIPANTS
    # Alice, Bob and 18 others: exactly 20 participants, still allowed.
    tc = alice.create_thread(participants=[bob, *many_users[: small - 2]])
    assert len(support.participant_ids(tc)) == small
    msg_id = tc.send_message("count us").id
    bob_tc = bob.thread(tc.thread_id)
    assert tc.send_typing_notification() is None
    assert bob_tc.send_read_receipt(msg_id) is None

    # The 21st participant makes the thread too large for both.
    assert tc.add_participants([many_users[small - 2]]) == []
    for client in (tc, bob_tc):
        with support.raises_status(403, "ThreadTooLarge"):
            client.send_typing_notification()
        with support.raises_status(403, "ThreadTooLarge"):
            client.send_typing_notification(sender_display_name="Someone")
        with support.raises_status(403, "ThreadTooLarge"):
            client.send_read_receipt(msg_id)
    # Messages themselves are unaffected.
    tc.send_message("still chatting")
