// Feature routing: each feature's providers in order, reordered by dragging (SortableJS) or
// with the arrow buttons / Alt+ArrowUp and Alt+ArrowDown (the keyboard alternative); then the
// default provider, then the built-in analyser. Each feature says which provider it will use
// now: the first active one whose circuit lets calls through.

import { api } from "../core/api.js";
import { $, announce, clear, h, toast } from "../core/dom.js";
import Sortable from "../../vendor/sortablejs-1.15.6/sortable.esm.js";

const LABELS = {
  importance_detection: "Importance detection", action_extraction: "Action extraction",
  summarization: "Conversation summaries", daily_summary: "Daily summary",
  conversation_scoring: "Conversation scoring",
};
const BLOCKED = new Set(["inactive", "cooling_down", "misconfigured", "secret_unreadable", "unhealthy"]);

function usable(providerId, ctx) {
  const p = ctx.providers.get(providerId);
  const health = ctx.health.get(providerId);
  if (p && !p.active) return false;
  return !(health && BLOCKED.has(health.status));
}

const WHY = { route: "first on its route", default: "the default provider", local: "offline, heuristic" };

/** Which provider a feature will actually use now, and why: the server's `effective` step
 * (the first step of its chain whose breaker lets a call through, as routing decides); an
 * older server without it: the first step whose provider is active and not failing. */
export function effectiveProvider(feature, ctx) {
  const chain = feature.chain || [
    ...feature.providers.filter((r) => r.active !== false).map((r) => ({ ...r, source: "route" })),
    ...(feature.fallback.default_provider_id === null ? [] : [{ source: "default",
      provider_id: feature.fallback.default_provider_id, name: feature.fallback.default_provider_name }]),
    { source: "local", provider_id: null, name: feature.fallback.local },
  ];
  const step = feature.effective
    || chain.find((s) => s.provider_id === null || usable(s.provider_id, ctx)) || chain[chain.length - 1];
  const at = chain.findIndex((s) => s.source === step.source && s.provider_id === step.provider_id);
  const skipped = at > 0 && chain.slice(0, at).some((s) => s.available === false || (s.available === undefined && s.source === step.source));
  return { name: step.name, why: skipped ? `${WHY[step.source]}; the ones before it are cooling down` : WHY[step.source] };
}

async function saveOrder(feature, ids) {
  // One request: the route becomes exactly this order (first tried first).
  await api.put(`/llm/features/${feature}/providers`, { provider_ids: ids });
}

function routeItem(feature, r, index, count, ctx) {
  const move = (delta) => ctx.move(feature.name, r.provider_id, delta);
  const item = h("li", { class: "route-item", dataset: { providerId: r.provider_id }, tabindex: ctx.canManage ? "0" : null,
    "aria-label": `${index + 1}. ${r.name}` },
  ctx.canManage ? h("span", { class: "drag-handle", "aria-hidden": "true", title: "Drag to reorder" }, "⠿") : null,
  h("span", { class: "route-name" }, h("strong", {}, r.name), h("span", { class: "sub" }, r.model)),
  r.active === false ? h("span", { class: "chip" }, "Inactive") : null,
  ctx.canManage ? h("span", { class: "route-buttons" },
    h("button", { class: "btn-icon", type: "button", disabled: index === 0,
      "aria-label": `Move ${r.name} up in ${LABELS[feature.name] || feature.name}`, on: { click: () => move(-1) } }, "↑"),
    h("button", { class: "btn-icon", type: "button", disabled: index === count - 1,
      "aria-label": `Move ${r.name} down in ${LABELS[feature.name] || feature.name}`, on: { click: () => move(1) } }, "↓"),
    h("button", { class: "btn-icon", type: "button",
      "aria-label": `Remove ${r.name} from ${LABELS[feature.name] || feature.name}`, on: { click: () => ctx.unassign(feature.name, r) } }, "×"))
    : null);
  item.addEventListener("keydown", (ev) => {
    if (!ctx.canManage || !ev.altKey || (ev.key !== "ArrowUp" && ev.key !== "ArrowDown")) return;
    ev.preventDefault();
    move(ev.key === "ArrowUp" ? -1 : 1);
  });
  return item;
}

