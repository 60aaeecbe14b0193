// LLM providers: cards with health and budget, the add/edit form, tests inline, feature routing
// (drag or keyboard), the comparison, recommendations and the automatic-analysis switch.
// Admins manage; managers read health, routing and numbers; others see a refusal.

import { api } from "../core/api.js";
import { $, clear, debounce, toast } from "../core/dom.js";
import * as realtime from "../core/realtime.js";
import { providerCard } from "../llm/cards.js";
import { createProviderForm } from "../llm/form.js";
import { renderComparison, renderRecommendations } from "../llm/insights.js";
import { createRouting } from "../llm/routing.js";
import { applyPermissions, can, confirmAction, readOnlyNote, refuse, startPage } from "../settings/common.js";

const state = { providers: [], health: [], comparison: [], tests: new Map(), canManage: false };
let routing = null;

function actions() {
  if (!state.canManage) return null;
  return { test: testOne, edit: (p) => form.open(p), remove: removeProvider };
}

function renderCards() {
  const health = new Map(state.health.map((x) => [x.provider_id, x]));
  const cmp = new Map(state.comparison.map((x) => [x.provider_id, x]));
  const cards = state.providers.map((p) => providerCard(p, health.get(p.id), cmp.get(p.id),
    state.tests.get(p.id), actions()));
  clear($("#provider-cards")).append(...cards);
  $("#providers-empty").hidden = state.providers.length > 0;
  $("#test-all").disabled = !state.providers.some((p) => p.active);
  const def = state.providers.find((p) => p.is_default);
  $("#providers-note").textContent = def ? `Default: ${def.name}` : (state.providers.length ? "No default provider" : "");
}

async function loadProviders() {
  if (state.canManage) {
    state.providers = (await api.get("/llm/providers")).data;
  } else {
    // Managers cannot read provider settings; health lists the same providers without them.
    state.providers = state.health.map((x) => ({ id: x.provider_id, name: x.name, kind: x.kind, model: x.model,
      active: x.active, is_default: false, has_api_key: false, monthly_budget_usd: null }));
  }
}

async function reload() {
  const [health, features, comparison, recos] = await Promise.all([
    api.get("/llm/health"), api.get("/llm/features"), api.get("/llm/providers/comparison"),
    api.get("/llm/recommendations"),
  ]);
  state.health = health.data;
  state.comparison = comparison.data;
  await loadProviders();
  renderCards();
  routing.render(features.data, state.providers, state.health);
  renderComparison(comparison.data);
  renderRecommendations(recos);
}

async function testOne(p) {
  state.tests.set(p.id, { pending: true });
  renderCards();
  try {
    state.tests.set(p.id, await api.post(`/llm/providers/${p.id}/test`));
  } catch (exc) {
    state.tests.set(p.id, { ok: false, status: exc.code, error_message: exc.message });
  }
  await reload();
}

async function testAll() {
  const button = $("#test-all");
  button.disabled = true;
  for (const p of state.providers.filter((x) => x.active)) state.tests.set(p.id, { pending: true });
  renderCards();
  try {
    const { data } = await api.post("/llm/bulk-test");
    for (const result of data) state.tests.set(result.provider_id, result);
  } catch (exc) {
    toast(exc.message, "error");
  }
  await reload();
}

async function removeProvider(p) {
  const ok = await confirmAction({
    title: `Delete ${p.name}?`,
    text: "It leaves every feature route; its usage history stays in the ledger and the analytics.",
    confirm: "Delete",
  });
  if (!ok) return;
  try {
    await api.del(`/llm/providers/${p.id}`);
    toast(`${p.name} was deleted.`);
  } catch (exc) {
    toast(exc.message, "error");
  }
  await reload();
}

const form = createProviderForm({
  onSaved: async (saved, created) => {
    toast(created && saved.is_default ? `${saved.name} was added and is now the default.`
      : `${saved.name} was saved.`);
    await reload();
  },
});

async function wireAnalysisSwitch(session) {
  const input = $("#auto-analyze");
  const label = $("#auto-analyze-label");
  const show = (on) => { input.checked = on; label.textContent = on ? "On" : "Off"; };
  show((await api.get("/analysis-settings")).auto_analyze);
  input.disabled = !can(session, "llm.providers.manage");
  input.addEventListener("change", async () => {
    try {
      show((await api.put("/analysis-settings", { auto_analyze: input.checked })).auto_analyze);
    } catch (exc) {
      show(!input.checked);
      toast(exc.message, "error");
    }
  });
}

startPage(async (session) => {
  applyPermissions(session);
  if (!can(session, "llm.usage.read")) {
    refuse($("#llm-screen"), session, {
      title: "LLM providers are managed by admins",
      who: "Managers can see the providers' health and costs; admins add and change them.",
    });
    return;
  }
  state.canManage = can(session, "llm.providers.manage");
  if (!state.canManage) {
    $("#llm-screen").prepend(readOnlyNote(session, "add, change or test providers"));
  }
  routing = createRouting({ canManage: state.canManage, reload });
  $("#provider-add").addEventListener("click", () => form.open());
  $("#test-all").addEventListener("click", testAll);
  realtime.subscribe("provider.health", debounce(() => reload().catch(() => {}), 400));
  await wireAnalysisSwitch(session);
  await reload();
});
