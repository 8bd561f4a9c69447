// The two chat APIs behind one shape: ACS Chat (app users, their ACS token) and the
// Graph-shaped chats API (Teams users, their organization token). Both reach the same threads.
// Messages come out normalized:
//   {id, threadId, senderId, senderName, senderExternal, createdOn, editedOn, deletedOn,
//    kind: "text"|"html"|"system", text, html, images: [{path, name}], files: [{url, name}]}

import {acs, local, request} from "./http.js";

const ACS_PAGE = 200;
const GRAPH_PAGE = 50;

export function messageOrder(a, b) {
  return Number(a.id) - Number(b.id);
}

function date(text) {
  return text ? new Date(text) : null;
}

/** App users: `/chat/threads` with the app user's token. */
export class AcsChat {
  constructor(session) {
    this.session = session;
    this.canSendImages = false; // ACS Chat has no upload for app users; C2 forbids it with Teams users anyway.
  }

  async #call(path, options = {}) {
    return request(acs(path), {...options, token: await this.session.token()});
  }

  async threads(nextLink) {
    const page = nextLink ? await request(local(nextLink), {token: await this.session.token()}) : await this.#call(`/chat/threads?maxPageSize=50`);
    return {
      items: page.value.filter((t) => !t.deletedOn).map((t) => ({id: t.id, topic: t.topic, lastMessageAt: date(t.lastMessageReceivedOn)})),
      next: page.nextLink || null,
    };
  }

  async participants(threadId) {
    const page = await this.#call(`/chat/threads/${encodeURIComponent(threadId)}/participants?maxPageSize=200`);
    return page.value.map((p) => ({
      rawId: p.communicationIdentifier.rawId,
      displayName: p.displayName || null,
      isTeams: p.communicationIdentifier.rawId.startsWith("8:orgid:"),
    }));
  }

  /** Creates a chat with `people` ({rawId, displayName}); returns {threadId, refused: [{rawId, code}]} */
  async create(topic, people, myName) {
    const me = {communicationIdentifier: {rawId: this.session.me.rawId}, displayName: myName};
    const result = await this.#call("/chat/threads", {json: {
      topic,
      participants: [me, ...people.map((p) => ({communicationIdentifier: {rawId: p.rawId}, displayName: p.displayName}))],
    }, headers: {"repeatability-request-id": crypto.randomUUID()}});
    const refused = (result.invalidParticipants || []).map((e) => ({rawId: e.target, code: (e.innerError || e.innererror || {}).code || e.code, message: e.message}));
    return {threadId: result.chatThread.id, refused};
  }

  async messages(threadId, cursor) {
    const page = cursor
      ? await request(local(cursor), {token: await this.session.token()})
      : await this.#call(`/chat/threads/${encodeURIComponent(threadId)}/messages?maxPageSize=${ACS_PAGE}`);
    return {items: page.value.map((m) => this.normalize(m, threadId)), next: page.nextLink || null};
  }

  async message(threadId, id) {
    return this.normalize(await this.#call(`/chat/threads/${encodeURIComponent(threadId)}/messages/${encodeURIComponent(id)}`), threadId);
  }

  normalize(m, threadId) {
    const content = m.content || {};
    const sender = m.senderCommunicationIdentifier?.rawId || null;
    const base = {id: m.id, threadId, senderId: sender, senderName: m.senderDisplayName || null, senderExternal: false,
      createdOn: date(m.createdOn), editedOn: date(m.editedOn), deletedOn: date(m.deletedOn), images: [], files: []};
    if (m.type === "text" || m.type === "html") {
      for (const a of content.attachments || []) {
        if (a.attachmentType === "image") base.images.push({path: local(a.url), name: a.name || "image"});
        else base.files.push({url: a.url, name: a.name || "file"});
      }
      return {...base, kind: m.type, text: m.type === "text" ? content.message || "" : null, html: m.type === "html" ? content.message || "" : null};
    }
    return {...base, kind: "system", text: systemText(m.type, content)};
  }

  /** A message from a real-time event (`chatMessageReceived` / `Edited`). */
  fromEvent(data) {
    return this.normalize({
      id: data.id, type: data.type, senderCommunicationIdentifier: data.sender, senderDisplayName: data.senderDisplayName,
      createdOn: data.createdOn, editedOn: data.editedOn, deletedOn: data.deletedOn,
      content: {message: data.message, attachments: data.attachments},
    }, data.threadId);
  }

  async send(threadId, text, myName) {
    const sent = await this.#call(`/chat/threads/${encodeURIComponent(threadId)}/messages`, {json: {content: text, senderDisplayName: myName, type: "text"}});
    return sent.id;
  }

  async sendImage() {
    throw Object.assign(new Error("AppUserCannotSendFiles"), {code: "AppUserCannotSendFiles"});
  }

  async edit(threadId, id, text) {
    await this.#call(`/chat/threads/${encodeURIComponent(threadId)}/messages/${encodeURIComponent(id)}`, {
      method: "PATCH", json: {content: text}, contentType: "application/merge-patch+json"});
  }

  async remove(threadId, id) {
    await this.#call(`/chat/threads/${encodeURIComponent(threadId)}/messages/${encodeURIComponent(id)}`, {method: "DELETE"});
  }

  async typing(threadId, myName) {
    await this.#call(`/chat/threads/${encodeURIComponent(threadId)}/typing`, {json: {senderDisplayName: myName}});
  }

  async markRead(threadId, messageId) {
    await this.#call(`/chat/threads/${encodeURIComponent(threadId)}/readReceipts`, {json: {chatMessageId: messageId}});
  }

  /** [{rawId, messageId}] */
  async readReceipts(threadId) {
    const page = await this.#call(`/chat/threads/${encodeURIComponent(threadId)}/readReceipts?maxPageSize=200`);
    return page.value.map((r) => ({rawId: r.senderCommunicationIdentifier.rawId, messageId: r.chatMessageId}));
  }

  async image(path) {
    const response = await request(path, {token: await this.session.token(), raw: true});
    return URL.createObjectURL(await response.blob());
  }
}

