"""Chat participants: add (history sharing, invalid participants), remove, leave, list with paging.

Parley's decisions tested here:
  - add_participants answers 201 with no invalidParticipants on success, so the SDK returns [];
  - a participant added with share_history_time=T sees only messages with createdOn >= T;
    without it, the whole history;
  - a well-formed ACS id that does not exist, or belongs to another resource, is reported per
    participant: error code "403", message "Permissions check failed", target = its raw id;
  - Teams users cannot be added (no interop for the resource);
  - a removed participant gets 403 on the thread afterwards, and a participantRemoved system
    message is written; a participant may remove itself (leave);
  - removing someone who is not (or no longer) in the thread is done already: 204, nothing
    changes, no message (the SDK samples remove a user "in case it was already added");
    a malformed identifier is 400 InvalidIdentifier;
  - `skip` and `maxPageSize` (`results_per_page`) are int32: larger values are 400 naming them.
"""

from __future__ import annotations

import uuid

import pytest
from azure.communication.chat import ChatMessageType, ChatParticipant, CommunicationUserIdentifier, MicrosoftTeamsUserIdentifier

import support


def test_add_participants(alice, bob, carol):
    tc = alice.create_thread()
    errors = tc.add_participants([bob.participant(display_name="Bob"), carol.participant()])
    assert errors == [], errors

    listed = {p.identifier.raw_id: p for p in tc.list_participants()}
    assert set(listed) == {alice.raw_id, bob.raw_id, carol.raw_id}
    assert listed[bob.raw_id].display_name == "Bob"
    # The new participants can use the thread right away.
    bob.thread(tc.thread_id).send_message("hi, I'm in")
    assert carol.thread(tc.thread_id).get_properties().id == tc.thread_id


def test_added_participant_with_share_history_time_sees_only_later_messages(alice, bob):
    tc = alice.create_thread()
    before = support.send_messages(tc, 2, "before")
    support.wait_past(tc.get_message(before[-1]).created_on)
    shared = tc.send_message("shared from here").id
    since = tc.get_message(shared).created_on

    assert tc.add_participants([bob.participant(share_history_time=since)]) == []
    after = tc.send_message("after the add").id

    listed = support.messages(bob.thread(tc.thread_id))
    ids = [m.id for m in listed]
    assert not set(before) & set(ids), "messages from before shareHistoryTime are visible"
    assert shared in ids and after in ids, ids
    assert all(m.created_on >= since for m in listed), [(m.type, m.created_on) for m in listed]

    share = next(p for p in tc.list_participants() if p.identifier.raw_id == bob.raw_id).share_history_time
    support.assert_aware(share, "shareHistoryTime")
    assert abs((share - since).total_seconds()) < 1, (share, since)


def test_added_participant_without_share_history_time_sees_everything(alice, bob):
    tc = alice.create_thread()
    before = support.send_messages(tc, 3, "before")
    assert tc.add_participants([bob.participant()]) == []
    after = tc.send_message("after").id

    theirs = support.messages(bob.thread(tc.thread_id))
    assert [m.id for m in theirs] == [m.id for m in support.messages(tc)]
    assert {*before, after} <= {m.id for m in theirs}
    assert [m.sequence_id for m in theirs][-2:] == ["2", "1"], "the creation system messages too"


def test_add_unknown_acs_user_is_reported(alice, bob, immutable_id):
    tc = alice.create_thread()
    ghost = ChatParticipant(identifier=support.CommunicationUserIdentifier(support.ghost_user_id(immutable_id)))
    real = bob.participant()

    errors = tc.add_participants([real, ghost])
    assert len(errors) == 1, errors
    participant, error = errors[0]
    assert participant is ghost, f"the SDK pairs the error by its target (the raw id): {participant!r}"
    assert error.code == "403"
    assert error.message == "Permissions check failed"
    assert error.target == ghost.identifier.raw_id

    # The valid one was added anyway; the ghost was not.
    assert sorted(support.participant_ids(tc)) == sorted([alice.raw_id, bob.raw_id])


def test_add_user_of_other_resource_is_reported(alice, new_chat_user, second_resource):
    stranger = new_chat_user(resource=second_resource)
    tc = alice.create_thread()
    errors = tc.add_participants([stranger.participant()])
    assert len(errors) == 1, errors
    participant, error = errors[0]
    assert participant.identifier.raw_id == stranger.raw_id
    assert (error.code, error.message) == ("403", "Permissions check failed")
    assert support.participant_ids(tc) == [alice.raw_id]


