// The add/edit form of an integration, generated from one description per type. Secrets are
// never shown: when editing, a secret field is empty with the stored masked hint as its
// placeholder, and is sent only when something was typed.

import { h } from "../core/dom.js";

export const EVENTS = ["message.created", "message.analyzed", "conversation.updated",
  "action_item.created", "action_item.updated", "workflow.executed", "delivery.failed"];

const bot = (v) => v.mode === "bot";
const hook = (v) => v.mode !== "bot";

export const TYPES = {
  slack: {
    label: "Slack",
    fields: [
      { name: "name", label: "Name", required: true, placeholder: "Ops channel" },
      { name: "mode", label: "Connect with", kind: "radio", local: true,
        options: [["webhook", "Incoming webhook"], ["bot", "Bot token (chat.postMessage)"]] },
      { name: "webhook_url", label: "Incoming-webhook URL", type: "url", secret: true, when: hook,
        hint: "Slack → Apps → Incoming Webhooks → the URL for your channel." },
      { name: "bot_token", label: "Bot token", type: "password", secret: true, when: bot,
        hint: "xoxb-… with the chat:write scope." },
      { name: "channel", label: "Channel", when: bot, placeholder: "#ops or C0123456" },
      { name: "api_base", label: "Slack API base (optional)", type: "url", when: bot,
        hint: "Leave empty for https://slack.com/api." },
    ],
  },
  email: {
    label: "E-mail (SMTP)",
    fields: [
      { name: "name", label: "Name", required: true, placeholder: "Company mail" },
      { name: "host", label: "SMTP host", required: true, placeholder: "smtp.example.com" },
      { name: "port", label: "Port", type: "number", hint: "Empty: 587 for STARTTLS, 465 for TLS." },
      { name: "tls", label: "Encryption", kind: "select",
        options: [["starttls", "STARTTLS"], ["tls", "TLS (implicit)"], ["none", "None"]] },
      { name: "username", label: "User name", autocomplete: "off" },
      { name: "password", label: "Password", type: "password", secret: true },
      { name: "from_address", label: "From address", type: "email", required: true,
        placeholder: "support@example.com",
        hint: "Invitations and password resets of this team are sent through this server too." },
    ],
  },
  webhook: {
    label: "Webhook",
    fields: [
      { name: "name", label: "Name", required: true, placeholder: "Our CRM" },
      { name: "url", label: "URL", type: "url", required: true, placeholder: "https://…" },
      { name: "events", label: "Events", kind: "checks", options: EVENTS },
      { name: "signing_secret", label: "Signing secret (optional)", type: "password",
        secret: true, hint: "whsec_… — leave empty and one is generated for you." },
    ],
  },
};

function inputFor(field, value, hints) {
  const id = `f-${field.name}`;
  if (field.kind === "select") {
    return h("select", { id, name: field.name, class: "select" },
      field.options.map(([v, label]) => h("option", { value: v, selected: v === value }, label)));
  }
  const placeholder = field.secret && hints[field.name]
    ? `Stored (${hints[field.name]}) — leave empty to keep`
    : field.placeholder;
  return h("input", {
    id, name: field.name, type: field.type || "text", required: field.required && !field.secret,
    value: field.secret || value === undefined || value === null ? null : String(value),
    placeholder, autocomplete: field.secret ? "new-password" : (field.autocomplete || "off"),
    min: field.type === "number" ? "1" : null, max: field.type === "number" ? "65535" : null,
  });
}

function groupFor(field, value) {
  const type = field.kind === "radio" ? "radio" : "checkbox";
  const chosen = field.kind === "checks" ? new Set(value || ["*"]) : new Set([value]);
  const all = field.kind === "checks" && chosen.has("*");
  const options = field.kind === "checks"
    ? [["*", "All events"], ...field.options.map((e) => [e, e])] : field.options;
  return h("fieldset", { id: `f-${field.name}` }, h("legend", {}, field.label),
    options.map(([v, label]) => h("label", {},
      h("input", { type, name: field.name, value: v, checked: all ? v === "*" : chosen.has(v) }),
      label)));
}

/** Render the fields of `type` into `host`, prefilled from `values` (config) and `hints`. */
export function renderFields(host, type, values = {}, hints = {}) {
  const state = { mode: values.mode || "webhook" };
  const rows = TYPES[type].fields.map((field) => {
    const control = field.kind === "radio" || field.kind === "checks"
      ? groupFor(field, field.name === "mode" ? state.mode : values[field.name])
      : h("div", { class: "field" }, h("label", { for: `f-${field.name}` }, field.label),
        inputFor(field, values[field.name], hints),
        field.hint ? h("p", { class: "hint" }, field.hint) : null);
    return { field, el: control };
  });
  const sync = () => {
    for (const { field, el } of rows) el.hidden = field.when ? !field.when(state) : false;
  };
  host.replaceChildren(...rows.map((r) => r.el));
  host.addEventListener("change", (event) => {
    if (event.target.name === "mode") { state.mode = event.target.value; sync(); }
  });
  sync();
}

/** The body to send: every visible field (create) or only what changed (edit). */
export function readFields(host, type, initial = null) {
  const body = {};
  const mode = host.querySelector("input[name=mode]:checked")?.value || "webhook";
  for (const field of TYPES[type].fields) {
    if (field.local || (field.when && !field.when({ mode }))) continue;
    let value;
    if (field.kind === "checks") {
      value = Array.from(host.querySelectorAll(`input[name=${field.name}]:checked`), (i) => i.value);
      if (value.includes("*") || value.length === 0) value = ["*"];
    } else {
      const raw = host.querySelector(`[name=${field.name}]`).value.trim();
      value = field.type === "number" ? (raw ? Number(raw) : null) : raw;
    }
    if (field.secret) { if (value) body[field.name] = value; continue; }
    if (initial === null) {
      if (value !== "" && value !== null) body[field.name] = value;
    } else if (JSON.stringify(value) !== JSON.stringify(initial[field.name] ?? (value === "" ? "" : null))) {
      body[field.name] = value === "" ? null : value;
    }
  }
  if (type === "slack" && initial !== null && mode !== (initial.mode || "webhook")) {
    body._mode_changed = true;
  }
  return body;
}
