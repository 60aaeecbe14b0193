// The Home screen: the daily summary (yesterday by default, a day picker), the window's
// counters (each links to its filtered list), important unresolved messages, the WhatsApp
// numbers and LLM spend against budget. Live: frames re-read the counters (debounced), a
// daily_summary.created frame for the shown day replaces the card.

import { api } from "../core/api.js";
import { $, $$, debounce, h, toast } from "../core/dom.js";
import { listTime } from "../core/format.js";
import { initLayout } from "../core/layout.js";
import * as realtime from "../core/realtime.js";
import { allowed } from "../core/session.js";
import { dayName, digestBody } from "../desk/digest.js";
import { importantRow } from "../desk/important_item.js";

const WINDOW_LABELS = { today: "today", "7d": "last 7 days", "30d": "last 30 days" };
const POLL_MS = 1500;
const view = { window: "today", day: null, latestDay: null, canGenerate: false, canCosts: false,
  poll: 0, token: 0 };

function shiftDay(day, by) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + by);
  return d.toISOString().slice(0, 10);
}

function showDay() {
  const input = $("#day-input");
  input.value = view.day || "";
  if (view.latestDay) input.max = view.latestDay;
  $("#day-next").disabled = !view.day || (view.latestDay && view.day >= view.latestDay);
  $("#day-prev").disabled = !view.day;
}

function renderDigest(d) {
  $("#digest-body").replaceChildren(...digestBody(d, {
    canGenerate: view.canGenerate, onRetry: () => loadDigest(view.day, true),
  }).filter(Boolean));
  $("#digest-title").textContent = `Daily summary · ${dayName(d.day)}`;
}

async function loadDigest(day, retry = false) {
  window.clearTimeout(view.poll);
  view.token += 1;
  const mine = view.token;
  try {
    const d = await api.get("/daily-summary", { date: day || "", retry });
    if (mine !== view.token) return;
    if (!view.latestDay) view.latestDay = d.day; // the server's "yesterday" for this team
    view.day = d.day;
    showDay();
    renderDigest(d);
    if (d.status === "pending") view.poll = window.setTimeout(() => loadDigest(d.day), POLL_MS);
  } catch (exc) {
    if (mine !== view.token) return;
    $("#digest-body").replaceChildren(h("div", { class: "digest-state is-error", role: "alert" },
      `Could not load the summary: ${exc.message}`));
  }
}

