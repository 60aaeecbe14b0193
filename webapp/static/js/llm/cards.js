// Provider cards: kind, model, health (status, circuit, p50/p95, valid-output rate), month-to-
// date spend against the budget as a bar, and the inline result of the last test.

import { h } from "../core/dom.js";
import { titleCase } from "../core/format.js";

export const KIND_LABELS = {
  anthropic: "Anthropic", openai: "OpenAI", cohere: "Cohere",
  openai_compatible: "OpenAI-compatible", local: "Built-in (offline)",
};
const HEALTH = {
  healthy: "chip-ok", degraded: "chip-warn", unhealthy: "chip-bad", cooling_down: "chip-bad",
  misconfigured: "chip-bad", secret_unreadable: "chip-bad", inactive: "", unknown: "chip-info",
};

const usd = (v) => (v === null || v === undefined ? "—" : `$${Number(v).toFixed(2)}`);
const pct = (v) => (v === null || v === undefined ? "—" : `${Math.round(Number(v) * 100)}%`);
const ms = (v) => (v === null || v === undefined ? "—" : `${Math.round(v)} ms`);

function stat(label, value) {
  return h("div", { class: "stat" }, h("dt", {}, label), h("dd", {}, value));
}

function budgetBar(cmp, provider) {
  const spent = cmp ? cmp.month_to_date_usd : null;
  const budget = provider.monthly_budget_usd;
  if (budget === null || budget === undefined) {
    return h("p", { class: "budget-line" }, `Month to date ${usd(spent)} · no budget`);
  }
  const used = cmp && cmp.budget_used_pct !== null ? Number(cmp.budget_used_pct) : 0;
  const bar = h("div", { class: "budget-bar", role: "meter", "aria-valuemin": "0", "aria-valuemax": "100",
    "aria-valuenow": String(Math.min(100, Math.round(used))),
    "aria-label": `Budget used by ${provider.name}` }, h("span"));
  bar.firstChild.style.width = `${Math.min(100, used)}%`; // CSSOM: allowed by the CSP
  bar.classList.toggle("is-high", used >= 80);
  bar.classList.toggle("is-over", used >= 100);
  return h("div", { class: "budget" },
    h("p", { class: "budget-line" }, `${usd(spent)} of ${usd(budget)} this month (${used.toFixed(0)}%)`), bar);
}

/** The test result line of a card ({ok, status, latency_ms, error_message, reason}). */
export function testLine(result) {
  if (!result) return h("p", { class: "test-result", hidden: true });
  if (result.pending) return h("p", { class: "test-result" }, "Testing…");
  const text = result.ok
    ? `Test passed in ${Math.round(result.latency_ms)} ms`
    : `Test failed (${result.status}): ${result.error_message || result.reason || "no details"}`;
  return h("p", { class: `test-result ${result.ok ? "is-ok" : "is-bad"}`, role: "status" }, text);
}

/** One provider's card; `actions` = {edit, test, remove} callbacks (absent: read only). */
export function providerCard(p, health, cmp, test, actions) {
  const status = health ? health.status : "unknown";
  return h("article", { class: "provider-card", dataset: { providerId: p.id }, "aria-label": p.name },
    h("header", { class: "provider-head" },
      h("div", {},
        h("h3", {}, p.name),
        h("p", { class: "sub" }, `${KIND_LABELS[p.kind] || p.kind} · ${p.model}`)),
      h("div", { class: "provider-chips" },
        p.is_default ? h("span", { class: "chip chip-info" }, "Default") : null,
        h("span", { class: `chip ${HEALTH[status] || ""} provider-health` }, titleCase(status.replace("_", " "))))),
    h("dl", { class: "stats" },
      stat("Circuit", health ? titleCase(health.circuit || "closed") : "—"),
      stat("p50 / p95", health ? `${ms(health.p50_latency_ms)} / ${ms(health.p95_latency_ms)}` : "—"),
      stat("Valid output", cmp ? pct(cmp.valid_output_rate) : "—"),
      stat("Key", p.has_api_key ? (p.api_key_hint || "saved") : "none")),
    p.api_base ? h("p", { class: "sub" }, p.api_base) : null,
    budgetBar(cmp, p),
    testLine(test),
    actions ? h("div", { class: "card-actions" },
      h("button", { class: "btn btn-sm", type: "button", "aria-label": `Test ${p.name}`, on: { click: () => actions.test(p) } }, "Test"),
      h("button", { class: "btn btn-sm", type: "button", "aria-label": `Edit ${p.name}`, on: { click: () => actions.edit(p) } }, "Edit"),
      h("button", { class: "btn btn-sm btn-danger-ghost", type: "button", "aria-label": `Delete ${p.name}`, on: { click: () => actions.remove(p) } }, "Delete"))
      : null);
}
