// The comparison table (last 30 days per provider) and the recommendations, each with the
// numbers it rests on.

import { $, clear, h } from "../core/dom.js";

const pct = (v) => (v === null || v === undefined ? "—" : `${Math.round(Number(v) * 100)}%`);
const usd = (v) => (v === null || v === undefined ? "—" : `$${Number(v).toFixed(4)}`);
const ms = (v) => (v === null || v === undefined ? "—" : `${Math.round(v)}`);

/** Fill the comparison table. */
export function renderComparison(rows) {
  const used = rows.filter((r) => r.requests > 0 || r.provider_id !== null);
  clear($("#comparison-body")).append(...used.map((r) => h("tr", {},
    h("td", { "data-label": "Provider" }, h("strong", {}, r.name), h("span", { class: "sub" }, r.model || "")),
    h("td", { "data-label": "Requests" }, String(r.requests)),
    h("td", { "data-label": "Success" }, pct(r.success_rate)),
    h("td", { "data-label": "Valid output" }, pct(r.valid_output_rate)),
    h("td", { "data-label": "p50 / p95" }, `${ms(r.p50_latency_ms)} / ${ms(r.p95_latency_ms)} ms`),
    h("td", { "data-label": "Cost" }, usd(r.cost_usd)),
    h("td", { "data-label": "Per 1,000 messages" }, usd(r.cost_per_1000_messages)))));
  $("#comparison-table").hidden = used.length === 0;
  $("#comparison-empty").hidden = used.length > 0;
}

/** Fill the recommendations list (or say why there are none yet). */
export function renderRecommendations(recos) {
  const list = clear($("#recommendations"));
  for (const r of recos.data) {
    list.append(h("li", { class: "reco", dataset: { type: r.type } },
      h("strong", {}, r.feature ? `${r.feature.replaceAll("_", " ")}: ` : ""), r.reason));
  }
  if (!recos.data.length) {
    const thin = (recos.insufficient_data || []).length;
    list.append(h("li", { class: "muted" }, thin
      ? `No recommendation yet: ${thin} provider/feature pair${thin === 1 ? " has" : "s have"} fewer than ${recos.min_samples} calls to judge.`
      : "No recommendation: nothing to improve with the data so far."));
  }
}
