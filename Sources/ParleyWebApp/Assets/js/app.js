// The signed-in app: chats on the left, the open chat on the right (one at a time on a phone),
// a call on top when there is one. Everything goes through Parley's public APIs: ACS Chat or the
// Graph-shaped chats API for messages, the real-time WebSocket for events and calls.

import {$, announce, fill, h, initials, shortTime} from "./dom.js";
import {AcsChat, GraphChat} from "./chat-api.js";
import {Realtime} from "./realtime.js";
import {CallAgent} from "./calling.js";
import {ChatView} from "./chat-view.js";
import {CallView, IncomingCallDialog} from "./call-view.js";
import {PeoplePicker} from "./people.js";
import {SettingsDialog} from "./settings.js";
import {sentence} from "./sentences.js";

const CONNECTION_TEXT = {connecting: "Connecting…", connected: "Connected", reconnecting: "Reconnecting…", offline: "Offline"};

export class App {
  constructor(session, config) {
    this.session = session;
    this.config = config;
    this.extended = config.interopProfile === "extended";
    this.api = session.isTeams ? new GraphChat(session) : new AcsChat(session);
    this.realtime = new Realtime(session);
    this.agent = new CallAgent(this.realtime, session);
    this.threads = new Map();
    this.order = [];
    this.nextThreads = null;
    this.current = null;
  }

  get me() { return this.session.me; }