function featureBlock(feature, ctx) {
  const label = LABELS[feature.name] || feature.name;
  const uses = effectiveProvider(feature, ctx);
  const list = h("ol", { class: "route-list", "aria-label": `${label} providers in order` },
    feature.providers.map((r, i) => routeItem(feature, r, i, feature.providers.length, ctx)));
  const onRoute = new Set(feature.providers.map((r) => r.provider_id));
  const candidates = [...ctx.providers.values()].filter((p) => !onRoute.has(p.id) && p.kind !== undefined);
  const add = ctx.canManage && candidates.length
    ? h("select", { class: "select", "aria-label": `Add a provider to ${label}`,
      on: { change: (ev) => { if (ev.target.value) ctx.assign(feature.name, Number(ev.target.value)); } } },
    h("option", { value: "" }, "Add a provider…"),
    candidates.map((p) => h("option", { value: p.id }, p.name)))
    : null;
  const block = h("section", { class: "route", dataset: { feature: feature.name }, "aria-label": label },
    h("header", { class: "route-head" },
      h("h3", {}, label),
      h("p", { class: "route-uses" }, "Uses now: ", h("strong", { class: "uses-name" }, uses.name),
        h("span", { class: "muted" }, ` (${uses.why})`))),
    feature.providers.length ? list : h("p", { class: "muted route-none" }, "No providers of its own."),
    h("p", { class: "route-tail muted" }, feature.fallback.default_provider_name
      ? `Then the default (${feature.fallback.default_provider_name}), then the ${feature.fallback.local.toLowerCase()}.`
      : `Then the ${feature.fallback.local.toLowerCase()}.`),
    add);
  if (ctx.canManage && feature.providers.length > 1) {
    Sortable.create(list, {
      handle: ".drag-handle", animation: 120,
      onEnd: () => {
        const ids = [...list.children].map((li) => Number(li.dataset.providerId));
        ctx.reorder(feature.name, ids);
      },
    });
  }
  return block;
}

/** Create the routing panel: render(features, ctx-parts), reacting to edits through the API. */
export function createRouting({ canManage, reload }) {
  const root = $("#routing");
  let features = [];
  const ctx = { canManage, providers: new Map(), health: new Map() };

  async function persist(name, ids, focusId = null) {
    try {
      await saveOrder(name, ids);
      announce(`${LABELS[name] || name}: order saved.`);
    } catch (exc) {
      toast(exc.message, "error");
    }
    await reload();
    if (focusId !== null) root.querySelector(`[data-feature="${name}"] [data-provider-id="${focusId}"]`)?.focus();
  }

  ctx.reorder = (name, ids) => persist(name, ids);
  ctx.move = (name, providerId, delta) => {
    const feature = features.find((f) => f.name === name);
    const ids = feature.providers.map((r) => r.provider_id);
    const at = ids.indexOf(providerId);
    const to = at + delta;
    if (at < 0 || to < 0 || to >= ids.length) return;
    [ids[at], ids[to]] = [ids[to], ids[at]];
    persist(name, ids, providerId);
  };
  ctx.assign = async (name, providerId) => {
    const feature = features.find((f) => f.name === name);
    await persist(name, [...feature.providers.map((r) => r.provider_id), providerId]);
  };
  ctx.unassign = async (name, r) => {
    try {
      await api.del(`/llm/features/${name}/providers/${r.provider_id}`);
    } catch (exc) {
      toast(exc.message, "error");
    }
    await reload();
  };

  function render(nextFeatures, providers, health) {
    features = nextFeatures;
    ctx.providers = new Map(providers.map((p) => [p.id, p]));
    ctx.health = new Map(health.map((x) => [x.provider_id, x]));
    clear(root).append(...features.map((f) => featureBlock(f, ctx)));
  }
  return { render };
}
