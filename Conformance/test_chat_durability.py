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
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import support

PARLEY_BIN = os.environ.get("PARLEY_BIN")

pytestmark = pytest.mark.skipif(
    not PARLEY_BIN,
    reason="PARLEY_BIN is not set (scripts/test exports the absolute path of the server binary); "
    "this test starts and kills its own server",
)

N_MESSAGES = 50
READY_TIMEOUT = 60
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


class Server:
    """One `parley serve` process on a given data directory."""

    def __init__(self, data_dir: Path, work: Path, name: str, extra_args: tuple[str, ...] = (), extra_env: dict[str, str] | None = None):
        self.extra_args = extra_args
        self.extra_env = extra_env or {}
        self.ready_path = work / f"ready-{name}.json"
        self.log_path = work / f"server-{name}.log"
        self.data_dir = data_dir
        self.proc: subprocess.Popen | None = None
        self.ready: dict | None = None

    def start(self) -> dict:
        self.ready_path.unlink(missing_ok=True)
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [PARLEY_BIN, "serve", "--port", "0", "--data-dir", str(self.data_dir),
             "--ready-file", str(self.ready_path), *self.extra_args],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            # PARLEY_* variables are server configuration (PARLEY_READY_FILE is `readyFile`): only
            # the flags above configure this server.
            env={**{k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}, **self.extra_env},
        )
        log.close()
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"server exited with {self.proc.returncode} before it was ready:\n{self.log_tail()}")
            try:
                self.ready = json.loads(self.ready_path.read_text())
                return self.ready
            except (FileNotFoundError, json.JSONDecodeError):
                time.sleep(0.1)
        pytest.fail(f"no ready file at {self.ready_path} after {READY_TIMEOUT} s:\n{self.log_tail()}")

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no server log)"

    def child_env(self) -> dict[str, str]:
        """This process's environment, with TLS trust switched to this server's CA."""
        assert self.ready is not None
        env = dict(os.environ)
        ready_env = self.ready.get("environment") or {}
        for var in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
            value = ready_env.get(var) or self.ready.get("caCertificatePath")
            assert value and Path(value).is_file(), f"no CA file for {var} in {self.ready!r}"
            env[var] = value
        env.pop("PARLEY_READY_FILE", None)
        return env

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
