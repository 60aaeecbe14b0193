// The reply box: Enter sends, Shift+Enter adds a line, a quoted message can be attached,
// and each conversation keeps its own draft while you switch between them.

import { $, toast } from "../core/dom.js";
import { createAttach } from "./attach.js";
import { createCannedPicker } from "./canned.js";
import { authorOf, excerpt } from "./message.js";

const MAX_HEIGHT_PX = 180;
const TYPING_REPEAT_MS = 4000; // re-announce "start" while typing goes on
const TYPING_IDLE_MS = 5000;   // "stop" after this long without a keystroke

/**
 * options: onSend({text, quoted, file}) -> Promise; canSend; reason (why not, for the
 * placeholder); onTyping(conversationId, "start" | "stop"); canManageCanned (for the
 * saved-replies hint); canNote and onNote({text}) -> Promise: the "Private note" mode, whose
 * text stays in the team (a note carries no attachment).
 */
export function createComposer(options) {
  const form = $("#composer");
  const input = $("#reply-text");
  const button = $("#reply-send");
  const quoteBox = $("#composer-quote");
  const drafts = new Map(); // conversation id -> {text, quoted}
  let current = null;
  let quoted = null;
  let sending = false;
  let mode = "reply";
  const modes = $("#composer-modes");
  const placeholder = input.placeholder;

  function setMode(next) {
    mode = next;
    form.classList.toggle("note-mode", mode === "note");
    for (const btn of modes.querySelectorAll("button")) {
      btn.setAttribute("aria-pressed", String(btn.dataset.mode === mode));
    }
    $("#reply-label").textContent = mode === "note" ? "Private note" : "Reply";
    input.placeholder = mode === "note"
      ? "Write a private note for the team (@name mentions a teammate)…" : placeholder;
    button.textContent = mode === "note" ? "Add note" : "Send";
  }
  let typingSince = 0;
  let typingTimer = 0;
  const attach = createAttach({ enabled: options.canSend, onChange: () => input.focus() });

  function stopTyping() {
    window.clearTimeout(typingTimer);
    if (!typingSince || current === null) return;
    typingSince = 0;
    options.onTyping(current, "stop");
  }

  function typed() {
    if (!input.value.trim() || current === null) { stopTyping(); return; }
    const now = Date.now();
    if (now - typingSince > TYPING_REPEAT_MS) {
      typingSince = now;
      options.onTyping(current, "start");
    }
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function grow() {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, MAX_HEIGHT_PX)}px`;
  }

  function showQuote() {
    quoteBox.hidden = !quoted;
    if (!quoted) return;
    $(".quote-author", quoteBox).textContent = authorOf(quoted);
    $(".quote-text", quoteBox).textContent = excerpt(quoted, 200);
  }

  function saveDraft() {
    if (current === null) return;
    if (input.value || quoted) drafts.set(current, { text: input.value, quoted });
    else drafts.delete(current);
  }

  async function submit() {
    const text = input.value.trim();
    const file = mode === "note" ? null : attach.file;
    if ((!text && !file) || sending || current === null) return;
    if (mode === "note" ? !options.canNote : !options.canSend) return;
    sending = true;
    button.disabled = true;
    stopTyping();
    try {
      if (mode === "note") {
        await options.onNote({ text });
      } else {
        await options.onSend({ text, quoted, file });
        attach.clear();
      }
      input.value = "";
      quoted = null;
      drafts.delete(current);
      showQuote();
      grow();
    } catch (exc) {
      toast(`${mode === "note" ? "Note not saved" : "Not sent"}: ${exc.message}`, "error");
    } finally {
      sending = false;
      button.disabled = !options.canSend;
      input.focus();
    }
  }

  if (options.canSend) {
    // "/" at the start of the box offers the saved replies; registered first, so that its
    // keys (Enter, arrows, Esc) win while its list is open.
    createCannedPicker({
      input, conversationId: () => current, canManage: options.canManageCanned,
      onInsert: (text) => {
        input.value = text;
        grow();
        saveDraft();
        input.focus();
      },
    });
  }

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === "Escape" && quoted) {
      quoted = null;
      showQuote();
    }
  });
  input.addEventListener("input", () => { grow(); saveDraft(); typed(); });
  input.addEventListener("blur", stopTyping);
  form.addEventListener("submit", (event) => { event.preventDefault(); submit(); });
  $("#quote-cancel").addEventListener("click", () => {
    quoted = null;
    showQuote();
    saveDraft();
    input.focus();
  });

  modes.hidden = !options.canNote;
  modes.addEventListener("click", (event) => {
    const btn = event.target.closest("button[data-mode]");
    if (!btn) return;
    setMode(btn.dataset.mode);
    input.focus();
  });

  input.disabled = !options.canSend;
  button.disabled = !options.canSend;
  if (!options.canSend) {
    input.placeholder = options.reason || "You cannot reply here.";
    // The keyboard hint describes sending: a box that cannot send has nothing to explain.
    const hint = $("#composer-hint");
    hint.hidden = true;
    input.removeAttribute("aria-describedby");
  }

  return {
    /** Switch to another conversation, keeping each one's draft. */
    setConversation(id) {
      stopTyping();
      saveDraft();
      if (current !== id) attach.clear();
      current = id;
      const draft = drafts.get(id) || { text: "", quoted: null };
      input.value = draft.text;
      quoted = draft.quoted;
      showQuote();
      grow();
    },
    /** Quote a message in the reply and put the cursor in the box. */
    quote(msg) {
      quoted = msg;
      showQuote();
      saveDraft();
      input.focus();
    },
    /** Write a private note (the "n" shortcut) or a reply ("r"). */
    write(next) {
      if (next === "note" && !options.canNote) return;
      setMode(next);
      input.focus();
    },
    /** Put text in the box (e.g. "send again" of a failed message). */
    fill(text, quote = null) {
      input.value = text;
      quoted = quote;
      showQuote();
      grow();
      saveDraft();
      input.focus();
    },
  };
}
