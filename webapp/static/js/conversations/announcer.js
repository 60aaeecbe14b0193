// What screen readers hear about new messages: each one of the open conversation, and a
// short summary of the others (collected for a moment, minus what became visible meanwhile).

import { announce } from "../core/dom.js";
import { conversationName } from "./chips.js";
import { authorOf, excerpt } from "./message.js";

const BATCH_MS = 800;

/** options: current() -> open conversation id, find(id) -> conversation or null. */
export function createAnnouncer(options) {
  let pending = [];

  function describe(msg) {
    const conv = options.find(msg.conversation_id);
    const where = conv && conv.is_group ? ` in ${conversationName(conv)}` : "";
    return `New message from ${authorOf(msg)}${where}: ${excerpt(msg, 140)}`;
  }

  function flush() {
    const unseen = pending.filter((m) => m.conversation_id !== options.current());
    pending = [];
    if (unseen.length === 1) announce(describe(unseen[0]));
    if (unseen.length < 2) return;
    const chats = new Set(unseen.map((m) => m.conversation_id)).size;
    announce(`${unseen.length} new messages in ${chats} conversation${chats > 1 ? "s" : ""}`);
  }

  /** A new inbound message arrived. */
  return function inbound(msg) {
    if (msg.conversation_id === options.current()) {
      announce(describe(msg));
      return;
    }
    pending.push(msg);
    if (pending.length === 1) window.setTimeout(flush, BATCH_MS);
  };
}
