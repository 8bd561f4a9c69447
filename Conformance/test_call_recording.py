"""Call recording through the official Call Automation SDK, unmodified, against Parley.

The resource starts and stops recording one of its calls with `azure-communication-callautomation`
(`CallAutomationClient.from_connection_string`, HMAC-SHA256 with the resource's access key, the CA
trusted through REQUESTS_CA_BUNDLE only, like every SDK in this suite); Parley keeps the state and
tells every participant through `isRecordingActive` in their `call` frames (docs/api.md, "Call
recording"; docs/realtime.md, "Recording and transcription").

The calls themselves are made the way a client of Parley's calling protocol makes them: each party
has its own real-time WebSocket (websocket-client, Selenium's own dependency), registers as a
calling endpoint (`registerCallAgent`) and the caller's `startCall` is answered by the callee's
`acceptCall`. App users get `voip` tokens from the official identity SDK; the Teams user of the K3
test signs in through the organization's Entra-shaped token endpoint (password grant) and uses
that token on its socket. Both sockets stay open and are read for the whole test.

K3 (interop profile `faithful`, what scripts/test runs the suite server with): the resource may not
record a 1:1 call between an app user and a Teams user.

Every SDK call carries azure-core's `raw_request_hook` / `raw_response_hook` (per-operation
options of its CustomHookPolicy), so the tests assert on what the SDK actually sent and got: the
method, path, api-version and body of the wire request, and the status code.

SDK 1.6.0 notes: `ServerCallLocator` still exists but is deprecated (a DeprecationWarning on
import, "pass in 'server_call_id' directly"); the tests use the current form
`start_recording(server_call_id=...)` and also check that the legacy positional locator yields
the same request body.
"""

from __future__ import annotations

import json
import os
import ssl
import time
import uuid
import warnings
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

import pytest
import websocket  # websocket-client, a dependency of selenium
from azure.communication.callautomation import CallAutomationClient
from azure.core.exceptions import HttpResponseError

import support

WAIT_SECONDS = 20
# The newest api-version of azure-communication-callautomation 1.6.0 (its DEFAULT_VERSION).
SDK_API_VERSION = "2026-03-12"


# ---- the SDK's wire traffic -------------------------------------------------------------------

class Wire:
    """Records each request the SDK sends and the status it gets, through azure-core's
    `raw_request_hook` / `raw_response_hook` (pass `**wire.hooks` to an SDK operation)."""

    def __init__(self) -> None:
        self.exchanges: list[dict[str, Any]] = []

    @property
    def hooks(self) -> dict[str, Callable]:
        return {"raw_request_hook": self._on_request, "raw_response_hook": self._on_response}

    def _on_request(self, pipeline_request) -> None:
        req = pipeline_request.http_request
        body = req.body
        if isinstance(body, (bytes, bytearray)):
            body = body.decode()
        parts = urlsplit(req.url)
        self.exchanges.append({
            "method": req.method,
            "path": parts.path,
            "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
            "headers": {k.lower(): v for k, v in req.headers.items()},
            "body": json.loads(body) if body else None,
            "status": None,
            "response": None,
        })

    def _on_response(self, pipeline_response) -> None:
        resp = pipeline_response.http_response
        self.exchanges[-1]["status"] = resp.status_code
        self.exchanges[-1]["response"] = resp.text()[:1000]

    @property
    def last(self) -> dict[str, Any]:
        assert self.exchanges, "the SDK sent nothing"
        return self.exchanges[-1]

    def __str__(self) -> str:
        return json.dumps(self.exchanges[-3:], indent=1, default=str)


def assert_sent(wire: Wire, method: str, path: str, status: int) -> dict[str, Any]:
    ex = wire.last
    assert (ex["method"], ex["path"]) == (method, path), f"the SDK sent {ex['method']} {ex['path']}: {wire}"
    assert ex["query"].get("api-version") == SDK_API_VERSION, f"api-version: {wire}"
    assert ex["headers"].get("authorization", "").startswith("HMAC-SHA256 "), f"not HMAC-signed: {wire}"
    assert ex["status"] == status, f"expected HTTP {status}: {wire}"
    return ex


