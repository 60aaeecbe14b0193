// Action items: the one status vocabulary, labels, and the calls to /api/v1/action-items.
// Shapes are the REST responses (the WebSocket frames carry the very same objects).

import { api } from "../core/api.js";

export const STATUSES = ["proposed", "todo", "in_progress", "blocked", "done", "rejected"];
export const STATUS_LABELS = {
  proposed: "Proposed", todo: "To do", in_progress: "In progress", blocked: "Blocked",
  done: "Done", rejected: "Rejected",
};
export const PRIORITIES = ["urgent", "high", "normal", "low"];
export const PRIORITY_LABELS = { urgent: "Urgent", high: "High", normal: "Normal", low: "Low" };

/** The assignee's user id, or null. */
export function assigneeId(item) {
  return item.assignee_id ?? null;
}

/** Whether the item was proposed by the analysis (not added by a person). */
export function isProposedOrigin(item) {
  return item.origin !== "manual";
}

/** Board order within a column: position, then id. */
export function byPosition(a, b) {
  return (a.position ?? 0) - (b.position ?? 0) || a.id - b.id;
}

/** Today's date as YYYY-MM-DD in the viewer's zone (due dates are calendar days). */
export function today(offsetDays = 0) {
  const d = new Date();
  d.setDate(d.getDate() + offsetDays);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Whether a not-finished item's due date has passed. */
export function isOverdue(item) {
  return Boolean(item.due_date) && item.due_date < today()
    && !["done", "rejected"].includes(item.status);
}

/** The API query for the screen's filters. */
export function queryFor(filters) {
  const query = { status: filters.status, assignee: filters.assignee, origin: filters.origin };
  if (filters.due === "overdue") query.due_before = today();
  else if (filters.due === "today") query.due_before = today(1);
  else if (filters.due === "week") query.due_before = today(8);
  return query;
}

/** Cards fetched per column and per "Load more". */
export const PAGE_SIZE = 50;

/** One page of a column in board order (keyset: pass the previous page's next_cursor). */
export function columnPage(query, status, cursor = null, limit = PAGE_SIZE) {
  return api.get("/action-items", { ...query, status, order: "position", limit, cursor });
}

export const itemsApi = {
  get: (id) => api.get(`/action-items/${id}`),
  create: (body) => api.post("/action-items", body),
  update: (id, body) => api.patch(`/action-items/${id}`, body),
  remove: (id) => api.del(`/action-items/${id}`),
  move: (id, status, position) => api.patch(`/action-items/${id}`, { status, position }),
  accept: (id) => api.post(`/action-items/${id}/accept`),
  reject: (id) => api.post(`/action-items/${id}/reject`),
  comments: (id, cursor) => api.get(`/action-items/${id}/comments`, { limit: 200, cursor }),
  comment: (id, body) => api.post(`/action-items/${id}/comments`, { body }),
  deleteComment: (id) => api.del(`/comments/${id}`),
};

/** Does an item pass the screen's filters (for live frames)? */
export function matches(item, filters, meId) {
  if (filters.status && item.status !== filters.status) return false;
  if (filters.assignee) {
    let want = Number(filters.assignee);
    if (filters.assignee === "me") want = meId;
    else if (filters.assignee === "none") want = null;
    if (assigneeId(item) !== want) return false;
  }
  if (filters.origin && (filters.origin === "manual") === isProposedOrigin(item)) return false;
  const before = queryFor(filters).due_before;
  if (before && !(item.due_date && item.due_date < before)) return false;
  return true;
}
