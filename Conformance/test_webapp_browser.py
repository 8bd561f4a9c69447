"""Parley's web app in two real browsers, one per persona, driven only through the UI.

Debian's headless Chromium, two profiles (two Selenium sessions with their own HOME, cookies and
storage): Adele, a Teams user of an organization, signs in through the organization's sign-in
page (the authorization code flow with PKCE); Alice joins the web app of a communication
resource by name. Between them, as people would: Alice finds Adele and starts a chat, messages go
both ways, each sees the other typing and the "Seen" receipt, Adele sends an image that shows on
Alice's side; Alice's connection drops and comes back without losing or doubling a message;
Alice calls Adele, Adele accepts, and both browsers' RTCPeerConnections receive audio and video
(the call's statistics line, read from getStats, grows); Adele starts recording and Alice's
banner shows within a second; the interop rules that forbid an action show it disabled with its
reason; Alice hangs up and both see why the call ended; the operator closes the organization's
gate mid-chat and Alice's next message is refused with a sentence. A second test repeats the call
through coturn with the `relay` policy chosen in the app's settings.

Alice's browser reaches the server through a TCP forwarder (`support.TcpProxy`) so that the test
can cut her network like a real outage; everything else is direct. Screenshots of each persona's
main screens are saved under the test's temporary directory (the path is printed).
"""

from __future__ import annotations

import re
import struct
import uuid
import zlib
from pathlib import Path

import pytest

import support
from conftest import Http
from webapp_ui import MEDIA_FLAGS, Person

pytestmark = [pytest.mark.parley_admin, pytest.mark.parley_only("Parley's own web app and its backend")]

PASSWORD = support.PASSWORD


