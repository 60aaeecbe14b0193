// The Conversations screen: wires the sidebar, the thread, its header and the reply box to the
// API and the tab's WebSocket. The URL holds the selection and filters (reload-safe, shareable).

import { api } from "../core/api.js";
import { $, announce, toast } from "../core/dom.js";
import { initLayout } from "../core/layout.js";
import * as realtime from "../core/realtime.js";
import { allowed } from "../core/session.js";
import { createAnnouncer } from "../conversations/announcer.js";
import { createComposer } from "../conversations/composer.js";
import { createAiPanel } from "../conversations/aipanel.js";
import { createContactPanel } from "../conversations/contactpanel.js";
import { openLabelMenu, teamLabels } from "../conversations/labelmenu.js";
import { setMediaRetry } from "../conversations/media.js";
import { setMe } from "../conversations/message.js";
import { createShortcuts } from "../conversations/shortcuts.js";
import { createHeader } from "../conversations/header.js";
import { createSidebar } from "../conversations/sidebar.js";
import { createThread } from "../conversations/thread.js";
import { createTyping } from "../conversations/typing.js";

const BASE_PATH = "/app/conversations";

function readUrl() {
  const params = new URLSearchParams(window.location.search);
  const match = window.location.pathname.match(/\/app\/conversations\/(\d+)/);
  return {
    id: match ? Number(match[1]) : null,
    filters: {
      status: params.get("status") || "", unread: params.get("unread") === "1",
      mine: params.get("mine") === "1", q: params.get("q") || "",
      label: /^\d+$/.test(params.get("label") || "") ? { id: Number(params.get("label")) } : null,
    },
  };
}

function writeUrl(id, filters, push) {
  const params = new URLSearchParams();
  if (filters.status) params.set("status", filters.status);
  if (filters.unread) params.set("unread", "1");
  if (filters.mine) params.set("mine", "1");
  if (filters.q) params.set("q", filters.q);
  if (filters.label) params.set("label", String(filters.label.id));
  const search = params.toString();
  const url = `${id ? `${BASE_PATH}/${id}` : BASE_PATH}${search ? `?${search}` : ""}`;
  if (url === window.location.pathname + window.location.search) return;
  window.history[push ? "pushState" : "replaceState"]({ id }, "", url);
}

async function loadMembers() {
  try {
    return (await api.get("/members")).data;
  } catch {
    return []; // the assignee menu then lists only the assignees it meets
  }
}

function unreadTitle(convs) {
  const unread = convs.filter((c) => c.unread_count > 0).length;
  document.title = `${unread ? `(${unread}) ` : ""}Conversations · MessageFlow`;
}

/** Build the screen's parts around one shared state object. */
function build(session, members) {
  const role = session.user.role;
  setMe(session.user.id);
  const canSend = allowed(role, "messages.send");
  const ui = { selectedId: null, filters: readUrl().filters };
  const onConversation = (conv) => {
    ui.sidebar.upsert(conv);
    ui.thread.setConversation(conv);
    if (ui.selectedId === conv.id) {
      ui.header.show(conv);
      ui.details.show(conv);
    }
  };
  ui.onConversation = onConversation;
  ui.sidebar = createSidebar({
    meId: session.user.id, onChange: unreadTitle, onSelect: (id) => select(ui, id, true),
    onFilters: (next) => { ui.filters = next; writeUrl(ui.selectedId, next, false); },
  });
  ui.header = createHeader({
    canUpdate: allowed(role, "conversations.update"), members, onChange: onConversation,
    canLabel: allowed(role, "labels.apply"), canCreateLabels: allowed(role, "labels.manage"),
    onLabel: (label) => ui.sidebar.setFilters({ label }),
  });
  ui.typing = createTyping({
    meId: session.user.id, current: () => ui.selectedId,
    show: (names) => ui.header.setTyping(names),
    nameOf: (id) => (members.find((m) => m.id === id) || {}).name || "A teammate",
  });
  ui.composer = createComposer({
    canSend, canManageCanned: allowed(role, "canned.manage"),
    canNote: allowed(role, "notes.write"),
    onNote: async ({ text }) => {
      const note = await api.post(`/conversations/${ui.selectedId}/notes`, { body: text });
      ui.thread.upsertNote(note);
    },
    reason: `Your role (${role}) can read conversations but not reply.`,
    onTyping: (id, state) => realtime.send({ type: "typing", conversation_id: id, state }),
    onSend: async ({ text, quoted, file }) => {
      const body = { conversation_id: ui.selectedId };
      if (text) body.text = text;
      if (quoted) body.quoted_message_id = quoted.id;
      if (file) {
        const form = new FormData();
        form.append("file", file, file.name);
        body.media_id = (await api.upload("/media", form)).id;
      }
      ui.thread.upsert(await api.post("/messages/reply", body));
    },
  });
  if (canSend) {
    setMediaRetry(async (msg, button) => {
      button.disabled = true;
      try {
        ui.thread.upsert(await api.post(`/messages/${msg.id}/media/retry`, {}));
        announce("Downloading the media again");
      } catch (exc) {
        button.disabled = false;
        toast(`Could not retry: ${exc.message}`, "error");
      }
    });
  }
  ui.thread = createThread({
    canReply: canSend, onReply: (msg) => ui.composer.quote(msg),
    canLabel: allowed(role, "labels.apply"),
    canAnalyse: allowed(role, "analysis.run"),
    onAnalyse: async (msg, button) => {
      button.disabled = true;
      try {
        await api.post("/messages/analyze", { message_id: msg.id });
        announce("Message analysed");
      } catch (exc) {
        toast(`Could not analyse: ${exc.message}`, "error");
      } finally {
        button.disabled = false;
      }
    },
    canDeleteNote: (note) => note.author_id === session.user.id
      || allowed(role, "notes.moderate"),
    onDeleteNote: async (note) => {
      if (!window.confirm("Delete this private note?")) return;
      try {
        await api.del(`/notes/${note.id}`);
        ui.thread.removeNote(note.id);
      } catch (exc) {
        toast(`Could not delete the note: ${exc.message}`, "error");
      }
    },
    onLabel: (msg, button) => openLabelMenu(button, {
      title: "Labels on this message", canCreate: allowed(role, "labels.manage"),
      current: () => ((ui.thread.lookup(msg.id) || msg).labels || []).map((l) => l.id),
      toggle: async (label, on) => {
        const updated = on
          ? await api.post(`/messages/${msg.id}/labels`, { label_id: label.id })
          : await api.del(`/messages/${msg.id}/labels/${label.id}`);
        ui.thread.upsert(updated);
      },
    }),
    onRetry: (msg) => ui.composer.fill(msg.text || "", msg.quoted_message_id
      ? ui.thread.lookup(msg.quoted_message_id) : null),
    markRead: (id) => api.post(`/conversations/${id}/read`).then(onConversation)
      .catch((exc) => toast(`Could not mark as read: ${exc.message}`, "error")),
  });
  ui.announce = createAnnouncer({
    current: () => ui.selectedId,
    find: (id) => ui.sidebar.get(id) || ui.thread.current(),
  });
  return ui;
}

