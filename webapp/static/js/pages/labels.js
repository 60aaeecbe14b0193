// Labels: create, rename (inline, Enter or leaving the field saves), recolour, delete.
// Members and viewers read the list.

import { api } from "../core/api.js";
import { $, clear, h, toast } from "../core/dom.js";
import {
  applyPermissions, can, confirmAction, formError, readOnlyNote, startPage,
} from "../settings/common.js";

let labels = [];
let canManage = false;

function chip(label) {
  const el = h("span", { class: "chip chip-label" }, label.name);
  el.style.setProperty("--label-color", label.color); // CSSOM: allowed by the CSP
  return el;
}

async function change(label, body, input) {
  try {
    const saved = await api.patch(`/labels/${label.id}`, body);
    Object.assign(label, saved);
    toast(`Label “${label.name}” saved.`);
  } catch (exc) {
    toast(exc.message, "error");
    if (input) input.value = body.name !== undefined ? label.name : label.color;
  }
  render();
}

async function remove(label) {
  const used = label.conversation_count;
  const ok = await confirmAction({
    title: `Delete the label “${label.name}”?`,
    text: used ? `It comes off ${used} conversation${used === 1 ? "" : "s"}.` : "No conversation carries it.",
    confirm: "Delete",
  });
  if (!ok) return;
  try {
    await api.del(`/labels/${label.id}`);
    labels = labels.filter((l) => l.id !== label.id);
    render();
  } catch (exc) {
    toast(exc.message, "error");
  }
}

function nameCell(label) {
  if (!canManage) return chip(label);
  const input = h("input", { type: "text", class: "label-name-input", value: label.name, maxlength: "50",
    "aria-label": `Name of label ${label.name}` });
  const save = () => {
    const name = input.value.trim();
    if (name && name !== label.name) change(label, { name }, input);
  };
  input.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); save(); } });
  input.addEventListener("change", save);
  return input;
}

function colorCell(label) {
  if (!canManage) return h("span", { class: "muted" }, label.color);
  const input = h("input", { type: "color", value: label.color, "aria-label": `Colour of label ${label.name}` });
  input.addEventListener("change", () => change(label, { color: input.value }, input));
  return input;
}

function row(label) {
  return h("tr", { dataset: { labelId: label.id } },
    h("td", { "data-label": "Label" }, nameCell(label)),
    h("td", { "data-label": "Colour" }, colorCell(label), " ", canManage ? chip(label) : null),
    h("td", { "data-label": "Conversations" }, String(label.conversation_count)),
    h("td", { class: "cell-actions" }, canManage
      ? h("button", { class: "btn btn-sm btn-danger-ghost", type: "button", "aria-label": `Delete label ${label.name}`,
        on: { click: () => remove(label) } }, "Delete")
      : null));
}

function render() {
  labels.sort((a, b) => a.name.localeCompare(b.name));
  clear($("#labels-body")).append(...labels.map(row));
  $("#labels-table").hidden = labels.length === 0;
  $("#labels-empty").hidden = labels.length > 0;
  $("#labels-count").textContent = labels.length ? `${labels.length} label${labels.length === 1 ? "" : "s"}` : "";
}

async function create(ev) {
  ev.preventDefault();
  const form = ev.currentTarget;
  try {
    const label = await api.post("/labels", { name: $("#label-name").value.trim(), color: $("#label-color").value });
    labels.push({ conversation_count: 0, ...label });
    formError(form, null);
    form.reset();
    render();
  } catch (exc) {
    formError(form, exc);
  }
}

startPage(async (session) => {
  canManage = can(session, "labels.manage");
  applyPermissions(session);
  if (!canManage) $("#labels-readonly").replaceWith(readOnlyNote(session, "create, rename or delete labels"));
  else $("#label-form").addEventListener("submit", create);
  labels = (await api.get("/labels")).data;
  render();
});
