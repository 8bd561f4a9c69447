// Tiny DOM helpers. Text always goes in as text (textContent), never as HTML.

/** h("button", {class: "x", onclick: f, "aria-label": "Send"}, "Send") */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name === "text") el.textContent = value;
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** A small event emitter. */
export class Emitter {
  #handlers = new Map();
  on(type, handler) {
    if (!this.#handlers.has(type)) this.#handlers.set(type, new Set());
    this.#handlers.get(type).add(handler);
    return () => this.#handlers.get(type)?.delete(handler);
  }
  emit(type, value) {
    for (const handler of [...(this.#handlers.get(type) || [])]) {
      try { handler(value); } catch (error) { console.error(error); }
    }
  }
}

const TIME = new Intl.DateTimeFormat([], {hour: "2-digit", minute: "2-digit"});
const DAY = new Intl.DateTimeFormat([], {month: "short", day: "numeric"});

/** "14:05", or a short date for older times (formatters made once: rows are rendered often). */
export function shortTime(date) {
  if (!(date instanceof Date) || isNaN(date)) return "";
  const now = new Date();
  const sameDay = date.getFullYear() === now.getFullYear() && date.getMonth() === now.getMonth() && date.getDate() === now.getDate();
  return sameDay ? TIME.format(date) : DAY.format(date) + " " + TIME.format(date);
}

/** Initials for an avatar. */
export function initials(name) {
  const parts = String(name || "?").trim().split(/\s+/);
  return ((parts[0] || "?")[0] + (parts.length > 1 ? parts[parts.length - 1][0] : "")).toUpperCase();
}

/** Announces `text` to screen readers through the page's live region. */
export function announce(text) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  requestAnimationFrame(() => { region.textContent = text; });
}
