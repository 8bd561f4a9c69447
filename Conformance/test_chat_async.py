"""The async chat clients (`azure.communication.chat.aio`, aiohttp transport).

What differs from the sync clients (reference §1.1, §1.4): TLS trust comes from SSL_CERT_FILE only,
and aiohttp puts *decoded* paths on the wire (`/chat/threads/19:...@thread.v2/...`, also in the
nextLink of later pages), so the server must accept both encodings. Users and tokens come from the
sync identity client, as an application mixing both would do.
"""

from __future__ import annotations

import uuid

import pytest
from azure.communication.chat import ChatMessageType, ChatParticipant, CommunicationUserIdentifier
from azure.communication.chat.aio import ChatClient, CommunicationTokenCredential
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError

import support


def async_client(user: support.ChatUser) -> ChatClient:
    return ChatClient(user.endpoint, CommunicationTokenCredential(user.token))


def participant(user: support.ChatUser, **kwargs) -> ChatParticipant:
    return ChatParticipant(identifier=CommunicationUserIdentifier(user.raw_id), **kwargs)


async def collect(paged) -> list:
    return [item async for item in paged]


async def collect_pages(paged) -> list[list]:
    return [[item async for item in page] async for page in paged.by_page()]


async def test_async_chat_thread_lifecycle(alice, bob, carol):
    async with async_client(alice) as a_client, async_client(bob) as b_client:
        result = await a_client.create_chat_thread("async", thread_participants=[participant(bob)])
        assert result.errors == []
        thread_id = result.chat_thread.id
        assert support.THREAD_ID_RE.match(thread_id), thread_id

        async with a_client.get_chat_thread_client(thread_id) as a_tc, b_client.get_chat_thread_client(thread_id) as b_tc:
            assert (await b_tc.get_properties()).topic == "async"
            await a_tc.update_topic("async renamed")
            assert (await b_tc.get_properties()).topic == "async renamed"

            msg_id = (await a_tc.send_message("hello", sender_display_name="Alice", metadata={"k": "v"})).id
            msg = await b_tc.get_message(msg_id)
            assert (msg.content.message, msg.sender.raw_id, msg.metadata) == ("hello", alice.raw_id, {"k": "v"})
            assert msg.sequence_id == "4"  # participantAdded, topicUpdated, topicUpdated, this

            await a_tc.update_message(msg_id, content="hello!")
            edited = await b_tc.get_message(msg_id)
            assert edited.content.message == "hello!" and edited.edited_on is not None

            assert await b_tc.send_typing_notification(sender_display_name="Bob") is None
            await b_tc.send_read_receipt(msg_id)
            receipts = await collect(a_tc.list_read_receipts())
            assert [(r.sender.raw_id, r.chat_message_id) for r in receipts] == [(bob.raw_id, msg_id)]

            assert await a_tc.add_participants([participant(carol)]) == []
            ids = support.raw_ids(await collect(a_tc.list_participants()))
            assert sorted(ids) == sorted([alice.raw_id, bob.raw_id, carol.raw_id])
            await a_tc.remove_participant(CommunicationUserIdentifier(carol.raw_id))
            latest = (await collect(b_tc.list_messages()))[0]
            assert latest.type == ChatMessageType.PARTICIPANT_REMOVED

            await a_tc.delete_message(msg_id)
            assert (await b_tc.get_message(msg_id)).deleted_on is not None

        listed = [t.id async for t in b_client.list_chat_threads()]
        assert listed == [thread_id]
        await a_client.delete_chat_thread(thread_id)
        async with b_client.get_chat_thread_client(thread_id) as b_tc:
            with pytest.raises(ResourceNotFoundError):
                await b_tc.get_properties()


async def test_async_chat_paging_follows_next_links(alice, bob):
    """Later pages are fetched from the nextLink with a decoded path: every item exactly once."""
    tc = alice.create_thread(participants=[bob])
    sent = support.send_messages(tc, 7)
    async with async_client(bob) as client:
        async with client.get_chat_thread_client(tc.thread_id) as b_tc:
            got = await collect_pages(b_tc.list_messages(results_per_page=3))
            support.assert_page_sizes(got, 3, total=len(sent) + 2)
            flat = [m for page in got for m in page]
            assert [m.id for m in support.user_messages(flat)] == sent[::-1]
            assert [int(m.sequence_id) for m in flat] == list(range(len(sent) + 2, 0, -1))

            participants = await collect_pages(b_tc.list_participants(results_per_page=1))
            support.assert_page_sizes(participants, 1, total=2)
            assert sorted(support.raw_ids(p for page in participants for p in page)) == sorted(
                [alice.raw_id, bob.raw_id]
            )


async def test_async_chat_errors_map_like_sync(alice, carol, identity_client):
    tc = alice.create_thread()
    async with async_client(carol) as client:
        async with client.get_chat_thread_client(f"19:{uuid.uuid4().hex}@thread.v2") as missing:
            with pytest.raises(ResourceNotFoundError):
                await missing.get_properties()
        async with client.get_chat_thread_client(tc.thread_id) as not_mine:
            with pytest.raises(HttpResponseError) as info:
                await not_mine.send_message("let me in")
            support.assert_status(info.value, 403)
            with pytest.raises(HttpResponseError) as info:
                await collect(not_mine.list_messages())
            support.assert_status(info.value, 403)

        identity_client.revoke_tokens(carol.identity_user)
        with pytest.raises(ClientAuthenticationError):
            await collect(client.list_chat_threads())
