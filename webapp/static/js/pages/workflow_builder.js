// Workflow builder: one workflow (new or saved) as a form GENERATED from
// GET /api/v1/workflows/vocabulary — the trigger, the conditions (all/any, one nested level)
// and the ordered actions, each with the fields its parameters describe. Nothing here lists
// the triggers, conditions or actions: a new one in the vocabulary appears in the form.
// The dry run tries the unsaved form on stored messages (POST /workflows/test); a 400 names
// a JSON path and the message shows next to that field. After saving, the executions of the
// workflow are listed and new ones arrive live (`workflow.executed`). Admins and owners
// write; managers read the form with every control disabled; the others are refused.

import { api } from "../core/api.js";
import { $, $$, append, clear, h, toast } from "../core/dom.js";
import { subscribe } from "../core/realtime.js";
import { ago, can, confirmAction, readOnlyNote, refuse, startPage } from "../settings/common.js";

const LIST_PAGE = "/app/settings/workflows";
const RUNS = 20;

const screen = document.getElementById("wb-screen");
let workflowId = Number(screen.dataset.workflowId) || null;
let vocab = null;
let canManage = false;
let state = null; // { name, enabled, trigger: {type,...}, conditions: group, actions: [{type,...}] }
let runs = [];
let runsCursor = null;
let uid = 0;
const nextId = () => `wb-f${++uid}`;

// Which list an id parameter refers to follows its name (`label_id`, `user_ids`, ...), or
// the parameter's own `ref` ("integrations:slack") when the vocabulary gives one.
const SOURCES = [
  [/^(user|assignee|member)_ids?$/, "members"],
  [/^label_ids?$/, "labels"],
  [/^canned_response_ids?$/, "canned"],
  [/^integration_ids?$/, "integrations"],
  [/^device_ids?$/, "devices"],
];
const LOADERS = {
  members: { path: "/members", label: (m) => `${m.name} (${m.role})` },
  labels: { path: "/labels", label: (l) => l.name },
  canned: { path: "/canned-responses", label: (c) => `${c.title} (${c.shortcut})` },
  integrations: { path: "/integrations", label: (i) => i.name, needs: "integrations.manage" },
  devices: { path: "/whatsapp/devices", label: (d) => d.display_name || d.jid || `Number ${d.id}` },
};
const lists = {}; // source -> [{ value, label, type }] (absent: not loaded, e.g. not allowed)

function sourceOf(name, spec) {
  if (spec.ref) return String(spec.ref).split(":")[0];
  const hit = SOURCES.find(([re]) => re.test(name));
  return hit ? hit[1] : null;
}

function integrationType(spec) {
  if (spec.ref && String(spec.ref).includes(":")) return String(spec.ref).split(":")[1];
  const m = /\b(slack|e-?mail|webhook)\b/i.exec(spec.description || "");
  return m ? m[1].toLowerCase().replace("-", "") : null;
}

function optionsFor(source, spec) {
  const all = lists[source];
  if (!all) return null;
  if (source !== "integrations") return all;
  const type = integrationType(spec);
  return type ? all.filter((o) => o.type === type) : all;
}

async function loadLists(session) {
  const used = new Set();
  for (const part of ["triggers", "conditions", "actions"]) {
    for (const entry of vocab[part]) {
      for (const [name, spec] of Object.entries(entry.params || {})) {
        const source = sourceOf(name, spec);
        if (source && LOADERS[source]) used.add(source);
      }
    }
  }
  await Promise.all([...used].map(async (source) => {
    const loader = LOADERS[source];
    if (loader.needs && !can(session, loader.needs)) return;
    try {
      const rows = (await api.get(loader.path)).data;
      lists[source] = rows.map((r) => ({ value: r.id, label: loader.label(r), type: r.type }));
    } catch { /* the field falls back to a number input */ }
  }));
}

