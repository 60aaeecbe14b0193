// Workflows: the team's rules with an on/off switch (admins) and their last runs, live on
// `workflow.executed`; each opens in the builder, "New workflow" starts one (admins). Managers
// read; members and viewers are told who may open the screen.

import { api } from "../core/api.js";
import { $, clear, h, toast } from "../core/dom.js";
import { subscribe } from "../core/realtime.js";
import { ago, can, readOnlyNote, refuse, startPage } from "../settings/common.js";

const RUNS = 5;
let workflows = [];
let canManage = false;
const runs = new Map(); // workflow id -> its last executions

const TRIGGERS = { "message.received": "a message arrives", "message.analyzed": "a message is analysed" };

function countConditions(c) {
  if (!c || typeof c !== "object") return 0;
  const items = c.all || c.any;
  if (!items) return c.type ? 1 : 0;
  return items.reduce((n, x) => n + Math.max(1, countConditions(x)), 0);
}

function summary(wf) {
  const n = countConditions(wf.conditions);
  const acts = wf.actions.map((a) => a.type.replaceAll("_", " ")).join(", ");
  return `When ${TRIGGERS[wf.trigger.type] || wf.trigger.type}` +
    (n === 1 ? ", if its condition holds" : "") +
    (n > 1 ? `, if ${wf.conditions.any ? "any" : "all"} of ${n} conditions hold` : "") +
    ` → ${acts}`;
}

function runLine(run) {
  let status;
  let cls;
  if (run.skipped) { status = "skipped (loop guard)"; cls = "wf-run-muted"; }
  else if (!run.matched) { status = "no match"; cls = "wf-run-muted"; }
  else if (run.error) { status = run.error; cls = "wf-run-error"; }
  else { status = `${run.results.length} action${run.results.length === 1 ? "" : "s"} done`; cls = "wf-run-ok"; }
  const failed = run.results.filter((r) => !r.ok).map((r) => `${r.type}: ${r.error}`).join("; ");
  return h("li", { class: "wf-run" },
    h("span", { class: cls }, status),
    h("span", { class: "muted" }, `message #${run.message_id ?? "?"} · ${run.duration_ms} ms · ${ago(run.created_at)}`),
    failed ? h("span", { class: "wf-run-error" }, failed) : null);
}

async function toggle(wf, input) {
  input.disabled = true;
  try {
    Object.assign(wf, await api.patch(`/workflows/${wf.id}`, { enabled: input.checked }));
    toast(`“${wf.name}” is ${wf.enabled ? "on" : "off"}.`);
  } catch (exc) {
    input.checked = wf.enabled;
    toast(exc.message, "error");
  }
  input.disabled = false;
  render();
}

function card(wf) {
  const input = h("input", { type: "checkbox", role: "switch", checked: wf.enabled, disabled: !canManage,
    "aria-label": `Workflow ${wf.name} on or off` });
  input.addEventListener("change", () => toggle(wf, input));
  const last = runs.get(wf.id) || [];
  return h("li", { class: "wf-card", dataset: { workflowId: wf.id } },
    h("div", { class: "wf-card-head" },
      h("h3", {}, h("a", { href: `/app/settings/workflows/${wf.id}` }, wf.name)),
      h("label", { class: "switch" }, input, h("span", {}, wf.enabled ? "On" : "Off"))),
    h("p", { class: "wf-summary" }, summary(wf)),
    h("p", { class: "wf-summary" }, `Last run ${ago(wf.last_executed_at)}`),
    last.length
      ? h("ul", { class: "wf-runs", "aria-label": `Last runs of ${wf.name}` }, last.map(runLine))
      : h("p", { class: "wf-summary" }, wf.enabled ? "No runs yet: it runs on the next message." : "Turned off."));
}

function render() {
  clear($("#wf-list")).append(...workflows.map(card));
  $("#wf-empty").hidden = workflows.length > 0;
  $("#wf-count").textContent = workflows.length
    ? `${workflows.filter((w) => w.enabled).length} of ${workflows.length} on` : "";
}

async function loadRuns(wf) {
  runs.set(wf.id, (await api.get(`/workflows/${wf.id}/executions?limit=${RUNS}`)).data);
}

startPage(async (session) => {
  if (!can(session, "workflows.read")) {
    refuse($("#wf-screen"), session, { title: "Workflows are for managers",
      who: "Managers, admins and owners can see workflows." });
    return;
  }
  canManage = can(session, "workflows.manage");
  if (!canManage) $("#wf-readonly").replaceWith(readOnlyNote(session, "turn workflows on or off"));
  $("#wf-new").hidden = !canManage;
  subscribe("workflow.executed", (run) => {
    const wf = workflows.find((w) => w.id === run.workflow_id);
    if (!wf) return;
    runs.set(wf.id, [run, ...(runs.get(wf.id) || []).filter((r) => r.id !== run.id)].slice(0, RUNS));
    wf.last_executed_at = run.created_at;
    render();
  });
  workflows = (await api.get("/workflows")).data;
  await Promise.all(workflows.map(loadRuns));
  render();
});