def assert_error(exc: HttpResponseError, wire: Wire, status: int, code: str | None = None) -> None:
    assert exc.status_code == status, f"expected HTTP {status}, got {exc.status_code}: {exc}\n{wire}"
    assert wire.last["status"] == status, str(wire)
    if code is not None:
        assert exc.error is not None, f"no ACS error envelope in the {status} response: {exc}\n{wire}"
        assert exc.error.code == code, f"expected error code {code!r}, got {exc.error.code!r}: {exc}\n{wire}"


# ---- calling over the real-time WebSocket -------------------------------------------------------

class CallSocket:
    """A real-time connection registered as a calling endpoint (token in the header, as a
    non-browser client sends it). Every frame read is kept in `frames`, in order."""

    def __init__(self, base_url: str, token: str, raw_id: str, name: str):
        self.name = name
        self.raw_id = raw_id
        self.seq = 0
        self.frames: list[dict[str, Any]] = []
        self.ws = websocket.create_connection(
            f"wss://{urlsplit(base_url).netloc}/parley/v1/realtime",
            header=[f"Authorization: Bearer {token}"],
            sslopt={"cert_reqs": ssl.CERT_REQUIRED, "ca_certs": os.environ["REQUESTS_CA_BUNDLE"]},
            timeout=WAIT_SECONDS,
        )
        hello = self.wait(lambda f: f["type"] == "hello", "hello")
        assert hello["data"]["identity"]["rawId"] == raw_id, hello
        self.wait(lambda f: f["type"] == "caughtUp", "caughtUp")
        registration = self.ok("registerCallAgent", {"displayName": name})["registration"]
        assert registration["endpointId"] and registration["calls"] == [], registration

    def __repr__(self) -> str:
        return f"CallSocket({self.name}, {self.raw_id})"

    def wait(self, match: Callable[[dict[str, Any]], bool], what: str, start: int = 0) -> dict[str, Any]:
        """The first frame from index `start` on that satisfies `match`, reading more as needed;
        bounded by WAIT_SECONDS in all."""
        index = start
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            while index < len(self.frames):
                if match(self.frames[index]):
                    return self.frames[index]
                index += 1
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self.ws.settimeout(remaining)
            try:
                text = self.ws.recv()
            except websocket.WebSocketTimeoutException:
                break
            self.frames.append(json.loads(text))
        pytest.fail(f"{self.name}: no {what} within {WAIT_SECONDS} s; frames: {json.dumps(self.frames)[-6000:]}")

    def request(self, type_: str, data: dict[str, Any]) -> dict[str, Any]:
        self.seq += 1
        request_id = f"{self.name}-{self.seq}"
        start = len(self.frames)
        self.ws.send(json.dumps({"type": type_, "requestId": request_id, "data": data}))
        frame = self.wait(
            lambda f: f["type"] == "reply" and f["data"].get("requestId") == request_id,
            f"reply to {type_} ({request_id})", start,
        )
        return frame["data"]

    def ok(self, type_: str, data: dict[str, Any]) -> dict[str, Any]:
        reply = self.request(type_, data)
        assert "error" not in reply, f"{self.name}: {type_} {data} refused: {reply}"
        return reply

    def call_frame(self, call_id: str, match: Callable[[dict[str, Any]], bool], what: str, start: int = 0) -> dict[str, Any]:
        """The data of the first `call` frame of `call_id` (from index `start`) satisfying `match`."""
        return self.wait(
            lambda f: f["type"] == "call" and f["data"]["id"] == call_id and match(f["data"]),
            f"call frame of {call_id} with {what}", start,
        )["data"]

    def call_frames(self, call_id: str, start: int = 0) -> list[dict[str, Any]]:
        return [f["data"] for f in self.frames[start:] if f["type"] == "call" and f["data"]["id"] == call_id]

    def newest(self, call_id: str) -> dict[str, Any]:
        """The newest snapshot of `call_id` received so far (the highest `version`)."""
        frames = self.call_frames(call_id)
        assert frames, f"{self.name}: no call frame of {call_id}"
        return max(frames, key=lambda d: d["version"])

    def close(self) -> None:
        self.ws.close()


