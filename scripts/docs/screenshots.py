"""The web app's pictures in the README (docs/webapp-*.png), taken from two real browsers.

scripts/screenshots runs this against a fresh `parley serve --demo`: Adele (a demo person of
Contoso) signs in through the sign-in page, a visitor joins by name, they chat (Adele sends an
image), the visitor calls Adele, Adele records. The same driving code as the conformance test
(Conformance/webapp_ui.py).

Usage: screenshots.py <ready.json> <output folder>
"""

from __future__ import annotations

import json
import struct
import sys
import tempfile
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Conformance"))
import support  # noqa: E402
from webapp_ui import MEDIA_FLAGS, Person  # noqa: E402

SIZE = (1200, 720)


def picture(path: Path) -> Path:
    """A small picture to send: a sunset of three bands (made here, not a downloaded file)."""
    width, height = 160, 100
    bands = [(250, 180, 90), (235, 110, 80), (90, 60, 120)]
    rows = b"".join(b"\x00" + bytes(bands[min(2, y * 3 // height)] * width) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    return path


def main() -> None:
    ready = json.loads(Path(sys.argv[1]).read_text())
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    origin = ready["url"]
    demo = ready["demoOrganization"]
    adele = next(u for u in demo["users"] if u["userPrincipalName"].startswith("adele@"))
    work = Path(tempfile.mkdtemp(prefix="parley-screenshots-"))
    drivers = [support.launch_chromium(ready["caCertificatePath"], work / name, MEDIA_FLAGS + (f"--window-size={SIZE[0]},{SIZE[1]}",))
               for name in ("visitor", "teams")]
    try:
        visitor, teams = Person(drivers[0], origin, "Visitor"), Person(drivers[1], origin, "Adele")
        visitor.open()
        visitor.screenshot(out, "webapp-landing")
        teams.open()
        teams.visible("#signin-email").send_keys(adele["userPrincipalName"])
        teams.click("#signin-button")
        teams.visible("#password").send_keys(demo["password"])
        teams.screenshot(out, "webapp-signin")
        teams.click("button[type=submit]")
        teams.connected()
        visitor.join("Sam Customer")

        visitor.new_chat_with("adele", adele["rawId"])
        visitor.send("Hi! My order #4521 arrived damaged. Can you help?")
        teams.open_chat("Sam Customer")
        teams.send("Sorry to hear that, Sam. I've started a replacement. Here's the new label:")
        teams.send_image(picture(work / "label.png"))
        visitor.until(lambda: 160 in visitor.images_shown(), "the image")
        visitor.send("Thank you! Could we talk it through on a call?")
        teams.type("Of course, call me any time")
        visitor.shows("is typing", "#typing")
        visitor.screenshot(out, "webapp-visitor-chat")
        teams.screenshot(out, "webapp-teams-chat")

        visitor.start_video_call()
        teams.accept_video()
        for person in (visitor, teams):
            person.media_grows()
        visitor.banner_after(lambda: teams.click("#record"))
        visitor.screenshot(out, "webapp-call")
        visitor.click("#hang-up")
        visitor.end_reason()
        visitor.click("#close-call")

        visitor.driver.set_window_size(390, 760)
        visitor.until(lambda: visitor.find("#conversation").is_displayed(), "the phone layout")
        visitor.screenshot(out, "webapp-phone")
    finally:
        for driver in drivers:
            driver.quit()
    for png in sorted(out.glob("webapp-*.png")):
        print(png, png.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
