// The Action items screen: the kanban board or the list, filters kept in the URL, the create
// dialog and the detail panel; every change arrives live over the tab's WebSocket.

import { api } from "../core/api.js";
import { $, $$, announce, toast } from "../core/dom.js";
import { initLayout } from "../core/layout.js";
import * as realtime from "../core/realtime.js";
import { allowed } from "../core/session.js";
import { createBoard } from "../desk/board.js";
import { attachConversationPicker } from "../desk/conversation_picker.js";
import { createDetail } from "../desk/detail.js";
import {
  PRIORITIES, PRIORITY_LABELS, STATUSES, STATUS_LABELS, columnPage, itemsApi, matches, queryFor, today,
} from "../desk/items.js";
import { createList } from "../desk/list.js";

const BASE_PATH = "/app/action-items";
const FILTERS = ["status", "assignee", "due", "origin"];
const PERMISSIONS = { write: "actions.write", comment: "comments.write" };

function readUrl() {
  const params = new URLSearchParams(window.location.search);
  const match = window.location.pathname.match(/\/app\/action-items\/(\d+)/);
  const filters = {};
  for (const key of FILTERS) filters[key] = params.get(key) || "";
  const conversation = Number(params.get("conversation")) || null;
  return { id: match ? Number(match[1]) : null, view: params.get("view") === "list" ? "list" : "board",
    filters, create: params.get("new") === "1" ? { conversation } : null };
}

function writeUrl(ui, push = false) {
  const params = new URLSearchParams();
  if (ui.view === "list") params.set("view", "list");
  for (const key of FILTERS) if (ui.filters[key]) params.set(key, ui.filters[key]);
  const search = params.toString();
  const path = ui.openId ? `${BASE_PATH}/${ui.openId}` : BASE_PATH;
  const url = `${path}${search ? `?${search}` : ""}`;
  if (url === window.location.pathname + window.location.search) return;
  window.history[push ? "pushState" : "replaceState"]({}, "", url);
}

function may(role, action) {
  return allowed(role, action);
}

function atLeast(role, minimum) {
  const roles = (document.body.dataset.roles || "").split(",");
  return roles.includes(role) && roles.indexOf(role) >= roles.indexOf(minimum);
}

function hideWhatRoleCannot(role) {
  for (const el of $$("[data-requires]")) el.hidden = !may(role, el.dataset.requires);
}

async function loadMembers() {
  try {
    return (await api.get("/members")).data;
  } catch {
    return [];
  }
}

function fillSelect(select, values, labels) {
  select.replaceChildren(...values.map((v) => new Option(labels[v], v)));
}

function render(ui) {
  const shown = [...ui.items.values()].filter((i) => matches(i, ui.filters, ui.me.id));
  ui.board.showColumns(ui.filters.status);
  ui.board.render(shown, ui.members);
  ui.list.render(shown, ui.members);
  const state = $("#items-state");
  const filtered = FILTERS.some((k) => ui.filters[k]);
  const empty = ui.view === "list" && ui.loaded
    ? "No action items yet. Add one with New item; the analysis also suggests some from the "
      + "conversations, to accept or reject." : "";
  state.textContent = shown.length ? "" : filtered ? "No action items match these filters." : empty;
  $("#filters-clear").hidden = !filtered;
}

function setView(ui, view) {
  ui.view = view;
  $("#board").hidden = view !== "board";
  $("#list").hidden = view !== "list";
  $("#board-help").hidden = view !== "board" || !ui.canWrite;
  showListMore(ui);
  for (const b of $$("[data-view]")) b.setAttribute("aria-pressed", String(b.dataset.view === view));
  writeUrl(ui);
  if (ui.loaded) render(ui);
}

/** The columns the filters show: one when a status is chosen, else all. */
function shownStatuses(ui) {
  return ui.filters.status ? [ui.filters.status] : STATUSES;
}

function setMore(ui, status, cursor) {
  ui.cursors.set(status, cursor);
  ui.board.setMore(status, Boolean(cursor));
  showListMore(ui);
}

function showListMore(ui) {
  $("#list-more").hidden = ui.view !== "list" || ![...ui.cursors.values()].some(Boolean);
}

