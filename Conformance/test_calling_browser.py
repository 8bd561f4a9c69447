"""Calling with real WebRTC peers: Debian's headless Chromium, Parley's call signaling, coturn.

Two app users (tokens with `voip` from the official identity SDK) each open their own real-time
WebSocket with their own `?access_token=` from one page of the server's own origin, and each
drives its own `RTCPeerConnection` (a fake microphone from `--use-fake-device-for-media-stream`
and a data channel). Everything between them goes through Parley's calling protocol
(docs/realtime.md, "Calling"): `registerCallAgent`, `startCall`, `incomingCall`, `acceptCall`,
then the callee's offer (made when the `acceptCall` reply says it is connected), the caller's
answer and every trickled ICE candidate as `signal` requests. The tests check what a user would:
both peer connections reach `connected`, a data-channel message and audio cross, both sides'
`call` frames say `Connected`, and after `hangUp` both say `Disconnected` with 0/0.

The relay test runs a real coturn (`use-auth-secret`) on a free loopback port next to a server of
its own (the suite's server hands out 127.0.0.1:3478, the default; this one is started with
`PARLEY_RELAY_*` pointing at the coturn and with the suite server's CA, so the same browser and
SDK trust it). The pages use the `iceServers` of the `registerCallAgent` reply with
`iceTransportPolicy: "relay"`; the selected candidate pair must be relay to relay, and coturn's
log must show allocations for both users' credentials.

Traffic stays on loopback (this machine may send nowhere else): Chromium may gather loopback
candidates (`--allow-loopback-in-peer-connection`) and does not hide host addresses behind mDNS
names (no multicast); the pages signal only loopback and relay candidates, so every connectivity
check goes to 127.0.0.1.

Finally, the protocol's refusals over a raw socket (websocket-client, Selenium's own dependency):
a frame that is not JSON, an unknown request, calling with a chat-only token, each answered with a
`reply` error while the connection stays open.
"""

from __future__ import annotations

import json
import os
import ssl
import time
from typing import Any, Callable
from urllib.parse import urlsplit

import pytest
import websocket  # websocket-client, a dependency of selenium
from azure.communication.identity import CommunicationIdentityClient
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.support.ui import WebDriverWait

import support

pytestmark = pytest.mark.parley_only("the calls are placed through Parley's real-time calling protocol, with Parley's coturn")


WAIT_SECONDS = 20
# Audio packets each side must receive (20 ms each): media flows, not only the handshake.
AUDIO_PACKETS = 20

