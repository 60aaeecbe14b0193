// The team activity timeline (managers and up): who did what, newest first, grouped by day,
// with filters by person, kind and age; new action-item and comment events refresh it live.

import { api } from "../core/api.js";
import { $, clear, debounce, h, toast } from "../core/dom.js";
import { clockTime, colorSlot, dayKey, dayLabel, fullTime, initials } from "../core/format.js";
import { initLayout } from "../core/layout.js";
import * as realtime from "../core/realtime.js";
import { allowed } from "../core/session.js";
import { STATUS_LABELS } from "../desk/items.js";

const VERBS = {
  login: "signed in", logout: "signed out", register: "signed up",
  "action_item.created": "created the action item",
  "action_item.assigned": "assigned the action item",
  "action_item.moved": "moved the action item",
  "action_item.deleted": "deleted the action item",
  "action_item.accepted": "accepted the suggestion",
  "action_item.rejected": "rejected the suggestion",
  "comment.created": "commented on",
  "comment.deleted": "deleted a comment on",
  "conversation.assigned": "assigned the conversation",
  "conversation.status_changed": "changed the status of the conversation",
};

function typeOf(entry) {
  return entry.type || entry.activity || "";
}

function nameOf(entry) {
  return entry.user_name || entry.actor_name || "Someone";
}

function userId(entry) {
  return entry.user_id ?? entry.actor_id ?? null;
}

/** A sentence (as DOM) for one activity row. */
function sentence(entry, members) {
  const d = entry.details || {};
  const type = typeOf(entry);
  const verb = VERBS[type] || type.replace(/[._]/g, " ");
  const parts = [h("strong", {}, nameOf(entry)), ` ${verb}`];
  const itemId = d.action_item_id;
  if (d.title) {
    parts.push(" ");
    parts.push(itemId && !type.endsWith(".deleted")
      ? h("a", { href: `/app/action-items/${itemId}` }, d.title) : h("em", {}, d.title));
  } else if (d.conversation_id) {
    parts.push(" ", h("a", { href: `/app/conversations/${d.conversation_id}` },
      d.conversation_title || `#${d.conversation_id}`));
  }
  if (d.from && d.to && d.from !== d.to) {
    parts.push(` from ${STATUS_LABELS[d.from] || d.from} to ${STATUS_LABELS[d.to] || d.to}`);
  }
  const assignee = d.assignee_id && members.find((m) => m.id === d.assignee_id);
  if (assignee) parts.push(` to ${assignee.name}`);
  return parts;
}

function createTimeline(members) {
  const list = $("#timeline");
  const more = $("#activity-more");
  const state = { cursor: null, lastDay: null, query: {}, seq: 0 };

  function row(entry) {
    const id = userId(entry);
    return h("li", { class: "timeline-entry", dataset: { id: String(entry.id), type: typeOf(entry) } },
      h("span", { class: `avatar avatar-c${colorSlot(id)}`, "aria-hidden": "true" },
        initials(nameOf(entry))),
      h("p", { class: "timeline-text" }, sentence(entry, members)),
      h("time", { class: "timeline-time", datetime: entry.created_at,
        title: fullTime(entry.created_at) }, clockTime(entry.created_at)));
  }

  function append(entries) {
    for (const entry of entries) {
      const key = dayKey(entry.created_at);
      if (key !== state.lastDay) {
        state.lastDay = key;
        list.append(h("li", { class: "timeline-day" }, dayLabel(entry.created_at)));
      }
      list.append(row(entry));
    }
  }

  async function load(next = false) {
    const seq = ++state.seq; // filters may change while a page is on its way: last one wins
    const res = await api.get("/team/activity", { ...state.query, limit: 50,
      cursor: next ? state.cursor : null });
    if (seq !== state.seq) return;
    if (!next) {
      clear(list);
      state.lastDay = null;
    }
    append(res.data);
    state.cursor = res.next_cursor;
    more.hidden = !state.cursor;
    list.hidden = !list.children.length;
    $("#activity-state").textContent = list.children.length ? ""
      : "Nothing here yet. Sign-ins, assignments, status changes and action-item moves "
        + "appear here as your team works.";
  }

  more.addEventListener("click", () => load(true).catch((exc) => toast(exc.message, "error")));
  return {
    load,
    setQuery(query) { state.query = query; return load(); },
  };
}

function queryOf(form) {
  const f = form.elements;
  const query = { user_id: f.user_id.value, type: f.type.value };
  if (f.since.value) {
    query.since = new Date(Date.now() - Number(f.since.value) * 86400000).toISOString();
  }
  return query;
}

async function main() {
  const session = await initLayout();
  if (!allowed(session.user.role, "team.activity.read")) {
    $("#activity-filters").hidden = true;
    $("#activity-state").textContent = "The team activity timeline is for managers, admins "
      + "and owners. Ask one of them if you need it.";
    await realtime.connect();
    return;
  }
  const members = (await api.get("/members")).data;
  const form = $("#activity-filters");
  for (const m of members) form.elements.user_id.append(new Option(m.name, String(m.id)));
  const timeline = createTimeline(members);
  form.addEventListener("change", () => timeline.setQuery(queryOf(form))
    .catch((exc) => toast(exc.message, "error")));
  const refresh = debounce(() => timeline.load().catch(() => {}), 500);
  for (const type of ["action_item.created", "action_item.updated", "action_item.deleted",
    "comment.created", "conversation.updated"]) {
    realtime.subscribe(type, refresh);
  }
  await realtime.connect();
  await timeline.load();
}

main().catch((exc) => {
  if (exc && exc.status === 401) return;
  toast(`The page could not start: ${exc.message}`, "error", 15000);
});
