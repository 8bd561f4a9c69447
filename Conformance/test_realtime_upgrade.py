"""The real-time endpoint refuses a WebSocket upgrade before it happens, over plain HTTP.

A browser only learns that its socket failed (test_realtime_browser.py); other clients read the
refusal: the status and the ACS error envelope of docs/realtime.md, after which the server closes
the connection (a WebSocket client waits for that). Sent with `requests`, as any HTTP client
would, with the upgrade headers of RFC 6455.
"""

import base64
import os

import pytest

pytestmark = pytest.mark.parley_only("the real-time WebSocket protocol is Parley's own")

PATH = "/parley/v1/realtime"


def upgrade_headers(token: str | None = None) -> dict[str, str]:
    headers = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
    }
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return headers


@pytest.mark.parametrize(
    ("token", "query", "status", "code"),
    [
        (None, "", 401, "InvalidAccessToken"),
        ("not-a-token", "", 401, "InvalidAccessToken"),
        ("alice", "?after=-1", 400, "InvalidPosition"),
        ("alice", "?after=abc", 400, "InvalidPosition"),
    ],
)
def test_a_refused_upgrade_gets_the_status_and_the_envelope(http, alice, token, query, status, code):
    response = http.get(PATH + query, headers=upgrade_headers(alice.token if token == "alice" else token))
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert response.headers["Connection"].lower() == "close"


def test_a_token_in_the_query_is_checked_too(http):
    response = http.get(PATH + "?access_token=not-a-token", headers=upgrade_headers())
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAccessToken"


def test_a_valid_token_is_upgraded(http, alice):
    response = http.get(PATH, headers=upgrade_headers(alice.token), stream=True)
    assert response.status_code == 101
    assert response.headers["Upgrade"].lower() == "websocket"
    response.close()


def test_a_plain_get_is_told_to_upgrade(http, alice):
    response = http.get(PATH, headers={"Authorization": f"Bearer {alice.token}"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "UpgradeRequired"


def test_only_the_real_time_endpoint_upgrades(http, alice):
    response = http.get("/parley/v1/me", headers=upgrade_headers(alice.token))
    assert response.status_code == 404