# Installed into a page of the server's origin. Each party has its own WebSocket (its own
# token), its own RTCPeerConnection and its own record of what it saw; Python reads `state()`.
PAGE_SCRIPT = r"""
const parties = {};

function isLoopbackOrRelay(c) {
  // candidate:<foundation> <component> <protocol> <priority> <address> <port> typ <type> ...
  const f = c.candidate.split(" ");
  return f[7] === "relay" || f[4] === "127.0.0.1" || f[4] === "::1";
}

function send(p, type, data) {
  const requestId = p.name + "-" + (++p.seq);
  p.sent.push({type, requestId});
  p.ws.send(JSON.stringify({type, requestId, data}));
  return requestId;
}

async function newPeer(p) {
  const pc = p.pc = new RTCPeerConnection({iceServers: p.iceServers, iceTransportPolicy: p.policy});
  pc.onicecandidate = (e) => {
    if (!e.candidate || !e.candidate.candidate) return;
    if (!isLoopbackOrRelay(e.candidate)) { p.candidatesDropped.push(e.candidate.candidate); return; }
    p.candidatesSent.push(e.candidate.candidate);
    send(p, "signal", {callId: p.callId, to: p.peer, kind: "candidate",
      candidate: {candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid, sdpMLineIndex: e.candidate.sdpMLineIndex}});
  };
  pc.onconnectionstatechange = () => p.pcStates.push(pc.connectionState);
  pc.ontrack = (e) => p.tracks.push(e.track.kind);
  pc.ondatachannel = (e) => wire(p, e.channel);
  const mic = await navigator.mediaDevices.getUserMedia({audio: true});
  for (const track of mic.getTracks()) pc.addTrack(track, mic);
  return pc;
}

function wire(p, channel) {
  p.dc = channel;
  channel.onmessage = (e) => p.messages.push(e.data);
  // A channel the peer opened can already be open when 'datachannel' fires, and then no 'open'
  // event follows: say hello at once in that case (the test waited 20 s for it now and then).
  const hello = () => channel.send("hello from " + p.name);
  if (channel.readyState === "open") hello(); else channel.onopen = hello;
}

async function flush(p) {
  const queued = p.queued.splice(0);
  for (const c of queued) await p.pc.addIceCandidate(c);
}

// The callee's endpoint learns it is connected from the acceptCall reply, and offers.
async function offer(p) {
  const pc = await newPeer(p);
  wire(p, pc.createDataChannel("parley"));
  await pc.setLocalDescription(await pc.createOffer());
  send(p, "signal", {callId: p.callId, to: p.peer, kind: "offer", sdp: pc.localDescription.sdp});
}

async function onSignal(p, s) {
  p.signals.push(s.kind);
  if (s.kind === "offer") {
    p.callId = s.callId; p.peer = s.from;
    const pc = p.pc || await newPeer(p);
    await pc.setRemoteDescription({type: "offer", sdp: s.sdp});
    await pc.setLocalDescription(await pc.createAnswer());
    send(p, "signal", {callId: s.callId, to: s.from, kind: "answer", sdp: pc.localDescription.sdp});
    await flush(p);
  } else if (s.kind === "answer") {
    await p.pc.setRemoteDescription({type: "answer", sdp: s.sdp});
    await flush(p);
  } else if (p.pc && p.pc.remoteDescription) {
    await p.pc.addIceCandidate(s.candidate);
  } else {
    p.queued.push(s.candidate);
  }
}

window.parley = {
  connect(name, token) {
    const p = parties[name] = {
      name, seq: 0, sent: [], frames: [], replies: {}, failures: [], closeCode: null,
      iceServers: [], policy: "all", callId: null, peer: null, acceptId: null,
      pc: null, dc: null, pcStates: [], tracks: [], messages: [], signals: [], queued: [],
      candidatesSent: [], candidatesDropped: [], chain: Promise.resolve(),
    };
    const ws = p.ws = new WebSocket("wss://" + location.host + "/parley/v1/realtime?access_token=" + encodeURIComponent(token));
    ws.onmessage = (e) => {
      const f = JSON.parse(e.data);
      p.frames.push(f);
      if (f.type === "reply") {
        p.replies[f.data.requestId] = f.data;
        if (f.data.error) p.failures.push(f.data);
        if (f.data.requestId === p.acceptId && f.data.call && !f.data.error) {
          p.chain = p.chain.then(() => offer(p)).catch((err) => p.failures.push("offer: " + err));
        }
      } else if (f.type === "signal") {
        p.chain = p.chain.then(() => onSignal(p, f.data)).catch((err) => p.failures.push(f.data.kind + ": " + err));
      }
    };
    ws.onclose = (e) => { p.closeCode = e.code; };
  },
  request(name, type, data) { return send(parties[name], type, data); },
  media(name, iceServers, policy) { Object.assign(parties[name], {iceServers, policy}); },
  accept(name, callId, peer) {
    const p = parties[name];
    Object.assign(p, {callId, peer});
    p.acceptId = send(p, "acceptCall", {callId});
    return p.acceptId;
  },
  state(name) {
    const p = parties[name];
    return {
      frames: p.frames, replies: p.replies, failures: p.failures, closeCode: p.closeCode,
      wsOpen: p.ws.readyState === WebSocket.OPEN,
      connectionState: p.pc ? p.pc.connectionState : null, pcStates: p.pcStates,
      dataChannel: p.dc ? p.dc.readyState : null, messages: p.messages, tracks: p.tracks,
      signals: p.signals, candidatesSent: p.candidatesSent, candidatesDropped: p.candidatesDropped,
    };
  },
  async stats(name) {
    const report = await parties[name].pc.getStats();
    const all = {};
    report.forEach((s) => { all[s.id] = s; });
    const transport = Object.values(all).find((s) => s.type === "transport" && s.selectedCandidatePairId);
    const pair = transport ? all[transport.selectedCandidatePairId] : null;
    const pick = (c) => c && {candidateType: c.candidateType, address: c.address, port: c.port,
                              protocol: c.protocol, relayProtocol: c.relayProtocol || null};
    const inbound = Object.values(all).find((s) => s.type === "inbound-rtp" && s.kind === "audio");
    return {
      pair: pair && {state: pair.state, local: pick(all[pair.localCandidateId]), remote: pick(all[pair.remoteCandidateId])},
      audioPacketsReceived: inbound ? inbound.packetsReceived : 0,
    };
  },
  close(name) { const p = parties[name]; if (p.pc) p.pc.close(); p.ws.close(1000); },
};
"""


