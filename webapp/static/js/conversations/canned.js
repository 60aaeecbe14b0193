// Saved replies in the composer: typing "/" at the start of the box opens a list of the team's
// canned responses, filtered as you type ("/gr" → greet); ↑/↓ choose, Enter or Tab insert with
// the variables filled in for this conversation (POST /canned-responses/:id/render), Esc closes.

import { api } from "../core/api.js";
import { h, toast } from "../core/dom.js";

const FRESH_MS = 60_000; // re-read the team's list at most once a minute
const SHOWN = 8;

/**
 * options: input (the textarea), conversationId() -> id, onInsert(text) puts the text in the
 * box, canManage (whether to point at the screen where responses are written).
 */
export function createCannedPicker(options) {
  const { input } = options;
  const list = h("ul", { id: "canned-list", class: "canned-list", role: "listbox",
    "aria-label": "Saved replies" });
  const box = h("div", { class: "canned-popup", hidden: true }, list);
  input.closest(".composer").prepend(box);
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", "canned-list");
  input.setAttribute("aria-expanded", "false");

  let all = null;
  let loadedAt = 0;
  let shown = [];
  let active = 0;

  async function load() {
    if (all && Date.now() - loadedAt < FRESH_MS) return all;
    const page = await api.get("/canned-responses");
    all = page.data;
    loadedAt = Date.now();
    return all;
  }

  function query() {
    const match = /^\/([\w-]*)$/.exec(input.value);
    return match ? match[1].toLowerCase() : null;
  }

  function close() {
    box.hidden = true;
    shown = [];
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function paint() {
    list.replaceChildren(...shown.map((r, i) => h("li", {
      id: `canned-${r.id}`, role: "option", class: "canned-option",
      "aria-selected": i === active ? "true" : "false",
      on: { mousedown: (event) => { event.preventDefault(); choose(i); } },
    }, h("span", { class: "canned-shortcut" }, `/${r.shortcut}`),
    h("span", { class: "canned-title" }, r.title),
    h("span", { class: "canned-body" }, r.body))));
    if (!shown.length) {
      const empty = all && all.length
        ? "No saved reply matches."
        : `No saved replies yet.${options.canManage
          ? " Add them under Saved replies in the top bar." : " A manager can add them."}`;
      list.replaceChildren(h("li", { class: "canned-empty", role: "presentation" }, empty));
    }
    const current = shown[active];
    if (current) input.setAttribute("aria-activedescendant", `canned-${current.id}`);
    else input.removeAttribute("aria-activedescendant");
  }

  async function update() {
    const q = query();
    if (q === null) { close(); return; }
    let rows;
    try {
      rows = await load();
    } catch (exc) {
      toast(`Saved replies are not available: ${exc.message}`, "error");
      close();
      return;
    }
    if (query() !== q) return; // typed on while loading
    shown = rows.filter((r) => r.shortcut.includes(q) || r.title.toLowerCase().includes(q))
      .sort((a, b) => Number(!a.shortcut.startsWith(q)) - Number(!b.shortcut.startsWith(q)))
      .slice(0, SHOWN);
    active = 0;
    box.hidden = false;
    input.setAttribute("aria-expanded", "true");
    paint();
  }

  async function choose(i) {
    const picked = shown[i];
    const conversation = options.conversationId();
    if (!picked || conversation === null) return;
    close();
    try {
      const out = await api.post(`/canned-responses/${picked.id}/render`,
        { conversation_id: conversation });
      options.onInsert(out.text);
    } catch (exc) {
      toast(`Could not insert /${picked.shortcut}: ${exc.message}`, "error");
    }
  }

  // Registered before the composer's own keydown (Enter sends): while the list is open its
  // keys belong to the list.
  input.addEventListener("keydown", (event) => {
    if (box.hidden) return;
    const keys = { ArrowDown: 1, ArrowUp: -1 };
    if (event.key in keys && shown.length) {
      active = (active + keys[event.key] + shown.length) % shown.length;
      paint();
    } else if ((event.key === "Enter" || event.key === "Tab") && shown.length) {
      choose(active);
    } else if (event.key === "Escape") {
      close();
    } else {
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
  });
  input.addEventListener("input", update);
  input.addEventListener("blur", () => window.setTimeout(close, 100));
  return { close, isOpen: () => !box.hidden };
}
