"""Acknowledged chat messages survive `kill -9` of the server.

This test runs its OWN server process (not the one scripts/test started): `$PARLEY_BIN serve
--port 0 --data-dir D --ready-file R`. It creates a user and a thread, sends 50 messages (each
acknowledged with 201, which the SDK checks exactly), kills the server with SIGKILL, starts it again
on the same data directory and checks that all 50 messages are there, in order, with the same ids.

The SDK calls run in a child Python process whose environment trusts *that* server's CA
(REQUESTS_CA_BUNDLE / SSL_CERT_FILE from its ready file): the SDKs stay unmodified (no
`connection_verify=`), and this pytest process keeps trusting the main server only. The port may
change on restart, so the child reads the new ready file's endpoint; the access key and CA are kept
in the data directory, so the same connection string still works.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import support

PARLEY_BIN = os.environ.get("PARLEY_BIN")

pytestmark = pytest.mark.skipif(
    not PARLEY_BIN,
    reason="PARLEY_BIN is not set (scripts/test exports the absolute path of the server binary); "
    "this test starts and kills its own server",
)

N_MESSAGES = 50
CHILD_TIMEOUT = 300

# Runs in a child interpreter: argv[1] is a JSON request, the last stdout line the JSON answer.
CHILD = r"""
import json, sys
from azure.communication.identity import CommunicationIdentityClient, CommunicationUserIdentifier
from azure.communication.chat import ChatClient, CommunicationTokenCredential

req = json.loads(sys.argv[1])
ready = json.load(open(req["ready"]))
identity = CommunicationIdentityClient.from_connection_string(ready["connectionString"])
endpoint = ready["resource"]["endpoint"]

if req["phase"] == "write":
    user, token = identity.create_user_and_token(["chat"])
    chat = ChatClient(endpoint, CommunicationTokenCredential(token.token))
    thread = chat.create_chat_thread("durability").chat_thread
    tc = chat.get_chat_thread_client(thread.id)
    ids = []
    for i in range(req["n"]):
        ids.append(tc.send_message(f"durable {i}").id)  # returns only after a 201
    out = {"user": user.properties["id"], "thread": thread.id, "ids": ids}
else:
    token = identity.get_token(CommunicationUserIdentifier(req["user"]), ["chat"])
    chat = ChatClient(endpoint, CommunicationTokenCredential(token.token))
    tc = chat.get_chat_thread_client(req["thread"])
    out = {
        "topic": tc.get_properties().topic,
        "messages": [
            {"id": m.id, "type": getattr(m.type, "value", m.type),
             "sequenceId": m.sequence_id, "text": m.content.message if m.content else None}
            for m in tc.list_messages()
        ],
    }
print(json.dumps(out))
"""


class Server(support.OwnServer):
    """The suite's own `parley serve` process, plus the SDK child that talks to it."""

    def run_child(self, request: dict) -> dict:
        request = {**request, "ready": str(self.ready_path)}
        try:
            done = subprocess.run(
                [sys.executable, "-c", CHILD, json.dumps(request)],
                env=self.child_env(), capture_output=True, text=True, timeout=CHILD_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"SDK child ({request['phase']}) timed out:\n{self.log_tail()}")
        if done.returncode != 0:
            pytest.fail(
                f"SDK child ({request['phase']}) failed with {done.returncode}:\n{done.stderr[-4000:]}\n"
                f"---- server log ----\n{self.log_tail()}"
            )
        return json.loads(done.stdout.strip().splitlines()[-1])


def test_acknowledged_messages_survive_kill_9(tmp_path):
    data_dir = tmp_path / "data"
    first = Server(data_dir, tmp_path, "first")
    second = Server(data_dir, tmp_path, "second")
    try:
        ready1 = first.start()
        written = first.run_child({"phase": "write", "n": N_MESSAGES})
        assert len(written["ids"]) == N_MESSAGES

        first.kill9()  # right after the last 201: no graceful shutdown, no flush on exit

        ready2 = second.start()
        key1 = support.parse_connection_string(ready1["connectionString"])["accesskey"]
        key2 = support.parse_connection_string(ready2["connectionString"])["accesskey"]
        assert key1 == key2, "the access key changed across the restart"
        read = second.run_child({"phase": "read", "user": written["user"], "thread": written["thread"]})
    finally:
        first.stop()
        second.stop()

    assert read["topic"] == "durability"
    texts = [m for m in read["messages"] if m["type"] == "text"]
    assert [m["id"] for m in texts] == written["ids"][::-1], "messages lost, reordered or renumbered"
    assert [m["text"] for m in texts] == [f"durable {i}" for i in reversed(range(N_MESSAGES))]
    assert [m["sequenceId"] for m in read["messages"]] == [str(s) for s in range(N_MESSAGES + 2, 0, -1)]