function counter(label, value, href, alert = false) {
  const body = [h("span", { class: "counter-value" }, String(value)),
    h("span", { class: "counter-label" }, label)];
  return h("li", { class: `counter${alert && value > 0 ? " is-alert" : ""}` },
    href ? h("a", { href }, body) : h("div", {}, body));
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function renderCounters(d) {
  const a = d.action_items;
  const todo = Object.entries(a.by_status)
    .filter(([s]) => !["proposed", "done", "rejected", "dismissed"].includes(s))
    .reduce((n, [, v]) => n + v, 0);
  $("#window-label").textContent = `· ${WINDOW_LABELS[d.window]}`;
  $("#counters").replaceChildren(
    counter("Messages in", d.messages.inbound, "/app/conversations"),
    counter("Messages out", d.messages.outbound, null),
    counter("Open conversations", d.conversations.open, "/app/conversations?status=open"),
    counter("Pending conversations", d.conversations.pending,
      "/app/conversations?status=pending"),
    counter("Unassigned", d.conversations.unassigned, "/app/conversations?status=open", true),
    counter("Important unresolved", d.important.open, "/app/important?status=open", true),
    counter("My action items", a.mine, "/app/action-items?assignee=me"),
    counter("Action items to do", todo, "/app/action-items"),
    counter("Proposed action items", a.by_status.proposed || 0,
      "/app/action-items?status=proposed"),
    counter("Overdue action items", a.overdue, "/app/action-items?due=overdue&view=list", true),
    counter("First response (median)", duration(d.first_response.median_seconds), null),
    counter("First response (p90)", duration(d.first_response.p90_seconds), null));
}

function renderDevices(devices) {
  const list = $("#devices");
  if (!devices.length) {
    list.replaceChildren(h("li", { class: "empty-note" },
      "No WhatsApp number yet. An admin adds one under WhatsApp numbers."));
    return;
  }
  list.replaceChildren(...devices.map((d) => h("li", { dataset: { status: d.status } },
    h("span", { class: `dot dot-${d.status}`, "aria-hidden": "true" }),
    h("span", { class: "ellipsis" }, d.display_name || "WhatsApp number"),
    h("span", { class: "muted" }, d.status.replace("_", " ")),
    d.last_seen ? h("span", { class: "muted" }, `· ${listTime(d.last_seen)}`) : null)));
}

function renderSpend(llm) {
  $("#spend-card").hidden = !llm;
  if (!llm) return;
  const mtd = Number(llm.month_to_date_usd);
  const budget = llm.monthly_budget_usd === null ? null : Number(llm.monthly_budget_usd);
  const pct = llm.budget_used_pct;
  let meter = null;
  if (budget) {
    const fill = h("span");
    fill.style.width = `${Math.min(pct, 100)}%`; // CSSOM, not a style attribute (CSP)
    meter = h("div", {
      class: `meter${pct >= 100 ? " is-over" : pct >= 80 ? " is-warning" : ""}`, role: "meter",
      "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(Math.min(pct, 100)),
      "aria-label": "Budget used",
    }, fill);
  }
  $("#spend").replaceChildren(...[
    h("div", { class: "spend-figures" },
      h("span", {}, h("strong", {}, `$${mtd.toFixed(2)}`), " this month"),
      h("span", { class: "muted" }, budget ? `of $${budget.toFixed(2)} budget (${pct}%)`
        : "no monthly budget set")),
    meter,
    h("p", { class: "muted" }, `$${Number(llm.today_usd).toFixed(2)} today (UTC)`),
  ].filter(Boolean));
}

async function loadDashboard() {
  try {
    const d = await api.get("/dashboard", { window: view.window });
    renderCounters(d);
    renderDevices(d.devices);
    renderSpend(d.llm);
  } catch (exc) {
    toast(`Could not load the counters: ${exc.message}`, "error");
  }
}

async function loadImportant() {
  const list = $("#home-important");
  try {
    const page = await api.get("/important-messages", { status: "open", limit: 5 });
    list.replaceChildren(...(page.data.length ? page.data.map(importantRow)
      : [h("li", { class: "empty-note" }, "Nothing waits for attention. Messages the analysis "
        + "finds important appear here.")]));
  } catch (exc) {
    list.replaceChildren(h("li", { class: "empty-note" }, `Could not load: ${exc.message}`));
  }
}

function wire() {
  for (const b of $$("#window-picker button")) {
    b.addEventListener("click", () => {
      view.window = b.dataset.window;
      for (const o of $$("#window-picker button")) {
        o.setAttribute("aria-pressed", String(o === b));
      }
      loadDashboard();
    });
  }
  $("#day-input").addEventListener("change", (event) => {
    if (event.target.value) loadDigest(event.target.value);
  });
  $("#day-prev").addEventListener("click", () => loadDigest(shiftDay(view.day, -1)));
  $("#day-next").addEventListener("click", () => loadDigest(shiftDay(view.day, 1)));
  // Frames that move a counter, debounced (a burst of traffic costs one re-read).
  const refresh = debounce(loadDashboard, 1000);
  const refreshImportant = debounce(loadImportant, 800);
  for (const type of ["message.created", "conversation.updated", "whatsapp.device",
    "action_item.created", "action_item.updated", "action_item.deleted"]) {
    realtime.subscribe(type, refresh);
  }
  for (const type of ["important_message.updated", "message.analyzed"]) {
    realtime.subscribe(type, () => { refresh(); refreshImportant(); });
  }
  realtime.subscribe("daily_summary.created", (d) => {
    if (d && d.day === view.day) {
      window.clearTimeout(view.poll);
      renderDigest(d);
    }
  });
  realtime.onState((s, info) => {
    if (s === "open" && info.resumed) { refresh(); refreshImportant(); }
  });
}

async function main() {
  const session = await initLayout();
  view.canGenerate = allowed(session.user.role, "analysis.run");
  wire();
  await realtime.connect();
  await Promise.all([loadDigest(null), loadDashboard(), loadImportant()]);
}

main().catch((exc) => {
  if (exc && exc.status === 401) return;
  toast(`The page could not start: ${exc.message}`, "error", 15000);
});
