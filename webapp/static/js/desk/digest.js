// The daily summary card's body: the stored digest (labelled with its provider and model) or
// the day's state: being written, failed with its reason, empty, or not generated yet.

import { h } from "../core/dom.js";
import { listTime, titleCase } from "../core/format.js";
import { importantRow } from "./important_item.js";

const dayFmt = new Intl.DateTimeFormat(undefined,
  { weekday: "long", day: "numeric", month: "long", timeZone: "UTC" });

/** "Tuesday 24 November" for a YYYY-MM-DD day (a calendar day, not an instant). */
export function dayName(day) {
  return dayFmt.format(new Date(`${day}T00:00:00Z`));
}

function bullets(title, items, empty) {
  return h("div", {}, h("h3", {}, title),
    items.length ? h("ul", { class: "bullets" }, items.map((text) => h("li", {}, String(text))))
      : h("p", { class: "empty-note" }, empty));
}

function actionColumn(actions) {
  const line = (label, n, href) => h("li", {}, h("a", { href }, `${n} ${label}`));
  const overdue = actions.overdue_items || [];
  return h("div", {}, h("h3", {}, "Action items"),
    h("ul", {},
      line("new", actions.new, "/app/action-items"),
      line("done", actions.done, "/app/action-items?status=done"),
      line("overdue", actions.overdue, "/app/action-items?due=overdue&view=list")),
    overdue.length ? h("ul", { class: "bullets" },
      overdue.map((i) => h("li", { class: "ellipsis" }, `${i.title} (due ${i.due_date})`))) : null);
}

function generatedBy(d) {
  const g = d.generated_by || {};
  const who = g.provider_name || titleCase(g.kind);
  return `Written by ${who} · ${g.model}${g.heuristic ? " (heuristic, no model key)" : ""}`
    + ` · ${listTime(d.created_at)}`;
}

function ready(d) {
  const c = d.counts;
  const convs = d.conversations || [];
  return [
    h("p", { class: "digest-meta", dataset: { role: "generated-by" } }, generatedBy(d)),
    h("p", { class: "digest-summary" }, d.summary),
    h("p", { class: "digest-meta" },
      `${c.messages} messages (${c.inbound} in, ${c.outbound} out) in ${c.conversations} `
      + `conversations · ${c.important} important`),
    h("div", { class: "digest-cols" },
      bullets("Highlights", d.highlights || [], "Nothing stood out."),
      bullets("Open issues", d.open_issues || [], "No open issues."),
      actionColumn(d.action_items)),
    (d.top_important || []).length ? h("div", {}, h("h3", {}, "Top important messages"),
      h("ul", { class: "mini-list" }, d.top_important.map(importantRow))) : null,
    convs.length ? h("div", { class: "digest-convs" },
      h("h3", {}, "Conversations"),
      convs.map((s) => h("details", {},
        h("summary", {}, `${s.title || "Conversation"} · ${s.message_count} `
          + `message${s.message_count === 1 ? "" : "s"}`),
        h("p", {}, s.summary),
        (s.key_points || []).length ? h("ul", { class: "bullets" },
          s.key_points.map((k) => h("li", {}, String(k)))) : null))) : null,
  ];
}

/**
 * The card body for a digest response. options: canGenerate, onRetry().
 */
export function digestBody(d, { canGenerate, onRetry }) {
  const day = dayName(d.day);
  switch (d.status) {
    case "ready":
      return ready(d);
    case "pending":
      return [h("div", { class: "digest-state", role: "status" },
        h("span", { class: "spinner", "aria-hidden": "true" }),
        `Writing the summary of ${day}… it appears here when it is ready.`)];
    case "failed":
      return [h("div", { class: "digest-state is-error", role: "alert" },
        h("span", {}, `The summary of ${day} could not be written: ${d.error}`),
        canGenerate ? h("button", { type: "button", class: "btn btn-sm", on: { click: onRetry } },
          "Try again") : null)];
    case "empty":
      return [h("div", { class: "digest-state" },
        `No messages on ${day}, so there is nothing to summarise.`)];
    default:
      return [h("div", { class: "digest-state" },
        `No summary of ${day} yet. It is written every night after the day ends; `
        + "a member can have it written now by opening this day.")];
  }
}
