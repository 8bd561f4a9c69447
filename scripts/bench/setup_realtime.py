"""Creates the users and threads of the real-time benchmark and writes its scenario file.

Usage: setup_realtime.py READY_FILE THREADS MEMBERS OUT.json

THREADS threads of MEMBERS app users each (every user in one thread), created with the official
Python SDKs; the scenario lists every user's raw id and chat token and every thread's members.
"""

import json
import sys
from concurrent.futures import ThreadPoolExecutor

from azure.communication.chat import ChatClient, ChatParticipant, CommunicationTokenCredential
from azure.communication.identity import CommunicationIdentityClient

ready_path, thread_count, members, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ready = json.load(open(ready_path))
endpoint = ready["resource"]["endpoint"]
identity = CommunicationIdentityClient.from_connection_string(ready["connectionString"])

with ThreadPoolExecutor(max_workers=16) as pool:
    users = list(pool.map(lambda _: identity.create_user_and_token(["chat"]), range(thread_count * members)))


def create_thread(index):
    group = list(range(index * members, (index + 1) * members))
    creator = ChatClient(endpoint, CommunicationTokenCredential(users[group[0]][1].token))
    others = [ChatParticipant(identifier=users[i][0]) for i in group[1:]]
    thread = creator.create_chat_thread(f"realtime bench {index}", thread_participants=others).chat_thread.id
    return {"id": thread, "members": group}


with ThreadPoolExecutor(max_workers=16) as pool:
    threads = list(pool.map(create_thread, range(thread_count)))

json.dump(
    {
        "endpoint": endpoint,
        "caCertificatePath": ready["caCertificatePath"],
        "users": [{"rawId": user.properties["id"], "token": token.token} for user, token in users],
        "threads": threads,
    },
    open(out, "w"),
)
print(f"{len(users)} users in {len(threads)} threads")