# ---- the browser -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def webrtc_browser(ready, tmp_path_factory):
    """Headless Chromium as conftest's `browser` (CA trusted through a throw-away NSS database),
    with a fake microphone granted without a prompt and loopback ICE candidates allowed."""
    driver = support.launch_chromium(
        ready["caCertificatePath"],
        tmp_path_factory.mktemp("chromium-webrtc-home"),
        (
            # getUserMedia gets a synthetic microphone (a beep) and no permission prompt.
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            # Loopback host candidates, and plain addresses instead of mDNS names (no multicast).
            "--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns",
        ),
    )
    yield driver
    driver.quit()


class CallPage:
    """One page of a server's origin; each party in it has its own socket and peer connection."""

    def __init__(self, driver, origin: str):
        self.driver = driver
        driver.get(origin + "/health")
        assert driver.execute_script("return location.origin") == origin
        assert json.loads(driver.execute_script("return document.body.innerText")) == {"status": "ok"}
        driver.execute_script(PAGE_SCRIPT)

    def state(self, name: str) -> dict[str, Any]:
        return self.driver.execute_script("return parley.state(arguments[0])", name)

    def wait(self, name: str, done: Callable[[dict[str, Any]], Any], what: str):
        """Poll `name`'s state (bounded) until `done(state)` is truthy; return its value."""
        try:
            return WebDriverWait(self.driver, WAIT_SECONDS, poll_frequency=0.05).until(lambda _: done(self.state(name)))
        except TimeoutException:
            pytest.fail(f"{name}: no {what} within {WAIT_SECONDS} s; state {json.dumps(self.state(name))[:6000]}")

    def connect(self, name: str, token: str, raw_id: str) -> None:
        self.driver.execute_script("parley.connect(arguments[0], arguments[1])", name, token)
        frames = self.wait(name, lambda s: s["frames"] if any(f["type"] == "caughtUp" for f in s["frames"]) else None, "caughtUp")
        assert frames[0]["type"] == "hello", frames
        assert frames[0]["data"]["identity"]["rawId"] == raw_id, frames[0]

    def reply(self, name: str, request_id: str) -> dict[str, Any]:
        return self.wait(name, lambda s: s["replies"].get(request_id), f"reply to {request_id}")

    def request(self, name: str, type_: str, data: dict[str, Any]) -> dict[str, Any]:
        """Send a request and return its reply, which must not be an error."""
        rid = self.driver.execute_script("return parley.request(arguments[0], arguments[1], arguments[2])", name, type_, data)
        reply = self.reply(name, rid)
        assert "error" not in reply, f"{name}: {type_} {data} refused: {reply}"
        return reply

    def frame(self, name: str, type_: str, match: Callable[[dict[str, Any]], bool] = lambda _: True) -> dict[str, Any]:
        """Wait for a server frame of `type_` whose data satisfies `match`; return its data."""
        def done(s):
            return next((f["data"] for f in s["frames"] if f["type"] == type_ and match(f["data"])), None)
        return self.wait(name, done, f"{type_} frame")

    def call_state(self, name: str, call_id: str, state: str) -> dict[str, Any]:
        return self.frame(name, "call", lambda d: d["id"] == call_id and d["state"] == state)

    def stats(self, name: str) -> dict[str, Any]:
        return self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1]; parley.stats(arguments[0]).then(done, (e) => done({error: String(e)}))",
            name,
        )

    def close(self, name: str) -> None:
        self.driver.execute_script("parley.close(arguments[0])", name)


def register(page: CallPage, name: str, display_name: str) -> dict[str, Any]:
    registration = page.request(name, "registerCallAgent", {"displayName": display_name})["registration"]
    assert registration["endpointId"], registration
    assert registration["calls"] == [], registration
    return registration


def end_reason(snapshot: dict[str, Any]) -> tuple[int, int] | None:
    reason = snapshot.get("callEndReason")
    return None if reason is None else (reason["code"], reason["subCode"])


