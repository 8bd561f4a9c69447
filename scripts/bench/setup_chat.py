"""Creates the users and threads of a chat benchmark scenario and writes the wrk script.

Usage: setup_chat.py READY_FILE THREADS CONNECTIONS OUT.lua

Each connection gets its own sender (an app user with a chat token); threads are spread over
the connections round robin, and every sender is a participant of the thread it sends to.
"""

import json
import sys

from azure.communication.chat import ChatClient, ChatParticipant, CommunicationTokenCredential
from azure.communication.identity import CommunicationIdentityClient

ready_path, thread_count, connections, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ready = json.load(open(ready_path))
identity = CommunicationIdentityClient.from_connection_string(ready["connectionString"])
senders = [identity.create_user_and_token(["chat"]) for _ in range(connections)]
owner = ChatClient(ready["resource"]["endpoint"], CommunicationTokenCredential(senders[0][1].token))

threads = []
for index in range(thread_count):
    members = [ChatParticipant(identifier=user) for user, _ in senders[index::thread_count]]
    threads.append(owner.create_chat_thread(f"bench {index}", thread_participants=members[:200]).chat_thread.id)

entries = []
for index, (_, token) in enumerate(senders):
    thread = threads[index % thread_count]
    entries.append((f"/chat/threads/{thread}/messages?api-version=2024-03-07", token.token))

with open(out, "w") as lua:
    lua.write("local entries = {\n")
    for path, token in entries:
        lua.write(f'  {{ "{path}", "Bearer {token}" }},\n')
    lua.write("}\n")
    lua.write(
        """
local body = '{"content": "benchmark message", "type": "text", "senderDisplayName": "bench"}'
local counter = 0
function init(args)
  counter = math.random(#entries)
end
function request()
  counter = counter % #entries + 1
  local entry = entries[counter]
  return wrk.format("POST", entry[1], { ["Content-Type"] = "application/json", ["Authorization"] = entry[2] }, body)
end
"""
    )