/** "create_action_item" -> "Create action item"; "user_ids" -> "Users". */
function human(name) {
  const text = String(name).replace(/_id$/, "").replace(/_ids$/, "s").replace(/[._]+/g, " ").trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function specOf(part, type) {
  return vocab[part].find((e) => e.type === type) || null;
}

// -- field errors: a 400 names JSON paths (`actions[1].text`, `conditions.all[0].any[1].value`)
function clearErrors() {
  for (const el of $$("[aria-invalid]", screen)) el.removeAttribute("aria-invalid");
  for (const el of $$(".field-error", screen)) el.remove();
  $("#wb-error").hidden = true;
}

/** Hide the form-level line once no field message is left (after typing or a re-render). */
function tidyErrors() {
  const box = $("#wb-error");
  if (box.dataset.kind === "fields" && !screen.querySelector(".field-error")) box.hidden = true;
}

function clearError(path) {
  const el = screen.querySelector(`[data-path="${CSS.escape(path)}"]`);
  if (!el) return;
  el.removeAttribute("aria-invalid");
  const box = el.closest(".field") || el;
  for (const err of $$(":scope > .field-error", box)) err.remove();
  tidyErrors();
}

function parentPath(path) {
  const m = /^(.*?)(\.[^.[\]]+|\[\d+\])$/.exec(path);
  return m ? m[1] : null;
}

function showErrors(exc) {
  clearErrors();
  const fields = (exc && exc.details && exc.details.fields) || {};
  const unplaced = [];
  let first = null;
  for (const [path, message] of Object.entries(fields)) {
    let at = path;
    let el = null;
    while (at && !(el = screen.querySelector(`[data-path="${CSS.escape(at)}"]`))) at = parentPath(at);
    if (!el || el.closest("[hidden]")) { unplaced.push(`${path}: ${message}`); continue; }
    const text = at === path ? message : `${path.slice(at.length).replace(/^\./, "")}: ${message}`;
    const error = h("span", { class: "field-error", dataset: { for: path } }, text);
    if (el.matches("input, select, textarea, fieldset")) {
      el.setAttribute("aria-invalid", "true");
      (el.closest(".field") || el.parentElement).append(error);
    } else {
      el.append(error);
    }
    first = first || el;
  }
  const box = $("#wb-error");
  box.textContent = unplaced.length ? `${exc.message} ${unplaced.join("; ")}`
    : "Check the highlighted fields.";
  box.dataset.kind = unplaced.length ? "message" : "fields";
  box.hidden = false;
  (first || box).scrollIntoView({ block: "center", behavior: "smooth" });
  if (first && first.focus) first.focus({ preventScroll: true });
}

// -- one parameter's field, by the parameter's type -------------------------------------------
function parseInteger(raw) {
  if (raw.trim() === "") return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : raw; // not an integer: the API names the field
}

function selectControl(id, path, options, value, required, onPick) {
  const known = options.some((o) => String(o.value) === String(value));
  const sel = h("select", { id, class: "select", "data-path": path },
    h("option", { value: "" }, required ? "Choose…" : "—"),
    options.map((o) => h("option", { value: String(o.value), selected: String(o.value) === String(value) }, o.label)),
    value !== undefined && !known ? h("option", { value: String(value), selected: true }, `#${value} (not found)`) : null);
  sel.addEventListener("change", () => onPick(sel.value));
  return sel;
}

function paramField(item, name, spec, path) {
  const id = nextId();
  const value = item[name];
  const set = (v) => {
    if (v === undefined || v === "" || (Array.isArray(v) && !v.length)) delete item[name];
    else item[name] = v;
    clearError(path);
  };
  const label = `${human(name)}${spec.required ? "" : " (optional)"}`;
  const source = sourceOf(name, spec);
  const options = source ? optionsFor(source, spec) : null;
  // "Slack integration id" says nothing more than a list of integrations by name.
  const hint = spec.description && !(options && /\bids?$/i.test(spec.description))
    ? h("span", { class: "field-hint" }, spec.description) : null;
  let control;
  if (spec.type === "integer[]" && options) {
    const picked = new Set(value || []);
    const boxes = options.map((o) => {
      const box = h("input", { type: "checkbox", value: String(o.value), checked: picked.has(o.value) });
      box.addEventListener("change", () => set($$("input:checked", control).map((b) => Number(b.value))));
      return h("label", { class: "check" }, box, o.label);
    });
    control = h("fieldset", { class: "wb-checks", "data-path": path },
      h("legend", {}, label), boxes.length ? boxes : h("span", { class: "muted" }, "None yet."));
    return h("div", { class: "field wb-field-wide" }, control, hint);
  }
  if (String(spec.type).endsWith("[]")) { // a list without a lookup: comma-separated
    const numeric = spec.type === "integer[]";
    control = h("input", { id, type: "text", "data-path": path, inputmode: numeric ? "numeric" : null,
      value: (value || []).join(", "), placeholder: numeric ? "ids, separated by commas" : "separated by commas" });
    control.addEventListener("input", () => {
      const parts = control.value.split(numeric ? /[\s,]+/ : /\s*,\s*/).map((x) => x.trim()).filter(Boolean);
      set(numeric ? parts.map(parseInteger) : parts);
    });
  } else if (spec.choices) {
    control = selectControl(id, path, spec.choices.map((c) => ({ value: c, label: human(c) })), value,
      spec.required, (v) => set(v || undefined));
  } else if (spec.type === "boolean") {
    control = selectControl(id, path, [{ value: "true", label: "Yes" }, { value: "false", label: "No" }],
      value === undefined ? undefined : String(value), spec.required,
      (v) => set(v === "" ? undefined : v === "true"));
  } else if (spec.type === "integer" && options) {
    control = selectControl(id, path, options, value, spec.required,
      (v) => set(v === "" ? undefined : parseInteger(v)));
  } else if (spec.type === "integer") {
    control = h("input", { id, type: "number", min: "1", max: spec.maximum ?? null, step: "1",
      "data-path": path, value: value ?? "" });
    control.addEventListener("input", () => set(parseInteger(control.value)));
  } else {
    const long = (spec.max_length || 0) > 200;
    control = long
      ? h("textarea", { id, rows: "3", "data-path": path, maxlength: spec.max_length || null })
      : h("input", { id, type: "text", "data-path": path, maxlength: spec.max_length || null });
    control.value = value ?? "";
    control.addEventListener("input", () => set(control.value));
  }
  if (source === "integrations" && options && !options.length) {
    const type = integrationType(spec);
    const hintText = `No ${type ? `${human(type)} ` : ""}integration yet: add one in `;
    return h("div", { class: "field" }, h("label", { for: id }, label), control,
      h("span", { class: "field-hint" }, hintText, h("a", { href: "/app/integrations" }, "Integrations"), "."));
  }
  const wide = control.tagName === "TEXTAREA" ? "field wb-field-wide" : "field";
  return h("div", { class: wide }, h("label", { for: id }, label), control, hint);
}

function paramsGrid(item, spec, path) {
  const entries = Object.entries((spec && spec.params) || {});
  if (!entries.length) return null;
  return h("div", { class: "form-grid wb-params" },
    entries.map(([name, p]) => paramField(item, name, p, `${path}.${name}`)));
}

function defaults(spec) {
  const out = {};
  for (const [name, p] of Object.entries((spec && spec.params) || {})) {
    if (p.type === "boolean" && p.required) out[name] = true;
  }
  return out;
}

/** Whether a condition or action applies to the chosen trigger (an entry may list the
 * triggers it works with in `triggers`; without the list it works with every trigger). */
function fits(entry) {
  const trigger = state.trigger.type;
  return !trigger || !Array.isArray(entry.triggers) || entry.triggers.includes(trigger);
}

/** A select of the vocabulary's entries of `part` (those that fit the trigger); changing it
 * resets the item's params. */
function typeSelect(part, item, path, label, rerender) {
  const id = nextId();
  const entries = part === "triggers" ? vocab[part] : vocab[part].filter(fits);
  const current = specOf(part, item.type);
  let extra = null;
  if (item.type && !entries.includes(current)) {
    extra = h("option", { value: item.type, selected: true },
      current ? `${human(item.type)} (not for this trigger)` : `${item.type} (unknown)`);
  }
  const sel = h("select", { id, class: "select wb-type", "data-path": `${path}.type` },
    h("option", { value: "" }, "Choose…"),
    entries.map((e) => h("option", { value: e.type, selected: e.type === item.type }, human(e.type))),
    extra);
  sel.addEventListener("change", () => {
    for (const key of Object.keys(item)) delete item[key];
    if (sel.value) Object.assign(item, { type: sel.value }, defaults(specOf(part, sel.value)));
    rerender();
    screen.querySelector(`[data-path="${CSS.escape(`${path}.type`)}"]`)?.focus();
  });
  return h("div", { class: "field wb-type-field" }, h("label", { for: id }, label), sel);
}

function describe(part, type) {
  const spec = type ? specOf(part, type) : null;
  return spec && spec.description ? h("p", { class: "wb-desc" }, spec.description) : null;
}

function iconButton(label, text, onClick, extra = {}) {
  return h("button", { class: "btn btn-sm btn-ghost", type: "button", "aria-label": label,
    title: label, on: { click: onClick }, ...extra }, text);
}

// -- trigger ------------------------------------------------------------------------------------
function renderTrigger() {
  const root = clear($("#wb-trigger"));
  root.dataset.path = "trigger";
  const t = state.trigger;
  const rerender = () => { renderTrigger(); renderConditions(); renderActions(); };
  append(root, [typeSelect("triggers", t, "trigger", "Trigger", rerender),
    describe("triggers", t.type), paramsGrid(t, specOf("triggers", t.type), "trigger")]);
  tidyErrors();
}

// -- conditions: a group ({mode, items}) of conditions and (at the top) groups -----------------
function renderConditions() {
  const root = clear($("#wb-conditions"));
  root.dataset.path = "conditions";
  root.append(groupEditor(state.conditions, "conditions", 0));
  tidyErrors();
}

function groupEditor(group, base, depth) {
  const path = `${base}.${group.mode}`;
  const id = nextId();
  const mode = h("select", { id, class: "select", "aria-label": depth ? "Group matches" : "Match" },
    vocab.condition_groups.map((g) => h("option", { value: g, selected: g === group.mode },
      g === "any" ? "any of these" : `${g} of these`)));
  mode.addEventListener("change", () => { group.mode = mode.value; renderConditions(); });
  const items = group.items.map((it, i) => {
    const remove = () => { group.items.splice(i, 1); renderConditions(); };
    return it.items ? nestedGroup(it, `${path}[${i}]`, remove) : conditionEditor(it, `${path}[${i}]`, remove);
  });
  const add = h("button", { class: "btn btn-sm", type: "button", "data-write": "" },
    depth ? "Add condition to group" : "Add condition");
  add.addEventListener("click", () => {
    group.items.push({ type: "" });
    renderConditions();
    const list = screen.querySelector(`ol[data-path="${CSS.escape(path)}"]`);
    if (list) $$(":scope > li .wb-type", list).at(-1)?.focus();
  });
  const addGroup = depth === 0 ? h("button", { class: "btn btn-sm btn-ghost", type: "button", "data-write": "" },
    "Add group") : null;
  addGroup?.addEventListener("click", () => {
    group.items.push({ mode: group.mode === "all" ? "any" : "all", items: [{ type: "" }] });
    renderConditions();
  });
  const empty = !group.items.length && depth === 0
    ? h("p", { class: "wb-empty muted" }, "No conditions: every event of the trigger counts. Add one to narrow it down.")
    : null;
  return h("div", { class: depth ? "wb-group-body" : "wb-group" },
    group.items.length > 1 || depth
      ? h("div", { class: "wb-mode" }, h("label", { for: id }, depth ? "This group matches when" : "Match when"), mode)
      : null,
    empty,
    h("ol", { class: "wb-list", "data-path": path }, items),
    h("div", { class: "wb-add" }, add, addGroup));
}

function nestedGroup(group, path, remove) {
  return h("li", { class: "wb-item wb-subgroup", "data-path": path },
    h("div", { class: "wb-item-head" }, h("strong", {}, "Group"),
      h("div", { class: "wb-tools", "data-write": "" }, iconButton("Remove group", "Remove", remove))),
    groupEditor(group, path, 1));
}

function conditionEditor(item, path, remove) {
  return h("li", { class: "wb-item wb-condition", "data-path": path },
    h("div", { class: "wb-item-head" },
      typeSelect("conditions", item, path, "Condition", renderConditions),
      h("div", { class: "wb-tools", "data-write": "" }, iconButton("Remove condition", "Remove", remove))),
    describe("conditions", item.type), paramsGrid(item, specOf("conditions", item.type), path));
}

// -- actions -------------------------------------------------------------------------------------
function renderActions() {
  const root = clear($("#wb-actions"));
  root.dataset.path = "actions";
  const move = (i, by) => {
    const [it] = state.actions.splice(i, 1);
    state.actions.splice(i + by, 0, it);
    renderActions();
    screen.querySelector(`[data-path="actions[${i + by}]"] [aria-label^="Move ${by < 0 ? "up" : "down"}"]`)?.focus();
  };
  const items = state.actions.map((item, i) => {
    const path = `actions[${i}]`;
    const n = state.actions.length;
    return h("li", { class: "wb-item wb-action", "data-path": path },
      h("div", { class: "wb-item-head" },
        h("span", { class: "wb-step", "aria-hidden": "true" }, String(i + 1)),
        typeSelect("actions", item, path, `Action ${i + 1}`, renderActions),
        h("div", { class: "wb-tools", "data-write": "" },
          iconButton(`Move up action ${i + 1}`, "↑", () => move(i, -1), { disabled: i === 0 }),
          iconButton(`Move down action ${i + 1}`, "↓", () => move(i, 1), { disabled: i === n - 1 }),
          iconButton(`Remove action ${i + 1}`, "Remove", () => { state.actions.splice(i, 1); renderActions(); }))),
      describe("actions", item.type), paramsGrid(item, specOf("actions", item.type), path));
  });
  const add = h("button", { class: "btn btn-sm", type: "button", "data-write": "" }, "Add action");
  add.addEventListener("click", () => {
    state.actions.push({ type: "" });
    renderActions();
    $$(".wb-type", root).at(-1)?.focus();
  });
  append(root, [
    state.actions.length ? null : h("p", { class: "wb-empty muted" }, "No actions yet: add what the workflow should do."),
    h("ol", { class: "wb-list", "data-path": "actions" }, items),
    h("div", { class: "wb-add" }, add)]);
  tidyErrors();
}

function renderAll() {
  $("#wb-name").value = state.name;
  renderTrigger();
  renderConditions();
  renderActions();
  renderSwitch();
  if (!canManage) {
    $("#wb-fields").disabled = true;
    for (const el of $$("[data-write]", screen)) el.hidden = true;
  }
}

// -- the definition as the API reads it, and back ------------------------------------------------
function clean(item) {
  const out = {};
  for (const [k, v] of Object.entries(item)) {
    if (v === undefined || v === "" || (Array.isArray(v) && !v.length)) continue;
    out[k] = v;
  }
  return out;
}

function groupToApi(group) {
  return { [group.mode]: group.items.map((it) => (it.items ? groupToApi(it) : clean(it))) };
}

function definition() {
  return {
    name: state.name.trim(),
    trigger: clean(state.trigger),
    conditions: state.conditions.items.length ? groupToApi(state.conditions) : {},
    actions: state.actions.map(clean),
  };
}

function groupFromApi(c) {
  const mode = vocab.condition_groups.find((g) => c && Array.isArray(c[g])) || vocab.condition_groups[0];
  const items = (c && c[mode]) || [];
  return { mode, items: items.map((x) => (vocab.condition_groups.some((g) => Array.isArray(x[g]))
    ? groupFromApi(x) : { ...x })) };
}

function fromApi(wf) {
  return { name: wf.name, enabled: wf.enabled, trigger: { ...wf.trigger },
    conditions: groupFromApi(wf.conditions), actions: wf.actions.map((a) => ({ ...a })) };
}

function blank() {
  const first = vocab.triggers[0];
  return { name: "", enabled: false,
    trigger: first ? { type: first.type, ...defaults(first) } : { type: "" },
    conditions: { mode: vocab.condition_groups[0], items: [] }, actions: [] };
}

// -- on / off ------------------------------------------------------------------------------------
function renderSwitch() {
  const input = $("#wb-enabled");
  input.checked = state.enabled;
  input.disabled = !canManage;
  input.setAttribute("aria-label", `Workflow ${state.name || "new"} on or off`);
  $("#wb-enabled-text").textContent = state.enabled ? "On" : "Off";
  let hint;
  if (!workflowId) {
    hint = state.enabled ? "On: it runs on new messages as soon as you save it."
      : "Off: once saved, it runs only after you turn it on.";
  } else {
    hint = state.enabled ? "On: it runs on every new event that fits the trigger."
      : "Off: it does not run. Turn it on to run it on new messages.";
  }
  $("#wb-enabled-hint").textContent = hint;
}

async function toggle() {
  const input = $("#wb-enabled");
  if (!workflowId) { state.enabled = input.checked; renderSwitch(); return; }
  input.disabled = true;
  try {
    const wf = await api.patch(`/workflows/${workflowId}`, { enabled: input.checked });
    state.enabled = wf.enabled;
    toast(`“${wf.name}” is ${wf.enabled ? "on" : "off"}.`);
    renderRuns();
  } catch (exc) {
    toast(exc.message, "error");
  }
  renderSwitch();
}

// -- dry run -------------------------------------------------------------------------------------
async function dryRun() {
  const body = definition();
  if (!body.name) delete body.name;
  const one = $("#wb-try-mode").value === "one";
  const raw = one ? $("#wb-try-one").value : $("#wb-try-last").value;
  if (one) body.message_id = parseInteger(raw) ?? null;
  else body.last = parseInteger(raw) ?? 20;
  const out = clear($("#wb-try-result"));
  const button = $("#wb-try-run");
  button.disabled = true;
  clearErrors();
  out.append(h("p", { class: "muted" }, "Trying…"));
  try {
    const res = await api.post("/workflows/test", body);
    clearErrors();
    renderDry(res.data);
  } catch (exc) {
    clear(out);
    if (exc.status === 400) showErrors(exc);
    else out.append(h("p", { class: "field-error" }, exc.message));
  } finally {
    button.disabled = false;
  }
}

function renderDry(data) {
  const out = clear($("#wb-try-result"));
  if (!data.length) {
    out.append(h("div", { class: "empty" }, h("strong", {}, "No stored messages to try"),
      "The dry run needs inbound messages: they are stored as soon as a WhatsApp number is connected."));
    return;
  }
  const matched = data.filter((d) => d.matched).length;
  out.append(
    h("p", { class: "wb-dry-summary", role: "status" },
      `${matched} of ${data.length} message${data.length === 1 ? "" : "s"} would match.`),
    h("ol", { class: "wb-dry", "aria-label": "Dry run result" }, data.map((d) =>
      h("li", { class: "wb-dry-item", dataset: { matched: String(d.matched), messageId: d.message_id } },
        h("div", { class: "wb-dry-head" },
          d.skipped ? h("span", { class: "chip chip-warn" }, "skipped")
            : h("span", { class: `chip ${d.matched ? "chip-ok" : ""}` }, d.matched ? "would match" : "no match"),
          h("span", { class: "muted" }, `#${d.message_id}`),
          d.text !== undefined ? h("q", { class: "wb-dry-text" }, d.text || "(no text)") : null),
        d.skipped ? h("p", { class: "wb-desc" }, d.skipped) : null,
        d.actions.length ? h("ol", { class: "wb-would" }, d.actions.map((a) =>
          h("li", {}, h("strong", {}, `${human(a.type)}: `), a.would))) : null))));
}

// -- save ----------------------------------------------------------------------------------------
async function save(ev) {
  ev.preventDefault();
  if (!canManage) return;
  const body = definition();
  const button = $("#wb-save");
  button.disabled = true;
  clearErrors();
  try {
    const wf = workflowId ? await api.patch(`/workflows/${workflowId}`, body)
      : await api.post("/workflows", { ...body, enabled: state.enabled });
    const created = !workflowId;
    workflowId = wf.id;
    state = fromApi(wf);
    clearErrors();
    renderAll();
    showSaved(wf);
    toast(created ? `“${wf.name}” saved.` : `“${wf.name}” updated.`);
    if (created) {
      history.replaceState(null, "", `${LIST_PAGE}/${wf.id}`);
      await loadRuns();
    }
  } catch (exc) {
    if (exc.status === 400) showErrors(exc);
    else toast(exc.message, "error");
  } finally {
    button.disabled = false;
  }
}

async function remove() {
  const ok = await confirmAction({ title: `Delete “${state.name}”?`,
    text: "The workflow stops and its executions are deleted with it. This cannot be undone.",
    confirm: "Delete workflow" });
  if (!ok) return;
  try {
    await api.del(`/workflows/${workflowId}`);
    toast(`“${state.name}” deleted.`);
    window.location.assign(LIST_PAGE);
  } catch (exc) {
    toast(exc.message, "error");
  }
}

function showSaved(wf) {
  $("#wb-delete").hidden = !canManage;
  $("#wb-title").textContent = wf.name;
  document.title = `${wf.name} · Workflows`;
  $("#wb-save").textContent = "Save changes";
  $("#wb-runs-panel").hidden = false;
}

// -- executions ----------------------------------------------------------------------------------
function runStatus(run) {
  if (run.status === "running") return ["running", "chip-info"];
  if (run.skipped) return ["skipped (loop guard)", "chip-warn"];
  if (!run.matched) return ["no match", ""];
  if (run.error) return ["matched, with errors", "chip-bad"];
  return ["matched", "chip-ok"];
}

function runItem(run) {
  const [status, cls] = runStatus(run);
  return h("li", { class: "wb-run", dataset: { runId: run.id, matched: String(run.matched) } },
    h("div", { class: "wb-run-head" },
      h("span", { class: `chip ${cls}` }, status),
      h("span", {}, run.message_id ? `message #${run.message_id}` : run.event_key),
      h("span", { class: "muted" }, `${run.duration_ms} ms`),
      h("time", { class: "muted", datetime: run.created_at, title: new Date(run.created_at).toLocaleString() },
        ago(run.created_at))),
    run.skipped ? h("p", { class: "wb-desc" }, run.skipped) : null,
    run.results.length ? h("ol", { class: "wb-results" }, run.results.map((r) =>
      h("li", { class: r.ok ? "wb-run-ok" : "wb-run-error" },
        h("span", { "aria-hidden": "true" }, r.ok ? "✓ " : "✗ "),
        h("strong", {}, `${human(r.type)}: `),
        r.ok ? r.result : `failed: ${r.error}`,
        h("span", { class: "muted" }, ` · ${r.duration_ms} ms`)))) : null,
    run.error ? h("p", { class: "wb-run-error" }, run.error) : null);
}

function renderRuns() {
  clear($("#wb-runs")).append(...runs.map(runItem));
  const empty = $("#wb-runs-empty");
  empty.hidden = runs.length > 0;
  clear(empty).append(h("strong", {}, "No executions yet"), state.enabled
    ? "It runs on the next event that fits the trigger; the run shows here as it happens."
    : "It is off: turn it on and it runs on the next message that arrives.");
  $("#wb-runs-more").hidden = !runsCursor;
}

async function loadRuns(more = false) {
  const page = await api.get(`/workflows/${workflowId}/executions`,
    { limit: RUNS, cursor: more ? runsCursor : null });
  const seen = new Set(runs.map((r) => r.id));
  const fresh = page.data.filter((r) => !seen.has(r.id));
  runs = more ? [...runs, ...fresh] : [...runs, ...fresh].sort((a, b) => b.id - a.id);
  runsCursor = page.next_cursor;
  renderRuns();
}

function onExecuted(run) {
  if (!workflowId || run.workflow_id !== workflowId || run.dry_run) return;
  runs = [run, ...runs.filter((r) => r.id !== run.id)];
  renderRuns();
}

// -- start ---------------------------------------------------------------------------------------
startPage(async (session) => {
  if (!can(session, "workflows.read")) {
    refuse(screen, session, { title: "Workflows are for managers",
      who: "Managers, admins and owners can see workflows." });
    return;
  }
  canManage = can(session, "workflows.manage");
  if (!canManage && !workflowId) {
    refuse(screen, session, { title: "Only admins create workflows",
      who: "Admins and owners build workflows; you can read the saved ones." });
    return;
  }
  if (!canManage) $("#wb-readonly").replaceWith(readOnlyNote(session, "change workflows"));
  $("#wb-try").hidden = !canManage;
  $("#wb-save-row").hidden = !canManage;
  subscribe("workflow.executed", onExecuted);
  vocab = await api.get("/workflows/vocabulary");
  const [wf] = await Promise.all([workflowId ? api.get(`/workflows/${workflowId}`) : null,
    loadLists(session)]);
  state = wf ? fromApi(wf) : blank();
  renderAll();
  if (wf) {
    showSaved(wf);
    await loadRuns();
  }
  $("#wb-name").addEventListener("input", (ev) => { state.name = ev.target.value; clearError("name"); });
  $("#wb-enabled").addEventListener("change", toggle);
  $("#wb-form").addEventListener("submit", save);
  $("#wb-try-run").addEventListener("click", dryRun);
  $("#wb-try-mode").addEventListener("change", (ev) => {
    $("#wb-try-last-box").hidden = ev.target.value !== "last";
    $("#wb-try-one-box").hidden = ev.target.value !== "one";
  });
  $("#wb-runs-more").addEventListener("click", () => loadRuns(true));
  $("#wb-delete").addEventListener("click", remove);
});
