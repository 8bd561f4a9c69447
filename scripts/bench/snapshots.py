"""Fills a development-mode server, saves a snapshot and times its restores (scripts/bench-snapshots).

Usage: snapshots.py READY_FILE THREADS MESSAGES_PER_THREAD RESTORES
"""

import json
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from azure.communication.chat import ChatClient, ChatParticipant, CommunicationTokenCredential
from azure.communication.identity import CommunicationIdentityClient
from azure.core.exceptions import HttpResponseError

ready_path, thread_count, message_count, restores = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
ready = json.load(open(ready_path))
base = ready["url"].rstrip("/")
admin = requests.Session()
admin.headers["Authorization"] = "Bearer " + ready["adminKey"]
endpoint = ready["resource"]["endpoint"]

identity = CommunicationIdentityClient.from_connection_string(ready["connectionString"])
users = [identity.create_user_and_token(["chat"]) for _ in range(300)]
clients = [ChatClient(endpoint, CommunicationTokenCredential(token.token)) for _, token in users]


def make_thread(index: int) -> str:
    owner = clients[index % len(clients)]
    others = [ChatParticipant(identifier=users[(index + k) % len(users)][0]) for k in (1, 2)]
    thread = owner.create_chat_thread(f"bench {index}", thread_participants=others).chat_thread.id
    thread_client = owner.get_chat_thread_client(thread)
    for n in range(message_count):
        thread_client.send_message(f"message {n} of thread {index}")
    return thread


start = time.monotonic()
with ThreadPoolExecutor(max_workers=16) as pool:
    threads = list(pool.map(make_thread, range(thread_count)))
print(f"filled: {thread_count} threads, {thread_count * message_count} messages, {len(users)} users "
      f"in {time.monotonic() - start:.0f} s")

saved = admin.post(base + "/admin/dev/snapshots", json={"name": "bench", "replace": True}, timeout=600)
saved.raise_for_status()
size = saved.json()["databaseBytes"]
print(f"snapshot: {size / 1e6:.1f} MB database")

server_ms, client_ms = [], []
for round_ in range(restores):
    # Something the restore must take away.
    extra = clients[0].create_chat_thread(f"after the snapshot {round_}").chat_thread.id
    begin = time.monotonic()
    restored = admin.post(base + "/admin/dev/snapshots/bench/restore", timeout=600)
    client_ms.append((time.monotonic() - begin) * 1000)
    restored.raise_for_status()
    server_ms.append(restored.json()["milliseconds"])
    kept = clients[(round_ * 7) % len(clients)].get_chat_thread_client(threads[(round_ * 7) % thread_count])
    assert kept.get_properties().id == threads[(round_ * 7) % thread_count]
    try:
        clients[0].get_chat_thread_client(extra).get_properties()
        sys.exit(f"thread {extra}, made after the snapshot, is still there after the restore")
    except HttpResponseError as error:
        assert error.status_code == 404, error


def summary(samples):
    return f"p50 {statistics.median(samples):.0f} ms, max {max(samples):.0f} ms (n={len(samples)})"


print(f"restore, server-measured: {summary(server_ms)}")
print(f"restore, client round trip: {summary(client_ms)}")
