"""Driving Parley's web app the way a person does: through its labelled controls only.

Every step finds an element by its id or label, types or clicks, and waits (bounded) for what a
person would see next. Nothing here calls the app's JavaScript or the APIs behind it; the only
things read without a click are what the screen shows (text, whether an element is visible,
an image's decoded width, the call's statistics line).

Used by test_webapp_browser.py and by scripts/screenshots (the pictures in the README).
"""

from __future__ import annotations

import time
from pathlib import Path

from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

WAIT_SECONDS = 30

# Chromium switches for calls: a fake camera and microphone granted without a prompt, loopback
# ICE candidates and plain addresses instead of mDNS names (no multicast here).
MEDIA_FLAGS = (
    "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns",
)


class Person:
    """One person at one browser (its own profile)."""

    def __init__(self, driver, origin: str, name: str):
        self.driver = driver
        self.origin = origin.rstrip("/")
        self.name = name

    # ---- looking ------------------------------------------------------------------------------

    def until(self, check, what: str, seconds: float = WAIT_SECONDS, poll: float = 0.05):
        def probe(_):
            try:
                return check()
            except StaleElementReferenceException:
                return None
        try:
            return WebDriverWait(self.driver, seconds, poll_frequency=poll).until(probe)
        except TimeoutException:
            raise AssertionError(f"{self.name}: {what} did not happen within {seconds} s; the screen says:\n{self.screen_text()[:3000]}")

    def find(self, css: str):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def visible(self, css: str):
        return self.until(lambda: (e := self.find(css)).is_displayed() and e, f"{css} visible")

    def text(self, css: str) -> str:
        return self.find(css).text

    def screen_text(self) -> str:
        try:
            return self.driver.find_element(By.TAG_NAME, "body").text
        except Exception as error:  # noqa: BLE001 - only for a failure message
            return f"(unreadable: {error})"

    def shows(self, text: str, css: str = "body", seconds: float = WAIT_SECONDS) -> None:
        self.until(lambda: text in self.find(css).text, f"“{text}” in {css}", seconds)

    def click(self, css: str) -> None:
        self.until(lambda: (e := self.find(css)).is_enabled() and e.is_displayed() and e, f"{css} clickable").click()

    def screenshot(self, folder: Path, label: str) -> Path:
        path = folder / f"{label}.png"
        self.driver.save_screenshot(str(path))
        return path

    # ---- arriving -----------------------------------------------------------------------------

    def open(self) -> None:
        self.driver.get(self.origin + "/")
        self.visible("#join-name")

    def join(self, display_name: str, resource: str | None = None) -> None:
        self.visible("#join-name").send_keys(display_name)
        if resource is not None:
            select = self.find("#join-resource")
            if select.is_displayed():
                Select(select).select_by_value(resource)
        self.click("#join-button")
        self.connected()

    def sign_in(self, email: str, password: str) -> None:
        """Through the organization's sign-in page (the authorization code flow)."""
        self.visible("#signin-email").send_keys(email)
        self.click("#signin-button")
        self.until(lambda: "/oauth2/v2.0/authorize" in self.driver.current_url, "the organization's sign-in page")
        assert self.visible("#username").get_attribute("value") == email
        self.visible("#password").send_keys(password)
        self.click("button[type=submit]")
        self.connected()

    def connected(self) -> None:
        self.until(lambda: self.find("#connection-state").get_attribute("data-state") == "connected", "the connection shows Connected")

    def connection_state(self) -> str:
        return self.find("#connection-state").get_attribute("data-state")

    # ---- chatting ------------------------------------------------------------------------------

    def new_chat_with(self, search: str, raw_id: str, hint: str | None = None) -> None:
        self.click("#new-chat")
        field = self.visible("#people-search")
        if hint is not None:
            self.shows(hint, "dialog.picker")
        field.send_keys(search)
        self.click(f'.person-choice[data-raw-id="{raw_id}"]')
        self.visible("#composer")

    def open_chat(self, title: str) -> None:
        self.until(lambda: any(title in b.text for b in self.driver.find_elements(By.CSS_SELECTOR, "button.thread")), f"a chat named {title}")
        next(b for b in self.driver.find_elements(By.CSS_SELECTOR, "button.thread") if title in b.text).click()
        self.shows(title, "#chat-title")

    def type(self, text: str) -> None:
        self.visible("#composer").send_keys(text)

    def send(self, text: str) -> None:
        self.type(text + Keys.ENTER)
        self.until(lambda: self.find("#composer").get_attribute("value") == "", "the composer emptied (sent)")

    def messages(self) -> list[str]:
        """The bodies of the messages on screen, oldest first."""
        return [e.text for e in self.driver.find_elements(By.CSS_SELECTOR, "#conversation .msg .body")]

    def sees_message(self, text: str, seconds: float = WAIT_SECONDS) -> None:
        self.until(lambda: text in self.messages(), f"the message “{text}”", seconds)

    def my_message(self, text: str):
        for article in self.driver.find_elements(By.CSS_SELECTOR, "#conversation .msg.mine"):
            if article.find_element(By.CSS_SELECTOR, ".body").text == text:
                return article
        raise AssertionError(f"{self.name}: no message of mine reads “{text}”")

    def edit_message(self, text: str, new_text: str) -> None:
        self.my_message(text).find_element(By.XPATH, ".//button[normalize-space()='Edit']").click()
        composer = self.visible("#composer")
        composer.send_keys(Keys.CONTROL, "a")
        composer.send_keys(new_text + Keys.ENTER)
        self.sees_message(new_text)

    def delete_message(self, text: str) -> None:
        self.my_message(text).find_element(By.XPATH, ".//button[normalize-space()='Delete']").click()
        self.until(lambda: self.driver.switch_to.alert, "the confirmation").accept()
        self.sees_message("This message was deleted.")

    def unread_count(self, title: str) -> str:
        for b in self.driver.find_elements(By.CSS_SELECTOR, "button.thread"):
            if title in b.text:
                badges = b.find_elements(By.CSS_SELECTOR, ".unread")
                return badges[0].text if badges else ""
        return ""

    def send_image(self, path: Path) -> None:
        button = self.visible("#attach-image")
        assert button.is_enabled(), self.text("#image-reason")
        # The file chooser is the browser's: a person picks the file there.
        self.find("#image-file").send_keys(str(path))

    def images_shown(self) -> list[int]:
        """Decoded widths of the images in the open chat (0 while loading)."""
        return [self.driver.execute_script("return arguments[0].naturalWidth", e)
                for e in self.driver.find_elements(By.CSS_SELECTOR, "#conversation img.inline-image")]

    def alert(self) -> str:
        self.visible("#chat-alert")
        return self.text("#chat-alert .alert-text")

    # ---- calling -------------------------------------------------------------------------------

    def start_video_call(self) -> None:
        self.click("#video-call")
        self.visible("#call")

    def accept_video(self) -> str:
        notice = self.visible("#incoming-call").text
        self.click("#accept-video")
        self.visible("#call")
        return notice

    def call_state(self) -> str:
        return self.find("#call").get_attribute("data-state")

    def stats(self) -> dict:
        line = self.find("#call-stats")
        return {
            "audio": int(line.get_attribute("data-audio-bytes") or 0),
            "video": int(line.get_attribute("data-video-bytes") or 0),
            "route": line.get_attribute("data-route") or "",
        }

    def media_grows(self, seconds: float = WAIT_SECONDS) -> tuple[dict, dict]:
        """Inbound audio and video bytes, read twice: both must have grown in between."""
        first = self.until(lambda: (s := self.stats())["audio"] > 0 and s["video"] > 0 and s, "inbound audio and video", seconds)
        second = self.until(lambda: (s := self.stats())["audio"] > first["audio"] and s["video"] > first["video"] and s,
                            "inbound audio and video still growing", seconds)
        return first, second

    def banner_after(self, act, seconds: float = 5) -> float:
        """Runs `act` (another person's click) and returns how long this screen took to show the
        recording banner."""
        start = time.monotonic()
        act()
        self.until(lambda: self.find("#recording-banner").is_displayed(), "the recording banner", seconds, poll=0.01)
        return time.monotonic() - start

    def end_reason(self) -> str:
        return self.until(lambda: self.find("#end-reason").text, "the call's end reason")

    def set_relay_only(self, on: bool) -> None:
        self.click("#settings-button")
        box = self.visible("#settings-relay")
        if box.is_selected() != on:
            box.click()
        self.click("#settings-save")
