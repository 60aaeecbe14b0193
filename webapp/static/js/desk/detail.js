// The detail panel of one action item: its fields (editable by writers), provenance, the
// proposal's Accept / Reject, and the comment thread with @mentions, kept live.

import { $, $$, clear, h, toast } from "../core/dom.js";
import {
  clockTime, colorSlot, dayKey, fullTime, initials, listTime,
} from "../core/format.js";
import {
  PRIORITIES, PRIORITY_LABELS, STATUSES, STATUS_LABELS, assigneeId, isProposedOrigin, itemsApi,
} from "./items.js";
import { attachMentions } from "./mentions.js";

function fillOptions(select, values, labels) {
  clear(select).append(...values.map((v) => h("option", { value: v }, labels[v])));
}

/** Who or what created the item, as a sentence. */
export function provenance(item) {
  const p = item.provenance || {};
  if (!isProposedOrigin(item)) {
    const who = p.created_by_name || "a teammate";
    return `Added by ${who} · ${listTime(item.created_at)}`;
  }
  const model = [p.provider_name || p.provider, p.model].filter(Boolean).join(" · ");
  return `Suggested by the analysis${model ? ` (${model})` : ""} · ${listTime(item.created_at)}`;
}

/** "14:05" today, else "Yesterday 14:05", "Mon 14:05" or "3 Dec 14:05". */
function stamp(iso) {
  const time = clockTime(iso);
  return dayKey(iso) === dayKey(new Date().toISOString()) ? time : `${listTime(iso)} ${time}`;
}

function authorOf(comment) {
  return comment.author_name || "A former member";
}

function authorId(comment) {
  return comment.author_id ?? null;
}

/** A comment's text with its resolved mentions highlighted (text nodes only, never HTML). */
function commentBody(comment) {
  const text = comment.body || "";
  const tokens = (comment.mentions || []).map((m) => m.text || `@${m.name}`).filter(Boolean);
  if (!tokens.length) return [text];
  const escaped = tokens.sort((a, b) => b.length - a.length)
    .map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const parts = text.split(new RegExp(`(${escaped.join("|")})`, "gi"));
  return parts.map((part, i) => (i % 2 ? h("span", { class: "mention" }, part) : part));
}

/**
 * options: me {id, role}, canWrite, canComment, canModerate (delete others' comments),
 * members() -> list, onChange(item), onDeleted(id), onClose().
 */
