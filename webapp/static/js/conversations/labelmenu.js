// A small popover to put the team's labels on a conversation or a message: a filter box that
// also creates a label (for managers), and one checkbox per label. Esc, a click outside or a
// scroll closes it; focus returns to the button that opened it. It lives in <body>, placed
// under its button, so a message redrawn after a change (new labels) does not take it away.

import { api } from "../core/api.js";
import { h, toast } from "../core/dom.js";

let cache = null; // the team's labels, shared by every menu of the page

/** The team's labels by name (read once per page; `fresh` re-reads them). */
export async function teamLabels(fresh = false) {
  if (!cache || fresh) cache = (await api.get("/labels")).data;
  return cache;
}

let openMenu = null;

function closeOpen() {
  if (openMenu) openMenu();
}

document.addEventListener("pointerdown", (event) => {
  if (openMenu && !event.target.closest(".label-menu, .label-menu-button")) closeOpen();
});
document.addEventListener("keydown", (event) => {
  if (openMenu && event.key === "Escape") {
    event.stopPropagation();
    closeOpen();
  }
}, true);
document.addEventListener("scroll", (event) => {
  if (openMenu && !(event.target instanceof Element && event.target.closest(".label-menu"))) {
    closeOpen();
  }
}, true);

const WIDTH = 240;

function place(menu, anchor) {
  const rect = anchor.getBoundingClientRect();
  const left = Math.max(8, Math.min(rect.right - WIDTH, window.innerWidth - WIDTH - 8));
  menu.style.left = `${left}px`;
  if (rect.bottom + 300 > window.innerHeight && rect.top > 300) {
    menu.style.bottom = `${window.innerHeight - rect.top + 4}px`;
  } else {
    menu.style.top = `${rect.bottom + 4}px`;
  }
}

/**
 * Open the menu under `anchor`. options: title, current() -> ids on the target,
 * toggle(label, on) -> Promise, canCreate.
 */
export async function openLabelMenu(anchor, options) {
  closeOpen();
  let labels;
  try {
    labels = await teamLabels();
  } catch (exc) {
    toast(`Labels are not available: ${exc.message}`, "error");
    return;
  }
  const filter = h("input", { type: "text", class: "label-menu-filter", autocomplete: "off",
    "aria-label": options.canCreate ? "Find or create a label" : "Find a label",
    placeholder: options.canCreate ? "Find or create a label" : "Find a label" });
  const list = h("div", { class: "label-menu-list", role: "group", "aria-label": options.title });
  const menu = h("div", { class: "label-menu", role: "dialog", "aria-label": options.title },
    h("p", { class: "label-menu-title" }, options.title), filter, list);

  function paint() {
    const q = filter.value.trim().toLowerCase();
    const on = new Set(options.current());
    const shown = labels.filter((l) => l.name.toLowerCase().includes(q));
    const rows = shown.map((l) => {
      const box = h("input", { type: "checkbox", checked: on.has(l.id) });
      box.addEventListener("change", async () => {
        box.disabled = true;
        try {
          await options.toggle(l, box.checked);
        } catch (exc) {
          box.checked = !box.checked;
          toast(`Could not change the label: ${exc.message}`, "error");
        } finally {
          box.disabled = false;
        }
      });
      const dot = h("span", { class: "label-dot", "aria-hidden": "true" });
      dot.style.setProperty("--label-color", l.color);
      return h("label", { class: "label-menu-item" }, box, dot, l.name);
    });
    const exact = labels.some((l) => l.name.toLowerCase() === q);
    if (options.canCreate && q && !exact) {
      rows.push(h("button", { type: "button", class: "btn btn-sm btn-ghost label-menu-create",
        on: { click: () => create(filter.value.trim()) } }, `Create “${filter.value.trim()}”`));
    }
    if (!rows.length) {
      rows.push(h("p", { class: "label-menu-empty" }, labels.length
        ? "No label matches."
        : "No labels yet. A manager can create them here or under Labels."));
    }
    list.replaceChildren(...rows);
  }

  async function create(name) {
    try {
      const label = await api.post("/labels", { name });
      labels = await teamLabels(true);
      await options.toggle(label, true);
      filter.value = "";
      paint();
      filter.focus();
    } catch (exc) {
      toast(`Could not create the label: ${exc.message}`, "error");
    }
  }

  function close() {
    menu.remove();
    openMenu = null;
    anchor.setAttribute("aria-expanded", "false");
    if (anchor.isConnected) anchor.focus();
  }

  filter.addEventListener("input", paint);
  filter.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      const q = filter.value.trim();
      const match = labels.find((l) => l.name.toLowerCase() === q.toLowerCase());
      if (match) list.querySelector("input")?.click();
      else if (q && options.canCreate) create(q);
    }
  });

  anchor.setAttribute("aria-expanded", "true");
  document.body.append(menu);
  place(menu, anchor);
  openMenu = close;
  paint();
  filter.focus();
  // Re-paint when the target changes under the open menu (a live update).
  return { repaint: paint };
}