async function reload(ui) {
  const seq = (ui.seq || 0) + 1; // filters may change while a load is on its way: last one wins
  ui.seq = seq;
  const query = queryFor(ui.filters);
  const statuses = shownStatuses(ui);
  const pages = await Promise.all(statuses.map((s) => columnPage(query, s)));
  if (seq !== ui.seq) return;
  ui.items = new Map(pages.flatMap((p) => p.data).map((i) => [i.id, i]));
  ui.cursors = new Map();
  for (const s of STATUSES) setMore(ui, s, null);
  statuses.forEach((s, k) => setMore(ui, s, pages[k].next_cursor));
  ui.loaded = true;
  render(ui);
}

/** The next page of one column (keyset: after its last card), added to what is shown. */
async function loadMore(ui, status) {
  const cursor = ui.cursors.get(status);
  if (!cursor) return;
  const seq = ui.seq;
  const page = await columnPage(queryFor(ui.filters), status, cursor);
  if (seq !== ui.seq) return; // the filters changed meanwhile
  for (const item of page.data) if (!ui.items.has(item.id)) ui.items.set(item.id, item);
  setMore(ui, status, page.next_cursor);
  announce(`${page.data.length} more in ${STATUS_LABELS[status]}`);
  render(ui);
}

function upsert(ui, item) {
  ui.items.set(item.id, item);
  if (!ui.board.isHolding()) render(ui);
}

async function move(ui, id, status, index) {
  const before = ui.items.get(id);
  const board = $("#board");
  board.setAttribute("aria-busy", "true"); // until the server has placed the card
  try {
    // The server gives the moved card a position between its new neighbours (theirs stay).
    upsert(ui, await itemsApi.move(id, status, index));
    announce(`Moved to ${STATUS_LABELS[status]}`);
  } catch (exc) {
    if (before) ui.items.set(id, before);
    toast(`Could not move the item: ${exc.message}`, "error");
    throw exc;
  } finally {
    board.removeAttribute("aria-busy");
  }
}

async function decide(ui, item, act) {
  try {
    upsert(ui, await itemsApi[act](item.id));
    announce(act === "accept" ? `Accepted: ${item.title}` : `Rejected: ${item.title}`);
  } catch (exc) {
    toast(exc.message, "error");
  }
}

async function openItem(ui, id, push = true) {
  ui.openId = id;
  writeUrl(ui, push);
  try {
    await ui.detail.open(id);
  } catch (exc) {
    toast(exc.status === 404 ? "That action item does not exist." : exc.message, "error");
    ui.detail.close();
  }
}

function initCreate(ui) {
  const dialog = $("#create-dialog");
  const form = $("#create-form");
  const picker = attachConversationPicker({ input: $("#c-conversation"),
    listbox: $("#conversation-list"), chosen: $("#c-conversation-chosen") });
  fillSelect(form.elements.status, STATUSES.filter((s) => s !== "proposed" && s !== "rejected"),
    STATUS_LABELS);
  fillSelect(form.elements.priority, PRIORITIES, PRIORITY_LABELS);
  form.elements.priority.value = "normal";
  const openDialog = () => {
    form.reset();
    picker.set(null);
    form.elements.priority.value = "normal";
    form.elements.due_date.min = today(); // the API takes today or later
    $("#create-error").hidden = true;
    dialog.showModal();
  };
  $("#item-new").addEventListener("click", openDialog);
  $("#create-cancel").addEventListener("click", () => dialog.close());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const f = form.elements;
    const body = { title: f.title.value.trim(), status: f.status.value, priority: f.priority.value };
    if (f.description.value.trim()) body.description = f.description.value.trim();
    if (f.assignee_id.value) body.assignee_id = Number(f.assignee_id.value);
    if (f.due_date.value) body.due_date = f.due_date.value;
    if (picker.value()) body.conversation_id = picker.value();
    try {
      upsert(ui, await itemsApi.create(body));
      dialog.close();
      announce(`Created: ${body.title}`);
    } catch (exc) {
      const err = $("#create-error");
      err.textContent = exc.message;
      err.hidden = false;
    }
  });
  // From a conversation: /app/action-items?new=1&conversation=ID opens the form with it.
  return async ({ conversation }) => {
    if (!ui.canWrite) return;
    openDialog();
    if (conversation) {
      try {
        await picker.preset(conversation);
      } catch (exc) {
        toast(exc.status === 404 ? "That conversation does not exist." : exc.message, "error");
      }
    }
    $("#c-title").focus();
  };
}

