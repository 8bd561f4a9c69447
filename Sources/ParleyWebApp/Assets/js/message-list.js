// A virtualised, scrollable list of messages: only the rows near the viewport exist in the
// DOM, so a thread of ten thousand messages scrolls as smoothly as one of ten. Rows are measured
// once rendered (unmeasured ones count as the average so far); positions come from prefix sums
// of the heights; the first visible row stays put when rows above it change height or older
// messages are prepended.

import {h} from "./dom.js";

const FIRST_ESTIMATE = 64;
const OVERSCAN_PX = 500;

export class MessageList {
  /**
   * @param renderRow (message) => HTMLElement
   * @param onNearTop () => void, called when the reader scrolls near the oldest loaded message
   */
  constructor({renderRow, onNearTop, label}) {
    this.renderRow = renderRow;
    this.onNearTop = onNearTop;
    this.items = []; // sorted by id (message ids are increasing numbers)
    this.heights = new Map();
    this.measuredTotal = 0;
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
        this.#forgetHeights();
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

  /** The height an unmeasured row is taken to have: the average of those measured. */
  get estimate() {
    return this.heights.size ? this.measuredTotal / this.heights.size : FIRST_ESTIMATE;
  }

  /** Adds or replaces messages (any order); keeps the list sorted by id. A page of older
   * messages costs its own size plus one copy of the list, never a sort of the whole list. */
  upsert(messages, {stickToBottom = this.atBottom} = {}) {
    // Where the reader is, before anything moves.
    const anchor = stickToBottom ? null : this.#anchor();
    const fresh = [];
    for (const message of messages) {
      const at = this.#at(message.id);
      if (at >= 0) {
        this.items[at] = message;
        this.#forget(message.id);
        this.rows.get(message.id)?.remove();
        this.rows.delete(message.id);
      } else {
        fresh.push(message);
      }
    }
    if (fresh.length) {
      fresh.sort((a, b) => Number(a.id) - Number(b.id));
      const items = this.items;
      if (!items.length || Number(fresh[0].id) > Number(items[items.length - 1].id)) items.push(...fresh);
      else if (Number(fresh[fresh.length - 1].id) < Number(items[0].id)) this.items = fresh.concat(items);
      else this.items = merge(items, fresh);
    }
    this.dirty = true;
    this.sizesStale = true;
    this.render(stickToBottom, anchor);
  }

  get(id) {
    const at = this.#at(id);
    return at < 0 ? null : this.items[at];
  }

  /** The position of message `id`, or -1 (binary search: ids are increasing numbers). */
  #at(id) {
    const key = Number(id);
    let lo = 0;
    let hi = this.items.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const here = Number(this.items[mid].id);
      if (here === key) return mid;
      if (here < key) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Re-renders one message's row (receipts, edits). */
  refresh(id) {
    const row = this.rows.get(id);
    if (!row) return;
    row.remove();
    this.rows.delete(id);
    this.#forget(id);
    this.dirty = true;
    this.schedule();
  }

  /** Measures a row again (its content changed size). */
  remeasure(id) {
    if (!this.heights.has(id)) return;
    this.#forget(id);
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

  #forget(id) {
    const height = this.heights.get(id);
    if (height === undefined) return;
    this.heights.delete(id);
    this.measuredTotal -= height;
    this.sizesStale = true;
  }

  #forgetHeights() {
    this.heights.clear();
    this.measuredTotal = 0;
    this.dirty = true;
    this.sizesStale = true;
  }

  #layout() {
    if (!this.dirty) return;
    const n = this.items.length;
    if (this.offsets.length !== n + 1) this.offsets = new Float64Array(n + 1);
    // Heights by position, read once per layout: a typed array is cheap to sum for 10,000 rows.
    if (this.sizes?.length !== n || this.sizesStale) {
      this.sizes = new Float64Array(n);
      for (let i = 0; i < n; i++) this.sizes[i] = this.heights.get(this.items[i].id) ?? -1;
      this.sizesStale = false;
    }
    const estimate = this.estimate;
    let y = 0;
    for (let i = 0; i < n; i++) {
      this.offsets[i] = y;
      const size = this.sizes[i];
      y += size < 0 ? estimate : size;
    }
    this.offsets[n] = y;
    if (y !== this.height) {
      this.height = y;
      this.spacer.style.height = y + "px";
    }
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

  /** The first row in view and how far into the view it starts, by the layout on screen. */
  #anchor() {
    if (!this.items.length || this.offsets.length !== this.items.length + 1) return null;
    const i = this.#find(this.element.scrollTop);
    return {id: this.items[i].id, delta: this.offsets[i] - this.element.scrollTop};
  }

  render(stickToBottom, anchor = stickToBottom ? null : this.#anchor()) {
    const el = this.element;
    for (let pass = 0; pass < 2; pass++) {
      this.#layout();
      if (stickToBottom) el.scrollTop = this.offsets[this.items.length] - el.clientHeight;
      else if (anchor) {
        const at = this.#at(anchor.id);
        if (at >= 0) {
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
        if (row.top !== this.offsets[i]) {
          row.top = this.offsets[i];
          row.style.transform = `translateY(${row.top}px)`;
        }
        if (this.sizes[i] < 0) unmeasured.push([i, message.id, row]);
      }
      for (const [id, row] of this.rows) {
        if (!keep.has(id)) {
          row.remove();
          this.rows.delete(id);
        }
      }
      // Measure new rows (one layout for all of them); a changed height moves what follows.
      let changed = false;
      for (const [i, id, row] of unmeasured) {
        const height = row.offsetHeight;
        if (!height) continue;
        this.heights.set(id, height);
        this.sizes[i] = height;
        this.measuredTotal += height;
        changed = true;
      }
      if (!changed) break;
      this.dirty = true;
    }
    if (this.dirty) this.schedule(); // rows measured in the last pass move into place next frame
    if (el.scrollTop < OVERSCAN_PX && this.items.length) this.onNearTop?.();
  }
}

/** Two lists sorted by id, merged. */
function merge(a, b) {
  const out = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = Number(a[i].id) < Number(b[j].id) ? a[i++] : b[j++];
  while (i < a.length) out[k++] = a[i++];
  while (j < b.length) out[k++] = b[j++];
  return out;
}
