// A private note in the thread: the team's remark (never sent to WhatsApp), in its own style,
// with its author, time and the teammates it mentions highlighted.

import { h } from "../core/dom.js";
import { clockTime, fullTime } from "../core/format.js";

/** What changes a note's rendering. */
export function noteKey(note) {
  return JSON.stringify([note.body, note.author_name, note.mentions]);
}

/** The note's text with each mention (as written) highlighted. */
function bodyWithMentions(note) {
  const parts = [];
  let rest = note.body;
  const marks = (note.mentions || []).map((m) => m.text).filter(Boolean);
  while (rest) {
    let at = -1;
    let mark = "";
    for (const text of marks) {
      const i = rest.indexOf(text);
      if (i >= 0 && (at < 0 || i < at)) { at = i; mark = text; }
    }
    if (at < 0) { parts.push(rest); break; }
    parts.push(rest.slice(0, at), h("span", { class: "mention" }, mark));
    rest = rest.slice(at + mark.length);
  }
  return parts;
}

/** options: canDelete(note) -> bool, onDelete(note). */
export function renderNote(note, options) {
  const del = options.canDelete && options.canDelete(note)
    ? h("button", { type: "button", class: "btn-icon note-delete", title: "Delete note",
      "aria-label": "Delete this note", on: { click: () => options.onDelete(note) } }, "×")
    : null;
  return h("li", { class: "msg msg-note", id: `note-${note.id}`,
    dataset: { noteId: String(note.id) } },
  h("div", { class: "note-bubble" },
    h("span", { class: "note-head" },
      h("span", { class: "note-tag" }, "Private note"),
      h("span", { class: "note-author" }, note.author_name || "A former teammate"),
      h("time", { datetime: note.created_at, title: fullTime(note.created_at) },
        clockTime(note.created_at)),
      del),
    h("p", { class: "note-text" }, bodyWithMentions(note))));
}