def call_through(page: CallPage, caller: tuple[str, str], callee: tuple[str, str], policy: str,
                 ice: dict[str, list]) -> str:
    """Caller rings callee, callee accepts and offers; both peer connections connect, a
    data-channel message and audio cross, both `call` frames say Connected. Returns the call id."""
    (a, a_raw), (b, b_raw) = caller, callee
    for name in (a, b):
        page.driver.execute_script("parley.media(arguments[0], arguments[1], arguments[2])", name, ice[name], policy)

    started = page.request(a, "startCall", {"targets": [{"rawId": b_raw}]})["call"]
    call_id = started["id"]
    assert started["state"] == "Connecting", started
    assert started["direction"] == "Outgoing", started

    incoming = page.frame(b, "incomingCall", lambda d: d["id"] == call_id)
    assert incoming["callerInfo"]["identifier"]["rawId"] == a_raw, incoming
    assert incoming["isGroupCall"] is False, incoming
    page.call_state(a, call_id, "Ringing")

    accept_id = page.driver.execute_script("return parley.accept(arguments[0], arguments[1], arguments[2])", b, call_id, a_raw)
    accepted = page.reply(b, accept_id)
    assert "error" not in accepted, accepted
    assert accepted["call"]["state"] == "Connecting", accepted
    assert accepted["call"]["direction"] == "Incoming", accepted

    for name, peer_raw in ((a, b_raw), (b, a_raw)):
        snap = page.call_state(name, call_id, "Connected")
        peers = snap["remoteParticipants"]
        assert [p["identifier"]["rawId"] for p in peers] == [peer_raw], snap
        assert peers[0]["state"] == "Connected", snap
        assert snap.get("callEndReason") is None, snap

    for name, peer in ((a, b), (b, a)):
        page.wait(name, lambda s: s["connectionState"] == "connected" or (s["connectionState"] in ("failed", "closed") and s), "RTCPeerConnection connected")
        state = page.state(name)
        assert state["connectionState"] == "connected", f"{name}: {state['pcStates']}, failures {state['failures']}"
        state = page.wait(name, lambda s: f"hello from {peer}" in s["messages"] and s, f"data-channel message from {peer}")
        assert state["failures"] == [], f"{name}: refused or failed: {state['failures']}"
        assert "audio" in state["tracks"], state["tracks"]
        assert state["candidatesSent"], f"{name} trickled no candidate"

    # The offer came from the callee; the caller answered; candidates went both ways.
    assert page.state(b)["signals"][0] == "answer", page.state(b)["signals"]
    assert page.state(a)["signals"][0] == "offer", page.state(a)["signals"]
    for name in (a, b):
        assert "candidate" in page.state(name)["signals"], f"{name} received no candidate"

    for name in (a, b):
        try:
            packets = WebDriverWait(page.driver, WAIT_SECONDS, poll_frequency=0.1).until(
                lambda _: (n := page.stats(name)["audioPacketsReceived"]) >= AUDIO_PACKETS and n)
        except TimeoutException:
            pytest.fail(f"{name}: fewer than {AUDIO_PACKETS} audio packets in {WAIT_SECONDS} s: {page.stats(name)}")
        assert packets >= AUDIO_PACKETS
    return call_id


def hang_up(page: CallPage, a: str, b: str, call_id: str) -> None:
    page.request(a, "hangUp", {"callId": call_id})
    for name in (a, b):
        snap = page.call_state(name, call_id, "Disconnected")
        assert end_reason(snap) == (0, 0), snap
    for name in (a, b):
        page.close(name)


# ---- 1. a direct call ------------------------------------------------------------------------

def test_app_users_call_with_real_peer_connections(webrtc_browser, base_url, new_chat_user):
    alice, bob = new_chat_user(["voip"]), new_chat_user(["voip"])
    page = CallPage(webrtc_browser, base_url)
    page.connect("alice", alice.token, alice.raw_id)
    page.connect("bob", bob.token, bob.raw_id)
    register(page, "alice", "Alice")
    register(page, "bob", "Bob")

    # No ICE servers: host candidates only (the suite's server points at a TURN server that
    # is not running); loopback ones are the only ones signalled.
    call_id = call_through(page, ("alice", alice.raw_id), ("bob", bob.raw_id), "all", {"alice": [], "bob": []})
    for name in ("alice", "bob"):
        pair = page.stats(name)["pair"]
        assert pair and pair["state"] == "succeeded", pair
        # Direct: host to host (`prflx` when the peer's check arrived before its candidate), to
        # a loopback address (the only ones signalled).
        assert pair["local"]["candidateType"] == "host", pair
        assert pair["remote"]["candidateType"] in ("host", "prflx"), pair
        assert pair["remote"]["candidateType"] == "prflx" or pair["remote"]["address"] in ("127.0.0.1", "::1"), pair

    hang_up(page, "alice", "bob", call_id)


# ---- 2. the same, through coturn only ---------------------------------------------------------




