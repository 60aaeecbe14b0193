// The notification center in the top bar (templates/_bell.html): the unread count, the list
// (unread first, as the API orders it), mark one read by opening it, mark all read, and new
// notifications pushed live as `notification.created` frames (sent to their recipient only);
// `notification.updated` / `notification.read_all` keep the member's other tabs in step.

import { api } from "../core/api.js";
import { $, $$, announce, clear, h, toast } from "../core/dom.js";
import { fullTime, listTime } from "../core/format.js";
import { icon } from "../core/icons.js";
import * as realtime from "../core/realtime.js";

const PAGE = 20;

/** Whether a notification has been read (the API's `read` flag, or a `read_at` time). */
export function isRead(n) {
  return n.read === true || Boolean(n.read_at);
}

function createBell() {
  const button = $("#bell-button");
  const panel = $("#bell-panel");
  const list = $("#bell-list");
  const stateEl = $("#bell-state");
  const more = $("#bell-more");
  const state = { unread: 0, items: new Map(), cursor: null, filter: "all", loaded: false };

  function showCount() {
    const count = $("#bell-count");
    count.hidden = state.unread <= 0;
    count.textContent = state.unread > 99 ? "99+" : String(state.unread);
    button.dataset.unread = String(state.unread > 0);
    button.setAttribute("aria-label", state.unread
      ? `Notifications, ${state.unread} unread` : "Notifications");
    $("#bell-read-all").disabled = state.unread <= 0;
  }

  function setCount(n) {
    state.unread = Math.max(0, n);
    showCount();
  }

  function row(n) {
    const read = isRead(n);
    const entry = h("button", { class: "bell-entry", type: "button",
      on: { click: () => open(n.id) } },
    h("span", { class: "bell-dot", "aria-hidden": "true" }),
    h("span", { class: "bell-title" }, read ? "" : h("span", { class: "sr-only" }, "Unread: "),
      n.title || "Notification"),
    h("time", { class: "bell-time", datetime: n.created_at, title: fullTime(n.created_at) },
      listTime(n.created_at)),
    n.body ? h("span", { class: "bell-body" }, n.body) : null);
    const mark = read ? null : h("button", { class: "btn-icon bell-mark", type: "button",
      title: "Mark read", "aria-label": `Mark read: ${n.title || "notification"}`,
      on: { click: () => markRead(n.id).catch((exc) => toast(exc.message, "error")) } },
    icon("check"));
    return h("li", { class: "bell-item", dataset: { id: String(n.id), read: String(read),
      kind: n.kind || "" } }, entry, mark);
  }

  function render() {
    const shown = [...state.items.values()]
      .filter((n) => state.filter === "all" || !isRead(n));
    clear(list).append(...shown.map(row));
    stateEl.textContent = shown.length ? "" : (state.filter === "unread"
      ? "Nothing unread. You are all caught up."
      : "No notifications yet. Assignments, @mentions and due dates will show up here.");
    more.hidden = !state.cursor;
  }

  async function loadCount() {
    const res = await api.get("/notifications/unread-count");
    setCount(Number(res.unread_count) || 0);
  }

  async function load(append = false) {
    const query = { limit: PAGE, cursor: append ? state.cursor : null,
      unread: state.filter === "unread" };
    const res = await api.get("/notifications", query);
    if (!append) state.items.clear();
    for (const n of res.data) state.items.set(n.id, n);
    state.cursor = res.next_cursor || null;
    state.loaded = true;
    if (Number.isFinite(res.unread_count)) setCount(res.unread_count);
    render();
  }

  async function markRead(id) {
    const n = state.items.get(id);
    if (!n || isRead(n)) return;
    const updated = await api.patch(`/notifications/${id}`, { read: true });
    state.items.set(id, { ...n, ...(updated || {}), read: true });
    setCount(state.unread - 1);
    render();
  }

  async function open(id) {
    const n = state.items.get(id);
    try {
      await markRead(id);
    } catch (exc) {
      toast(`Could not mark it read: ${exc.message}`, "error");
    }
    if (n && n.link && n.link.startsWith("/") && !n.link.startsWith("//")) {
      window.location.assign(n.link);
    }
  }

  async function readAll() {
    try {
      await api.post("/notifications/read-all");
    } catch (exc) {
      toast(`Could not mark all read: ${exc.message}`, "error");
      return;
    }
    for (const [id, n] of state.items) state.items.set(id, { ...n, read: true });
    setCount(0);
    render();
    announce("All notifications marked read");
  }

  function toggle(show = panel.hidden) {
    panel.hidden = !show;
    button.setAttribute("aria-expanded", String(show));
    if (show) {
      load().catch((exc) => { stateEl.textContent = `Could not load: ${exc.message}`; });
    }
  }

  function received(n) {
    if (!n || state.items.has(n.id)) return;
    state.items = new Map([[n.id, n], ...state.items]);
    if (!isRead(n)) setCount(state.unread + 1);
    if (state.loaded) render();
    button.classList.remove("bell-ring");
    void button.offsetWidth; // restart the animation
    button.classList.add("bell-ring");
    announce(`New notification: ${n.title || ""}`);
  }

  button.addEventListener("click", () => toggle());
  $("#bell-read-all").addEventListener("click", readAll);
  more.addEventListener("click", () => load(true).catch((exc) => toast(exc.message, "error")));
  for (const b of $$("[data-bell-filter]", panel)) {
    b.addEventListener("click", () => {
      state.filter = b.dataset.bellFilter;
      for (const other of $$("[data-bell-filter]", panel)) {
        other.setAttribute("aria-pressed", String(other === b));
      }
      load().catch((exc) => toast(exc.message, "error"));
    });
  }
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) {
      toggle(false);
      button.focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (!panel.hidden && !$("#bell").contains(event.target)) toggle(false);
  });
  realtime.subscribe("notification.created", received);
  // Read-state changes made in my other tabs (and echoes of this tab's own).
  realtime.subscribe("notification.updated", (n) => {
    if (n && state.items.has(n.id)) {
      state.items.set(n.id, { ...state.items.get(n.id), ...n });
      if (state.loaded) render();
    }
    loadCount().catch(() => {});
  });
  realtime.subscribe("notification.read_all", () => {
    for (const [id, n] of state.items) state.items.set(id, { ...n, read: true });
    setCount(0);
    if (state.loaded) render();
  });
  realtime.onState((next, info) => {
    if (next === "open" && info.resumed) loadCount().catch(() => {});
  });
  return { loadCount };
}

/** Wire the bell (every signed-in page, from initLayout); the count loads once live. */
export function initBell() {
  if (!document.getElementById("bell")) return;
  const bell = createBell();
  realtime.connect().then(() => bell.loadCount())
    .catch((exc) => toast(`Notifications unavailable: ${exc.message}`, "error"));
}
