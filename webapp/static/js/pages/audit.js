// The audit log: filters (actor, action, since, until), each entry's before/after as a diff,
// "Load more" pages, and a CSV export of the filtered rows that is itself recorded in the log
// (POST /audit-logs). Admins only; others see a refusal.

import { api } from "../core/api.js";
import { $, clear, h, toast } from "../core/dom.js";
import { fullTime } from "../core/format.js";
import { applyPermissions, can, refuse, startPage } from "../settings/common.js";

const KNOWN_ACTIONS = ["members", "invitations", "devices", "llm", "llm.routes", "labels",
  "tenant", "auth", "client.audit.export"];
const EXPORT_LIMIT = 10000;
const whenFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const state = { filters: {}, cursor: null, shown: 0 };

function filtersFromForm() {
  const iso = (v) => (v ? new Date(v).toISOString() : "");
  return { actor: $("#f-actor").value, action: $("#f-action").value.trim(),
    since: iso($("#f-since").value), until: iso($("#f-until").value) };
}

const show = (v) => (v === undefined ? "" : JSON.stringify(v));

/** A table of the keys of before/after: removed, added and changed values side by side. */
export function diffTable(before, after) {
  const b = before || {};
  const a = after || {};
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
  return h("table", { class: "diff" },
    h("thead", {}, h("tr", {}, h("th", {}, "Field"), h("th", {}, "Before"), h("th", {}, "After"))),
    h("tbody", {}, keys.map((k) => {
      const same = show(b[k]) === show(a[k]);
      return h("tr", { class: same ? "same" : "changed" },
        h("td", {}, k),
        h("td", { class: same || !(k in b) ? "" : "del" }, show(b[k])),
        h("td", { class: same || !(k in a) ? "" : "ins" }, show(a[k])));
    })));
}

function entryRows(e) {
  const hasDiff = e.before || e.after || (e.details && Object.keys(e.details).length);
  const detail = h("tr", { class: "diff-row", hidden: true },
    h("td", { colspan: "6" }, diffTable(e.before, e.after),
      e.details && Object.keys(e.details).length
        ? h("p", { class: "sub" }, `Details: ${JSON.stringify(e.details)}`) : null));
  const toggle = hasDiff ? h("button", { class: "btn btn-sm", type: "button", "aria-expanded": "false",
    "aria-label": `Show changes of entry ${e.id}`,
    on: { click: (ev) => {
      detail.hidden = !detail.hidden;
      ev.currentTarget.setAttribute("aria-expanded", String(!detail.hidden));
      ev.currentTarget.textContent = detail.hidden ? "Changes" : "Hide";
    } } }, "Changes") : null;
  const outcome = e.outcome === "denied" ? "chip-bad" : "chip-ok";
  return [h("tr", { dataset: { auditId: e.id } },
    h("td", { "data-label": "When", title: fullTime(e.created_at) }, whenFmt.format(new Date(e.created_at))),
    h("td", { "data-label": "Actor" }, e.actor_email || "system"),
    h("td", { "data-label": "Action" }, h("code", {}, e.action)),
    h("td", { "data-label": "Outcome" }, h("span", { class: `chip ${outcome}` }, e.outcome)),
    h("td", { "data-label": "Target" }, e.target_type ? `${e.target_type} ${e.target_id ?? ""}` : "—"),
    h("td", { class: "cell-actions" }, toggle)), detail];
}

async function load(more = false) {
  const query = { ...state.filters, limit: 50, cursor: more ? state.cursor : null };
  const page = await api.get("/audit-logs", query);
  const body = $("#audit-body");
  if (!more) { clear(body); state.shown = 0; }
  for (const e of page.data) body.append(...entryRows(e));
  state.shown += page.data.length;
  state.cursor = page.next_cursor;
  $("#audit-more").hidden = !page.next_cursor;
  $("#audit-table").hidden = state.shown === 0;
  $("#audit-empty").hidden = state.shown > 0;
  $("#audit-count").textContent = `${state.shown}${page.next_cursor ? "+" : ""} entr${state.shown === 1 ? "y" : "ies"}`;
}

function csvCell(value) {
  const text = value === null || value === undefined ? "" : (typeof value === "object" ? JSON.stringify(value) : String(value));
  // Quote everything; a leading formula character is neutralised for spreadsheets.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replaceAll('"', '""')}"`;
}

async function exportCsv() {
  const button = $("#audit-export");
  button.disabled = true;
  try {
    const rows = [];
    let cursor = null;
    do {
      const page = await api.get("/audit-logs", { ...state.filters, limit: 200, cursor });
      rows.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor && rows.length < EXPORT_LIMIT);
    const cols = ["id", "created_at", "actor_user_id", "actor_email", "action", "outcome",
      "target_type", "target_id", "before", "after", "details", "ip"];
    const csv = [cols.join(","), ...rows.map((r) => cols.map((c) => csvCell(r[c])).join(","))].join("\r\n");
    await api.post("/audit-logs", { action: "audit.export", target_type: "audit_logs",
      details: { rows: rows.length, filters: state.filters } });
    const link = h("a", { href: URL.createObjectURL(new Blob([csv], { type: "text/csv" })),
      download: `audit-log-${new Date().toISOString().slice(0, 10)}.csv` });
    document.body.append(link);
    link.click();
    link.remove();
    toast(`Exported ${rows.length} entr${rows.length === 1 ? "y" : "ies"}.`);
  } catch (exc) {
    toast(exc.message, "error");
  } finally {
    button.disabled = false;
  }
}

async function fillActors() {
  try {
    const { data } = await api.get("/members");
    $("#f-actor").append(...data.map((m) => h("option", { value: m.id }, `${m.name} (${m.email})`)));
  } catch { /* the filter then offers "Anyone" only */ }
  $("#f-action-list").append(...KNOWN_ACTIONS.map((a) => h("option", { value: a })));
}

startPage(async (session) => {
  if (!can(session, "audit.read")) {
    $(".page-actions").hidden = true;
    refuse($("#audit-screen"), session, { title: "The audit log is for admins",
      who: "Ask an admin or the owner if you need to know who changed something." });
    return;
  }
  applyPermissions(session);
  await fillActors();
  $("#audit-filters").addEventListener("submit", (ev) => {
    ev.preventDefault();
    state.filters = filtersFromForm();
    load().catch((exc) => toast(exc.message, "error"));
  });
  $("#f-clear").addEventListener("click", () => {
    $("#audit-filters").reset();
    state.filters = {};
    load().catch((exc) => toast(exc.message, "error"));
  });
  $("#audit-more").addEventListener("click", () => load(true).catch((exc) => toast(exc.message, "error")));
  $("#audit-export").addEventListener("click", exportCsv);
  await load();
});
