// The list view of action items: one table row per item, newest first; a row opens the detail
// panel, and proposed items carry Accept / Reject.

import { clear, h } from "../core/dom.js";
import { listRow } from "./card.js";

/** options: root, canWrite, open(id), accept(item), reject(item). */
export function createList(options) {
  const { root } = options;
  const body = h("tbody");
  const table = h("table", { class: "item-table" },
    h("thead", {}, h("tr", {},
      h("th", { scope: "col" }, "Title"), h("th", { scope: "col" }, "Status"),
      h("th", { scope: "col" }, "Assignee"), h("th", { scope: "col" }, "Origin"),
      h("th", { scope: "col" }, h("span", { class: "sr-only" }, "Actions")))),
    body);
  root.append(table);

  function render(items, members) {
    const sorted = [...items].sort((a, b) => b.id - a.id);
    clear(body).append(...sorted.map((item) => listRow(item, members, options)));
    table.hidden = !sorted.length;
  }

  return { render };
}
