// The selected conversation's messages: first page newest-first, infinite scroll back through
// older pages, live upserts (created/updated frames), catch-up after a reconnect, and keyed
// rendering so a status change re-renders one bubble, not the list.
//
// Order is WhatsApp time, not arrival: history sync and offline delivery bring older messages
// after newer ones. The API pages by (time, id); a late message lands in its place, and one
// older than every loaded message (while older pages remain) is left to the page it belongs to.

import { api } from "../core/api.js";
import { $, h } from "../core/dom.js";
import { dayKey, dayLabel, epochMs } from "../core/format.js";
import { authorOf, renderKey, renderMessage } from "./message.js";
import { noteKey, renderNote } from "./notes.js";

const PAGE = 50;
const NEAR_TOP_PX = 300;
const NEAR_BOTTOM_PX = 80;
const GROUP_GAP_MS = 5 * 60 * 1000;
// A late REST page or replayed frame must not move a message back to an earlier status.
const STATUS_RANK = { received: 0, queued: 0, sending: 1, failed: 1, sent: 2, delivered: 3,
  read: 4 };

/** A timestamp in microseconds: the API orders by the full time, Date keeps milliseconds. */
function timeKey(iso) {
  const micros = /\.\d{3}(\d{1,3})/.exec(iso || "");
  return epochMs(iso) * 1000 + (micros ? Number(micros[1].padEnd(3, "0")) : 0);
}

/** The API's order, oldest first: WhatsApp time, then id. */
function byTime(a, b) {
  return timeKey(a.timestamp) - timeKey(b.timestamp) || a.id - b.id;
}

function asNote(note) {
  return { ...note, timestamp: note.created_at, isNote: true };
}

function merge(old, msg) {
  if (!old) return msg;
  const keepStatus = (STATUS_RANK[old.status] ?? 0) > (STATUS_RANK[msg.status] ?? 0);
  return keepStatus ? { ...msg, status: old.status } : msg;
}

/** Reorder parent's children to exactly `nodes`, moving only what is out of place. */
function reconcile(parent, nodes) {
  nodes.forEach((node, i) => {
    if (parent.children[i] !== node) parent.insertBefore(node, parent.children[i] || null);
  });
  while (parent.children.length > nodes.length) parent.lastElementChild.remove();
}

/** The message pane. options: canReply, onReply(msg), onRetry(msg), markRead(id) -> Promise,
 * canLabel and onLabel(msg, button) (the label menu of a message), canDeleteNote(note) and
 * onDeleteNote(note) for the private notes shown among the messages by time. */