async function conversationById(ui, id) {
  try {
    return ui.sidebar.get(id) || await api.get(`/conversations/${id}`);
  } catch (exc) {
    toast(exc.status === 404 ? "That conversation does not exist." : exc.message, "error");
    return null;
  }
}

/** Open a conversation (or none), keeping the URL in step. */
async function select(ui, id, push) {
  ui.selectedId = id;
  ui.sidebar.select(id);
  writeUrl(id, ui.filters, push);
  $("#thread-empty").hidden = Boolean(id);
  $("#thread-view").hidden = !id;
  document.body.classList.toggle("has-selection", Boolean(id));
  if (!id) return;
  const conv = await conversationById(ui, id);
  if (ui.selectedId !== id) return;
  if (!conv) {
    await select(ui, null, false);
    return;
  }
  ui.header.show(conv);
  ui.details.show(conv);
  ui.typing.refresh();
  ui.composer.setConversation(id);
  await ui.thread.open(conv);
}

function subscribe(ui) {
  realtime.subscribe("message.created", (msg) => {
    ui.thread.upsert(msg);
    if (!msg.from_me) ui.announce(msg);
  });
  realtime.subscribe("message.updated", (msg) => ui.thread.upsert(msg));
  realtime.subscribe("note.created", (note) => ui.thread.upsertNote(note));
  const analysed = (frame) => ui.details.analysisChanged(frame.conversation_id);
  for (const type of ["summary.created", "conversation.scored", "action_item.created",
    "action_item.updated", "action_item.deleted"]) realtime.subscribe(type, analysed);
  realtime.subscribe("message.analyzed", (msg) => {
    ui.thread.upsert(msg);
    analysed(msg);
  });
  realtime.subscribe("note.deleted", (note) => ui.thread.removeNote(note.id));
  realtime.subscribe("conversation.updated", ui.onConversation);
  realtime.subscribe("typing", (frame) => ui.typing.handle(frame));
  realtime.onState((state, info) => {
    // With an event id the server replays what was missed (since=). Without one (no event
    // yet when the socket dropped) it starts at the latest event: re-read what is shown.
    if (state !== "open" || !info.resumed || realtime.lastEventId() !== null) return;
    ui.sidebar.load();
    ui.thread.catchUp().catch(() => {});
  });
}

/** The label of a `?label=<id>` filter, with its name (null when it no longer exists). */
async function labelFromUrl(label) {
  if (!label) return null;
  try {
    return (await teamLabels()).find((l) => l.id === label.id) || null;
  } catch {
    return null;
  }
}

const PANEL_KEY = "mf.details-open";
const TAB_KEY = "mf.details-tab";

