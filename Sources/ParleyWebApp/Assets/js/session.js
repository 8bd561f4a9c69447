// Who is using the web app, and their access token, kept fresh.
//
// Visitors (app users) join a resource by name through Parley's web app backend, which keeps
// their session in an HttpOnly cookie and hands out ACS access tokens (`chat, voip`). People of
// an organization (Teams users) sign in with the OAuth 2.0 authorization code flow with PKCE, as
// every Entra single-page app does; their refresh token (single use, rotated on every refresh)
// stays in this tab's sessionStorage.

import {ApiError, request} from "./http.js";
import {Emitter} from "./dom.js";

const REFRESH_MARGIN_MS = 5 * 60 * 1000;
const PKCE_KEY = "parley.signin";
const ORG_KEY = "parley.org";
const VISITOR_KEY = "parley.visitor";
export const ORG_SCOPES = "openid profile offline_access User.Read Chat.ReadWrite";

function randomText(bytes = 32) {
  const data = crypto.getRandomValues(new Uint8Array(bytes));
  return base64url(data);
}

function base64url(bytes) {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The claims of a JWT (not verified: the server verifies every use). */
export function claims(jwt) {
  try {
    const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const text = atob(part + "=".repeat((4 - (part.length % 4)) % 4));
    return JSON.parse(decodeURIComponent(Array.from(text, (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0")).join("")));
  } catch {
    return {};
  }
}

class Session extends Emitter {
  #timer = null;
  constructor(persona) {
    super();
    this.persona = persona;
    this.accessToken = null;
    this.expiresAt = 0;
    this.me = null;
  }

  get isTeams() { return this.persona === "teams"; }

  /** A valid access token, refreshed first when it is about to expire. */
  async token() {
    if (!this.accessToken || Date.now() > this.expiresAt - 60_000) await this.refresh();
    return this.accessToken;
  }

  schedule() {
    clearTimeout(this.#timer);
    const delay = Math.max(5_000, this.expiresAt - Date.now() - REFRESH_MARGIN_MS);
    this.#timer = setTimeout(() => this.refresh().catch((error) => this.emit("expired", error)), delay);
  }

  stop() { clearTimeout(this.#timer); }
}

/** An app user of a resource, through the web app backend's visitor session. */
export class VisitorSession extends Session {
  constructor() { super("visitor"); }

  static async join(resource, displayName) {
    const session = new VisitorSession();
    session.#apply(await request(`/webapp/v1/resources/${encodeURIComponent(resource)}/visitors`, {json: {displayName}}));
    localStorage.setItem(VISITOR_KEY, "1");
    return session;
  }

  /** The visitor of this browser, if they joined before and the session is still good. */
  static async resume() {
    if (!localStorage.getItem(VISITOR_KEY)) return null; // the session cookie is HttpOnly: this says there may be one
    const session = new VisitorSession();
    try {
      await session.refresh();
      return session;
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 404)) {
        localStorage.removeItem(VISITOR_KEY);
        return null;
      }
      throw error;
    }
  }

  async refresh() {
    this.#apply(await request("/webapp/v1/visitor/token", {method: "POST"}));
  }

  #apply(doc) {
    this.accessToken = doc.token;
    this.expiresAt = Date.parse(doc.expiresOn);
    this.resource = doc.resource;
    this.me = {rawId: doc.communicationUserId, displayName: doc.displayName};
    this.schedule();
    this.emit("token", this.accessToken);
  }

  async signOut() {
    this.stop();
    localStorage.removeItem(VISITOR_KEY);
    await request("/webapp/v1/visitor/session", {method: "DELETE"}).catch(() => {});
    location.assign("/");
  }
}

/** A person of an organization, signed in with the authorization code flow. */
export class OrgSession extends Session {
  constructor(stored) {
    super("teams");
    this.stored = stored; // {authority, clientId, refreshToken, idToken, tenantId}
  }

  /** Sends the browser to the organization's sign-in page. */
  static async start(email) {
    const domain = String(email).split("@").pop().trim().toLowerCase();
    const org = await request(`/webapp/v1/organizations/${encodeURIComponent(domain)}`);
    const verifier = randomText(32);
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
    const pending = {verifier, state: randomText(16), nonce: randomText(16), authority: org.authority, clientId: org.clientId,
      tenantId: org.tenantId, redirectUri: location.origin + "/"};
    sessionStorage.setItem(PKCE_KEY, JSON.stringify(pending));
    const query = new URLSearchParams({
      client_id: org.clientId, response_type: "code", redirect_uri: pending.redirectUri, response_mode: "query",
      scope: ORG_SCOPES, state: pending.state, nonce: pending.nonce, code_challenge: base64url(new Uint8Array(digest)),
      code_challenge_method: "S256", login_hint: email,
    });
    location.assign(`${org.authority}/oauth2/v2.0/authorize?${query}`);
  }

  /** Completes a sign-in when the page is the redirect back (`?code=…&state=…`); null otherwise. */
  static async complete() {
    const params = new URLSearchParams(location.search);
    if (!params.has("code") && !params.has("error")) return null;
    history.replaceState(null, "", "/");
    const pending = JSON.parse(sessionStorage.getItem(PKCE_KEY) || "null");
    sessionStorage.removeItem(PKCE_KEY);
    if (!pending || params.get("state") !== pending.state) {
      throw new ApiError(400, "SignInStateMismatch", "The sign-in answer did not match a sign-in started here. Sign in again.");
    }
    if (params.has("error")) throw new ApiError(400, params.get("error"), params.get("error_description") || "The sign-in was refused.");
    const tokens = await request(`${pending.authority}/oauth2/v2.0/token`, {form: {
      grant_type: "authorization_code", client_id: pending.clientId, code: params.get("code"),
      redirect_uri: pending.redirectUri, code_verifier: pending.verifier, scope: ORG_SCOPES,
    }});
    if (claims(tokens.id_token).nonce !== pending.nonce) {
      throw new ApiError(400, "SignInNonceMismatch", "The sign-in answer was not meant for this page. Sign in again.");
    }
    const session = new OrgSession({authority: pending.authority, clientId: pending.clientId, tenantId: pending.tenantId});
    session.#apply(tokens);
    return session;
  }

  /** The person signed in in this tab before a reload, if their session still works. */
  static async resume() {
    const stored = JSON.parse(sessionStorage.getItem(ORG_KEY) || "null");
    if (!stored || !stored.refreshToken) return null;
    const session = new OrgSession(stored);
    try {
      await session.refresh();
      return session;
    } catch (error) {
      sessionStorage.removeItem(ORG_KEY);
      if (error instanceof ApiError && error.status >= 400 && error.status < 500) return null;
      throw error;
    }
  }

  async refresh() {
    const tokens = await request(`${this.stored.authority}/oauth2/v2.0/token`, {form: {
      grant_type: "refresh_token", client_id: this.stored.clientId, refresh_token: this.stored.refreshToken, scope: ORG_SCOPES,
    }});
    this.#apply(tokens);
  }

  #apply(tokens) {
    this.accessToken = tokens.access_token;
    this.expiresAt = Date.now() + tokens.expires_in * 1000;
    if (tokens.refresh_token) this.stored.refreshToken = tokens.refresh_token;
    if (tokens.id_token) this.stored.idToken = tokens.id_token;
    sessionStorage.setItem(ORG_KEY, JSON.stringify(this.stored));
    const id = claims(this.stored.idToken);
    this.me = {rawId: "8:orgid:" + id.oid, id: id.oid, displayName: id.name, upn: id.preferred_username, tenantId: id.tid};
    this.schedule();
    this.emit("token", this.accessToken);
  }

  async signOut() {
    this.stop();
    sessionStorage.removeItem(ORG_KEY);
    const query = new URLSearchParams({post_logout_redirect_uri: location.origin + "/"});
    if (this.stored.idToken) query.set("id_token_hint", this.stored.idToken);
    location.assign(`${this.stored.authority}/oauth2/v2.0/logout?${query}`);
  }
}
