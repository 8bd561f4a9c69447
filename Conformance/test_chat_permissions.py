"""What a token's scopes allow in Chat, and tokens that stopped being valid.

Parley's decisions tested here (scope meanings from the SDK's CommunicationTokenScope, reference §3):
  - `chat.join`: everything a participant does, but no create/delete of threads and no topic
    update -> 403 InsufficientScope;
  - `chat.join.limited`: like chat.join, and additionally no adding/removing of participants;
  - `voip` alone: no chat at all -> 403 InsufficientScope, even for a thread participant;
  - a revoked token, or the token of a deleted user, is refused with 401 (ClientAuthenticationError).
    Expired tokens cannot be minted through the SDK (60 minutes at least), so they are not tested.
"""

from __future__ import annotations

import pytest
from azure.core.exceptions import ClientAuthenticationError

import support

INSUFFICIENT = "InsufficientScope"


@pytest.mark.parametrize("scope", ["chat.join", "chat.join.limited"])
def test_join_scopes_cannot_create_update_or_delete_threads(alice, new_chat_user, scope):
    joiner = new_chat_user([scope])
    with support.raises_status(403, INSUFFICIENT):
        joiner.client.create_chat_thread(support.unique_topic("not allowed"))
    assert list(joiner.client.list_chat_threads()) == [], "no thread was created"

    tc = alice.create_thread("unchanged", participants=[joiner])
    joiner_tc = joiner.thread(tc.thread_id)
    with support.raises_status(403, INSUFFICIENT):
        joiner_tc.update_topic("renamed")
    with support.raises_status(403, INSUFFICIENT):
        joiner.client.delete_chat_thread(tc.thread_id)
    assert tc.get_properties().topic == "unchanged"


@pytest.mark.parametrize("scope", ["chat.join", "chat.join.limited"])
def test_join_scopes_can_chat(alice, new_chat_user, scope):
    joiner = new_chat_user([scope])
    tc = alice.create_thread(participants=[joiner])
    joiner_tc = joiner.thread(tc.thread_id)

    assert joiner_tc.get_properties().id == tc.thread_id
    msg_id = joiner_tc.send_message("joined").id
    joiner_tc.update_message(msg_id, content="joined!")
    assert tc.get_message(msg_id).content.message == "joined!"
    assert joiner_tc.send_typing_notification() is None
    joiner_tc.send_read_receipt(msg_id)
    assert msg_id in [r.chat_message_id for r in joiner_tc.list_read_receipts()]
    assert sorted(support.participant_ids(joiner_tc)) == sorted([alice.raw_id, joiner.raw_id])
    assert [t.id for t in joiner.client.list_chat_threads()] == [tc.thread_id]
    joiner_tc.delete_message(msg_id)


def test_chat_join_can_add_and_remove_participants(alice, bob, new_chat_user):
    joiner = new_chat_user(["chat.join"])
    tc = alice.create_thread(participants=[joiner])
    joiner_tc = joiner.thread(tc.thread_id)
    assert joiner_tc.add_participants([bob.participant()]) == []
    assert bob.raw_id in support.participant_ids(tc)
    assert joiner_tc.remove_participant(bob.identifier) is None
    assert bob.raw_id not in support.participant_ids(tc)


def test_chat_join_limited_cannot_add_or_remove_participants(alice, bob, carol, new_chat_user):
    limited = new_chat_user(["chat.join.limited"])
    tc = alice.create_thread(participants=[limited, carol])
    limited_tc = limited.thread(tc.thread_id)
    with support.raises_status(403, INSUFFICIENT):
        limited_tc.add_participants([bob.participant()])
    with support.raises_status(403, INSUFFICIENT):
        limited_tc.remove_participant(carol.identifier)
    assert sorted(support.participant_ids(tc)) == sorted([alice.raw_id, limited.raw_id, carol.raw_id])


def test_voip_token_has_no_chat_access(alice, new_chat_user):
    caller = new_chat_user(["voip"])
    tc = alice.create_thread(participants=[caller])  # a participant, yet without a chat scope
    caller_tc = caller.thread(tc.thread_id)

    with support.raises_status(403, INSUFFICIENT):
        list(caller.client.list_chat_threads())
    with support.raises_status(403, INSUFFICIENT):
        caller.client.create_chat_thread(support.unique_topic("voip"))
    with support.raises_status(403, INSUFFICIENT):
        caller_tc.get_properties()
    with support.raises_status(403, INSUFFICIENT):
        caller_tc.send_message("can you hear me")
    with support.raises_status(403, INSUFFICIENT):
        support.messages(caller_tc)
    assert support.user_messages(support.messages(tc)) == []


def test_revoked_token_is_refused(alice, identity_client):
    tc = alice.create_thread()
    tc.send_message("before revocation")
    identity_client.revoke_tokens(alice.identity_user)
    with pytest.raises(ClientAuthenticationError):
        tc.get_properties()
    with pytest.raises(ClientAuthenticationError):
        tc.send_message("after revocation")
    with pytest.raises(ClientAuthenticationError):
        list(alice.client.list_chat_threads())

    # A token issued after the revocation works, and nothing was sent with the revoked one.
    fresh = identity_client.get_token(alice.identity_user, ["chat"]).token
    again = support.ChatUser(alice.endpoint, alice.identity_user, fresh, ["chat"])
    try:
        texts = [m.content.message for m in support.user_messages(support.messages(again.thread(tc.thread_id)))]
        assert texts == ["before revocation"]
    finally:
        again.close()


def test_deleted_user_token_is_refused(bob, identity_client):
    tc = bob.create_thread()
    identity_client.delete_user(bob.identity_user)
    with pytest.raises(ClientAuthenticationError):
        tc.get_properties()
    with pytest.raises(ClientAuthenticationError):
        list(bob.client.list_chat_threads())
    with pytest.raises(ClientAuthenticationError):
        bob.client.create_chat_thread(support.unique_topic("ghost"))
