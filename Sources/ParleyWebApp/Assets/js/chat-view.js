// The open chat: its header (people, call buttons), its messages (a virtualised list loading
// older pages as the reader scrolls up), who is typing, who has read what, and the composer.

import {announce, fill, h, initials, shortTime} from "./dom.js";
import {MessageList} from "./message-list.js";
import {htmlNodes, textNodes} from "./richtext.js";
import {sentence} from "./sentences.js";

const TYPING_EVERY_MS = 5000;
const MAX_IMAGE_BYTES = 700 * 1024;

export class ChatView {
  constructor(app, element) {
    this.app = app;
    this.element = element;
    this.thread = null;
    this.list = null;
    this.cursor = null;
    this.loading = false;
    this.receipts = new Map();
    this.images = new Map();
    this.lastTyping = 0;
    this.lastMarked = null;
    this.editing = null;
    document.addEventListener("visibilitychange", () => this.#markRead());
    this.empty();
  }

  get api() { return this.app.api; }
  get me() { return this.app.me; }

  empty(text = "Pick a chat, or start one.") {
    this.thread = null;
    fill(this.element, h("div", {class: "empty"}, h("p", {}, text)), this.#alertArea());
  }

  #alertArea() {
    this.alertBox = h("div", {class: "alert", role: "alert", id: "chat-alert", hidden: true},
      h("span", {class: "alert-text"}),
      h("button", {type: "button", class: "ghost", "aria-label": "Dismiss", onclick: () => { this.alertBox.hidden = true; }}, "×"));
    return this.alertBox;
  }

  /** Shows a refusal or failure in words above the composer. */
  alert(text) {
    if (!this.alertBox) return;
    this.alertBox.querySelector(".alert-text").textContent = text;
    this.alertBox.hidden = false;
  }

  async open(thread) {
    this.thread = thread;
    this.cursor = null;
    this.receipts = new Map();
    this.lastMarked = null;
    this.editing = null;
    this.list = new MessageList({renderRow: (m) => this.#row(m), onNearTop: () => this.#older(), label: "Messages"});
    this.typingLine = h("p", {class: "typing", id: "typing", "aria-live": "polite"});
    this.headerBox = h("header", {class: "conversation-head"});
    this.#composer();
    fill(this.element, this.headerBox, this.#alertArea(), this.list.element, this.typingLine, this.composerBox);
    await this.app.participants(thread).catch(() => {});
    if (thread !== this.thread) return;
    this.header();
    await this.reloadNewest();
    this.api.readReceipts(thread.id).then((receipts) => {
      for (const r of receipts) this.receipt(r.rawId, r.messageId);
    }, () => {});
  }

  /** The newest page again (at open, and after a resync); merged by id, so nothing doubles. */
  async reloadNewest() {
    const thread = this.thread;
    try {
      const page = await this.api.messages(thread.id);
      if (thread !== this.thread) return;
      if (this.cursor === null) this.cursor = page.next;
      this.list.upsert(page.items.filter(visible), {stickToBottom: true});
      // For scripts/bench-webapp: when a returning person first sees their chat.
      if (!performance.getEntriesByName("parley:chat-shown").length) performance.mark("parley:chat-shown");
      this.#markRead();
    } catch (error) {
      this.alert(sentence(error));
    }
  }

  async #older() {
    if (this.loading || !this.cursor || !this.thread) return;
    this.loading = true;
    const thread = this.thread;
    try {
      const page = await this.api.messages(thread.id, this.cursor);
      if (thread !== this.thread) return;
      this.cursor = page.next;
      this.list.upsert(page.items.filter(visible), {stickToBottom: false});
    } catch (error) {
      this.alert(sentence(error));
    } finally {
      this.loading = false;
      // Still near the top (a fast reader, or a short page): the next page follows.
      if (thread === this.thread) this.list.schedule();
    }
  }

  header() {
    if (!this.thread) return;
    const others = this.app.others(this.thread);
    const people = others.map((p) => h("span", {class: "person"}, p.displayName || "Someone",
      p.external || (!this.app.session.isTeams && p.isTeams) ? h("span", {class: "badge", title: p.external ? "Uses an app outside your organization" : "On Teams"}, p.external ? "External" : "Teams") : null));
    this.videoButton = h("button", {type: "button", id: "video-call", onclick: () => this.#call(true)}, "Video call");
    this.audioButton = h("button", {type: "button", id: "audio-call", class: "secondary", onclick: () => this.#call(false)}, "Audio call");
    this.callReason = h("p", {class: "reason", id: "call-reason"});
    fill(this.headerBox,
      h("button", {type: "button", class: "ghost back", "aria-label": "Back to chats", onclick: () => this.app.showPane("list")}, "‹ Chats"),
      h("div", {class: "who"}, h("h2", {id: "chat-title"}, this.app.title(this.thread)), h("p", {class: "people"}, people)),
      h("div", {class: "call-buttons"}, this.videoButton, this.audioButton, this.callReason));
    this.updateActions();
  }

  /** Enables or disables the call buttons and the image button, saying why when disabled. */
  updateActions() {
    if (!this.thread || !this.videoButton) return;
    const others = this.app.others(this.thread);
    let reason = others.length === 0 ? "There is no one else in this chat to call." : this.app.callRefusal(others[0], others.length);
    for (const button of [this.videoButton, this.audioButton]) {
      button.disabled = !!reason;
      button.setAttribute("aria-describedby", reason ? "call-reason" : "");
    }
    this.callReason.textContent = reason;
    if (this.imageButton) {
      const interop = others.some((p) => p.isTeams !== this.app.session.isTeams || p.external);
      const imageReason = this.api.canSendImages ? "" :
        interop && !this.app.extended ? sentence({code: "AppUserCannotSendFiles"}) : "Sending images is not available to app users here.";
      this.imageButton.disabled = !!imageReason;
      this.imageReason.textContent = imageReason ? "Images: " + imageReason : "";
    }
  }

  #call(video) {
    const others = this.app.others(this.thread);
    if (others.length !== 1) return;
    this.app.call(others[0], {video});
  }

  // MARK: Messages

  received(message) {
    if (!this.thread || message.threadId !== this.thread.id) return;
    if (message.needsReload) {
      this.api.message(message.threadId, message.id).then((full) => this.received(full), () => {});
      return;
    }
    const atBottom = this.list.atBottom || message.senderId === this.me.rawId;
    this.list.upsert([message], {stickToBottom: atBottom});
    if (message.senderId !== this.me.rawId && !message.deletedOn && !this.list.get(message.id)?.editedOn) {
      announce(`${message.senderName || "Someone"}: ${message.text || "sent a message"}`);
    }
    this.#markRead();
  }

  typing(name) {
    if (!this.typingLine) return;
    this.typingLine.textContent = name ? `${name} is typing…` : "";
  }

  /** Someone read up to `messageId`: my messages up to there show as seen. */
  receipt(rawId, messageId) {
    if (rawId === this.me.rawId) return;
    const before = this.#seenUpTo();
    const known = this.receipts.get(rawId);
    if (!known || Number(messageId) > Number(known)) this.receipts.set(rawId, messageId);
    const after = this.#seenUpTo();
    if (before !== after) {
      if (before) this.list.refresh(before);
      if (after) this.list.refresh(after);
    }
  }

  /** The id of my newest message someone else has read (remembered until the messages or the
   * receipts change: every row asks while rendering). */
  #seenUpTo() {
    if (!this.list) return null;
    const items = this.list.items;
    let read = 0;
    for (const id of this.receipts.values()) read = Math.max(read, Number(id));
    const key = `${read}|${items.length}|${items[0]?.id}|${items[items.length - 1]?.id}`;
    if (this.seen?.key === key) return this.seen.id;
    let id = null;
    for (let i = items.length - 1; i >= 0 && id === null; i--) {
      const m = items[i];
      if (m.senderId === this.me.rawId && m.kind !== "system" && Number(m.id) <= read) id = m.id;
    }
    this.seen = {key, id};
    return id;
  }

  #seenBy(messageId) {
    const names = [];
    for (const [rawId, read] of this.receipts) {
      if (Number(read) >= Number(messageId)) {
        names.push(this.app.others(this.thread).find((p) => p.rawId === rawId)?.displayName || "someone");
      }
    }
    return names;
  }

  #markRead() {
    if (!this.thread || document.visibilityState !== "visible" || !this.list) return;
    let newest = null;
    for (let i = this.list.items.length - 1; i >= 0 && !newest; i--) {
      const m = this.list.items[i];
      if (m.senderId !== this.me.rawId && m.kind !== "system") newest = m;
    }
    if (!newest || newest.id === this.lastMarked) return;
    this.lastMarked = newest.id;
    this.api.markRead(this.thread.id, newest.id).catch(() => { this.lastMarked = null; });
  }

  #row(message) {
    if (message.kind === "system") {
      return h("div", {class: "msg system"}, h("p", {}, message.text || "The chat changed."));
    }
    const mine = message.senderId === this.me.rawId;
    const name = mine ? "You" : message.senderName || this.app.others(this.thread).find((p) => p.rawId === message.senderId)?.displayName || "Someone";
    const external = message.senderExternal || (!mine && this.app.session.isTeams && message.senderId?.startsWith("8:acs:"));
    const body = h("div", {class: "body"});
    if (message.deletedOn) body.append(h("em", {class: "deleted"}, "This message was deleted."));
    else if (message.kind === "html") body.append(htmlNodes(message.html || "", (path) => this.#image(path)));
    else body.append(textNodes(message.text || ""));
    for (const image of message.images) {
      const img = h("img", {class: "inline-image", alt: image.name || "Image", "data-source": image.path});
      this.#image(image.path).then((url) => { img.src = url; }, () => { img.alt = "The image could not be loaded."; });
      body.append(img);
    }
    for (const file of message.files) body.append(h("p", {class: "file"}, h("a", {href: file.url, target: "_blank", rel: "noopener noreferrer"}, `📎 ${file.name}`)));
    const footer = h("footer", {});
    if (mine && !message.deletedOn) {
      footer.append(
        h("button", {type: "button", class: "link", "aria-label": "Edit your message", onclick: () => this.#edit(message)}, "Edit"),
        h("button", {type: "button", class: "link", "aria-label": "Delete your message", onclick: () => this.#delete(message)}, "Delete"));
    }
    if (mine && message.id === this.#seenUpTo()) {
      const by = this.#seenBy(message.id);
      footer.append(h("span", {class: "seen", "data-seen": "true"}, `Seen by ${by.join(", ")}`));
    }
    return h("article", {class: "msg " + (mine ? "mine" : "theirs"), "aria-label": `${name}, ${shortTime(message.createdOn)}`},
      h("header", {},
        mine ? null : h("span", {class: "avatar small", "aria-hidden": "true"}, initials(name)),
        h("span", {class: "name"}, name),
        external ? h("span", {class: "badge"}, "External") : null,
        h("time", {datetime: message.createdOn?.toISOString()}, shortTime(message.createdOn)),
        message.editedOn && !message.deletedOn ? h("span", {class: "edited"}, "(edited)") : null),
      body,
      footer.childNodes.length ? footer : null);
  }

  #image(path) {
    if (!this.images.has(path)) this.images.set(path, this.api.image(path));
    return this.images.get(path);
  }

  // MARK: Composer

  #composer() {
    this.input = h("textarea", {id: "composer", rows: "1", "aria-label": "Message", placeholder: "Type a message", maxlength: "28000"});
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.#submit();
      } else if (event.key === "Escape" && this.editing) {
        this.#cancelEdit();
      }
    });
    this.input.addEventListener("input", () => this.#typed());
    this.sendButton = h("button", {type: "submit", id: "send"}, "Send");
    this.cancelButton = h("button", {type: "button", class: "secondary", hidden: true, onclick: () => this.#cancelEdit()}, "Cancel");
    this.fileInput = h("input", {type: "file", accept: "image/*", hidden: true, id: "image-file", onchange: () => this.#sendImage()});
    this.imageReason = h("p", {class: "hint composer-hint", id: "image-reason"});
    this.imageButton = h("button", {type: "button", class: "secondary", id: "attach-image", "aria-describedby": "image-reason",
      onclick: () => this.fileInput.click()}, "Image");
    const form = h("form", {class: "composer", onsubmit: (event) => { event.preventDefault(); this.#submit(); }},
      this.imageButton, this.fileInput, this.input, this.cancelButton, this.sendButton);
    this.composerBox = h("div", {class: "composer-box"}, form, this.imageReason);
  }

  #typed() {
    if (!this.thread || this.editing) return;
    const now = Date.now();
    if (now - this.lastTyping < TYPING_EVERY_MS || !this.input.value.trim()) return;
    this.lastTyping = now;
    this.api.typing(this.thread.id, this.me.displayName).catch(() => {});
  }

  async #submit() {
    const text = this.input.value.trim();
    if (!text || !this.thread) return;
    const thread = this.thread;
    this.sendButton.disabled = true;
    try {
      if (this.editing) {
        await this.api.edit(thread.id, this.editing.id, text);
        this.received(await this.api.message(thread.id, this.editing.id));
        this.#cancelEdit();
      } else {
        const id = await this.api.send(thread.id, text, this.me.displayName);
        this.input.value = "";
        this.lastTyping = 0;
        this.received(await this.api.message(thread.id, id));
        this.app.touched(thread.id, new Date());
      }
      this.alertBox.hidden = true;
    } catch (error) {
      const other = this.app.others(thread).find((p) => p.isTeams || p.external);
      this.alert(sentence(error, other?.displayName));
    } finally {
      this.sendButton.disabled = false;
      this.input.focus();
    }
  }

  #edit(message) {
    this.editing = message;
    this.input.value = message.text || "";
    this.sendButton.textContent = "Save";
    this.cancelButton.hidden = false;
    this.input.focus();
  }

  #cancelEdit() {
    this.editing = null;
    this.input.value = "";
    this.sendButton.textContent = "Send";
    this.cancelButton.hidden = true;
  }

  async #delete(message) {
    if (!confirm("Delete this message for everyone?")) return;
    try {
      await this.api.remove(this.thread.id, message.id);
      this.received(await this.api.message(this.thread.id, message.id));
    } catch (error) {
      this.alert(sentence(error));
    }
  }

  async #sendImage() {
    const file = this.fileInput.files[0];
    this.fileInput.value = "";
    if (!file || !this.thread) return;
    if (file.size > MAX_IMAGE_BYTES) return this.alert(sentence({code: "PayloadTooLarge"}));
    try {
      const id = await this.api.sendImage(this.thread.id, file, this.input.value.trim());
      this.input.value = "";
      this.received(await this.api.message(this.thread.id, id));
      this.app.touched(this.thread.id, new Date());
    } catch (error) {
      this.alert(sentence(error));
    }
  }
}

/** Teams' system events carry no details: they are left out of the Teams user's list. */
function visible(message) {
  return message.kind !== "system" || !!message.text;
}
