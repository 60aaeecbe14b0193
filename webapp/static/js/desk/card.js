// One action item as a board card or a list row: title, priority, assignee, due date, origin,
// and for proposed items the Accept / Reject buttons.

import { h } from "../core/dom.js";
import { colorSlot, initials, shortDay } from "../core/format.js";
import { icon } from "../core/icons.js";
import {
  PRIORITY_LABELS, STATUS_LABELS, assigneeId, isOverdue, isProposedOrigin,
} from "./items.js";

/** The name of a member id (the item's embedded assignee first, then the members list). */
export function memberName(item, members) {
  if (item.assignee_name) return item.assignee_name;
  const id = assigneeId(item);
  const found = members.find((m) => m.id === id);
  return found ? found.name : "";
}

function dueChip(item) {
  if (!item.due_date) return null;
  const overdue = isOverdue(item);
  return h("span", { class: `chip chip-due${overdue ? " chip-overdue" : ""}`,
    title: overdue ? "Overdue" : "Due date" },
  `${overdue ? "Overdue · " : "Due "}${shortDay(`${item.due_date}T12:00:00`)}`);
}

function priorityChip(item) {
  if (!item.priority || item.priority === "normal") return null;
  return h("span", { class: `chip chip-${item.priority}` }, PRIORITY_LABELS[item.priority]
    || item.priority);
}

function assigneeBadge(item, members) {
  const name = memberName(item, members);
  if (!name) return h("span", { class: "card-unassigned muted" }, "Unassigned");
  return h("span", { class: "card-assignee", title: `Assigned to ${name}` },
    h("span", { class: `avatar avatar-xs avatar-c${colorSlot(assigneeId(item))}`,
      "aria-hidden": "true" }, initials(name)),
    h("span", { class: "card-assignee-name" }, name));
}

/** Accept / Reject buttons of a proposed item (writers only). */
export function proposalButtons(item, handlers) {
  if (item.status !== "proposed" || !handlers.canWrite) return null;
  const title = item.title || "item";
  return h("div", { class: "card-proposal" },
    h("button", { class: "btn btn-primary btn-sm", type: "button", "aria-label": `Accept ${title}`,
      dataset: { act: "accept" }, on: { click: (e) => { e.stopPropagation(); handlers.accept(item); } } },
    "Accept"),
    h("button", { class: "btn btn-sm", type: "button", "aria-label": `Reject ${title}`,
      dataset: { act: "reject" }, on: { click: (e) => { e.stopPropagation(); handlers.reject(item); } } },
    "Reject"));
}

/** A board card (focusable; Enter opens it, Space picks it up when the user may move it). */
export function card(item, members, handlers) {
  const comments = item.comment_count || 0;
  return h("li", {
    class: "card", tabindex: "0", dataset: { id: String(item.id), status: item.status },
    "aria-label": `${item.title}, ${STATUS_LABELS[item.status] || item.status}`,
    "aria-describedby": handlers.canWrite ? "board-help" : null,
    on: { click: () => handlers.open(item.id) },
  },
  h("div", { class: "card-chips" }, priorityChip(item),
    isProposedOrigin(item) ? h("span", { class: "chip chip-ai", title: "Proposed by the analysis" },
      "Suggested") : null,
    dueChip(item)),
  h("p", { class: "card-title" }, item.title),
  h("div", { class: "card-foot" }, assigneeBadge(item, members),
    comments ? h("span", { class: "card-comments",
      title: `${comments} comment${comments === 1 ? "" : "s"}` }, icon("comment"), String(comments))
      : null),
  proposalButtons(item, handlers));
}

/** A row of the list view. */
export function listRow(item, members, handlers) {
  const open = (e) => { e.preventDefault(); handlers.open(item.id); };
  return h("tr", { class: "item-row", dataset: { id: String(item.id), status: item.status } },
    h("td", { class: "item-title-cell" },
      h("a", { href: `/app/action-items/${item.id}`, class: "item-link", on: { click: open } },
        item.title),
      h("div", { class: "item-row-chips" }, priorityChip(item), dueChip(item))),
    h("td", { "data-label": "Status" },
      h("span", { class: `chip chip-status chip-st-${item.status}` },
        STATUS_LABELS[item.status] || item.status)),
    h("td", { "data-label": "Assignee" }, assigneeBadge(item, members)),
    h("td", { "data-label": "Origin" }, isProposedOrigin(item) ? "Analysis" : "Manual"),
    h("td", { class: "item-actions" }, proposalButtons(item, handlers)));
}