/** Teams users: the Graph-shaped `/v1.0/...` chats API with the organization token. */
export class GraphChat {
  constructor(session) {
    this.session = session;
    this.canSendImages = true;
  }

  async #call(path, options = {}) {
    return request(path, {...options, token: await this.session.token()});
  }

  async threads(nextLink) {
    const page = await this.#call(nextLink ? local(nextLink) : `/v1.0/me/chats?$top=50`);
    return {
      items: page.value.map((c) => ({id: c.id, topic: c.topic || "", lastMessageAt: date(c.lastUpdatedDateTime), chatType: c.chatType})),
      next: page["@odata.nextLink"] || null,
    };
  }

  async participants(threadId) {
    const page = await this.#call(`/v1.0/chats/${encodeURIComponent(threadId)}/members`);
    return page.value.map((m) => {
      const external = m["@odata.type"] === "#microsoft.graph.azureCommunicationServicesUserConversationMember";
      return {rawId: external ? m.userId : "8:orgid:" + m.userId, displayName: m.displayName || null, isTeams: !external, external};
    });
  }

  /** A chat with colleagues (Teams users of the same organization). */
  async create(topic, people) {
    const members = [this.session.me, ...people].map((p) => ({
      "@odata.type": "#microsoft.graph.aadUserConversationMember", roles: ["owner"],
      "user@odata.bind": `https://graph.microsoft.com/v1.0/users('${p.id || p.rawId.replace("8:orgid:", "")}')`,
    }));
    const oneOnOne = people.length === 1 && !topic;
    const chat = await this.#call("/v1.0/chats", {json: oneOnOne ? {chatType: "oneOnOne", members} : {chatType: "group", topic: topic || null, members}});
    return {threadId: chat.id, refused: []};
  }

  async messages(threadId, cursor) {
    const page = await this.#call(cursor ? local(cursor) : `/v1.0/chats/${encodeURIComponent(threadId)}/messages?$top=${GRAPH_PAGE}`);
    return {items: page.value.map((m) => this.normalize(m, threadId)), next: page["@odata.nextLink"] || null};
  }

  async message(threadId, id) {
    return this.normalize(await this.#call(`/v1.0/chats/${encodeURIComponent(threadId)}/messages/${encodeURIComponent(id)}`), threadId);
  }

  normalize(m, threadId) {
    const user = m.from?.user;
    const external = user?.userIdentityType === "azureCommunicationServicesUser";
    const senderId = user ? (external ? user.id : "8:orgid:" + user.id) : null;
    const base = {id: m.id, threadId, senderId, senderName: user?.displayName || null, senderExternal: external,
      createdOn: date(m.createdDateTime), editedOn: date(m.lastEditedDateTime), deletedOn: date(m.deletedDateTime), images: [], files: []};
    if (m.messageType !== "message") return {...base, kind: "system", text: null};
    const files = (m.attachments || []).filter((a) => a.contentType === "reference").map((a) => ({url: a.contentUrl, name: a.name || "file"}));
    if (m.body.contentType === "html") return {...base, files, kind: "html", html: m.body.content, text: null};
    return {...base, files, kind: "text", text: m.body.content};
  }

  /** A message from a real-time event; messages with images are read again through Graph (their URLs differ). */
  fromEvent(data) {
    const sender = data.sender?.rawId || null;
    return {
      id: data.id, threadId: data.threadId, senderId: sender, senderName: data.senderDisplayName || null,
      senderExternal: !!sender && sender.startsWith("8:acs:"), createdOn: date(data.createdOn), editedOn: date(data.editedOn),
      deletedOn: date(data.deletedOn), images: [], files: [], kind: data.type === "html" ? "html" : "text",
      text: data.type === "html" ? null : data.message || "", html: data.type === "html" ? data.message || "" : null,
      needsReload: (data.attachments || []).length > 0,
    };
  }

  async send(threadId, text) {
    const sent = await this.#call(`/v1.0/chats/${encodeURIComponent(threadId)}/messages`, {json: {body: {contentType: "text", content: text}}});
    return sent.id;
  }

  /** An image (a File) as an inline hosted content, with an optional caption. */
  async sendImage(threadId, file, caption = "") {
    const bytes = new Uint8Array(await file.arrayBuffer());
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    const escaped = caption.replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})[c]);
    const sent = await this.#call(`/v1.0/chats/${encodeURIComponent(threadId)}/messages`, {json: {
      body: {contentType: "html", content: (escaped ? `<p>${escaped}</p>` : "") + `<img src="../hostedContents/1/$value" alt="${file.name.replace(/"/g, "")}">`},
      hostedContents: [{"@microsoft.graph.temporaryId": "1", contentBytes: btoa(binary), contentType: file.type || "image/png"}],
    }});
    return sent.id;
  }

  async edit(threadId, id, text) {
    await this.#call(`/v1.0/chats/${encodeURIComponent(threadId)}/messages/${encodeURIComponent(id)}`, {method: "PATCH", json: {body: {contentType: "text", content: text}}});
  }

  async remove(threadId, id) {
    await this.#call(`/v1.0/chats/${encodeURIComponent(threadId)}/messages/${encodeURIComponent(id)}/softDelete`, {method: "POST"});
  }

  async typing(threadId) {
    await this.#call(`/v1.0/chats/${encodeURIComponent(threadId)}/sendTypingIndicator`, {method: "POST"});
  }

  async markRead(threadId) {
    await this.#call(`/v1.0/chats/${encodeURIComponent(threadId)}/markChatReadForUser`, {method: "POST"});
  }

  async readReceipts(threadId) {
    const page = await this.#call(`/v1.0/chats/${encodeURIComponent(threadId)}/readReceipts`);
    return page.value.map((r) => ({
      rawId: r.user.userIdentityType === "aadUser" ? "8:orgid:" + r.user.id : r.user.id, messageId: r.messageId,
    }));
  }

  async image(path) {
    const response = await request(path, {token: await this.session.token(), raw: true});
    return URL.createObjectURL(await response.blob());
  }
}

function systemText(type, content) {
  const names = (list) => (list || []).map((p) => p.displayName || "someone").join(", ");
  switch (type) {
    case "topicUpdated": return content.topic ? `The topic is now “${content.topic}”.` : null;
    case "participantAdded": return `${names(content.participants)} joined the chat.`;
    case "participantRemoved": return `${names(content.participants)} left the chat.`;
    default: return "The chat changed.";
  }
}
