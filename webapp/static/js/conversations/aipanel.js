// The AI section of the details panel: the conversation's latest summary and key points (with
// "Summarise" and which provider answered), its attention score, how many messages were
// analysed and judged important, and the action items proposed from its messages with
// accept / reject, and "New action item" (the create form, this conversation filled in).
// Live: the page calls refresh() on summary.created, conversation.scored,
// message.analyzed and action_item.* frames of this conversation.

import { api } from "../core/api.js";
import { $, announce, h, toast } from "../core/dom.js";
import { fullTime } from "../core/format.js";

function who(row) {
  if (!row) return "";
  const by = row.heuristic || row.provider_kind === "local"
    ? "the built-in analyser" : row.provider_name || row.provider_kind;
  return `by ${by} · ${row.model} · ${fullTime(row.created_at)}`;
}

/** options: canRun (summarise, score), canAct (accept/reject), onJump(messageId). */
export function createAiPanel(options) {
  const body = $("#ai-panel");
  let convId = null;
  let state = null; // {insights, proposed}
  let busy = "";
  let ticket = 0;

  async function action(label, fn) {
    busy = label;
    paint();
    try {
      await fn();
      await load();
    } catch (exc) {
      toast(`${label} failed: ${exc.message}`, "error");
    } finally {
      busy = "";
      paint();
    }
  }

  function summaryCard(summary) {
    const button = options.canRun
      ? h("button", { type: "button", class: "btn btn-sm", disabled: Boolean(busy),
        on: { click: () => action("Summarise", async () => {
          await api.post("/conversations/summarize", { conversation_id: convId });
          announce("Summary ready");
        }) } }, busy === "Summarise" ? "Summarising…" : summary ? "Summarise again" : "Summarise")
      : null;
    return h("section", { class: "ai-card", "aria-labelledby": "ai-summary-title" },
      h("div", { class: "contact-section-head" },
        h("h4", { id: "ai-summary-title" }, "Summary"), button),
      summary
        ? [h("p", { class: "ai-summary" }, summary.summary),
          summary.key_points.length
            ? h("ul", { class: "ai-points" }, summary.key_points.map((p) => h("li", {}, p))) : null,
          h("p", { class: "muted small ai-by" }, who(summary))]
        : h("p", { class: "muted small" }, options.canRun
          ? "No summary yet. “Summarise” asks the analysis for one."
          : "No summary yet."));
  }

  function scoreCard(score) {
    const button = options.canRun
      ? h("button", { type: "button", class: "btn btn-sm", disabled: Boolean(busy),
        on: { click: () => action("Score", () => api.post(`/conversations/${convId}/score`)) } },
      busy === "Score" ? "Scoring…" : "Score")
      : null;
    return h("section", { class: "ai-card" },
      h("div", { class: "contact-section-head" }, h("h4", {}, "Attention score"), button),
      score
        ? [h("p", { class: "ai-score" }, h("strong", { class: "ai-score-value" }, String(score.score)),
          h("span", { class: "muted" }, ` / 100 · ${score.urgency} urgency · ${score.satisfaction}`)),
          score.reason ? h("p", { class: "small" }, score.reason) : null,
          h("p", { class: "muted small ai-by" }, who(score))]
        : h("p", { class: "muted small" }, "Not scored yet."));
  }

  function proposedCard(items) {
    const rows = items.map((item) => h("li", { class: "ai-item", dataset: { id: String(item.id) } },
      h("span", { class: "ai-item-title" }, item.title),
      item.description ? h("span", { class: "muted small" }, item.description) : null,
      h("span", { class: "muted small" }, item.provenance && item.provenance.model
        ? `Proposed by ${item.provenance.provider_name || "the built-in analyser"} · ${item.provenance.model}`
        : "Proposed by the analysis"),
      options.canAct ? h("span", { class: "ai-item-actions" },
        h("button", { type: "button", class: "btn btn-sm btn-primary",
          "aria-label": `Accept: ${item.title}`,
          on: { click: () => action("Accept", () => api.post(`/action-items/${item.id}/accept`)) } },
        "Accept"),
        h("button", { type: "button", class: "btn btn-sm btn-ghost",
          "aria-label": `Reject: ${item.title}`,
          on: { click: () => action("Reject", () => api.post(`/action-items/${item.id}/reject`)) } },
        "Reject")) : null));
    const create = options.canAct
      ? h("a", { class: "btn btn-sm", id: "ai-new-item",
        href: `/app/action-items?new=1&conversation=${convId}` }, "New action item")
      : null;
    return h("section", { class: "ai-card" },
      h("div", { class: "contact-section-head" }, h("h4", {}, "Proposed action items"), create),
      rows.length ? h("ul", { class: "ai-items" }, rows)
        : h("p", { class: "muted small" },
          "None waiting. Items the analysis proposes from this conversation appear here."));
  }

  function paint() {
    if (!convId) { body.replaceChildren(); return; }
    if (!state) { body.replaceChildren(h("p", { class: "muted" }, "Loading…")); return; }
    const { insights, proposed } = state;
    body.replaceChildren(
      h("p", { class: "ai-counts" },
        h("span", {}, h("strong", {}, String(insights.analysed)), " analysed"),
        h("span", {}, h("strong", {}, String(insights.important)), " important")),
      summaryCard(insights.summary), scoreCard(insights.score), proposedCard(proposed));
  }

  async function load() {
    const mine = ++ticket;
    const id = convId;
    if (!id) return;
    try {
      const [insights, proposed] = await Promise.all([
        api.get(`/conversations/${id}/insights`),
        api.get("/action-items", { conversation_id: id, status: "proposed", limit: 50 })
          .then((page) => page.data).catch(() => []),
      ]);
      if (mine !== ticket || id !== convId) return;
      state = { insights, proposed };
    } catch (exc) {
      if (mine !== ticket) return;
      body.replaceChildren(h("p", { class: "muted" }, `The analysis is not available: ${exc.message}`));
      return;
    }
    paint();
  }

  return {
    show(conv) {
      if (conv.id !== convId) { convId = conv.id; state = null; paint(); load(); }
    },
    refresh: load,
    current: () => convId,
  };
}
