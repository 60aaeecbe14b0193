// One WebSocket per tab to /api/v1/ws. The session cookie rides along on the same-origin
// upgrade. Frames are {id, type, data}; subscribers register per type ("*" sees all).
// The last event id is remembered and every reconnect passes ?since=<id>, so the server replays
// what this tab missed. Reconnects back off exponentially with jitter; after a failed or
// refused connection the session is checked (and refreshed) through the API first.
// Close 4401 (token expired, signed out elsewhere, role changed): refresh at once and reconnect;
// when the session is gone the API check sends the tab to sign-in. Close 4403 (removed from this
// team): never reconnect; go to sign-in, which says why.

import { ApiError, api, readCookie, redirectToLogin, refreshSession } from "./api.js";

const MAX_DELAY_MS = 30000;
const BASE_DELAY_MS = 500;
const SEEN_LIMIT = 2000;
const CLOSE_TOKEN_EXPIRED = 4401; // the server's "re-authenticate" close code
const CLOSE_FORBIDDEN = 4403; // no longer a member of this tenant: do not come back

const handlers = new Map();      // type -> Set<fn(data, frame)>
const stateHandlers = new Set(); // fn(state, info)
const seen = new Set();          // recent event ids (replays may overlap live frames)
let socket = null;
let lastId = null;
let attempt = 0;
let timer = 0;
let started = false;
let openedOnce = false;
let state = "idle";

function setState(next, info = {}) {
  state = next;
  for (const fn of stateHandlers) fn(next, info);
}

function remember(id) {
  seen.add(id);
  if (seen.size > SEEN_LIMIT) seen.delete(seen.values().next().value);
  if (lastId === null || id > lastId) lastId = id;
}

function dispatch(frame) {
  const id = typeof frame.id === "number" ? frame.id : Number.parseInt(frame.id, 10);
  if (Number.isFinite(id)) {
    if (seen.has(id)) return;
    remember(id);
  }
  for (const key of [frame.type, "*"]) {
    for (const fn of handlers.get(key) || []) {
      // One failing subscriber must not starve the others (the error still reaches the console).
      try { fn(frame.data, frame); } catch (exc) { console.error(exc); }
    }
  }
}

function url() {
  const proto = window.location.protocol === "https:" ? "wss:" : "ws:";
  const since = lastId === null ? "" : `?since=${lastId}`;
  return `${proto}//${window.location.host}/api/v1/ws${since}`;
}

function open() {
  timer = 0;
  setState("connecting", { retry: openedOnce });
  let opened = false;
  const csrfAtOpen = readCookie("csrf_access_token"); // identifies the token this socket uses
  const ws = new WebSocket(url());
  socket = ws;
  ws.addEventListener("open", () => {
    opened = true;
    attempt = 0;
    const resumed = openedOnce;
    openedOnce = true;
    setState("open", { resumed });
  });
  ws.addEventListener("message", (event) => {
    let frame;
    try { frame = JSON.parse(event.data); } catch { return; }
    if (frame && typeof frame.type === "string") dispatch(frame);
  });
  ws.addEventListener("close", (event) => {
    if (socket !== ws) return;
    socket = null;
    if (!started) return;
    if (event.code === CLOSE_FORBIDDEN) {
      stop();
      redirectToLogin("removed");
    } else if (event.code === CLOSE_TOKEN_EXPIRED) schedule("refresh", csrfAtOpen);
    else schedule(opened ? "none" : "check");
  });
}

async function ensureSession(how, csrfAtOpen) {
  // The access token expired: refresh it at once (no failed request needed). A refused
  // upgrade looks like any network error, so ask the API, which refreshes an expired access
  // cookie or sends the user to sign in. False when the session is gone (api.js is already
  // on its way to the sign-in page: reconnecting would only be refused).
  if (how === "refresh" && await refreshSession(csrfAtOpen)) return true;
  try {
    await api.get("/auth/me");
  } catch (exc) {
    return !(exc instanceof ApiError && exc.status === 401); // offline: keep trying
  }
  return true;
}

function stop() {
  started = false;
  window.clearTimeout(timer);
  timer = 0;
  setState("idle");
}

async function schedule(how, csrfAtOpen = null) {
  setState(how === "refresh" ? "connecting" : "offline", { retry: true });
  const delay = how === "refresh" ? 0
    : Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt) * (0.5 + Math.random() / 2);
  attempt += 1;
  if (how !== "none" && !(await ensureSession(how, csrfAtOpen))) {
    stop();
    return;
  }
  if (started && !timer && !socket) timer = window.setTimeout(open, delay);
}

/**
 * Start the tab's socket (idempotent). Resolves true once it is open, or false after waitMs:
 * a screen subscribes first, then awaits this, then loads its data over REST, so nothing
 * committed in between is missed (the server starts a fresh socket at the latest event).
 */
export function connect({ waitMs = 3000 } = {}) {
  if (!started) {
    started = true;
    window.addEventListener("online", reconnectNow);
    open();
  }
  if (state === "open") return Promise.resolve(true);
  return new Promise((resolve) => {
    let off = null;
    const timeout = window.setTimeout(() => { off(); resolve(false); }, waitMs);
    off = onState((next) => {
      if (next !== "open") return;
      window.clearTimeout(timeout);
      off();
      resolve(true);
    });
  });
}

/** Reconnect at once (e.g. the browser came back online). */
export function reconnectNow() {
  if (!started || socket) return;
  window.clearTimeout(timer);
  attempt = 0;
  open();
}

/** Close the socket for good (sign-out, page teardown). */
export function disconnect() {
  const current = socket;
  socket = null;
  stop();
  if (current) current.close(1000);
}

/** Call fn(data, frame) for each frame of `type` ("*" for all); returns an unsubscribe. */
export function subscribe(type, fn) {
  if (!handlers.has(type)) handlers.set(type, new Set());
  handlers.get(type).add(fn);
  return () => handlers.get(type).delete(fn);
}

/**
 * Call fn(state, info) on state changes: connecting ({retry}), open ({resumed}), offline, idle.
 * Frames without an id (typing, presence, error) are dispatched too, but never deduplicated.
 */
export function onState(fn) {
  stateHandlers.add(fn);
  fn(state, {});
  return () => stateHandlers.delete(fn);
}

/** Send a client frame (e.g. {type: "typing", conversation_id, state}); false if not open. */
export function send(frame) {
  if (!socket || socket.readyState !== WebSocket.OPEN) return false;
  socket.send(JSON.stringify(frame));
  return true;
}

/** The highest event id seen so far (null before the first event). */
export function lastEventId() {
  return lastId;
}