def connect_call(caller: CallSocket, callee: CallSocket) -> str:
    """The caller rings the callee, who accepts; both see the call Connected and not recorded.
    Returns the server call id."""
    started = caller.ok("startCall", {"targets": [{"rawId": callee.raw_id}]})["call"]
    call_id = started["id"]
    assert call_id and started["state"] == "Connecting", started
    callee.wait(lambda f: f["type"] == "incomingCall" and f["data"]["id"] == call_id, f"incomingCall {call_id}")
    accepted = callee.ok("acceptCall", {"callId": call_id})["call"]
    assert accepted["id"] == call_id, accepted
    for side in (caller, callee):
        snapshot = side.call_frame(call_id, lambda d: d["state"] == "Connected", "state Connected")
        assert snapshot["isRecordingActive"] is False, snapshot
        assert snapshot["isGroupCall"] is False, snapshot
    return call_id


def recording_seen(sides: list[CallSocket], call_id: str, active: bool, start: dict[str, int]) -> list[dict[str, Any]]:
    """Each side receives a `call` frame of `call_id` with `isRecordingActive == active`, after
    frame index `start[side.name]`; returns those snapshots."""
    out = []
    for side in sides:
        snapshot = side.call_frame(
            call_id, lambda d: d["isRecordingActive"] is active, f"isRecordingActive {active}", start[side.name]
        )
        assert snapshot["state"] == "Connected", snapshot
        out.append(snapshot)
    return out


def marks(*sides: CallSocket) -> dict[str, int]:
    return {side.name: len(side.frames) for side in sides}


def hang_up(caller: CallSocket, callee: CallSocket, call_id: str) -> None:
    caller.ok("hangUp", {"callId": call_id})
    for side in (caller, callee):
        side.call_frame(call_id, lambda d: d["state"] == "Disconnected", "state Disconnected")


# ---- fixtures -------------------------------------------------------------------------------------

@pytest.fixture
def automation(conn_str):
    """The Call Automation client of the suite's resource, built as the ACS quickstarts do."""
    client = CallAutomationClient.from_connection_string(conn_str)
    yield client
    client.close()


@pytest.fixture
def sockets(base_url):
    """Factory: `sockets(token, raw_id, name)` opens and registers a CallSocket; all are closed
    after the test."""
    opened: list[CallSocket] = []

    def open_socket(token: str, raw_id: str, name: str) -> CallSocket:
        s = CallSocket(base_url, token, raw_id, name)
        opened.append(s)
        return s

    yield open_socket
    for s in opened:
        s.close()


@pytest.fixture
def app_pair(new_chat_user, sockets):
    """Two app users of the suite's resource with `voip` tokens, each on its own socket."""
    alice, bob = new_chat_user(["voip"]), new_chat_user(["voip"])
    return sockets(alice.token, alice.raw_id, "alice"), sockets(bob.token, bob.raw_id, "bob")


# ---- tests ----------------------------------------------------------------------------------------

