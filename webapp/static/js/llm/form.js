// The provider form (add and edit). The key is never shown, only its masked hint; leaving the
// field empty keeps it, but changing the endpoint of a provider that has a key requires the key
// again (so a key is never sent to a server its owner did not choose). Only changed fields are
// sent on edit.

import { api } from "../core/api.js";
import { $ } from "../core/dom.js";
import { formError } from "../settings/common.js";

const DEFAULT_MODELS = {
  anthropic: "claude-3-opus-20240229", openai: "gpt-4-turbo", cohere: "command-r-plus",
  openai_compatible: "", local: "heuristic",
};
const NUMBERS = ["temperature", "max_tokens", "requests_per_minute", "requests_per_day"];
const MONEY = ["monthly_budget_usd", "price_input_per_mtok", "price_output_per_mtok"];

function value(form, name) {
  const el = form.elements.namedItem(name);
  if (el.type === "checkbox") return el.checked;
  const raw = el.value.trim();
  if (raw === "") return null;
  if (NUMBERS.includes(name)) return Number(raw);
  return raw; // money stays a decimal string; names, models, URLs as typed
}

/** Create the form controller: open({provider?}), close(); onSaved(provider) after a save. */
export function createProviderForm({ onSaved }) {
  const panel = $("#provider-panel");
  const form = $("#provider-form");
  const kind = $("#pf-kind");
  const key = $("#pf-key");
  const base = $("#pf-base");
  let editing = null;

  function keyRule() {
    const k = kind.value;
    const movedWithKey = editing && editing.has_api_key && (base.value.trim() || null) !== (editing.api_base || null);
    $("#pf-base-field").hidden = k === "local";
    $("#pf-key-field").hidden = k === "local";
    key.required = !editing ? ["anthropic", "openai", "cohere"].includes(k) : Boolean(movedWithKey);
    const hint = $("#pf-key-hint");
    if (movedWithKey) hint.textContent = "The endpoint changed: enter the key again.";
    else if (editing && editing.has_api_key) hint.textContent = `Saved key ${editing.api_key_hint || ""}; leave empty to keep it.`;
    else hint.textContent = k === "openai_compatible" ? "Optional for local servers." : "";
    base.placeholder = k === "openai_compatible" ? "http://127.0.0.1:11434/v1" : "the provider's own (optional)";
    $("#pf-model").placeholder = DEFAULT_MODELS[k] || "model name";
  }

  function fill(p) {
    form.reset();
    formError(form, null);
    for (const name of ["name", "model", "api_base", ...NUMBERS, ...MONEY]) {
      const el = form.elements.namedItem(name);
      el.value = p && p[name] !== null && p[name] !== undefined ? String(p[name]) : "";
    }
    kind.value = p ? p.kind : "openai";
    kind.disabled = Boolean(p);
    $("#pf-active").checked = p ? p.active : true;
    $("#pf-default").checked = p ? p.is_default : false;
  }

  function body() {
    const out = {};
    for (const name of ["name", "model", "api_base", "api_key", ...NUMBERS, ...MONEY, "active", "is_default"]) {
      const v = value(form, name);
      if (!editing) {
        if (v !== null && v !== false) out[name] = v;
        continue;
      }
      if (name === "api_key") { if (v !== null) out.api_key = v; continue; }
      const before = editing[name] === undefined ? null : editing[name];
      const same = v === before || (v !== null && before !== null && String(v) === String(before))
        || (MONEY.includes(name) && v !== null && before !== null && Number(v) === Number(before));
      if (!same) out[name] = v;
    }
    if (!editing) {
      out.kind = kind.value;
      if ("active" in out === false) out.active = false;
    }
    return out;
  }

  async function submit(ev) {
    ev.preventDefault();
    if (key.required && !key.value.trim()) {
      formError(form, { message: "Enter the API key.", details: { fields: { api_key: "required" } } });
      return;
    }
    try {
      const saved = editing
        ? await api.patch(`/llm/providers/${editing.id}`, body())
        : await api.post("/llm/providers", body());
      close();
      onSaved(saved, !editing);
    } catch (exc) {
      formError(form, exc);
    }
  }

  function open(provider = null) {
    editing = provider;
    fill(provider);
    $("#provider-form-title").textContent = provider ? `Edit ${provider.name}` : "Add a provider";
    $("#pf-submit").textContent = provider ? "Save changes" : "Add provider";
    keyRule();
    panel.hidden = false;
    panel.scrollIntoView({ block: "nearest" });
    $("#pf-name").focus();
  }

  function close() {
    panel.hidden = true;
    editing = null;
  }

  kind.addEventListener("change", keyRule);
  base.addEventListener("input", keyRule);
  form.addEventListener("submit", submit);
  $("#pf-cancel").addEventListener("click", close);
  return { open, close };
}
