"""Creates the users of the call-setup benchmark and writes its scenario file.

Usage: setup_calls.py READY_FILE USERS OUT.json

USERS app users, each with an access token of scope `voip`, created with the official Python
SDK; the scenario lists every user's raw id and token (the first half call, the second half
answer).
"""

import json
import sys
from concurrent.futures import ThreadPoolExecutor

from azure.communication.identity import CommunicationIdentityClient

ready_path, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ready = json.load(open(ready_path))
identity = CommunicationIdentityClient.from_connection_string(ready["connectionString"])

with ThreadPoolExecutor(max_workers=16) as pool:
    users = list(pool.map(lambda _: identity.create_user_and_token(["voip"]), range(count)))

json.dump(
    {
        "endpoint": ready["resource"]["endpoint"],
        "caCertificatePath": ready["caCertificatePath"],
        "users": [{"rawId": user.properties["id"], "token": token.token} for user, token in users],
        "threads": [],
    },
    open(out, "w"),
)
print(f"{len(users)} users with voip tokens")