def test_start_state_stop_between_two_app_users(app_pair, automation):
    alice, bob = app_pair
    call_id = connect_call(alice, bob)
    wire = Wire()

    # Start: the SDK's current form for a server call id.
    before = marks(alice, bob)
    props = automation.start_recording(server_call_id=call_id, **wire.hooks)
    sent = assert_sent(wire, "POST", "/calling/recordings", 200)
    assert sent["body"]["callLocator"] == {"kind": "serverCallLocator", "serverCallId": call_id}, str(wire)
    assert "callConnectionId" not in sent["body"], str(wire)
    # The SDK sends Repeatability headers with every start; the server must accept them.
    assert sent["headers"].get("repeatability-request-id") and sent["headers"].get("repeatability-first-sent"), str(wire)
    recording_id = props.recording_id
    assert recording_id, vars(props)
    assert props.recording_state == "active", vars(props)
    assert props.recording_kind == "azureCommunicationServices", vars(props)

    # Every participant is told at once.
    for snapshot in recording_seen([alice, bob], call_id, True, before):
        assert snapshot["isTranscriptionActive"] is False, snapshot

    # State.
    got = automation.get_recording_properties(recording_id, **wire.hooks)
    assert_sent(wire, "GET", f"/calling/recordings/{recording_id}", 200)
    assert (got.recording_id, got.recording_state, got.recording_kind) == (
        recording_id, "active", "azureCommunicationServices"), vars(got)

    # A second recording of the same call while one runs: 409.
    with pytest.raises(HttpResponseError) as info:
        automation.start_recording(server_call_id=call_id, **wire.hooks)
    assert_error(info.value, wire, 409, "RecordingAlreadyActive")

    # Stop: both sides see it end.
    before = marks(alice, bob)
    assert automation.stop_recording(recording_id, **wire.hooks) is None
    assert_sent(wire, "DELETE", f"/calling/recordings/{recording_id}", 204)
    recording_seen([alice, bob], call_id, False, before)

    # Stopping again, and reading the stopped recording: 404.
    with pytest.raises(HttpResponseError) as info:
        automation.stop_recording(recording_id, **wire.hooks)
    assert_error(info.value, wire, 404, "RecordingNotFound")
    with pytest.raises(HttpResponseError) as info:
        automation.get_recording_properties(recording_id, **wire.hooks)
    assert_error(info.value, wire, 404, "RecordingNotFound")

    # A new recording of the same call gets a new id; the legacy positional ServerCallLocator
    # (deprecated in 1.6.0) sends the same body.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from azure.communication.callautomation import ServerCallLocator
    before = marks(alice, bob)
    again = automation.start_recording(ServerCallLocator(call_id), **wire.hooks)
    sent = assert_sent(wire, "POST", "/calling/recordings", 200)
    assert sent["body"]["callLocator"] == {"kind": "serverCallLocator", "serverCallId": call_id}, str(wire)
    assert again.recording_id and again.recording_id != recording_id, vars(again)
    assert again.recording_state == "active", vars(again)
    recording_seen([alice, bob], call_id, True, before)

    # The call ends while recorded: the recording is gone with it, and the ended call is 404.
    hang_up(alice, bob, call_id)
    with pytest.raises(HttpResponseError) as info:
        automation.get_recording_properties(again.recording_id, **wire.hooks)
    assert_error(info.value, wire, 404)
    with pytest.raises(HttpResponseError) as info:
        automation.stop_recording(again.recording_id, **wire.hooks)
    assert_error(info.value, wire, 404)
    with pytest.raises(HttpResponseError) as info:
        automation.start_recording(server_call_id=call_id, **wire.hooks)
    assert_error(info.value, wire, 404)


def test_a_call_of_nowhere_is_404(automation):
    wire = Wire()
    with pytest.raises(HttpResponseError) as info:
        automation.start_recording(server_call_id=f"nowhere-{uuid.uuid4()}", **wire.hooks)
    assert_error(info.value, wire, 404)
    with pytest.raises(HttpResponseError) as info:
        automation.get_recording_properties(str(uuid.uuid4()), **wire.hooks)
    assert_error(info.value, wire, 404, "RecordingNotFound")
    with pytest.raises(HttpResponseError) as info:
        automation.stop_recording(str(uuid.uuid4()), **wire.hooks)
    assert_error(info.value, wire, 404, "RecordingNotFound")


def test_another_resource_and_an_unanswered_call(app_pair, automation, second_resource):
    alice, bob = app_pair
    wire = Wire()

    # Ringing, not answered: 400, and nobody is told anything.
    started = alice.ok("startCall", {"targets": [{"rawId": bob.raw_id}]})["call"]
    ringing_id = started["id"]
    bob.wait(lambda f: f["type"] == "incomingCall" and f["data"]["id"] == ringing_id, "incomingCall")
    with pytest.raises(HttpResponseError) as info:
        automation.start_recording(server_call_id=ringing_id, **wire.hooks)
    assert_error(info.value, wire, 400)
    alice.ok("hangUp", {"callId": ringing_id})
    alice.call_frame(ringing_id, lambda d: d["state"] == "Disconnected", "state Disconnected")
    assert not any(d["isRecordingActive"] for d in alice.call_frames(ringing_id)), alice.call_frames(ringing_id)

    # A connected call of this resource, seen from another resource's key: 404, state unchanged.
    call_id = connect_call(alice, bob)
    with CallAutomationClient.from_connection_string(second_resource["connectionString"]) as other:
        with pytest.raises(HttpResponseError) as info:
            other.start_recording(server_call_id=call_id, **wire.hooks)
        assert_error(info.value, wire, 404)
    # ...and its own resource can still record it; the other resource cannot see that recording.
    props = automation.start_recording(server_call_id=call_id, **wire.hooks)
    assert props.recording_state == "active", vars(props)
    with CallAutomationClient.from_connection_string(second_resource["connectionString"]) as other:
        for operation in (other.get_recording_properties, other.stop_recording):
            with pytest.raises(HttpResponseError) as info:
                operation(props.recording_id, **wire.hooks)
            assert_error(info.value, wire, 404, "RecordingNotFound")
    assert automation.get_recording_properties(props.recording_id).recording_state == "active"
    automation.stop_recording(props.recording_id)
    hang_up(alice, bob, call_id)


