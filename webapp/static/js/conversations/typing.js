// "Olivia is typing…": teammates' typing frames, per conversation, with a safety timeout
// (a lost "stop" must not leave the indicator on forever).

const STALE_MS = 8000;

/** options: meId, nameOf(userId), show(names) for the open conversation, current() -> id. */
export function createTyping(options) {
  const typers = new Map(); // user id -> {conversationId, timer}

  function refresh() {
    const id = options.current();
    options.show([...typers].filter(([, t]) => t.conversationId === id)
      .map(([userId]) => options.nameOf(userId)));
  }

  /** Apply one relayed typing frame: {conversation_id, user_id, state}. */
  function handle({ conversation_id: conversationId, user_id: userId, state }) {
    if (userId === options.meId) return; // the same person in another tab
    window.clearTimeout(typers.get(userId)?.timer);
    typers.delete(userId);
    if (state === "start") {
      const timer = window.setTimeout(() => { typers.delete(userId); refresh(); }, STALE_MS);
      typers.set(userId, { conversationId, timer });
    }
    refresh();
  }

  return { handle, refresh };
}