def test_add_teams_user_is_refused(alice):
    """SDK bug (reference §4.6): add_participants raises KeyError: 'id' after a *successful* (201)
    call whenever a participant is not an ACS user, because CommunicationErrorResponseConverter
    indexes `identifier.properties['id']`, which only ACS identifiers have. So the outcome has to
    be read from the server: the Teams user is not a participant (no Teams interop here)."""
    tc = alice.create_thread()
    teams = MicrosoftTeamsUserIdentifier(str(uuid.uuid4()))
    with pytest.raises(KeyError, match="id"):
        tc.add_participants([ChatParticipant(identifier=teams, display_name="Teams user")])
    assert support.participant_ids(tc) == [alice.raw_id]
    assert teams.raw_id not in support.participant_ids(tc)


def test_removed_participant_loses_access(alice, bob, carol):
    tc = alice.create_thread(participants=[bob, carol])
    bob_tc = bob.thread(tc.thread_id)
    bob_tc.send_message("still here")

    assert tc.remove_participant(bob.identifier) is None  # 204
    assert sorted(support.participant_ids(tc)) == sorted([alice.raw_id, carol.raw_id])

    with support.raises_status(403):
        bob_tc.get_properties()
    with support.raises_status(403):
        bob_tc.send_message("let me back in")
    with support.raises_status(403):
        support.messages(bob_tc)

    latest = support.messages(carol.thread(tc.thread_id))[0]
    assert latest.type == ChatMessageType.PARTICIPANT_REMOVED
    assert support.raw_ids(latest.content.participants) == [bob.raw_id]


def test_participant_can_leave(alice, bob):
    tc = alice.create_thread(participants=[bob])
    bob_tc = bob.thread(tc.thread_id)
    assert bob_tc.remove_participant(bob.identifier) is None  # 204
    assert support.participant_ids(tc) == [alice.raw_id]
    with support.raises_status(403):
        bob_tc.get_properties()
    latest = support.messages(tc)[0]
    assert latest.type == ChatMessageType.PARTICIPANT_REMOVED
    assert support.raw_ids(latest.content.participants) == [bob.raw_id]


def test_list_participants_paging(alice, new_chat_user):
    others = [new_chat_user() for _ in range(4)]
    tc = alice.create_thread(participants=others)
    got = support.pages(tc.list_participants(results_per_page=2))
    support.assert_page_sizes(got, 2, total=5)
    listed = support.raw_ids(p for page in got for p in page)
    assert sorted(listed) == sorted([alice.raw_id, *[u.raw_id for u in others]]), "each exactly once"


def message_ids(tc) -> list[str]:
    return [m.id for m in support.messages(tc)]


def test_removing_someone_not_in_the_thread_is_done_already(alice, bob, new_chat_user):
    """As the SDK samples do: remove the user in case it was already added, then add it."""
    tc = alice.create_thread()
    before = message_ids(tc)
    assert tc.remove_participant(bob.identifier) is None  # never added: 204
    stranger = new_chat_user()
    assert tc.remove_participant(stranger.identifier) is None
    assert message_ids(tc) == before, "a removal that removed nobody wrote a message"
    assert tc.add_participants([bob.participant()]) == []
    assert sorted(support.participant_ids(tc)) == sorted([alice.raw_id, bob.raw_id])

    # Removed once for real, then again: the second changes nothing.
    assert tc.remove_participant(bob.identifier) is None
    assert support.messages(tc)[0].type == ChatMessageType.PARTICIPANT_REMOVED
    after_removal = message_ids(tc)
    assert tc.remove_participant(bob.identifier) is None
    assert message_ids(tc) == after_removal
    assert support.participant_ids(tc) == [alice.raw_id]


def test_removing_a_malformed_identifier_is_400(alice):
    tc = alice.create_thread()
    with support.raises_status(400, "InvalidIdentifier"):
        tc.remove_participant(CommunicationUserIdentifier("8:acs:fakeid"))


def test_a_caller_who_is_not_a_participant_cannot_remove(alice, bob, carol):
    tc = alice.create_thread(participants=[bob])
    with support.raises_status(403):
        carol.thread(tc.thread_id).remove_participant(bob.identifier)
    with support.raises_status(403):
        carol.thread(tc.thread_id).remove_participant(CommunicationUserIdentifier(carol.raw_id))
    assert sorted(support.participant_ids(tc)) == sorted([alice.raw_id, bob.raw_id])


@pytest.mark.parametrize("option, parameter", [("skip", "skip"), ("results_per_page", "maxPageSize")])
def test_int32_paging_parameters_refuse_larger_values(alice, option, parameter):
    tc = alice.create_thread()
    with support.raises_status(400) as info:
        list(tc.list_participants(**{option: 4398046511104}))
    assert info.value.error.target == parameter, info.value
    with support.raises_status(400) as info:
        list(tc.list_read_receipts(**{option: 2147483648}))
    assert info.value.error.target == parameter, info.value