  start() {
    document.title = `Parley · ${this.me.displayName}`;
    this.#renderShell();
    this.chat = new ChatView(this, this.conversation);
    this.callView = new CallView(this);
    this.incoming = new IncomingCallDialog(this);
    this.realtime.on("state", (state) => this.#connection(state));
    this.realtime.on("event", (frame) => this.#event(frame));
    this.realtime.on("resync", () => this.#resync());
    this.realtime.on("authFailed", () => this.#expired());
    this.realtime.on("gone", () => this.#expired());
    this.session.on("expired", () => this.#expired());
    this.agent.on("call", (call) => this.callView.show(call));
    this.agent.on("incoming", (info) => this.incoming.show(info));
    this.agent.on("incomingEnded", (data) => this.incoming.ended(data));
    this.agent.on("registered", () => this.chat.updateActions());
    this.realtime.start();
    this.#connection(this.realtime.state);
    this.loadThreads();
  }

  // MARK: Shell

  #renderShell() {
    const persona = this.session.isTeams ? "Teams" : "Visitor";
    this.connectionPill = h("span", {class: "connection", role: "status", "aria-live": "polite", id: "connection-state"});
    this.threadList = h("ul", {class: "thread-list", "aria-label": "Chats", id: "thread-list"});
    this.conversation = h("section", {class: "conversation", id: "conversation", "aria-label": "Conversation"});
    const header = h("header", {class: "topbar"},
      h("img", {class: "logo", src: "/app/icon.svg", alt: ""}),
      h("span", {class: "brand"}, "Parley"),
      h("span", {class: "persona", "data-persona": this.session.persona}, persona),
      this.connectionPill,
      h("span", {class: "me", id: "me"}, h("span", {class: "avatar", "aria-hidden": "true"}, initials(this.me.displayName)), this.me.displayName),
      h("button", {type: "button", class: "ghost", id: "settings-button", onclick: () => new SettingsDialog(this).open()}, "Settings"),
      h("button", {type: "button", class: "ghost", id: "sign-out", onclick: () => this.session.signOut()}, this.session.isTeams ? "Sign out" : "Leave"),
    );
    const sidebar = h("nav", {class: "sidebar", "aria-label": "Chats and people"},
      h("div", {class: "sidebar-actions"},
        h("button", {type: "button", id: "new-chat", onclick: () => this.newChat()}, "New chat"),
        h("button", {type: "button", class: "secondary", id: "new-call", onclick: () => this.newCall()}, "Call someone"),
      ),
      this.threadList,
      h("button", {type: "button", class: "ghost more", id: "more-chats", hidden: true, onclick: () => this.loadThreads(true)}, "Show older chats"),
    );
    const main = h("main", {id: "main", class: "app", "data-screen": "app", "data-view": "list"}, header, h("div", {class: "layout"}, sidebar, this.conversation));
    fill($("#root"), main);
    this.main = main;
  }

  #connection(state) {
    this.connectionPill.dataset.state = state;
    this.connectionPill.textContent = CONNECTION_TEXT[state] || state;
    this.chat?.updateActions();
  }

  #expired() {
    const message = this.session.isTeams ? "Your sign-in has ended. Sign in again to go on." : "Your visit has ended. Join again to go on.";
    this.chat.alert(message);
    this.connectionPill.dataset.state = "offline";
    this.connectionPill.textContent = "Signed out";
  }

  /** Phone layout: which pane shows. */
  showPane(view) {
    this.main.dataset.view = view;
  }

  // MARK: Threads

  async loadThreads(more = false) {
    try {
      const page = await this.api.threads(more ? this.nextThreads : null);
      this.nextThreads = page.next;
      $("#more-chats").hidden = !page.next;
      for (const item of page.items) this.#thread(item);
      this.#renderThreads();
      this.#countUnread(page.items.map((t) => t.id));
      // At start, a desktop opens the most recent chat; chats that arrive later wait in the list.
      const first = !this.loadedOnce;
      this.loadedOnce = true;
      if (first && !this.current && !matchMedia("(max-width: 720px)").matches && this.order.length) this.open(this.order[0]);
      else if (!this.order.length) this.chat.empty();
    } catch (error) {
      this.chat.alert(sentence(error));
    }
  }

  #thread(item) {
    const known = this.threads.get(item.id);
    const thread = known || {id: item.id, topic: "", participants: null, unread: 0, typing: null, lastMessageAt: null};
    Object.assign(thread, {topic: item.topic ?? thread.topic, lastMessageAt: item.lastMessageAt || thread.lastMessageAt});
    this.threads.set(item.id, thread);
    if (!thread.participants) this.participants(thread).then(() => this.#renderThreads(), () => {});
    return thread;
  }

  async participants(thread, reload = false) {
    if (!thread.participants || reload) thread.participants = await this.api.participants(thread.id);
    return thread.participants;
  }

  /** The people in the chat other than me. */
  others(thread) {
    return (thread.participants || []).filter((p) => p.rawId !== this.me.rawId);
  }

  title(thread) {
    if (thread.topic) return thread.topic;
    const names = this.others(thread).map((p) => p.displayName || "Someone");
    return names.length ? names.join(", ") : "Just you";
  }

  #renderThreads() {
    this.order = [...this.threads.values()]
      .sort((a, b) => (b.lastMessageAt?.getTime() || 0) - (a.lastMessageAt?.getTime() || 0))
      .map((t) => t.id);
    const items = this.order.map((id) => {
      const thread = this.threads.get(id);
      const title = this.title(thread);
      const external = !this.session.isTeams ? false : this.others(thread).some((p) => p.external);
      const unread = thread.unread > 0 ? h("span", {class: "unread", "aria-label": `${thread.unread} unread`}, thread.unread >= 20 ? "20+" : String(thread.unread)) : null;
      return h("li", {},
        h("button", {type: "button", class: "thread" + (id === this.current?.id ? " current" : ""), "aria-current": id === this.current?.id ? "true" : null,
          "data-thread-id": id, onclick: () => this.open(id)},
        h("span", {class: "avatar", "aria-hidden": "true"}, initials(title)),
        h("span", {class: "thread-text"},
          h("span", {class: "thread-title"}, title, external ? h("span", {class: "badge"}, "External") : null),
          h("span", {class: "thread-sub"}, thread.typing ? `${thread.typing} is typing…` : shortTime(thread.lastMessageAt))),
        unread));
    });
    fill(this.threadList, items.length ? items : h("li", {class: "none"}, "No chats yet. Start one with “New chat”."));
  }

  /** Unread counts from the newest page of each chat and my own read receipt. */
  async #countUnread(ids) {
    const queue = [...ids];
    const worker = async () => {
      while (queue.length) {
        const thread = this.threads.get(queue.shift());
        if (!thread || thread === this.current) continue;
        try {
          const [receipts, page] = await Promise.all([this.api.readReceipts(thread.id).catch(() => []), this.api.messages(thread.id)]);
          const mine = receipts.find((r) => r.rawId === this.me.rawId);
          const lastRead = mine ? Number(mine.messageId) : 0;
          thread.unread = page.items.filter((m) => m.kind !== "system" && m.senderId !== this.me.rawId && !m.deletedOn && Number(m.id) > lastRead).length;
        } catch { /* the list still works without a count */ }
      }
      this.#renderThreads();
    };
    await Promise.all([worker(), worker(), worker()]);
  }

  async open(id) {
    const thread = this.threads.get(id) || this.#thread({id});
    this.current = thread;
    thread.unread = 0;
    this.#renderThreads();
    this.showPane("chat");
    await this.chat.open(thread);
  }

  touched(threadId, when) {
    const thread = this.threads.get(threadId);
    if (!thread) return;
    thread.lastMessageAt = when || new Date();
    this.#renderThreads();
  }

  // MARK: Starting things

  async newChat() {
    const picker = new PeoplePicker(this, {title: "New chat", action: "Start chat"});
    const person = await picker.pick();
    if (!person) return;
    try {
      const existing = [...this.threads.values()].find((t) => !t.topic && this.others(t).length === 1 && this.others(t)[0].rawId === person.rawId);
      if (existing) return this.open(existing.id);
      const {threadId, refused} = await this.api.create("", [person], this.me.displayName);
      if (refused.length) {
        this.#thread({id: threadId});
        await this.open(threadId);
        this.chat.alert(`Could not add ${person.displayName}. ` + sentence({code: refused[0].code, message: refused[0].message}, person.displayName));
        return;
      }
      this.#thread({id: threadId, lastMessageAt: new Date()});
      await this.open(threadId);
    } catch (error) {
      this.chat.alert(sentence(error, person.displayName));
    }
  }

  async newCall() {
    const picker = new PeoplePicker(this, {title: "Call someone", action: "Call", forCall: true});
    const person = await picker.pick();
    if (person) this.call(person, {video: true});
  }

  /** Whether I may call `person` ({rawId, isTeams}) at all, and why not. */
  callRefusal(person, groupSize = 1) {
    if (!this.agent.registered) return "Calling is connecting…";
    const meTeams = this.session.isTeams;
    const theyTeams = person.rawId.startsWith("8:orgid:");
    if (groupSize > 1) return "Calls from here are one-to-one: open a chat with one person to call them.";
    if (meTeams && !theyTeams && !this.extended) return sentence({code: "OrgUserCannotCallAppUser"});
    return "";
  }

  async call(person, {video}) {
    try {
      await this.agent.start(person, {video});
    } catch (error) {
      this.chat.alert(sentence(error, person.displayName));
    }
  }

  // MARK: Real-time events

  #event(frame) {
    const data = frame.data || {};
    const thread = this.threads.get(data.threadId);
    switch (frame.type) {
      case "chatMessageReceived": {
        if (!thread) { this.loadThreads(); return; }
        const message = this.api.fromEvent(data);
        this.touched(data.threadId, message.createdOn);
        if (thread === this.current) this.chat.received(message);
        else if (message.senderId !== this.me.rawId) {
          thread.unread += 1;
          this.#renderThreads();
          announce(`New message from ${message.senderName || "someone"} in ${this.title(thread)}`);
        }
        if (thread.typing && message.senderId !== this.me.rawId) { thread.typing = null; this.#renderThreads(); }
        return;
      }
      case "chatMessageEdited":
      case "chatMessageDeleted":
        if (thread === this.current) this.chat.received(this.api.fromEvent(data));
        return;
      case "typingIndicatorReceived": {
        if (!thread || data.sender?.rawId === this.me.rawId) return;
        const name = data.senderDisplayName || this.others(thread).find((p) => p.rawId === data.sender?.rawId)?.displayName || "Someone";
        thread.typing = name;
        clearTimeout(thread.typingTimer);
        thread.typingTimer = setTimeout(() => { thread.typing = null; this.#renderThreads(); if (thread === this.current) this.chat.typing(null); }, 8000);
        this.#renderThreads();
        if (thread === this.current) this.chat.typing(name);
        return;
      }
      case "readReceiptReceived":
        if (thread === this.current) this.chat.receipt(data.sender.rawId, data.chatMessageId);
        return;
      case "chatThreadCreated":
        this.loadThreads();
        return;
      case "participantsAdded":
      case "participantsRemoved":
        if (thread) this.participants(thread, true).then(() => { this.#renderThreads(); if (thread === this.current) this.chat.header(); });
        else this.loadThreads();
        return;
      case "chatThreadPropertiesUpdated":
        if (thread) { thread.topic = data.properties?.topic || ""; this.#renderThreads(); if (thread === this.current) this.chat.header(); }
        return;
      case "chatThreadDeleted":
        if (thread) {
          this.threads.delete(thread.id);
          if (thread === this.current) { this.current = null; this.chat.empty("This chat was deleted."); }
          this.#renderThreads();
        }
        return;
    }
  }

  /** The server could not replay what we missed: read everything shown again. */
  async #resync() {
    await this.loadThreads();
    if (this.current) await this.chat.reloadNewest();
  }
}
