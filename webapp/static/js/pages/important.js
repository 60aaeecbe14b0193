// The Important messages screen: what the analysis flagged, newest first, filtered by status,
// priority and "assigned to me" (kept in the URL); acknowledge, dismiss, reopen, re-prioritise;
// live: important_message.updated frames replace their card, newly analysed messages reload.

import { api } from "../core/api.js";
import { $, $$, debounce, toast } from "../core/dom.js";
import { initLayout } from "../core/layout.js";
import * as realtime from "../core/realtime.js";
import { allowed } from "../core/session.js";
import { importantCard } from "../desk/important_item.js";

const list = $("#important-list");
const state = $("#important-state");
const more = $("#important-more");
const view = { filters: readFilters(), cursor: null, items: new Map(), canUpdate: false };

function readFilters() {
  const params = new URLSearchParams(window.location.search);
  return {
    status: params.has("status") ? params.get("status") : "open",
    priority: params.get("priority") || "",
    mine: params.get("assignee") === "me",
  };
}

function writeFilters() {
  const params = new URLSearchParams();
  if (view.filters.status !== "open") params.set("status", view.filters.status);
  if (view.filters.priority) params.set("priority", view.filters.priority);
  if (view.filters.mine) params.set("assignee", "me");
  const search = params.toString();
  window.history.replaceState(null, "", `/app/important${search ? `?${search}` : ""}`);
}

function showFilters() {
  for (const b of $$("#status-filter button")) {
    b.setAttribute("aria-pressed", String(b.dataset.status === view.filters.status));
  }
  $("#priority-filter").value = view.filters.priority;
  $("#mine-filter").setAttribute("aria-pressed", String(view.filters.mine));
}

function matches(item) {
  const f = view.filters;
  return (!f.status || item.status === f.status) && (!f.priority || item.priority === f.priority)
    && (!f.mine || (item.conversation && item.conversation.assignee_id === view.meId));
}

function emptyText() {
  if (view.filters.status === "open" && !view.filters.priority && !view.filters.mine) {
    return "Nothing needs attention. Messages the analysis finds important (outages, payments, "
      + "complaints) appear here as they arrive.";
  }
  return "No important messages match these filters.";
}

function render() {
  const items = [...view.items.values()].sort((a, b) => b.id - a.id);
  list.replaceChildren(...items.map((item) => importantCard(item, {
    canUpdate: view.canUpdate, onChange: change,
  })));
  state.textContent = items.length ? "" : emptyText();
  more.hidden = !view.cursor;
}

async function load(append = false) {
  const f = view.filters;
  if (!append) state.textContent = "Loading…";
  try {
    const page = await api.get("/important-messages", {
      status: f.status, priority: f.priority, assignee: f.mine ? "me" : "", limit: 50,
      cursor: append ? view.cursor : "",
    });
    if (!append) view.items = new Map();
    for (const item of page.data) view.items.set(item.id, item);
    view.cursor = page.next_cursor;
    render();
  } catch (exc) {
    state.textContent = `Could not load important messages: ${exc.message}`;
  }
}

function upsert(item) {
  if (matches(item)) view.items.set(item.id, item);
  else view.items.delete(item.id);
  render();
}

async function change(id, body) {
  try {
    upsert(await api.patch(`/important-messages/${id}`, body));
  } catch (exc) {
    toast(`Could not update: ${exc.message}`, "error");
    render();
  }
}

function wire() {
  for (const b of $$("#status-filter button")) {
    b.addEventListener("click", () => {
      view.filters.status = b.dataset.status;
      showFilters(); writeFilters(); load();
    });
  }
  $("#priority-filter").addEventListener("change", (event) => {
    view.filters.priority = event.target.value;
    writeFilters(); load();
  });
  $("#mine-filter").addEventListener("click", () => {
    view.filters.mine = !view.filters.mine;
    showFilters(); writeFilters(); load();
  });
  more.addEventListener("click", () => load(true));
  realtime.subscribe("important_message.updated", upsert);
  const reload = debounce(() => load(), 800);
  realtime.subscribe("message.analyzed", reload);
  realtime.onState((s, info) => { if (s === "open" && info.resumed) reload(); });
}

async function main() {
  const session = await initLayout();
  view.meId = session.user.id;
  view.canUpdate = allowed(session.user.role, "important.update");
  showFilters();
  wire();
  await realtime.connect();
  await load();
}

main().catch((exc) => {
  if (exc && exc.status === 401) return;
  toast(`The page could not start: ${exc.message}`, "error", 15000);
});
