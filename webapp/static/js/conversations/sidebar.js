// The conversation list: filters (status, unread, assigned to me, label), search, unread
// badges, paging down, and live upserts that keep the list sorted by latest activity.

import { api } from "../core/api.js";
import { $, $$, debounce, h } from "../core/dom.js";
import { epochMs, fullTime, listTime, phoneOf } from "../core/format.js";
import { avatar, conversationName, labelChip, priorityChip, statusChip } from "./chips.js";
import { authorOf } from "./message.js";

const PAGE = 50;

function newer(a, b) {
  const ta = epochMs(a.last_message_at);
  const tb = epochMs(b.last_message_at);
  return ta !== tb ? ta > tb : a.id > b.id;
}

function preview(conv) {
  const last = conv.last_message;
  if (!last) return "No messages yet";
  const text = last.preview === null || last.preview === undefined
    ? "This message was deleted" : last.preview;
  if (last.from_me) return `${authorOf(last)}: ${text}`;
  return conv.is_group && last.sender_name ? `${last.sender_name}: ${text}` : text;
}

/**
 * options: meId, onSelect(id), onFilters(filters) when the user changes them,
 * onChange(conversations) after the list changed (for the page title).
 */
export function createSidebar(options) {
  const listEl = $("#conv-list");
  const stateEl = $("#conv-list-state");
  const search = $("#conv-q");
  const labelToggle = $(".chip-label-filter");
  const items = new Map(); // id -> conversation
  const rows = new Map();  // id -> li
  const filters = { status: "", unread: false, mine: false, label: null, q: "" };
  let cursor = null;
  let loading = false;
  let selected = null;
  let token = 0;
  let liveDuringLoad = null; // updates that raced a reload; re-applied when it lands

  function query(extra = {}) {
    return {
      status: filters.status, unread: filters.unread, q: filters.q,
      assignee: filters.mine ? "me" : "", label: filters.label ? filters.label.id : "",
      limit: PAGE, ...extra,
    };
  }

  function matches(conv) {
    if (conv.id === selected) return true;
    if (filters.status && conv.status !== filters.status) return false;
    if (filters.unread && !(conv.unread_count > 0)) return false;
    if (filters.mine && conv.assignee_id !== options.meId) return false;
    if (filters.label && !(conv.labels || []).some((l) => l.id === filters.label.id)) {
      return false;
    }
    if (filters.q && !items.has(conv.id)) {
      const hay = `${conversationName(conv)} ${preview(conv)}`.toLowerCase();
      return hay.includes(filters.q.toLowerCase());
    }
    return true;
  }

  function row(conv) {
    const unread = conv.unread_count > 0;
    const name = conversationName(conv);
    const link = h("a", {
      class: "conv-link", href: `/app/conversations/${conv.id}`,
      "aria-current": conv.id === selected ? "true" : null,
      on: { click: (event) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        options.onSelect(conv.id);
      } },
    },
    avatar(conv),
    h("span", { class: "conv-main" },
      h("span", { class: "conv-top" },
        h("span", { class: "conv-title" }, name),
        // Shown only when another listed conversation has the same name (markDuplicates).
        h("span", { class: "conv-sub", hidden: true },
          conv.is_group ? "Group" : phoneOf(conv.chat_jid) || "WhatsApp contact"),
        h("time", { class: "conv-time", datetime: conv.last_message_at,
          title: fullTime(conv.last_message_at) }, listTime(conv.last_message_at))),
      h("span", { class: "conv-bottom" },
        h("span", { class: "conv-preview" }, preview(conv)),
        unread ? h("span", { class: "badge", "aria-hidden": "true" },
          conv.unread_count > 99 ? "99+" : String(conv.unread_count)) : null,
        unread ? h("span", { class: "sr-only" }, `, ${conv.unread_count} unread`) : null),
      h("span", { class: "conv-meta" },
        priorityChip(conv.priority), statusChip(conv.status, conv.snoozed_until),
        ...(conv.labels || []).map((label) => labelChip(label)))));
    return h("li", { class: `conv-item${unread ? " is-unread" : ""}`,
      dataset: { id: String(conv.id) } }, link);
  }

  function place(conv) {
    const el = row(conv);
    rows.get(conv.id)?.remove();
    rows.set(conv.id, el);
    // Insert before the first row that is older; rows past the loaded page wait for paging.
    for (const li of listEl.children) {
      const other = items.get(Number(li.dataset.id));
      if (other && newer(conv, other)) { listEl.insertBefore(el, li); return true; }
    }
    if (cursor && listEl.children.length) {
      rows.delete(conv.id);
      items.delete(conv.id);
      return false;
    }
    listEl.append(el);
    return true;
  }

  /** Apply a live or local change to one conversation. */
  function upsert(conv) {
    if (liveDuringLoad) liveDuringLoad.set(conv.id, conv);
    if (!matches(conv)) {
      if (items.delete(conv.id)) rows.get(conv.id)?.remove();
      rows.delete(conv.id);
    } else {
      items.set(conv.id, conv);
      place(conv);
    }
    showState();
  }

  /** Conversations that share a name show their number (or "Group") beside it. */
  function markDuplicates() {
    const counts = new Map();
    for (const conv of items.values()) {
      const key = conversationName(conv).trim().toLowerCase();
      counts.set(key, (counts.get(key) || 0) + 1);
    }
    for (const [id, li] of rows) {
      const conv = items.get(id);
      const sub = li.querySelector(".conv-sub");
      if (conv && sub) sub.hidden = counts.get(conversationName(conv).trim().toLowerCase()) < 2;
    }
  }

  function showState() {
    markDuplicates();
    if (loading && !items.size) stateEl.textContent = "Loading conversations…";
    else if (items.size) stateEl.textContent = "";
    else if (filtersActive()) stateEl.textContent = "No conversations match these filters.";
    else stateEl.textContent = "No conversations yet. New WhatsApp messages will show up here.";
    stateEl.hidden = !stateEl.textContent;
    options.onChange([...items.values()]);
  }

  function filtersActive() {
    return Boolean(filters.status || filters.unread || filters.mine || filters.label || filters.q);
  }

  async function load(reset = true) {
    if (!reset && (loading || !cursor)) return;
    const mine = reset ? ++token : token;
    loading = true;
    if (reset) {
      cursor = null;
      liveDuringLoad = new Map();
      showState();
    }
    try {
      const page = await api.get("/conversations", query(reset ? {} : { cursor }));
      if (mine !== token) return;
      if (reset) { items.clear(); rows.clear(); listEl.replaceChildren(); }
      cursor = page.next_cursor;
      for (const conv of page.data) {
        rows.get(conv.id)?.remove(); // moved by a live update before its page arrived
        items.set(conv.id, conv);
        const el = row(conv);
        rows.set(conv.id, el);
        listEl.append(el);
      }
      const raced = reset ? liveDuringLoad : null;
      liveDuringLoad = null;
      for (const conv of raced ? raced.values() : []) {
        const listed = items.get(conv.id);
        if (!listed || epochMs(conv.updated_at) >= epochMs(listed.updated_at)) upsert(conv);
      }
    } catch (exc) {
      if (mine !== token) return;
      stateEl.replaceChildren(`Could not load conversations: ${exc.message} `,
        h("button", { type: "button", class: "btn btn-sm btn-ghost", on: { click: () => load() } },
          "Try again"));
      stateEl.hidden = false;
      return;
    } finally {
      if (mine === token) {
        loading = false;
        liveDuringLoad = null;
      }
    }
    showState();
    // A first page shorter than the pane never scrolls: fetch more until it fills.
    if (cursor && listEl.scrollHeight <= listEl.clientHeight) load(false);
  }

  function syncControls() {
    for (const btn of $$("#conv-filters [data-status]")) {
      btn.setAttribute("aria-pressed", String(btn.dataset.status === filters.status));
    }
    for (const key of ["unread", "mine"]) {
      $(`#conv-filters [data-toggle="${key}"]`).setAttribute("aria-pressed", String(filters[key]));
    }
    labelToggle.hidden = !filters.label;
    if (filters.label) labelToggle.textContent = `Label: ${filters.label.name} ×`;
    if (search.value !== filters.q) search.value = filters.q;
  }

  function setFilters(change) {
    Object.assign(filters, change);
    syncControls();
    options.onFilters({ ...filters });
    load();
  }

  $("#conv-filters").addEventListener("click", (event) => {
    const btn = event.target.closest("button");
    if (!btn) return;
    if (btn.dataset.status !== undefined) setFilters({ status: btn.dataset.status });
    else if (btn.dataset.toggle === "label") setFilters({ label: null });
    else if (btn.dataset.toggle) setFilters({ [btn.dataset.toggle]: !filters[btn.dataset.toggle] });
  });
  const searchNow = debounce(() => setFilters({ q: search.value.trim() }), 250);
  search.addEventListener("input", searchNow);
  $("#conv-search").addEventListener("submit", (event) => {
    event.preventDefault();
    setFilters({ q: search.value.trim() });
  });
  listEl.addEventListener("scroll", () => {
    if (listEl.scrollHeight - listEl.scrollTop - listEl.clientHeight < 200) load(false);
  }, { passive: true });

  return {
    load,
    setFilters,
    /** Start with these filters (from the URL) without an extra load. */
    initFilters(initial) { Object.assign(filters, initial); syncControls(); },
    upsert,
    /** The ids of the listed conversations, top to bottom. */
    order: () => [...listEl.children].map((li) => Number(li.dataset.id)).filter(Boolean),
    has: (id) => items.has(id),
    get: (id) => items.get(id) || null,
    /** Highlight the selected conversation. */
    select(id) {
      selected = id;
      for (const [key, li] of rows) {
        const link = li.firstElementChild;
        if (key === id) {
          link.setAttribute("aria-current", "true");
          li.scrollIntoView({ block: "nearest" });
        } else {
          link.removeAttribute("aria-current");
        }
      }
    },
  };
}
