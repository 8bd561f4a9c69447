// One real-time connection (docs/realtime.md): chat events with resumption by position, and the
// calling protocol's requests and replies. Reconnects by itself, resuming after the last
// position it saw, so no event is lost or seen twice.

import {Emitter} from "./dom.js";

const BACKOFF_MS = [0, 100, 250, 500, 1000, 2000, 5000, 10000];
const REQUEST_TIMEOUT_MS = 20000;

export class RealtimeError extends Error {
  constructor(error) {
    super(error.message || error.code);
    Object.assign(this, error);
  }
}

export class Realtime extends Emitter {
  #socket = null;
  #attempt = 0;
  #timer = null;
  #pending = new Map();
  #seq = 0;
  #stopped = false;

  /** `session` gives tokens (`await session.token()`). */
  constructor(session) {
    super();
    this.session = session;
    this.position = null;
    this.state = "connecting";
    this.closeCode = null;
    addEventListener("online", () => { if (this.state !== "connected") this.reconnectNow(); });
  }

  start() {
    this.#stopped = false;
    this.#open();
  }

  stop() {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#socket?.close(1000);
    this.#setState("offline");
  }

  /** Drops the connection now and reconnects (tests of resumption, and "Reconnect" in the UI). */
  reconnectNow() {
    clearTimeout(this.#timer);
    this.#attempt = 0;
    if (this.#socket && this.#socket.readyState <= 1) this.#socket.close(4000, "reconnect");
    else this.#open();
  }

  /** Sends a calling request; resolves with the reply's data, rejects with its error. */
  request(type, data = {}) {
    return new Promise((resolve, reject) => {
      if (!this.#socket || this.#socket.readyState !== WebSocket.OPEN || this.state !== "connected") {
        reject(new RealtimeError({status: 0, code: "NotConnected", message: "Not connected to Parley right now."}));
        return;
      }
      const requestId = "r" + ++this.#seq;
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        reject(new RealtimeError({status: 0, code: "RequestTimeout", message: "Parley did not answer in time."}));
      }, REQUEST_TIMEOUT_MS);
      this.#pending.set(requestId, {resolve, reject, timer});
      this.#socket.send(JSON.stringify({type, requestId, data}));
    });
  }

  async #open() {
    if (this.#stopped) return;
    this.#setState(this.position === null && this.#attempt === 0 ? "connecting" : "reconnecting");
    let token;
    try {
      token = await this.session.token();
    } catch (error) {
      this.emit("authFailed", error);
      this.#retry();
      return;
    }
    const scheme = location.protocol === "http:" ? "ws:" : "wss:";
    let url = `${scheme}//${location.host}/parley/v1/realtime?access_token=${encodeURIComponent(token)}`;
    if (this.position !== null) url += `&after=${this.position}`;
    const socket = this.#socket = new WebSocket(url);
    socket.onmessage = (event) => this.#frame(socket, event.data);
    socket.onclose = (event) => this.#closed(socket, event.code);
  }

  #frame(socket, text) {
    if (socket !== this.#socket) return;
    let frame;
    try { frame = JSON.parse(text); } catch { return; }
    switch (frame.type) {
      case "hello":
        if (this.position === null) this.position = frame.data.position;
        this.identity = frame.data.identity;
        return;
      case "caughtUp":
        if (typeof frame.position === "number") this.position = Math.max(this.position ?? 0, frame.position);
        this.#attempt = 0;
        this.#setState("connected");
        this.emit("ready");
        return;
      case "resyncRequired":
        this.position = frame.position;
        this.emit("resync", frame.data);
        return;
      case "reply": {
        const pending = this.#pending.get(frame.data.requestId);
        if (!pending) return;
        this.#pending.delete(frame.data.requestId);
        clearTimeout(pending.timer);
        if (frame.data.error) pending.reject(new RealtimeError(frame.data.error));
        else pending.resolve(frame.data);
        return;
      }
      case "call": case "incomingCall": case "incomingCallEnded": case "signal":
        this.emit("calling", frame);
        return;
      default:
        if (typeof frame.position === "number") {
          if (this.position !== null && frame.position <= this.position) return; // seen already
          this.position = frame.position;
        }
        this.emit("event", frame);
    }
  }

  #closed(socket, code) {
    if (socket !== this.#socket) return;
    this.closeCode = code;
    for (const [, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new RealtimeError({status: 0, code: "ConnectionLost", message: "The connection to Parley was lost."}));
    }
    this.#pending.clear();
    if (this.#stopped) return;
    if (code === 4004) { this.#setState("offline"); this.emit("gone", code); return; }
    if (code === 4001 || code === 4003) {
      // Expired or revoked: a fresh token first (the session refreshes when asked).
      this.session.refresh().then(() => this.#retry(), (error) => { this.#setState("offline"); this.emit("authFailed", error); });
      return;
    }
    this.#retry();
  }

  #retry() {
    if (this.#stopped) return;
    this.#setState("reconnecting");
    const delay = BACKOFF_MS[Math.min(this.#attempt, BACKOFF_MS.length - 1)];
    this.#attempt += 1;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#open(), delay);
  }

  #setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.emit("state", state);
  }
}
