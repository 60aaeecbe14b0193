// Saved replies: the team's canned responses, searchable; managers create, edit and delete
// them, with the variables offered as chips that insert {{name}} at the cursor.

import { api } from "../core/api.js";
import { $, announce, debounce, h, toast } from "../core/dom.js";
import { initLayout } from "../core/layout.js";
import * as realtime from "../core/realtime.js";
import { allowed } from "../core/session.js";

const state = { rows: [], editing: null, canManage: false, q: "" };

function showError(message) {
  const el = $("#canned-error");
  el.textContent = message || "";
  el.hidden = !message;
}

function openForm(row) {
  state.editing = row;
  const form = $("#canned-form");
  form.hidden = false;
  $("#canned-new").hidden = true;
  $("#canned-form-title").textContent = row ? `Edit /${row.shortcut}` : "New saved reply";
  form.shortcut.value = row ? row.shortcut : "";
  form.title.value = row ? row.title : "";
  form.body.value = row ? row.body : "";
  showError("");
  (row ? form.body : form.shortcut).focus();
}

function closeForm() {
  state.editing = null;
  $("#canned-form").hidden = true;
  $("#canned-new").hidden = !state.canManage;
}

function fieldError(exc) {
  const fields = exc.details && exc.details.fields;
  if (!fields) return exc.message;
  const [name, why] = Object.entries(fields)[0];
  const field = $("#canned-form").elements.namedItem(name);
  if (field) field.focus();
  return name === "body" && exc.message.startsWith("Unknown variable")
    ? exc.message : `${name}: ${why}`;
}

async function save(event) {
  event.preventDefault();
  const form = event.target;
  const body = { shortcut: form.shortcut.value, title: form.title.value, body: form.body.value };
  try {
    const saved = state.editing
      ? await api.patch(`/canned-responses/${state.editing.id}`, body)
      : await api.post("/canned-responses", body);
    announce(`Saved /${saved.shortcut}`);
    toast(`Saved /${saved.shortcut}`);
    closeForm();
    await load();
  } catch (exc) {
    showError(fieldError(exc));
  }
}

async function remove(row) {
  if (!window.confirm(`Delete the saved reply /${row.shortcut}?`)) return;
  try {
    await api.del(`/canned-responses/${row.id}`);
    toast(`Deleted /${row.shortcut}`);
    await load();
  } catch (exc) {
    toast(exc.message, "error");
  }
}

function item(row) {
  const actions = state.canManage
    ? h("div", { class: "item-actions" },
      h("button", { type: "button", class: "btn btn-sm", "aria-label": `Edit /${row.shortcut}`,
        on: { click: () => openForm(row) } }, "Edit"),
      h("button", { type: "button", class: "btn btn-sm btn-danger-ghost",
        "aria-label": `Delete /${row.shortcut}`, on: { click: () => remove(row) } }, "Delete"))
    : null;
  return h("li", { class: "canned-item", dataset: { id: String(row.id) } },
    h("div", { class: "canned-item-head" },
      h("span", { class: "canned-shortcut" }, `/${row.shortcut}`),
      h("span", { class: "canned-title" }, row.title)),
    h("p", { class: "canned-text" }, row.body),
    actions);
}

function paint() {
  const list = $("#canned-items");
  if (!state.rows.length) {
    const text = state.q
      ? `No saved reply matches “${state.q}”.`
      : state.canManage
        ? "No saved replies yet. Create one with “New saved reply”, then type / in a conversation to use it."
        : "No saved replies yet. Ask a manager to add the answers your team sends most.";
    list.replaceChildren(h("li", { class: "canned-empty-state" }, text));
    return;
  }
  list.replaceChildren(...state.rows.map(item));
}

async function load() {
  try {
    state.rows = (await api.get("/canned-responses", state.q ? { q: state.q } : undefined)).data;
  } catch (exc) {
    toast(exc.message, "error");
    state.rows = [];
  }
  paint();
}

async function variableChips() {
  const chips = $("#canned-variables");
  const vars = (await api.get("/canned-responses/variables")).data;
  chips.replaceChildren(...vars.map((v) => h("button", {
    type: "button", title: v.description,
    on: {
      click: () => {
        const box = $("#canned-body");
        const token = `{{${v.name}}}`;
        const at = box.selectionStart ?? box.value.length;
        box.setRangeText(token, at, box.selectionEnd ?? at, "end");
        box.focus();
      },
    },
  }, `{{${v.name}}}`)));
}

async function main() {
  const session = await initLayout();
  realtime.connect();
  state.canManage = allowed(session.user.role, "canned.manage");
  $("#canned-new").hidden = !state.canManage;
  $("#canned-readonly").hidden = state.canManage;
  $("#canned-new").addEventListener("click", () => openForm(null));
  $("#canned-cancel").addEventListener("click", closeForm);
  $("#canned-form").addEventListener("submit", save);
  $("#canned-q").addEventListener("input", debounce((event) => {
    state.q = event.target.value.trim();
    load();
  }, 200));
  if (state.canManage) await variableChips();
  await load();
}

main();
