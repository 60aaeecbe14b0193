// The kanban board: one column per status, cards ordered by position. Drag and drop through
// the vendored SortableJS; the keyboard alternative: Space picks a focused card up, the arrow
// keys move it (left/right between columns, up/down within one), Space or Enter drops it and
// Escape puts it back. Either way onMove(id, status, index) commits the move. A column shows its
// first page of cards; scrolling to its end or "Load more" asks loadMore(status) for the next.

import Sortable from "../../vendor/sortablejs-1.15.6/sortable.esm.js";
import { $$, announce, h } from "../core/dom.js";
import { card } from "./card.js";
import { STATUSES, STATUS_LABELS, byPosition } from "./items.js";

const EMPTY = {
  proposed: "Suggestions from the analysis land here, to accept or reject.",
  todo: "Nothing to do yet. Add an item or accept a suggestion.",
  in_progress: "Drag a card here when work starts.",
  blocked: "Items waiting on someone else.",
  done: "Finished items.",
  rejected: "Rejected suggestions are kept here as feedback.",
};

/**
 * options: root, canWrite, members, open(id), accept(item), reject(item),
 * onMove(id, status, index) -> Promise (rejects to put the card back),
 * loadMore(status) -> Promise (the next page of a column; the page calls setMore after it).
 */
