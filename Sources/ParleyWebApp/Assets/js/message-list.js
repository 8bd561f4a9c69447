// A virtualised, scrollable list of messages: only the rows near the viewport exist in the
// DOM, so a thread of ten thousand messages scrolls as smoothly as one of ten. Rows are measured
// once rendered; positions come from prefix sums of the heights; the first visible row stays
// put when rows above it change height or older messages are prepended.

import {h} from "./dom.js";

const ESTIMATE = 64;
const OVERSCAN_PX = 600;

export class MessageList {
  /**
   * @param renderRow (message) => HTMLElement
   * @param onNearTop () => void, called when the reader scrolls near the oldest loaded message
   */
  constructor({renderRow, onNearTop, label}) {
    this.renderRow = renderRow;
    this.onNearTop = onNearTop;
    this.items = [];
    this.index = new Map();
    this.heights = new Map();
    this.offsets = new Float64Array(1);
    this.dirty = true;
    this.rows = new Map();
    this.frame = 0;
    this.spacer = h("div", {class: "spacer"});
    // A region, not a live log: rows come and go as the reader scrolls; new messages are
    // announced on their own (dom.js announce).
    this.element = h("div", {class: "messages", tabindex: "0", role: "region", "aria-label": label || "Messages"}, this.spacer);
    this.element.addEventListener("scroll", () => this.schedule(), {passive: true});
    // Only a change of width changes the rows' heights.
    this.width = 0;
    new ResizeObserver(() => {
      const width = this.element.clientWidth;
      if (width !== this.width) {
        this.width = width;
        this.heights.clear();
        this.dirty = true;
      }
      this.schedule();
    }).observe(this.element);
    // A row whose image arrived is measured again.
    this.element.addEventListener("load", (event) => {
      const row = event.target.closest?.(".row");
      if (row) this.remeasure(row.dataset.id);
    }, true);
  }

  get atBottom() {
    const el = this.element;
    return el.scrollHeight - el.scrollTop - el.clientHeight < 48;
  }

  /** Adds or replaces messages (any order); keeps the list sorted by id. */
  upsert(messages, {stickToBottom = this.atBottom} = {}) {
    let unordered = false;
    for (const message of messages) {
      const at = this.index.get(message.id);
      if (at !== undefined) {
        this.items[at] = message;
        this.heights.delete(message.id);
        this.rows.get(message.id)?.remove();
        this.rows.delete(message.id);
      } else if (!this.items.length || Number(message.id) > Number(this.items[this.items.length - 1].id)) {
        this.items.push(message);
        this.index.set(message.id, this.items.length - 1);
      } else {
        this.items.push(message);
        unordered = true;
      }
    }
    if (unordered) {
      this.items.sort((a, b) => Number(a.id) - Number(b.id));
      this.index = new Map(this.items.map((m, i) => [m.id, i]));
    }
    this.dirty = true;
    this.render(stickToBottom);
  }

  get(id) {
    const at = this.index.get(id);
    return at === undefined ? null : this.items[at];
  }

  /** Re-renders one message's row (receipts, edits). */
  refresh(id) {
    const row = this.rows.get(id);
    if (!row) return;
    row.remove();
    this.rows.delete(id);
    this.heights.delete(id);
    this.dirty = true;
    this.schedule();
  }

  /** Measures a row again (its content changed size). */
  remeasure(id) {
    if (!this.heights.delete(id)) return;
    this.dirty = true;
    this.schedule();
  }

  refreshAll() {
    for (const row of this.rows.values()) row.remove();
    this.rows.clear();
    this.heights.clear();
    this.dirty = true;
    this.schedule();
  }

  scrollToBottom() {
    this.element.scrollTop = this.element.scrollHeight;
    this.schedule();
  }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render(false);
    });
  }

  #layout() {
    if (!this.dirty) return;
    const n = this.items.length;
    if (this.offsets.length !== n + 1) this.offsets = new Float64Array(n + 1);
    let y = 0;
    for (let i = 0; i < n; i++) {
      this.offsets[i] = y;
      y += this.heights.get(this.items[i].id) ?? ESTIMATE;
    }
    this.offsets[n] = y;
    this.spacer.style.height = y + "px";
    this.dirty = false;
  }

  /** The first item whose bottom is below `y`. */
  #find(y) {
    let lo = 0;
    let hi = this.items.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.offsets[mid + 1] <= y) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  render(stickToBottom) {
    const el = this.element;
    // The anchor: the first row in view, and how far into the view it starts.
    this.#layout();
    let anchor = null;
    if (!stickToBottom && this.items.length) {
      const i = this.#find(el.scrollTop);
      anchor = {id: this.items[i].id, delta: this.offsets[i] - el.scrollTop};
    }
    for (let pass = 0; pass < 3; pass++) {
      this.#layout();
      if (stickToBottom) el.scrollTop = this.offsets[this.items.length] - el.clientHeight;
      else if (anchor) {
        const at = this.index.get(anchor.id);
        if (at !== undefined) {
          const wanted = this.offsets[at] - anchor.delta;
          if (Math.abs(el.scrollTop - wanted) > 1) el.scrollTop = wanted;
        }
      }
      const top = Math.max(0, el.scrollTop - OVERSCAN_PX);
      const bottom = el.scrollTop + el.clientHeight + OVERSCAN_PX;
      const first = this.items.length ? this.#find(top) : 0;
      let last = first;
      while (last < this.items.length && this.offsets[last] < bottom) last++;
      const keep = new Set();
      const unmeasured = [];
      for (let i = first; i < last; i++) {
        const message = this.items[i];
        keep.add(message.id);
        let row = this.rows.get(message.id);
        if (!row) {
          row = h("div", {class: "row", "data-id": message.id}, this.renderRow(message));
          this.rows.set(message.id, row);
          this.element.append(row);
        }
        if (!this.heights.has(message.id)) unmeasured.push(message.id);
        row.style.transform = `translateY(${this.offsets[i]}px)`;
      }
      for (const [id, row] of this.rows) {
        if (!keep.has(id)) {
          row.remove();
          this.rows.delete(id);
        }
      }
      // Measure new rows; a changed height moves everything after it.
      let changed = false;
      for (const id of unmeasured) {
        const height = this.rows.get(id).offsetHeight;
        if (height && height !== this.heights.get(id)) {
          this.heights.set(id, height);
          changed = true;
        }
      }
      if (!changed) break;
      this.dirty = true;
    }
    if (el.scrollTop < OVERSCAN_PX && this.items.length) this.onNearTop?.();
  }
}
