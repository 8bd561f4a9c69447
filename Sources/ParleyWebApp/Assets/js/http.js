// HTTP to Parley's public APIs. Errors become ApiError with the server's status and code.

export const ACS_CHAT_API = "2024-03-07";

export class ApiError extends Error {
  constructor(status, code, message, extra = {}) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || String(status);
    Object.assign(this, extra);
  }
}

/**
 * `request(path, {method, token, json, form, headers, raw})`: JSON in and out. `raw: true`
 * returns the Response (for images).
 */
export async function request(path, options = {}) {
  const headers = new Headers(options.headers || {});
  if (options.token) headers.set("Authorization", "Bearer " + options.token);
  let body;
  if (options.json !== undefined) {
    headers.set("Content-Type", options.contentType || "application/json");
    body = JSON.stringify(options.json);
  } else if (options.form) {
    body = new URLSearchParams(options.form);
  }
  let response;
  try {
    response = await fetch(path, {method: options.method || (body ? "POST" : "GET"), headers, body, credentials: "same-origin", cache: "no-store"});
  } catch (error) {
    throw new ApiError(0, "NetworkError", "Parley could not be reached. Check your connection.");
  }
  if (options.raw && response.ok) return response;
  if (response.status === 204 || response.status === 304) return null;
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!response.ok) {
    const error = data && data.error;
    if (error && typeof error === "object") throw new ApiError(response.status, error.code, error.message, {target: error.target});
    if (typeof error === "string") throw new ApiError(response.status, error, data.error_description);
    throw new ApiError(response.status, String(response.status), `The server answered ${response.status}.`);
  }
  return data;
}

/** Appends `api-version` to an ACS path. */
export function acs(path) {
  return path + (path.includes("?") ? "&" : "?") + "api-version=" + ACS_CHAT_API;
}

/**
 * The path of a URL the server returned (nextLink, image URLs), to fetch from this origin: the
 * server names itself by its configured endpoint, which may be another spelling of this host.
 */
export function local(url) {
  try {
    const parsed = new URL(url, location.origin);
    return parsed.protocol.startsWith("http") ? parsed.pathname + parsed.search : null;
  } catch {
    return null;
  }
}