export function createDetail(options) {
  const panel = $("#detail");
  const form = $("#detail-form");
  const list = $("#comments");
  const commentText = $("#comment-text");
  let item = null;
  let comments = new Map();
  let dirty = false;

  fillOptions($("#d-status"), STATUSES, STATUS_LABELS);
  fillOptions($("#d-priority"), PRIORITIES, PRIORITY_LABELS);
  for (const el of $$("input, textarea, select", form)) {
    el.disabled = !options.canWrite;
    el.addEventListener("input", () => { dirty = true; });
  }
  attachMentions({ textarea: commentText, listbox: $("#mention-list"), members: options.members });

  function setMembers(members) {
    const select = $("#d-assignee");
    clear(select).append(h("option", { value: "" }, "Unassigned"),
      ...members.map((m) => h("option", { value: String(m.id) }, m.name)));
  }

  function fill(next) {
    item = next;
    dirty = false;
    $("#detail-title").textContent = item.title;
    $("#detail-origin").textContent = provenance(item);
    form.elements.title.value = item.title || "";
    form.elements.description.value = item.description || "";
    form.elements.status.value = item.status;
    for (const option of form.elements.status.options) {
      option.disabled = option.value === "proposed" && item.status !== "proposed";
    }
    form.elements.priority.value = item.priority || "normal";
    form.elements.assignee_id.value = String(assigneeId(item) ?? "");
    form.elements.due_date.value = item.due_date || "";
    $("#detail-proposal").hidden = !(options.canWrite && item.status === "proposed");
    const links = $("#detail-links");
    clear(links);
    if (item.conversation_id) {
      const target = `/app/conversations/${item.conversation_id}`;
      links.append(h("a", { href: target }, "Open the conversation"));
    }
  }

  function commentEl(comment) {
    const mine = authorId(comment) === options.me.id;
    const name = authorOf(comment);
    return h("li", { class: "comment", dataset: { id: String(comment.id) } },
      h("span", { class: `avatar avatar-xs avatar-c${colorSlot(authorId(comment))}`,
        "aria-hidden": "true" }, initials(name)),
      h("div", { class: "comment-main" },
        h("p", { class: "comment-meta" }, h("strong", {}, name), " ",
          h("time", { datetime: comment.created_at, title: fullTime(comment.created_at) },
            stamp(comment.created_at)),
          (mine ? options.canComment : options.canModerate)
            ? h("button", { class: "btn-link comment-delete", type: "button",
              "aria-label": `Delete comment by ${name}`,
              on: { click: () => removeComment(comment.id) } }, "Delete") : null),
        h("p", { class: "comment-body" }, commentBody(comment))));
  }

  function drawComments() {
    const sorted = [...comments.values()].sort((a, b) => a.id - b.id);
    clear(list).append(...sorted.map(commentEl));
    $("#comments-state").textContent = sorted.length ? ""
      : "No comments yet. Type @ to mention a teammate; they are notified.";
  }

  async function loadComments(id) {
    let res;
    try {
      res = await itemsApi.comments(id);
    } catch (exc) {
      $("#comments-state").textContent = `The comments could not be loaded: ${exc.message}`;
      return;
    }
    if (!item || item.id !== id) return;
    comments = new Map(res.data.map((c) => [c.id, c]));
    drawComments();
  }

  let opener = null; // where focus goes back when the panel closes

  async function open(id) {
    if (panel.hidden) opener = document.activeElement;
    panel.hidden = false;
    document.body.classList.add("has-detail");
    const next = await itemsApi.get(id);
    fill(next);
    $("#detail-title").focus();
    comments = new Map();
    drawComments();
    await loadComments(id);
  }

  function close() {
    item = null;
    panel.hidden = true;
    document.body.classList.remove("has-detail");
    options.onClose();
    if (opener && opener.isConnected && opener !== document.body) opener.focus();
    opener = null;
  }

  async function removeComment(id) {
    try {
      await itemsApi.deleteComment(id);
      comments.delete(id);
      drawComments();
    } catch (exc) {
      toast(`Could not delete the comment: ${exc.message}`, "error");
    }
  }

  async function save(event) {
    event.preventDefault();
    const f = form.elements;
    const next = {
      title: f.title.value.trim(), description: f.description.value, status: f.status.value,
      priority: f.priority.value, assignee_id: f.assignee_id.value ? Number(f.assignee_id.value) : null,
      due_date: f.due_date.value || null,
    };
    // Only what changed: an overdue item keeps its past due date without re-sending it.
    const was = { ...item, assignee_id: assigneeId(item), description: item.description || "" };
    const body = Object.fromEntries(Object.entries(next)
      .filter(([key, value]) => value !== (was[key] ?? null)));
    if (!Object.keys(body).length) { dirty = false; return; }
    try {
      const updated = await itemsApi.update(item.id, body);
      fill(updated);
      options.onChange(updated);
      toast("Saved");
    } catch (exc) {
      toast(exc.message, "error");
    }
  }

  async function decide(act) {
    try {
      const updated = await itemsApi[act](item.id);
      fill(updated);
      options.onChange(updated);
    } catch (exc) {
      toast(exc.message, "error");
    }
  }

  form.addEventListener("submit", save);
  $("#detail-close").addEventListener("click", close);
  $("#detail-delete").addEventListener("click", async () => {
    if (!window.confirm(`Delete “${item.title}”? This cannot be undone.`)) return;
    try {
      await itemsApi.remove(item.id);
      options.onDeleted(item.id);
      close();
    } catch (exc) {
      toast(exc.message, "error");
    }
  });
  for (const b of $$("#detail-proposal [data-act]")) {
    b.addEventListener("click", () => decide(b.dataset.act));
  }
  $("#comment-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = commentText.value.trim();
    if (!text || !item) return;
    try {
      const created = await itemsApi.comment(item.id, text);
      comments.set(created.id, created);
      commentText.value = "";
      drawComments();
    } catch (exc) {
      toast(exc.message, "error");
    }
  });
  commentText.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      $("#comment-form").requestSubmit();
    }
  });
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
  });

  return {
    open, close, setMembers,
    current: () => (item ? item.id : null),
    /** A live item update: refresh the fields unless the user is editing them. */
    updated(next) { if (item && next.id === item.id && !dirty) fill(next); },
    deleted(id) { if (item && item.id === id) { toast("This item was deleted."); close(); } },
    commentCreated(c) {
      if (!item || c.action_item_id !== item.id) return;
      comments.set(c.id, c);
      drawComments();
    },
    commentDeleted(c) {
      if (!comments.has(c.id)) return;
      comments.delete(c.id);
      drawComments();
    },
  };
}
