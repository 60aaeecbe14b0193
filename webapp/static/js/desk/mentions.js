// @mention autocomplete for a textarea: typing "@" and a few letters lists matching members;
// ArrowUp/ArrowDown choose, Enter or Tab insert, Escape closes. The server resolves mentions
// when the comment is written, so the inserted text is what it understands.

import { clear, h } from "../core/dom.js";

const TOKEN = /(^|\s)@([^\s@]*)$/;

/** The text that mentions a member: @ and the full name, or the e-mail when names repeat. */
export function mentionText(member, members) {
  const same = members.filter((m) => m.name.toLowerCase() === member.name.toLowerCase());
  return same.length > 1 ? `@${member.email}` : `@${member.name}`;
}

/** options: textarea, listbox, members() -> [{id, name, email}]. */
export function attachMentions({ textarea, listbox, members }) {
  let matches = [];
  let active = 0;

  function close() {
    matches = [];
    listbox.hidden = true;
    textarea.setAttribute("aria-expanded", "false");
    textarea.removeAttribute("aria-activedescendant");
  }

  function query() {
    const before = textarea.value.slice(0, textarea.selectionStart);
    const match = before.match(TOKEN);
    return match ? match[2].toLowerCase() : null;
  }

  function draw() {
    clear(listbox).append(...matches.map((m, i) => h("li", {
      id: `mention-opt-${m.id}`, role: "option", class: "mention-option",
      "aria-selected": String(i === active),
      on: { mousedown: (e) => { e.preventDefault(); insert(m); } },
    }, h("span", { class: "mention-name" }, m.name), h("span", { class: "muted" }, m.email))));
    listbox.hidden = !matches.length;
    textarea.setAttribute("aria-expanded", String(Boolean(matches.length)));
    if (matches.length) textarea.setAttribute("aria-activedescendant", `mention-opt-${matches[active].id}`);
  }

  function update() {
    const q = query();
    if (q === null) { close(); return; }
    matches = members().filter((m) => m.name.toLowerCase().includes(q)
      || m.email.toLowerCase().startsWith(q)).slice(0, 6);
    active = 0;
    draw();
  }

  function insert(member) {
    const caret = textarea.selectionStart;
    const before = textarea.value.slice(0, caret).replace(/@[^\s@]*$/, `${mentionText(member, members())} `);
    textarea.value = before + textarea.value.slice(caret);
    textarea.setSelectionRange(before.length, before.length);
    textarea.focus();
    close();
  }

  textarea.addEventListener("input", update);
  textarea.addEventListener("blur", () => window.setTimeout(close, 100));
  textarea.addEventListener("keydown", (event) => {
    if (!matches.length) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      active = (active + (event.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length;
      draw();
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      event.stopPropagation();
      insert(matches[active]);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  });
  return { close };
}
