// Keyboard shortcuts of the conversation screen, and the "?" sheet that lists them. They act
// only when no text box has the focus (typing a "j" in a reply stays a "j"); Esc leaves a box.

import { h } from "../core/dom.js";

/**
 * actions: {next, previous, reply, note, resolve, snooze, assignMe, search} — functions; an
 * absent action (not allowed for the role) is left out of the sheet. Returns {openSheet}.
 */
export function createShortcuts(actions) {
  const keys = [
    ["j", "Next conversation", actions.next],
    ["k", "Previous conversation", actions.previous],
    ["r", "Reply", actions.reply],
    ["n", "Private note", actions.note],
    ["e", "Resolve", actions.resolve],
    ["s", "Snooze", actions.snooze],
    ["a", "Assign to me", actions.assignMe],
    ["/", "Search conversations", actions.search],
    ["?", "Show these shortcuts", null],
    ["Esc", "Leave the text box / close", null],
  ].filter(([, , fn], i, all) => fn || all[i][0] === "?" || all[i][0] === "Esc");

  const sheet = h("dialog", { id: "shortcut-sheet", class: "shortcut-sheet",
    "aria-labelledby": "shortcut-title" },
  h("h2", { id: "shortcut-title" }, "Keyboard shortcuts"),
  h("dl", {}, keys.map(([key, what]) => [h("dt", {}, h("kbd", {}, key)), h("dd", {}, what)])),
  h("form", { method: "dialog" }, h("button", { class: "btn", type: "submit" }, "Close")));
  document.body.append(sheet);

  const byKey = new Map(keys.filter(([, , fn]) => fn).map(([key, , fn]) => [key, fn]));

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    const typing = target instanceof HTMLElement
      && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (typing) {
      // Esc in the reply box first cancels a quote (the composer's own Esc), then leaves.
      const quoting = target.id === "reply-text"
        && !document.getElementById("composer-quote")?.hidden;
      if (event.key === "Escape" && !quoting) target.blur();
      return;
    }
    if (sheet.open) return;
    if (event.key === "?") {
      event.preventDefault();
      sheet.showModal();
      return;
    }
    const fn = byKey.get(event.key);
    if (!fn) return;
    event.preventDefault();
    fn();
  });

  return { openSheet: () => sheet.showModal() };
}
