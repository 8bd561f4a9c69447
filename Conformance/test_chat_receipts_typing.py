"""Typing notifications and read receipts.

Parley's decisions tested here: typing (with or without a sender display name) and sending a read
receipt both answer 200 (the SDK accepts nothing else); list_read_receipts keeps the latest receipt
per sender; a receipt for a message id the thread does not have is 404. The limit of 20 participants
for both is in test_chat_limits.py.
"""

from __future__ import annotations

import time

import pytest
from azure.core.exceptions import ResourceNotFoundError

import support


@pytest.mark.parametrize("display_name", [None, "Alice"], ids=["no-name", "with-name"])
def test_typing_notification(alice, bob, display_name):
    tc = alice.create_thread(participants=[bob])
    kwargs = {} if display_name is None else {"sender_display_name": display_name}
    assert tc.send_typing_notification(**kwargs) is None
    assert bob.thread(tc.thread_id).send_typing_notification(**kwargs) is None


def test_read_receipt(alice, bob):
    tc = alice.create_thread(participants=[bob])
    msg_id = tc.send_message("please read").id
    bob_tc = bob.thread(tc.thread_id)
    assert bob_tc.send_read_receipt(msg_id) is None

    for reader in (tc, bob_tc):
        receipts = list(reader.list_read_receipts())
        assert len(receipts) == 1, receipts
        receipt = receipts[0]
        assert receipt.sender.raw_id == bob.raw_id
        assert receipt.chat_message_id == msg_id
        support.assert_aware(receipt.read_on, "readOn")
        assert abs(receipt.read_on.timestamp() - time.time()) < 600, receipt.read_on


def test_latest_read_receipt_per_sender(alice, bob):
    tc = alice.create_thread(participants=[bob])
    first, second = support.send_messages(tc, 2)
    bob_tc = bob.thread(tc.thread_id)
    bob_tc.send_read_receipt(first)
    bob_tc.send_read_receipt(second)
    tc.send_read_receipt(first)

    receipts = {r.sender.raw_id: r.chat_message_id for r in tc.list_read_receipts()}
    assert receipts == {bob.raw_id: second, alice.raw_id: first}
    assert len(list(tc.list_read_receipts())) == 2, "one receipt per sender"


def test_read_receipts_paging(alice, new_chat_user):
    readers = [new_chat_user() for _ in range(3)]
    tc = alice.create_thread(participants=readers)
    msg_id = tc.send_message("read me").id
    for reader in readers:
        reader.thread(tc.thread_id).send_read_receipt(msg_id)

    got = support.pages(tc.list_read_receipts(results_per_page=1))
    support.assert_page_sizes(got, 1, total=3)
    receipts = [r for page in got for r in page]
    assert sorted(support.raw_ids(receipts)) == sorted(u.raw_id for u in readers), "each exactly once"
    assert {r.chat_message_id for r in receipts} == {msg_id}


def test_read_receipt_for_unknown_message_is_not_found(alice):
    tc = alice.create_thread()
    tc.send_message("the only one")
    with pytest.raises(ResourceNotFoundError):
        tc.send_read_receipt(str(int(time.time() * 1000) - 10_000_000))
    assert list(tc.list_read_receipts()) == []