export function createBoard(options) {
  const { root } = options;
  const lists = new Map();
  const more = new Map(); // status -> { button, has, loading }
  let grabbed = null; // { el, from, index } while a card is held with the keyboard

  for (const status of STATUSES) {
    const list = h("ol", { class: "column-list", dataset: { status },
      "aria-label": STATUS_LABELS[status] });
    const column = h("section", { class: "column", dataset: { status },
      "aria-label": STATUS_LABELS[status] },
    h("header", { class: "column-head" },
      h("h2", {}, STATUS_LABELS[status]), h("span", { class: "column-count" }, "0")),
    h("p", { class: "column-empty muted" }, EMPTY[status]), list);
    const button = h("button", { type: "button", class: "btn btn-ghost btn-sm column-more",
      hidden: true, "aria-label": `Load more: ${STATUS_LABELS[status]}`,
      on: { click: () => loadMore(status) } }, "Load more");
    column.append(button);
    root.append(column);
    lists.set(status, list);
    more.set(status, { button, has: false, loading: false });
    list.addEventListener("keydown", keydown);
    list.addEventListener("scroll", () => { // infinite scroll: near the end, fetch the next page
      if (list.scrollTop + list.clientHeight >= list.scrollHeight - 120) loadMore(status);
    }, { passive: true });
    if (options.canWrite) {
      Sortable.create(list, {
        group: { name: "board", put: status !== "proposed" },
        animation: 150, filter: "button", preventOnFilter: false, forceFallback: true,
        fallbackOnBody: true, fallbackTolerance: 4,
        delay: 200, delayOnTouchOnly: true, // a swipe on a phone scrolls; press and hold drags
        ghostClass: "card-ghost", chosenClass: "card-chosen", dragClass: "card-drag",
        onEnd: dropped,
      });
    }
  }

  function loadMore(status) {
    const state = more.get(status);
    if (!state.has || state.loading || !options.loadMore) return;
    state.loading = true;
    state.button.disabled = true;
    state.button.textContent = "Loading…";
    options.loadMore(status).catch(() => {}).finally(() => {
      state.loading = false;
      state.button.disabled = false;
      state.button.textContent = "Load more";
    });
  }

  function counts() {
    for (const [status, list] of lists) {
      const n = list.children.length;
      list.closest(".column").querySelector(".column-count").textContent = more.get(status).has
        ? `${n}+` : String(n);
      list.closest(".column").classList.toggle("is-empty", n === 0);
    }
  }

  function commit(el, from, index) {
    const status = el.parentElement.dataset.status;
    const newIndex = [...el.parentElement.children].indexOf(el);
    if (status === from.dataset.status && newIndex === index) return;
    counts();
    options.onMove(Number(el.dataset.id), status, newIndex).catch(() => {
      from.insertBefore(el, from.children[index] || null);
      counts();
    });
  }

  function dropped(evt) {
    commit(evt.item, evt.from, evt.oldIndex);
  }

  function describe(el) {
    const list = el.parentElement;
    const pos = [...list.children].indexOf(el) + 1;
    return `${STATUS_LABELS[list.dataset.status]}, position ${pos} of ${list.children.length}`;
  }

  function place(el, list, index) {
    list.insertBefore(el, list.children[index] || null);
    el.focus();
    counts();
    announce(describe(el));
  }

  function release(drop) {
    const { el, from, index } = grabbed;
    grabbed = null;
    el.classList.remove("card-grabbed");
    el.removeAttribute("aria-pressed");
    if (drop) {
      announce(`Dropped. ${describe(el)}`);
      commit(el, from, index);
    } else {
      place(el, from, index);
      announce("Move cancelled");
    }
  }

  function moveGrabbed(key) {
    const el = grabbed.el;
    const list = el.parentElement;
    const index = [...list.children].indexOf(el);
    if (key === "ArrowUp" && index > 0) place(el, list, index - 1);
    else if (key === "ArrowDown" && index < list.children.length - 1) place(el, list, index + 2);
    else if (key === "ArrowLeft" || key === "ArrowRight") {
      let at = STATUSES.indexOf(list.dataset.status);
      do { at += key === "ArrowLeft" ? -1 : 1; } while (STATUSES[at] === "proposed");
      const target = lists.get(STATUSES[at]);
      if (target) place(el, target, Math.min(index, target.children.length));
    }
  }

  function focusNeighbour(el, key) {
    const list = el.parentElement;
    const cards = [...list.children];
    const index = cards.indexOf(el);
    if (key === "ArrowUp" || key === "ArrowDown") {
      const next = cards[index + (key === "ArrowUp" ? -1 : 1)];
      if (next) next.focus();
      return;
    }
    let at = STATUSES.indexOf(list.dataset.status);
    for (;;) {
      at += key === "ArrowLeft" ? -1 : 1;
      const target = lists.get(STATUSES[at]);
      if (!target) return;
      if (target.children.length) {
        target.children[Math.min(index, target.children.length - 1)].focus();
        return;
      }
    }
  }

  function keydown(event) {
    const el = event.target.closest(".card");
    if (!el || event.target !== el) return; // keys on a card's own buttons act as usual
    const key = event.key;
    if (grabbed && grabbed.el === el) {
      event.preventDefault();
      if (key === " " || key === "Enter") release(true);
      else if (key === "Escape") release(false);
      else moveGrabbed(key);
      return;
    }
    if (key === "Enter") {
      event.preventDefault();
      options.open(Number(el.dataset.id));
    } else if (key === " " && options.canWrite) {
      event.preventDefault();
      grabbed = { el, from: el.parentElement, index: [...el.parentElement.children].indexOf(el) };
      el.classList.add("card-grabbed");
      el.setAttribute("aria-pressed", "true");
      announce(`Picked up ${el.dataset.title || "card"}. ${describe(el)}. Arrow keys move it, `
        + "Space drops it, Escape cancels.");
    } else if (key.startsWith("Arrow")) {
      event.preventDefault();
      focusNeighbour(el, key);
    }
  }

  const drawn = new Map(); // id -> { el, stamp }: unchanged cards keep their element

  function cardFor(item, members) {
    const stamp = JSON.stringify(item);
    const known = drawn.get(item.id);
    if (known && known.stamp === stamp) return known.el;
    const el = card(item, members, options);
    el.dataset.title = item.title;
    drawn.set(item.id, { el, stamp });
    return el;
  }

  /** Draw every item (grouped by status, ordered by position). */
  function render(items, members) {
    if (grabbed) release(false);
    const focusId = document.activeElement && document.activeElement.closest
      && document.activeElement.closest(".card")?.dataset.id;
    const ids = new Set(items.map((i) => i.id));
    for (const id of drawn.keys()) if (!ids.has(id)) drawn.delete(id);
    for (const [status, list] of lists) {
      const wanted = items.filter((i) => i.status === status).sort(byPosition)
        .map((item) => cardFor(item, members));
      const same = wanted.length === list.children.length
        && wanted.every((el, i) => list.children[i] === el);
      if (!same) list.replaceChildren(...wanted);
    }
    counts();
    if (focusId && document.activeElement === document.body) {
      const again = root.querySelector(`.card[data-id="${focusId}"]`);
      if (again) again.focus();
    }
  }

  /** Show only some columns (a status filter), or all. */
  function showColumns(status) {
    for (const column of $$(".column", root)) {
      column.hidden = Boolean(status) && column.dataset.status !== status;
    }
  }

  /** Whether a column has more cards to fetch (its "Load more" shows then). */
  function setMore(status, has) {
    const state = more.get(status);
    state.has = has;
    state.button.hidden = !has;
    counts();
  }

  return { render, showColumns, setMore, isHolding: () => Boolean(grabbed) };
}
