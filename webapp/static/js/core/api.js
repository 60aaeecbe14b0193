// The one way screens talk to /api/v1: same-origin cookies, double-submit CSRF on unsafe
// methods, the JSON error envelope as ApiError, one refresh on an expired access token,
// and a redirect to sign-in when the session is gone.

const BASE = "/api/v1";
const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** An API failure: status, the envelope's code/message/details. */
export class ApiError extends Error {
  constructor(status, code, message, details = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** A readable cookie's value (the CSRF cookies are not HttpOnly by design). */
export function readCookie(name) {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

/** Go to the sign-in page, coming back here afterwards; `reason` tells it why ("removed"). */
export function redirectToLogin(reason = endedBecause) {
  const here = window.location.pathname + window.location.search;
  const why = reason ? `&reason=${encodeURIComponent(reason)}` : "";
  window.location.assign(`/login?next=${encodeURIComponent(here)}${why}`);
}

function buildUrl(path, query) {
  const url = new URL(BASE + path, window.location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === "" || value === false) continue;
    url.searchParams.set(key, value === true ? "true" : String(value));
  }
  return url.pathname + url.search;
}

async function toError(res) {
  let body = null;
  try { body = await res.json(); } catch { /* not JSON: keep the status text */ }
  const err = body && body.error;
  if (err && typeof err === "object") {
    return new ApiError(res.status, err.code || "error", err.message || res.statusText,
      err.details || {});
  }
  return new ApiError(res.status, "http_error", res.statusText || `HTTP ${res.status}`);
}

async function send(method, path,
  { body, form, query, signal, csrfCookie = "csrf_access_token" }) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (UNSAFE.has(method)) headers["X-CSRF-Token"] = readCookie(csrfCookie) || "";
  try {
    return await fetch(buildUrl(path, query), {
      method, headers, signal, credentials: "same-origin",
      body: form !== undefined ? form : (body === undefined ? undefined : JSON.stringify(body)),
    });
  } catch (exc) {
    if (exc && exc.name === "AbortError") throw exc;
    throw new ApiError(0, "network_error", "Cannot reach the server. Check your connection.");
  }
}

let refreshing = null;
// Why the session ended, when the server said so (a member removed from the team): the
// sign-in page then tells the user instead of just asking them to sign in again.
let endedBecause = null;

function noteEnd(err) {
  if (err.code === "membership_revoked") endedBecause = "removed";
  return err;
}

async function doRefresh(staleCsrf) {
  // Another tab may have refreshed already (the access CSRF cookie then changed): refresh
  // tokens are single-use and a reused one signs the whole session out.
  const current = readCookie("csrf_access_token");
  if (current && current !== staleCsrf) return true;
  if (!readCookie("csrf_refresh_token")) return false;
  const res = await send("POST", "/auth/refresh", { csrfCookie: "csrf_refresh_token" });
  if (!res.ok) noteEnd(await toError(res));
  return res.ok;
}

/**
 * Exchange the refresh cookie for a new access cookie, once for the whole browser: concurrent
 * callers in this tab share one attempt, and other tabs wait on a Web Lock when one exists.
 */
export function refreshSession(staleCsrf = readCookie("csrf_access_token")) {
  if (!refreshing) {
    const run = () => doRefresh(staleCsrf).catch(() => false);
    const attempt = navigator.locks
      ? navigator.locks.request("messageflow-auth-refresh", run)
      : run();
    refreshing = attempt.finally(() => { refreshing = null; });
  }
  return refreshing;
}

/**
 * Call the API; resolves to the parsed JSON (null for 204), rejects with ApiError.
 * options: body, query, signal, auth (false for sign-in: a 401 is an answer, not an expiry).
 */
export async function request(method, path, options = {}) {
  const { auth = true } = options;
  const csrfBefore = readCookie("csrf_access_token");
  let res = await send(method, path, options);
  if (res.status === 401 && auth) {
    const err = noteEnd(await toError(res));
    if (err.code !== "token_expired" || !(await refreshSession(csrfBefore))) {
      redirectToLogin();
      throw err;
    }
    res = await send(method, path, options);
    if (res.status === 401) {
      const again = noteEnd(await toError(res));
      redirectToLogin();
      throw again;
    }
  }
  if (!res.ok) throw await toError(res);
  if (res.status === 204) return null;
  return res.json();
}

export const api = {
  get: (path, query, options = {}) => request("GET", path, { ...options, query }),
  post: (path, body, options = {}) => request("POST", path, { ...options, body }),
  patch: (path, body, options = {}) => request("PATCH", path, { ...options, body }),
  put: (path, body, options = {}) => request("PUT", path, { ...options, body }),
  del: (path, options = {}) => request("DELETE", path, options),
  /** POST a multipart form (a file upload); the browser sets its Content-Type. */
  upload: (path, form, options = {}) => request("POST", path, { ...options, form }),
};