function initFilters(ui) {
  const form = $("#item-filters");
  for (const m of ui.members) form.elements.assignee.append(new Option(m.name, String(m.id)));
  for (const key of FILTERS) form.elements[key].value = ui.filters[key];
  form.addEventListener("change", () => {
    for (const key of FILTERS) ui.filters[key] = form.elements[key].value;
    writeUrl(ui);
    reload(ui).catch((exc) => toast(exc.message, "error"));
  });
  $("#filters-clear").addEventListener("click", () => {
    form.reset();
    form.dispatchEvent(new Event("change"));
  });
}

function build(session, members) {
  const role = session.user.role;
  const { id, view, filters } = readUrl();
  const ui = { me: session.user, members, items: new Map(), cursors: new Map(), filters, view,
    openId: id, canWrite: may(role, PERMISSIONS.write) };
  const handlers = {
    canWrite: ui.canWrite, open: (id) => openItem(ui, id),
    accept: (item) => decide(ui, item, "accept"), reject: (item) => decide(ui, item, "reject"),
  };
  ui.board = createBoard({ root: $("#board"), ...handlers,
    onMove: (id, status, index) => move(ui, id, status, index),
    loadMore: (status) => loadMore(ui, status) });
  ui.list = createList({ root: $("#list"), ...handlers });
  ui.detail = createDetail({
    me: session.user, canWrite: ui.canWrite, canComment: may(role, PERMISSIONS.comment),
    canModerate: atLeast(role, "manager"), // the API lets managers and up delete any comment
    members: () => ui.members,
    onChange: (item) => upsert(ui, item),
    onDeleted: (id) => { ui.items.delete(id); render(ui); },
    onClose: () => { ui.openId = null; writeUrl(ui, true); },
  });
  ui.detail.setMembers(members);
  for (const select of [$("#c-assignee")]) {
    for (const m of members) select.append(new Option(m.name, String(m.id)));
  }
  return ui;
}

function subscribe(ui) {
  realtime.subscribe("action_item.created", (item) => upsert(ui, item));
  realtime.subscribe("action_item.updated", (item) => {
    upsert(ui, item);
    ui.detail.updated(item);
  });
  realtime.subscribe("action_item.deleted", (data) => {
    ui.items.delete(data.id);
    render(ui);
    ui.detail.deleted(data.id);
  });
  const recount = (c, delta) => {
    const item = ui.items.get(c.action_item_id);
    if (item) upsert(ui, { ...item, comment_count: Math.max(0, (item.comment_count || 0) + delta) });
  };
  realtime.subscribe("comment.created", (c) => {
    ui.detail.commentCreated(c);
    recount(c, 1);
  });
  realtime.subscribe("comment.deleted", (c) => {
    ui.detail.commentDeleted(c);
    recount(c, -1);
  });
  realtime.onState((state, info) => {
    if (state === "open" && info.resumed && realtime.lastEventId() === null) reload(ui);
  });
}

async function main() {
  const session = await initLayout();
  hideWhatRoleCannot(session.user.role);
  const ui = build(session, await loadMembers());
  subscribe(ui);
  const { create } = readUrl(); // read before setView rewrites the URL
  const startCreate = initCreate(ui);
  initFilters(ui);
  setView(ui, ui.view);
  for (const b of $$("[data-view]")) b.addEventListener("click", () => setView(ui, b.dataset.view));
  $("#list-more").addEventListener("click", async () => { // the list: every column's next page
    const button = $("#list-more");
    button.disabled = true;
    try {
      await Promise.all([...ui.cursors].filter(([, c]) => c).map(([s]) => loadMore(ui, s)));
    } catch (exc) {
      toast(exc.message, "error");
    } finally {
      button.disabled = false;
    }
  });
  window.addEventListener("popstate", () => {
    const { id } = readUrl();
    if (id && id !== ui.openId) openItem(ui, id, false);
    else if (!id && ui.openId) ui.detail.close();
  });
  await realtime.connect();
  await reload(ui);
  if (ui.openId) await openItem(ui, ui.openId, false);
  if (create) await startCreate(create); // the URL no longer asks: a reload shows the board
}

main().catch((exc) => {
  if (exc && exc.status === 401) return;
  toast(`The page could not start: ${exc.message}`, "error", 15000);
});