def test_k3_no_resource_recording_of_a_1to1_interop_call(
    new_chat_user, sockets, automation, org, http, admin_headers, immutable_id
):
    # The organization lets the suite's resource in (the Teams admin's Set-CsTeamsAcsFederationConfiguration).
    resp = http.put(
        f"/admin/tenants/{org.id}/acs-federation",
        headers=admin_headers,
        json={"enableAcsUsers": True, "allowedAcsResources": [immutable_id], "blockedAcsResources": []},
    )
    assert resp.status_code == 200, support.describe(resp)
    person = org.add_user("Adele Vance")  # TeamsOnly and Enterprise Voice enabled by default
    org_token = org.sign_in(person, org.add_app())["access_token"]

    app_user = new_chat_user(["voip"])
    alice = sockets(app_user.token, app_user.raw_id, "alice")
    adele = sockets(org_token, person["rawId"], "adele")
    assert person["rawId"].startswith("8:orgid:"), person

    call_id = connect_call(alice, adele)
    for side in (alice, adele):
        assert side.newest(call_id)["isInterop"] is True, side.newest(call_id)

    wire = Wire()
    before = marks(alice, adele)
    with pytest.raises(HttpResponseError) as info:
        automation.start_recording(server_call_id=call_id, **wire.hooks)
    assert_error(info.value, wire, 403, "InteropCallRecordingNotAllowed")
    sent = wire.last
    assert sent["body"]["callLocator"] == {"kind": "serverCallLocator", "serverCallId": call_id}, str(wire)

    # Nobody's isRecordingActive changed. Frames of one connection arrive in order, so a change
    # made after the refusal (Alice mutes) bounds the wait: every call frame up to the one that
    # shows the mute must still say the call is not recorded.
    alice.ok("mute", {"callId": call_id, "muted": True})
    alice.call_frame(call_id, lambda d: d["isMuted"] is True, "isMuted true", before["alice"])
    adele.call_frame(
        call_id,
        lambda d: any(p["identifier"]["rawId"] == alice.raw_id and p.get("isMuted") for p in d["remoteParticipants"]),
        "Alice muted", before["adele"],
    )
    for side in (alice, adele):
        frames = side.call_frames(call_id, before[side.name])
        assert frames and not any(d["isRecordingActive"] for d in frames), f"{side}: {frames}"
        assert side.newest(call_id)["state"] == "Connected", side.newest(call_id)

    hang_up(alice, adele, call_id)


def test_pausing_is_not_implemented_and_says_so(app_pair, automation):
    """Parley keeps a recording running or stopped; pause/resume (and starting paused) are a clear
    501 NotImplemented (docs/api.md), and change nothing."""
    alice, bob = app_pair
    call_id = connect_call(alice, bob)
    wire = Wire()
    with pytest.raises(HttpResponseError) as info:
        automation.start_recording(server_call_id=call_id, pause_on_start=True, **wire.hooks)
    assert_error(info.value, wire, 501, "NotImplemented")
    props = automation.start_recording(server_call_id=call_id)
    for operation in (automation.pause_recording, automation.resume_recording):
        with pytest.raises(HttpResponseError) as info:
            operation(props.recording_id, **wire.hooks)
        assert_error(info.value, wire, 501, "NotImplemented")
    assert automation.get_recording_properties(props.recording_id).recording_state == "active"
    automation.stop_recording(props.recording_id)
    hang_up(alice, bob, call_id)