export function createThread(options) {
  const scroller = $("#thread-scroll");
  const list = $("#messages");
  const top = $("#thread-top");
  const jump = $("#jump-latest");
  let conv = null;
  let byId = new Map();
  let notes = new Map();      // note id -> note (with `timestamp` = its created_at)
  let nodes = new Map();      // id -> {key, el}
  let separators = new Map(); // day key -> li
  let cursor = null;
  let loading = false;
  let token = 0;
  let unseen = 0;
  let reading = false;
  let stick = true; // follow the newest message while the reader is at the bottom

  const lookup = (id) => byId.get(id) || null;
  const ctx = () => ({
    isGroup: Boolean(conv && conv.is_group), lookup, canReply: options.canReply,
    onReply: options.onReply, onRetry: options.onRetry, onJump: jumpTo,
    canLabel: options.canLabel, onLabel: options.onLabel,
    canAnalyse: options.canAnalyse, onAnalyse: options.onAnalyse,
  });

  function atBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM_PX;
  }

  function scrollToBottom() {
    scroller.scrollTop = scroller.scrollHeight;
    stick = true;
    unseen = 0;
    jump.hidden = true;
  }

  function nodeFor(msg) {
    if (msg.isNote) {
      const key = noteKey(msg);
      const cached = nodes.get(`n${msg.id}`);
      if (cached && cached.key === key) return cached.el;
      const el = renderNote(msg, { canDelete: options.canDeleteNote, onDelete: options.onDeleteNote });
      nodes.set(`n${msg.id}`, { key, el });
      return el;
    }
    const quoted = msg.quoted_message_id && byId.has(msg.quoted_message_id) ? "q" : "";
    const key = renderKey(msg) + quoted;
    const cached = nodes.get(msg.id);
    if (cached && cached.key === key) return cached.el;
    const el = renderMessage(msg, ctx());
    nodes.set(msg.id, { key, el });
    return el;
  }

  function separator(iso) {
    const key = dayKey(iso);
    if (!separators.has(key)) {
      separators.set(key, h("li", { class: "day-sep", role: "separator" }, h("span")));
    }
    const el = separators.get(key);
    el.firstChild.textContent = dayLabel(iso);
    return el;
  }

  function render() {
    const out = [];
    let prev = null;
    // Notes go among the messages by time; one older than every loaded message waits, like
    // the messages, for the page of history it belongs to.
    const oldest = cursor && byId.size ? [...byId.values()].sort(byTime)[0] : null;
    const shownNotes = [...notes.values()].filter((n) => !oldest || byTime(n, oldest) >= 0);
    for (const msg of [...byId.values(), ...shownNotes].sort(byTime)) {
      const newDay = !prev || dayKey(prev.timestamp) !== dayKey(msg.timestamp);
      if (newDay) out.push(separator(msg.timestamp));
      const el = nodeFor(msg);
      const grouped = !newDay && !msg.isNote && !prev.isNote && prev.from_me === msg.from_me
        && prev.sender_jid === msg.sender_jid && authorOf(prev) === authorOf(msg)
        && epochMs(msg.timestamp) - epochMs(prev.timestamp) < GROUP_GAP_MS;
      el.classList.toggle("msg-grouped", Boolean(grouped));
      out.push(el);
      prev = msg;
    }
    reconcile(list, out);
  }

  function setTop(text, retry = false) {
    top.replaceChildren(text);
    if (retry) {
      top.append(" ", h("button", { type: "button", class: "btn btn-sm btn-ghost",
        on: { click: loadOlder } }, "Try again"));
    }
  }

  function showTopState() {
    if (cursor) setTop("");
    else setTop(byId.size ? "This is the beginning of the conversation." : "No messages yet.");
  }

  /** Older than every loaded message while older pages remain: not shown yet (it would sit
   * next to messages it does not follow); the next page of history brings it in its place. */
  function beyondLoaded(msg) {
    if (!cursor || byId.has(msg.id)) return false;
    for (const held of byId.values()) if (byTime(held, msg) < 0) return false;
    return byId.size > 0;
  }

  function isNewest(msg) {
    for (const held of byId.values()) if (byTime(held, msg) > 0) return false;
    return true;
  }

  /** Fetch a page and hold its messages; live pages (catch-up) skip those beyondLoaded. */
  async function loadPage(query, mine, live = false) {
    const page = await api.get(`/conversations/${conv.id}/messages`, query);
    if (mine !== token) return null;
    for (const msg of page.data) {
      if (!live || !beyondLoaded(msg)) byId.set(msg.id, merge(byId.get(msg.id), msg));
    }
    return page;
  }

  async function loadOlder() {
    if (!conv || loading || !cursor) return;
    loading = true;
    const mine = token;
    setTop("Loading earlier messages…");
    const fromBottom = scroller.scrollHeight - scroller.scrollTop;
    try {
      const page = await loadPage({ cursor, limit: PAGE }, mine);
      if (!page) return;
      cursor = page.next_cursor;
      render();
      scroller.scrollTop = scroller.scrollHeight - fromBottom;
      showTopState();
    } catch (exc) {
      if (mine === token) setTop(`Could not load earlier messages: ${exc.message}`, true);
    } finally {
      if (mine === token) loading = false;
    }
    if (mine === token && cursor && scroller.scrollTop < NEAR_TOP_PX) {
      window.requestAnimationFrame(loadOlder);
    }
  }

  async function open(next) {
    token += 1;
    const mine = token;
    conv = next;
    byId = new Map();
    notes = new Map();
    nodes = new Map();
    separators = new Map();
    cursor = null;
    loading = true;
    unseen = 0;
    jump.hidden = true;
    list.replaceChildren();
    setTop("Loading messages…");
    try {
      const [page, notePage] = await Promise.all([
        loadPage({ limit: PAGE }, mine),
        api.get(`/conversations/${next.id}/notes`, { limit: 200 }).catch(() => ({ data: [] })),
      ]);
      if (!page) return;
      for (const note of notePage.data) notes.set(note.id, asNote(note));
      cursor = page.next_cursor;
      render();
      scrollToBottom();
      showTopState();
    } catch (exc) {
      if (mine === token) setTop(`Could not load messages: ${exc.message}`);
      return;
    } finally {
      if (mine === token) loading = false;
    }
    if (cursor && scroller.scrollTop < NEAR_TOP_PX) loadOlder();
    maybeMarkRead();
  }

  /** Add or update a message of the open conversation; returns true when it was new. A late
   * message older than others goes in its place and is not announced as new below. */
  function upsert(msg) {
    if (!conv || msg.conversation_id !== conv.id || beyondLoaded(msg)) return false;
    const isNew = !byId.has(msg.id);
    const wasBottom = atBottom();
    byId.set(msg.id, merge(byId.get(msg.id), msg));
    render();
    if (isNew) {
      const newest = isNewest(msg);
      if (wasBottom || (msg.from_me && newest)) scrollToBottom();
      else if (newest) {
        unseen += 1;
        jump.textContent = `${unseen} new message${unseen > 1 ? "s" : ""} ↓`;
        jump.hidden = false;
      }
      if (!msg.from_me) maybeMarkRead();
    }
    return isNew;
  }

  /** Add or update a private note of the open conversation (live or just written). */
  function upsertNote(note) {
    if (!conv || note.conversation_id !== conv.id) return;
    const wasBottom = atBottom();
    notes.set(note.id, asNote(note));
    render();
    if (wasBottom) scrollToBottom();
  }

  function removeNote(id) {
    if (notes.delete(id)) render();
  }

  /** After a reconnect: fetch what arrived after the newest message we hold (ascending). */
  async function catchUp() {
    if (!conv || loading) return;
    const mine = token;
    let after = Math.max(0, ...byId.keys());
    for (let i = 0; i < 20; i += 1) {
      const page = await loadPage({ after_id: after, limit: PAGE }, mine, true);
      if (!page) return;
      render();
      if (!page.data.length || !page.next_cursor) break;
      after = Math.max(after, ...page.data.map((m) => m.id));
    }
    if (atBottom()) scrollToBottom();
  }

  function maybeMarkRead() {
    if (!conv || reading || !(conv.unread_count > 0)) return;
    if (document.visibilityState !== "visible" || !atBottom()) return;
    reading = true;
    options.markRead(conv.id).finally(() => { reading = false; });
  }

  function jumpTo(id) {
    const el = document.getElementById(`msg-${id}`);
    if (!el) return;
    el.scrollIntoView({ block: "center", behavior: "smooth" });
    el.classList.remove("msg-flash");
    void el.offsetWidth; // restart the highlight animation
    el.classList.add("msg-flash");
  }

  scroller.addEventListener("scroll", () => {
    stick = atBottom();
    if (scroller.scrollTop < NEAR_TOP_PX) loadOlder();
    if (stick) {
      unseen = 0;
      jump.hidden = true;
      maybeMarkRead();
    }
  }, { passive: true });
  jump.addEventListener("click", scrollToBottom);
  // The pane shrinks when the reply box grows (a quote, a long draft): keep the bottom in view.
  new ResizeObserver(() => { if (stick) scroller.scrollTop = scroller.scrollHeight; })
    .observe(scroller);
  document.addEventListener("visibilitychange", maybeMarkRead);

  return {
    open,
    upsert,
    upsertNote,
    removeNote,
    catchUp,
    lookup,
    /** The open conversation changed (status, unread count...). */
    setConversation(next) {
      if (!conv || next.id !== conv.id) return;
      conv = next;
      maybeMarkRead(); // new unread messages while the reader is looking at them
    },
    current: () => conv,
    /** Scroll to a loaded message and flash it; false when it is not loaded. */
    reveal(id) {
      if (!document.getElementById(`msg-${id}`)) return false;
      jumpTo(id);
      return true;
    },
  };
}