def red_png(path: Path, width: int = 64, height: int = 48) -> Path:
    """A small PNG made here (no file in the repository)."""
    raw = b"".join(b"\x00" + bytes([200, 60, 40] * width) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path


def open_gate(org: support.Org, resource_id: str, enable: bool = True) -> None:
    resp = org.http.put(f"/admin/tenants/{org.id}/acs-federation", headers=org.admin,
                        json={"enableAcsUsers": enable, "allowedAcsResources": [resource_id], "blockedAcsResources": []})
    assert resp.status_code == 200, support.describe(resp)


def enable_web_app(http, admin_headers, resource_name: str) -> None:
    resp = http.put(f"/admin/resources/{resource_name}/web-app", headers=admin_headers, json={"enabled": True})
    assert resp.status_code == 200, support.describe(resp)


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("webapp-screenshots")
    print(f"\nweb app screenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def browsers(ready, tmp_path_factory):
    """Two Chromium profiles, shared by this module's tests (starting one costs seconds)."""
    made = []
    try:
        for name in ("visitor", "teams"):
            made.append(support.launch_chromium(ready["caCertificatePath"], tmp_path_factory.mktemp(f"chromium-{name}"),
                                                MEDIA_FLAGS + ("--window-size=1280,800",)))
        yield made
    finally:
        for driver in made:
            driver.quit()


def test_two_personas_chat_and_call(browsers, base_url, ready, http, admin_headers, create_resource, org_maker, shots, tmp_path):
    resource = create_resource("webui")
    enable_web_app(http, admin_headers, resource["name"])
    org = org_maker("Contoso")
    adele = org.add_user("Adele Vance", "adele")
    megan = org.add_user("Megan Bowen", "megan")
    org.add_app("Parley web", redirect_uris=["https://127.0.0.1/"])
    open_gate(org, resource["immutableResourceId"])

    proxy = support.TcpProxy(ready["port"])
    try:
        alice = Person(browsers[0], f"https://127.0.0.1:{proxy.port}", "Alice")
        teams = Person(browsers[1], base_url, "Adele")

        # ---- arriving: the sign-in page, and a visitor's name -----------------------------------
        teams.open()
        teams.screenshot(shots, "landing")
        teams.sign_in(adele["userPrincipalName"], PASSWORD)
        alice.open()
        alice.join("Alice Visitor", resource["name"])
        assert "Visitor" in alice.text(".persona") and "Teams" in teams.text(".persona")

        # ---- chat -----------------------------------------------------------------------------------
        alice.new_chat_with("adele", adele["rawId"])
        alice.send("Hello Adele, this is Alice.")
        teams.until(lambda: teams.unread_count("Alice Visitor") == "1", "one unread message in the chat list")
        teams.open_chat("Alice Visitor")
        teams.sees_message("Hello Adele, this is Alice.")
        assert "EXTERNAL" in teams.text("#conversation .msg.theirs").upper(), "Teams users see app users labelled External"
        teams.send("Hi Alice! How can I help?")
        alice.sees_message("Hi Alice! How can I help?")

        teams.type("I am typing")
        alice.shows("Adele Vance is typing…", "#typing")
        alice.type("me too")
        teams.shows("Alice Visitor is typing…", "#typing")
        teams.send("")  # sends "I am typing"
        alice.send("")  # sends "me too"
        alice.sees_message("I am typing")
        teams.sees_message("me too")
        # Read receipts: each side's last message shows as seen by the other.
        alice.shows("Seen by Adele Vance", "#conversation")
        teams.shows("Seen by Alice Visitor", "#conversation")
        # Edit and delete one's own messages; the other side sees both.
        alice.edit_message("Hello Adele, this is Alice.", "Hello Adele, this is Alice from the app.")
        teams.sees_message("Hello Adele, this is Alice from the app.")
        teams.shows("(edited)", "#conversation")
        alice.delete_message("me too")
        teams.sees_message("This message was deleted.")
        assert "me too" not in teams.messages()

        # An app user may not send images into a chat with Teams users (C2): the button says why.
        assert not alice.find("#attach-image").is_enabled()
        assert "can't send images or files" in alice.text("#image-reason")
        teams.send_image(red_png(tmp_path / "red.png"))
        alice.until(lambda: 64 in alice.images_shown(), "Adele's image shown (decoded, 64 px wide)")
        alice.screenshot(shots, "visitor-chat")
        teams.screenshot(shots, "teams-chat")

        # ---- a dropped connection: nothing lost, nothing twice -----------------------------------
        proxy.cut()
        alice.until(lambda: alice.connection_state() in ("reconnecting", "offline"), "the connection shows it is down")
        assert "Reconnecting" in alice.text("#connection-state")
        missed = [f"While you were away {i}" for i in range(3)]
        for text in missed:
            teams.send(text)
        proxy.restore()
        alice.connected()
        for text in missed:
            alice.sees_message(text)
        seen = alice.messages()
        for text in missed + ["Hi Alice! How can I help?"]:
            assert seen.count(text) == 1, f"{text!r} shown {seen.count(text)} times: {seen}"

        # ---- the interop rules, before anyone tries -------------------------------------------------
        # K1: a Teams user does not call app users; the button is off and says why.
        assert not teams.find("#video-call").is_enabled()
        assert "Teams users cannot call people who use this app" in teams.text("#call-reason")

        # ---- a call with real media ----------------------------------------------------------------
        alice.start_video_call()
        notice = teams.accept_video()
        assert "Alice Visitor is calling" in notice
        for person in (alice, teams):
            person.until(lambda p=person: p.call_state() == "Connected", "the call Connected")
        for person in (alice, teams):
            first, second = person.media_grows()
            assert second["video"] > first["video"] and second["audio"] > first["audio"], (person.name, first, second)
        # Hold and mute show on the other side, in words.
        alice.click("#hold")
        teams.shows("Alice Visitor put the call on hold", "#call-state")
        alice.shows("On hold", "#call-state")
        alice.click("#hold")  # now "Resume"
        teams.until(lambda: "on hold" not in teams.text("#call-state"), "the call resumed")
        alice.click("#mute")
        teams.shows("Alice Visitor is muted", "#call-state")
        alice.click("#mute")  # now "Unmute"
        teams.until(lambda: "muted" not in teams.text("#call-state"), "Alice unmuted")
        # K2: no one else joins an interop call; the control is there, disabled, with the reason.
        assert not alice.find("#add-participant").is_enabled()
        assert "cannot become a group call" in alice.text("#add-participant-reason")
        # P1: Adele records; Alice's banner shows within a second.
        delay = alice.banner_after(lambda: teams.click("#record"))
        assert delay < 1.0, f"the recording banner took {delay:.3f} s"
        assert "This call is being recorded." in alice.text("#recording-banner")
        alice.screenshot(shots, "visitor-call")
        teams.screenshot(shots, "teams-call")

        alice.click("#hang-up")
        assert alice.end_reason() == "You hung up. The call has ended."
        assert teams.end_reason() == "Alice Visitor hung up. The call has ended."
        for person in (alice, teams):
            person.click("#close-call")

        # ---- the operator closes the gate mid-chat -------------------------------------------------
        open_gate(org, resource["immutableResourceId"], enable=False)
        alice.type("Are you still there?")
        alice.click("#send")
        assert alice.alert() == "Adele Vance's organization does not allow chats and calls with people outside it right now."
        alice.screenshot(shots, "visitor-refused")
        assert "Are you still there?" not in teams.messages()

        # ---- a Teams user finds a colleague in the directory ----------------------------------------
        # C1: the search lists colleagues only, and says why.
        teams.new_chat_with("meg", megan["rawId"], hint="Only colleagues of your organization are listed")
        teams.send("Megan, a customer asked about the order.")
        teams.shows("Megan Bowen", "#chat-title")

        # ---- a phone-sized screen: one pane at a time ------------------------------------------------
        alice.driver.set_window_size(390, 844)
        alice.until(lambda: alice.find("#conversation").is_displayed() and not alice.find("#thread-list").is_displayed(),
                    "only the open chat on a phone-sized screen")
        alice.screenshot(shots, "visitor-phone-chat")
        alice.click("#conversation .back")
        alice.until(lambda: alice.find("#thread-list").is_displayed() and not alice.find("#conversation").is_displayed(),
                    "the chat list after Back")
        alice.screenshot(shots, "visitor-phone-list")
        alice.driver.set_window_size(1280, 800)
    finally:
        proxy.close()


def test_a_call_through_the_relay_only(browsers, relayed_server, coturn, tmp_path):
    """The same call, on a server whose relay is a real coturn, with "relay only" chosen in both
    browsers' settings: the media's route is the relay, and coturn allocated for both."""
    port, _, coturn_log = coturn
    origin = relayed_server["url"].rstrip("/")
    http = Http(origin)
    admin = {"Authorization": f"Bearer {relayed_server['adminKey']}"}
    resource = relayed_server["resource"]["id"]
    assert http.put(f"/admin/resources/{resource}/web-app", headers=admin, json={"enabled": True}).status_code == 200
    tenant = http.post("/admin/tenants", headers=admin, json={"displayName": "Contoso", "domain": f"r{uuid.uuid4().hex[:8]}.example"}).json()
    org = support.Org(http, admin, tenant)
    adele = org.add_user("Adele Vance", "adele")
    org.add_app("Parley web", redirect_uris=["https://127.0.0.1/"])
    open_gate(org, relayed_server["resource"]["immutableResourceId"])

    alice, teams = Person(browsers[0], origin, "Alice"), Person(browsers[1], origin, "Adele")
    teams.open()
    teams.sign_in(adele["userPrincipalName"], PASSWORD)
    alice.open()
    alice.join("Alice Relayed")
    for person in (alice, teams):
        person.set_relay_only(True)
    alice.new_chat_with("adele", adele["rawId"])
    alice.start_video_call()
    teams.accept_video()
    for person in (alice, teams):
        first, second = person.media_grows()
        assert second["route"] == "relay", (person.name, second)
    # coturn checked the credentials each browser got with its registration (`<expiry>:<raw id>`).
    allocated = set(re.findall(r":(8:[a-z]+:[^>]+)>: incoming packet ALLOCATE processed, success", coturn_log.read_text(errors="replace")))
    assert adele["rawId"] in allocated, support.tail(coturn_log)
    assert any(raw.startswith(f"8:acs:{relayed_server['resource']['immutableResourceId']}_") for raw in allocated), allocated
    alice.click("#hang-up")
    alice.end_reason()
    teams.end_reason()