def test_app_users_call_through_turn_only(webrtc_browser, relayed_server, coturn):
    port, _, coturn_log = coturn
    identity = CommunicationIdentityClient.from_connection_string(relayed_server["connectionString"])
    users = {}
    for name in ("alice", "bob"):
        user, token = identity.create_user_and_token(["voip"])
        users[name] = (user.properties["id"], token.token)

    page = CallPage(webrtc_browser, relayed_server["url"].rstrip("/"))
    ice = {}
    for name, (raw_id, token) in users.items():
        page.connect(name, token, raw_id)
        servers = register(page, name, name.title())["iceServers"]
        urls = [u for s in servers for u in s["urls"]]
        assert f"turn:127.0.0.1:{port}?transport=udp" in urls, servers
        turn = next(s for s in servers if any(u.startswith("turn:") for u in s["urls"]))
        assert turn["username"].endswith(":" + raw_id), turn
        assert turn["credential"], turn
        ice[name] = servers

    call_id = call_through(page, ("alice", users["alice"][0]), ("bob", users["bob"][0]), "relay", ice)
    for name in ("alice", "bob"):
        state = page.state(name)
        assert state["candidatesSent"] and all(" typ relay" in c for c in state["candidatesSent"]), state["candidatesSent"]
        pair = page.stats(name)["pair"]
        assert pair and pair["state"] == "succeeded", pair
        assert pair["local"]["candidateType"] == "relay", pair
        assert pair["remote"]["candidateType"] == "relay", pair
        assert pair["local"]["address"] == "127.0.0.1", pair

    # coturn checked the credentials the registration handed out (username `<expiry>:<raw id>`).
    for raw_id, _ in users.values():
        try:
            WebDriverWait(page.driver, 5, poll_frequency=0.05).until(
                lambda _: f":{raw_id}>: incoming packet ALLOCATE processed, success" in coturn_log.read_text(errors="replace"))
        except TimeoutException:
            pytest.fail(f"coturn logged no successful allocation for {raw_id}:\n{support.tail(coturn_log)}")

    hang_up(page, "alice", "bob", call_id)


# ---- 3. refusals over a raw socket ------------------------------------------------------------

class RawSocket:
    """A real-time connection from Python (the token in the header, as a non-browser client)."""

    def __init__(self, base_url: str, token: str):
        host = urlsplit(base_url).netloc
        self.ws = websocket.create_connection(
            f"wss://{host}/parley/v1/realtime",
            header=[f"Authorization: Bearer {token}"],
            sslopt={"cert_reqs": ssl.CERT_REQUIRED, "ca_certs": os.environ["REQUESTS_CA_BUNDLE"]},
            timeout=WAIT_SECONDS,
        )
        self.frames: list[dict] = []
        self.next("caughtUp")

    def next(self, type_: str) -> dict[str, Any]:
        """The next frame of `type_` (others are kept in `frames`); bounded by the socket timeout."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            frame = json.loads(self.ws.recv())
            self.frames.append(frame)
            if frame["type"] == type_:
                return frame
        pytest.fail(f"no {type_} frame within {WAIT_SECONDS} s: {self.frames}")

    def reply_to(self, text: str) -> dict[str, Any]:
        self.ws.send(text)
        return self.next("reply")["data"]

    def error(self, text: str, status: int, code: str, request_id: str) -> dict[str, Any]:
        reply = self.reply_to(text)
        assert reply.get("requestId", "") == request_id, reply
        error = reply.get("error")
        assert error and error["status"] == status and error["code"] == code, reply
        assert error["message"], reply
        assert "call" not in reply and "registration" not in reply, reply
        assert self.ws.connected, "the server closed the connection"
        return error

    def close(self) -> None:
        self.ws.close()


def test_refused_frames_keep_the_connection(base_url, new_chat_user):
    caller = RawSocket(base_url, new_chat_user(["voip"]).token)
    chatter = RawSocket(base_url, new_chat_user(["chat"]).token)
    try:
        caller.error("this is not JSON", 400, "BadRequest", "")
        caller.error(json.dumps({"type": "dance", "requestId": "r-unknown", "data": {}}), 400, "UnknownRequest", "r-unknown")
        caller.error(json.dumps({"type": "startCall", "requestId": "r-bad", "data": {}}), 400, "BadRequest", "r-bad")
        # A binary frame is not a request either.
        caller.ws.send_binary(b"\x00\x01")
        binary = caller.next("reply")["data"]
        assert binary["error"]["status"] == 400, binary
        # Still served: a well-formed request succeeds on the same connection.
        registered = caller.reply_to(json.dumps({"type": "registerCallAgent", "requestId": "r-ok", "data": {}}))
        assert registered["requestId"] == "r-ok" and "error" not in registered, registered
        assert registered["registration"]["endpointId"], registered

        chatter.error(json.dumps({"type": "registerCallAgent", "requestId": "r-chat", "data": {}}), 403, "InsufficientScope", "r-chat")
        chatter.error(json.dumps({"type": "nope", "requestId": "r-after"}), 400, "UnknownRequest", "r-after")
        assert not any(f["type"] in ("call", "incomingCall") for f in caller.frames + chatter.frames)
    finally:
        caller.close()
        chatter.close()
