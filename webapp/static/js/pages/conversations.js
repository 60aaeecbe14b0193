// The Conversations screen: wires the sidebar, the thread, its header and the reply box to the
// API and the tab's WebSocket. The URL holds the selection and filters (reload-safe, shareable).

import { api } from "../core/api.js";
import { $, toast } from "../core/dom.js";
import { initLayout } from "../core/layout.js";
import * as realtime from "../core/realtime.js";
import { allowed } from "../core/session.js";
import { createAnnouncer } from "../conversations/announcer.js";
import { createComposer } from "../conversations/composer.js";
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
    },
  };
}

function writeUrl(id, filters, push) {
  const params = new URLSearchParams();
  if (filters.status) params.set("status", filters.status);
  if (filters.unread) params.set("unread", "1");
  if (filters.mine) params.set("mine", "1");
  if (filters.q) params.set("q", filters.q);
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
  const canSend = allowed(role, "messages.send");
  const ui = { selectedId: null, filters: readUrl().filters };
  const onConversation = (conv) => {
    ui.sidebar.upsert(conv);
    ui.thread.setConversation(conv);
    if (ui.selectedId === conv.id) ui.header.show(conv);
  };
  ui.onConversation = onConversation;
  ui.sidebar = createSidebar({
    meId: session.user.id, onChange: unreadTitle, onSelect: (id) => select(ui, id, true),
    onFilters: (next) => { ui.filters = next; writeUrl(ui.selectedId, next, false); },
  });
  ui.header = createHeader({
    canUpdate: allowed(role, "conversations.update"), members, onChange: onConversation,
    onLabel: (label) => ui.sidebar.setFilters({ label }),
  });
  ui.typing = createTyping({
    meId: session.user.id, current: () => ui.selectedId,
    show: (names) => ui.header.setTyping(names),
    nameOf: (id) => (members.find((m) => m.id === id) || {}).name || "A teammate",
  });
  ui.composer = createComposer({
    canSend, reason: `Your role (${role}) can read conversations but not reply.`,
    onTyping: (id, state) => realtime.send({ type: "typing", conversation_id: id, state }),
    onSend: async ({ text, quoted }) => {
      const body = { conversation_id: ui.selectedId, text };
      if (quoted) body.quoted_message_id = quoted.id;
      ui.thread.upsert(await api.post("/messages/reply", body));
    },
  });
  ui.thread = createThread({
    canReply: canSend, onReply: (msg) => ui.composer.quote(msg),
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

async function main() {
  const session = await initLayout();
  const ui = build(session, await loadMembers());
  subscribe(ui);
  $("#thread-back").addEventListener("click", (event) => {
    event.preventDefault();
    select(ui, null, true);
  });
  window.addEventListener("popstate", () => {
    const { id } = readUrl();
    if (id !== ui.selectedId) select(ui, id, false);
  });
  await realtime.connect(); // live first, then the snapshot: nothing falls in between
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
