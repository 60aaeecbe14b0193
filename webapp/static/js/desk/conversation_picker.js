// A conversation picker for the create-item form: typing searches the team's conversations
// (GET /conversations?q=..., title, contact or message text) and lists the matches;
// ArrowUp/ArrowDown choose, Enter picks, Escape closes. The picked one shows as a chip with a
// button to take it off again. value() is its id or null.

import { api } from "../core/api.js";
import { clear, debounce, h } from "../core/dom.js";

const SHOWN = 8;

function label(conv) {
  return conv.title || conv.chat_jid || `Conversation ${conv.id}`;
}

/** options: input, listbox, chosen (the element showing the pick). */
export function attachConversationPicker({ input, listbox, chosen }) {
  let matches = [];
  let active = 0;
  let picked = null;
  let ticket = 0;

  function close() {
    matches = [];
    listbox.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function draw() {
    clear(listbox).append(...matches.map((c, i) => h("li", {
      id: `conv-opt-${c.id}`, role: "option", class: "mention-option",
      "aria-selected": String(i === active),
      on: { mousedown: (e) => { e.preventDefault(); pick(c); } },
    }, h("span", { class: "mention-name" }, label(c)),
    h("span", { class: "muted" }, c.status || ""))));
    if (!matches.length && input.value.trim()) {
      listbox.append(h("li", { class: "mention-option muted", role: "option",
        "aria-disabled": "true" }, "No conversation matches."));
    }
    const open = Boolean(input.value.trim());
    listbox.hidden = !open;
    input.setAttribute("aria-expanded", String(open));
    if (matches.length) input.setAttribute("aria-activedescendant", `conv-opt-${matches[active].id}`);
    else input.removeAttribute("aria-activedescendant");
  }

  const search = debounce(async () => {
    const q = input.value.trim();
    const mine = ++ticket;
    if (!q) { close(); return; }
    try {
      const page = await api.get("/conversations", { q, limit: SHOWN });
      if (mine !== ticket) return; // a newer search is on its way
      matches = page.data;
    } catch {
      if (mine !== ticket) return;
      matches = [];
    }
    active = 0;
    draw();
  }, 200);

  function show() {
    input.hidden = Boolean(picked);
    chosen.hidden = !picked;
    if (!picked) { clear(chosen); return; }
    clear(chosen).append(h("span", { class: "chip" }, label(picked)),
      h("button", { type: "button", class: "btn btn-ghost btn-sm",
        "aria-label": `Change conversation: ${label(picked)}`,
        on: { click: () => { set(null); input.focus(); } } }, "Change"));
  }

  function set(conv) {
    picked = conv;
    input.value = "";
    close();
    show();
  }

  function pick(conv) {
    set(conv);
    chosen.querySelector("button")?.focus();
  }

  input.addEventListener("input", search);
  input.addEventListener("blur", () => window.setTimeout(close, 150));
  input.addEventListener("keydown", (event) => {
    if (!matches.length) {
      if (event.key === "Enter") event.preventDefault(); // never submit the form from here
      return;
    }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      active = (active + (event.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length;
      draw();
    } else if (event.key === "Enter") {
      event.preventDefault();
      pick(matches[active]);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation(); // close the list, not the dialog
      close();
    }
  });

  return {
    value: () => (picked ? picked.id : null),
    set,
    /** Pre-fill by id (from a conversation's "New action item"). */
    async preset(id) {
      set(await api.get(`/conversations/${id}`));
    },
  };
}