/** The details panel beside the thread: open state remembered, contact shown when open. */
function detailsPanel(ui, session) {
  const role = session.user.role;
  const panel = $("#side-panel");
  const button = $("#thread-details");
  const contact = createContactPanel({
    canEdit: allowed(role, "conversations.update"),
    canCreateLabels: allowed(role, "labels.manage"),
    onOpen: (id) => select(ui, id, true),
  });
  const ai = createAiPanel({
    canRun: allowed(role, "analysis.run"), canAct: allowed(role, "actions.write"),
  });
  let tab = window.localStorage.getItem(TAB_KEY) === "ai" ? "ai" : "contact";
  const showCurrent = (conv) => {
    if (panel.hidden || !conv) return;
    if (tab === "ai") ai.show(conv); else contact.show(conv);
  };
  const setTab = (next) => {
    tab = next;
    window.localStorage.setItem(TAB_KEY, tab);
    for (const el of panel.querySelectorAll("[role=tab]")) {
      const on = el.dataset.tab === tab;
      el.setAttribute("aria-selected", String(on));
      el.tabIndex = on ? 0 : -1;
    }
    $("#contact-panel").hidden = tab !== "contact";
    $("#ai-panel").hidden = tab !== "ai";
    showCurrent(ui.selectedId ? ui.sidebar.get(ui.selectedId) : null);
  };
  panel.querySelector("[role=tablist]").addEventListener("click", (event) => {
    const el = event.target.closest("[role=tab]");
    if (el) setTab(el.dataset.tab);
  });
  panel.querySelector("[role=tablist]").addEventListener("keydown", (event) => {
    if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
    setTab(tab === "ai" ? "contact" : "ai");
    panel.querySelector(`[data-tab="${tab}"]`).focus();
  });
  const setOpen = (open) => {
    panel.hidden = !open;
    $(".inbox").classList.toggle("panel-open", open);
    button.setAttribute("aria-expanded", String(open));
    window.localStorage.setItem(PANEL_KEY, open ? "1" : "0");
    if (open) setTab(tab);
  };
  button.addEventListener("click", () => setOpen(panel.hidden));
  $("#side-panel-close").addEventListener("click", () => { setOpen(false); button.focus(); });
  setOpen(window.localStorage.getItem(PANEL_KEY) === "1" && window.innerWidth > 1180);
  return {
    /** The selected conversation (or a live change of it). */
    show: showCurrent,
    /** An analysis result or action item of a conversation changed: refresh the AI tab. */
    analysisChanged(conversationId) {
      if (!panel.hidden && tab === "ai" && ai.current() === conversationId) ai.refresh();
    },
    openAi() { setOpen(true); setTab("ai"); },
  };
}

/** The keyboard shortcuts ("?" lists them). */
function shortcuts(ui, session) {
  const role = session.user.role;
  const step = (by) => {
    const ids = ui.sidebar.order();
    if (!ids.length) return;
    const at = ids.indexOf(ui.selectedId);
    const next = at < 0 ? ids[0] : ids[Math.min(Math.max(at + by, 0), ids.length - 1)];
    if (next !== ui.selectedId) select(ui, next, true);
  };
  const change = (changes, said) => async () => {
    if (!ui.selectedId) return;
    try {
      ui.onConversation(await api.patch(`/conversations/${ui.selectedId}`, changes));
      announce(said);
    } catch (exc) {
      toast(`Could not save: ${exc.message}`, "error");
    }
  };
  const canUpdate = allowed(role, "conversations.update");
  createShortcuts({
    next: () => step(1),
    previous: () => step(-1),
    reply: allowed(role, "messages.send")
      ? () => ui.selectedId && ui.composer.write("reply") : null,
    note: allowed(role, "notes.write") ? () => ui.selectedId && ui.composer.write("note") : null,
    resolve: canUpdate ? change({ status: "resolved" }, "Conversation resolved") : null,
    snooze: canUpdate ? () => ui.header.openSnooze() : null,
    assignMe: canUpdate ? change({ assignee_id: session.user.id }, "Assigned to you") : null,
    search: () => $("#conv-q").focus(),
  });
}

async function main() {
  const session = await initLayout();
  const ui = build(session, await loadMembers());
  ui.details = detailsPanel(ui, session);
  subscribe(ui);
  shortcuts(ui, session);
  $("#thread-back").addEventListener("click", (event) => {
    event.preventDefault();
    select(ui, null, true);
  });
  window.addEventListener("popstate", () => {
    const { id } = readUrl();
    if (id !== ui.selectedId) select(ui, id, false);
  });
  await realtime.connect(); // live first, then the snapshot: nothing falls in between
  ui.filters.label = await labelFromUrl(ui.filters.label);
  ui.sidebar.initFilters(ui.filters);
  await ui.sidebar.load();
  const { id } = readUrl();
  // ?message=<id>: opened from an important message; show that message once loaded.
  const messageId = Number(new URLSearchParams(window.location.search).get("message")) || null;
  if (id) await select(ui, id, false);
  if (id && messageId && !ui.thread.reveal(messageId)) {
    toast("That message is further up in the conversation: scroll up to read it.");
  }
}

main().catch((exc) => {
  if (exc && exc.status === 401) return; // api.js is already on its way to the sign-in page
  toast(`The page could not start: ${exc.message}`, "error", 15000);
});
