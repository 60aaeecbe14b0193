// One important message as a card (the Important screen) or a row (Home): priority, who wrote
// it in which conversation, the text, why it was flagged and by which provider and model, and
// (for those allowed) acknowledge, dismiss, reopen and a priority menu.

import { h } from "../core/dom.js";
import { listTime, fullTime, titleCase } from "../core/format.js";

export const PRIORITIES = ["urgent", "high", "medium", "low"];

/** Where "Open conversation" goes: the conversation, scrolled to that message. */
export function conversationUrl(item) {
  return `/app/conversations/${item.conversation_id}?message=${item.message_id}`;
}

function flaggedBy(item) {
  const by = item.flagged_by;
  if (!by) return "Flagged by an analysis that was since replaced";
  const name = by.provider_name || titleCase(by.kind);
  return `Flagged by ${name} · ${by.model}${by.heuristic ? " (heuristic)" : ""}`;
}

function changedBy(item) {
  if (item.status === "open" || !item.status_changed_by) return null;
  return `${titleCase(item.status)} by ${item.status_changed_by.name} ${listTime(item.status_changed_at)}`;
}

/** The compact row of Home's "important, unresolved" list. */
export function importantRow(item) {
  const who = item.message ? item.message.sender_name : "";
  return h("li", { dataset: { id: item.id } },
    h("a", { href: conversationUrl(item), title: item.reason || "" },
      h("span", { class: `chip chip-${item.priority}` }, titleCase(item.priority)),
      h("span", { class: "ellipsis" },
        h("strong", {}, who), " ", (item.message && item.message.text) || "")));
}

/**
 * The full card. options: canUpdate (role), onChange(id, {status|priority}) -> Promise.
 */
export function importantCard(item, { canUpdate, onChange }) {
  const msg = item.message || {};
  const conv = item.conversation || {};
  const act = (change) => (event) => {
    event.currentTarget.disabled = true;
    onChange(item.id, change);
  };
  const actions = h("div", { class: "important-actions" },
    h("a", { class: "btn btn-sm", href: conversationUrl(item) }, "Open conversation"));
  if (canUpdate) {
    const select = h("select", {
      class: "select", "aria-label": "Priority", dataset: { role: "priority" },
      on: { change: (event) => onChange(item.id, { priority: event.target.value }) },
    }, PRIORITIES.map((p) => h("option", { value: p, selected: p === item.priority },
      `${titleCase(p)} priority`)));
    if (item.status === "open") {
      actions.append(
        h("button", { type: "button", class: "btn btn-sm btn-primary",
          on: { click: act({ status: "acknowledged" }) } }, "Acknowledge"),
        h("button", { type: "button", class: "btn btn-sm btn-ghost",
          on: { click: act({ status: "dismissed" }) } }, "Dismiss"));
    } else {
      actions.append(h("button", { type: "button", class: "btn btn-sm btn-ghost",
        on: { click: act({ status: "open" }) } }, "Reopen"));
    }
    actions.append(select);
  }
  return h("li", { class: "important-item", dataset: { id: item.id, status: item.status } },
    h("div", { class: "important-top" },
      h("span", { class: `chip chip-${item.priority}` }, titleCase(item.priority)),
      item.status !== "open"
        ? h("span", { class: `chip chip-${item.status}` }, titleCase(item.status)) : null,
      h("span", { class: "important-who" }, msg.sender_name || "Unknown sender"),
      h("span", { class: "muted" }, `in ${conv.title || "a conversation"}`),
      h("time", { class: "muted", datetime: msg.timestamp || "", title: fullTime(msg.timestamp) },
        listTime(msg.timestamp))),
    actions,
    h("p", { class: "important-text" }, msg.text === null ? "(deleted by the sender)" : msg.text),
    item.reason ? h("p", { class: "important-reason" }, `Why: ${item.reason}`) : null,
    h("p", { class: "important-meta" }, flaggedBy(item),
      changedBy(item) ? ` · ${changedBy(item)}` : ""));
}
