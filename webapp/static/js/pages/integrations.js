// Integrations: the team's Slack, e-mail and webhook destinations, a test button each, and
// the delivery log (live: a failed delivery refreshes it).

import { ApiError, api } from "../core/api.js";
import { $, $$, announce, h, toast } from "../core/dom.js";
import { listTime } from "../core/format.js";
import { initLayout } from "../core/layout.js";
import * as realtime from "../core/realtime.js";
import { allowed } from "../core/session.js";
import { DeliveryLog } from "../integrations/deliveries.js";
import { TYPES, readFields, renderFields } from "../integrations/forms.js";

const dialog = $("#int-dialog");
const formError = $("#int-form-error");
let editing = null; // { type, id?, initial? }
let log = null;

function emptyState() {
  return [h("h2", {}, "No integrations yet"),
    h("p", {}, "Connect Slack to post alerts to a channel, your SMTP server to send e-mail ",
      "(invitations and password resets use it too), or a webhook to feed your own systems. ",
      "Every integration has a “Send test” button, and every message it sends shows in its ",
      "delivery log.")];
}

function lastDelivery(i) {
  const d = i.last_delivery;
  if (!d) return h("p", { class: "int-last muted" }, "Nothing sent yet.");
  return h("p", { class: "int-last" }, "Last delivery: ",
    h("span", { class: `chip chip-${d.status}` }, d.status),
    h("span", { class: "muted" }, ` ${listTime(d.created_at)}`,
      d.last_status_code ? ` · ${d.last_status_code}` : ""));
}

function card(i) {
  const act = (label, fn, cls = "btn btn-sm") =>
    h("button", { class: cls, type: "button", on: { click: (e) => fn(i, e.currentTarget) } },
      label);
  return h("li", { class: "int-card", dataset: { id: i.id, active: String(i.active) } },
    h("div", {},
      h("h3", { class: "int-title" }, i.name,
        h("span", { class: `chip chip-${i.type}` }, TYPES[i.type].label),
        i.active ? null : h("span", { class: "chip chip-off" }, "Off")),
      h("p", { class: "int-summary" }, i.summary),
      i.incoming_url ? h("p", { class: "int-summary muted" },
        `Incoming: POST ${window.location.origin}${i.incoming_url}`) : null,
      lastDelivery(i)),
    h("div", { class: "int-actions" },
      act("Send test", sendTest, "btn btn-sm btn-primary"), act("Deliveries", (x) => log.open(x)),
      act("Edit", openEdit), act(i.active ? "Turn off" : "Turn on", toggle),
      act("Delete", remove, "btn btn-sm btn-danger-ghost")));
}

async function refresh() {
  const { data } = await api.get("/integrations");
  $("#int-list").replaceChildren(...data.map(card));
  $("#int-state").replaceChildren(...(data.length ? [] : emptyState()));
  return data;
}

function showSecret(integration) {
  const box = $("#int-secret");
  if (!integration.signing_secret) { box.hidden = true; return; }
  box.replaceChildren(
    h("strong", {}, `Signing secret of “${integration.name}” — copy it now, it is not shown again:`),
    h("code", { id: "new-secret" }, integration.signing_secret),
    h("span", { class: "muted" }, "Receivers verify webhook-signature with it (Standard Webhooks); ",
      "send incoming webhooks signed with it too."));
  box.hidden = false;
}

function openForm(type, title, values = {}, hints = {}) {
  $("#int-form-title").textContent = title;
  formError.hidden = true;
  renderFields($("#int-fields"), type, values, hints);
  dialog.showModal();
}

function openAdd(type) {
  editing = { type };
  openForm(type, `Add ${TYPES[type].label}`);
}

async function openEdit(i) {
  const cfg = await api.get(`/integrations/${i.id}/config`);
  editing = { type: i.type, id: i.id, initial: { name: cfg.name, ...cfg.config } };
  openForm(i.type, `Edit ${cfg.name}`, editing.initial, cfg.secrets);
}

function fieldProblem(exc) {
  const fields = (exc instanceof ApiError && exc.details && exc.details.fields) || {};
  const first = Object.keys(fields)[0];
  if (first) {
    const el = document.getElementById(`f-${first.split(".")[0]}`);
    if (el) el.focus();
  }
  return exc.message;
}

async function save(event) {
  event.preventDefault();
  const { type, id, initial } = editing;
  const body = readFields($("#int-fields"), type, id ? initial : null);
  delete body._mode_changed;
  try {
    let saved;
    if (id) {
      if (Object.keys(body).length === 0) { dialog.close(); return; }
      saved = await api.patch(`/integrations/${id}`, body);
    } else {
      saved = await api.post(`/integrations/${type}`, body);
    }
    dialog.close();
    showSecret(saved);
    announce(`${saved.name} saved.`);
    await refresh();
  } catch (exc) {
    formError.textContent = fieldProblem(exc);
    formError.hidden = false;
  }
}

async function sendTest(i, button) {
  button.disabled = true;
  button.textContent = "Sending…";
  try {
    const d = await api.post(`/integrations/${i.id}/test`, {});
    const ok = d.status === "delivered";
    toast(ok ? `Test delivered (${d.last_status_code}).` : `Test failed: ${d.last_error}`,
      ok ? "info" : "error", 8000);
    announce(ok ? "Test delivered." : "Test failed.");
  } catch (exc) {
    toast(exc.message, "error");
  }
  await refresh();
  if (log.integration && log.integration.id === i.id) await log.load();
}

async function toggle(i) {
  await api.patch(`/integrations/${i.id}`, { active: !i.active });
  await refresh();
}

async function remove(i) {
  if (!window.confirm(`Delete “${i.name}”? Its queued deliveries stop.`)) return;
  await api.del(`/integrations/${i.id}`);
  if (log.integration && log.integration.id === i.id) log.close();
  announce(`${i.name} deleted.`);
  await refresh();
}

async function main() {
  const session = await initLayout();
  const canManage = allowed(session.user.role, "integrations.manage");
  log = new DeliveryLog({ canReplay: canManage });
  if (!canManage) {
    $("#int-state").replaceChildren(h("h2", {}, "Managed by admins"),
      h("p", {}, "Integrations hold the team's Slack, e-mail and webhook credentials, so only ",
        "admins and owners can see and change them. Ask one of them if something should be ",
        "sent somewhere."));
    realtime.connect();
    return;
  }
  for (const el of $$("[data-needs]")) el.hidden = false;
  for (const btn of $$("[data-add]")) btn.addEventListener("click", () => openAdd(btn.dataset.add));
  $("#int-form").addEventListener("submit", save);
  $("#int-cancel").addEventListener("click", () => dialog.close());
  realtime.subscribe("delivery.failed", (data) => {
    refresh();
    if (log.integration && log.integration.id === data.integration_id) log.load();
  });
  realtime.connect();
  await refresh();
}

main();
