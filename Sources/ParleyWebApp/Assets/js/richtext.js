// Message bodies as safe DOM: text with links made clickable, and HTML from Teams reduced to a
// short list of harmless elements (no scripts, styles, events or remote loads). Inline images
// are fetched with the reader's token and shown from memory.

import {local} from "./http.js";

const ALLOWED = new Set(["P", "BR", "B", "STRONG", "I", "EM", "U", "S", "A", "UL", "OL", "LI", "BLOCKQUOTE", "CODE", "PRE", "SPAN", "DIV", "IMG"]);
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/g;

/** Text with http(s) links as anchors. */
export function textNodes(text) {
  const out = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    if (match.index > last) out.append(text.slice(last, match.index));
    out.append(link(match[0], match[0]));
    last = match.index + match[0].length;
  }
  if (last < text.length) out.append(text.slice(last));
  return out;
}

function link(href, label) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = label;
  a.target = "_blank";
  a.rel = "noopener noreferrer";
  return a;
}

/** Sanitized DOM for `html`; `loadImage(path)` resolves to a blob URL for an inline image. */
export function htmlNodes(html, loadImage) {
  const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
  const out = document.createDocumentFragment();
  for (const node of parsed.body.childNodes) {
    const clean = sanitize(node, loadImage);
    if (clean) out.append(clean);
  }
  return out;
}

function sanitize(node, loadImage) {
  if (node.nodeType === Node.TEXT_NODE) return textNodes(node.textContent);
  if (node.nodeType !== Node.ELEMENT_NODE) return null;
  const tag = node.tagName;
  if (!ALLOWED.has(tag)) {
    if (tag === "SCRIPT" || tag === "STYLE" || tag === "IFRAME" || tag === "OBJECT") return null;
    const span = document.createDocumentFragment();
    for (const child of node.childNodes) {
      const clean = sanitize(child, loadImage);
      if (clean) span.append(clean);
    }
    return span;
  }
  if (tag === "IMG") {
    const src = node.getAttribute("src") || "";
    const path = /^https?:\/\//i.test(src) ? local(src) : null; // relative ones are the sender's own references
    if (!path || !(path.includes("/hostedContents/") || path.includes("/images/"))) return null;
    const img = document.createElement("img");
    img.alt = node.getAttribute("alt") || "Image";
    img.className = "inline-image";
    img.dataset.source = path;
    loadImage(path).then((url) => { img.src = url; }, () => { img.alt = "The image could not be loaded."; });
    return img;
  }
  if (tag === "A") {
    const href = node.getAttribute("href") || "";
    if (!/^(https?:|mailto:)/i.test(href)) return document.createTextNode(node.textContent);
    return link(href, node.textContent || href);
  }
  const el = document.createElement(tag.toLowerCase());
  for (const child of node.childNodes) {
    const clean = sanitize(child, loadImage);
    if (clean) el.append(clean);
  }
  return el;
}
