// The app shell every signed-in screen shares: who is signed in, sign-out, and the live
// connection indicator in the top bar. A screen calls initLayout() first.

import { initBell } from "../desk/bell.js";
import { $ } from "./dom.js";
import * as realtime from "./realtime.js";
import { allowed, loadSession, signOut } from "./session.js";
import { initSettingsMenu, wireSettingsMenu } from "./settings_menu.js";

const LIVE_LABELS = {
  idle: "Offline",
  connecting: "Connecting…",
  open: "Live",
  offline: "Reconnecting…",
};

function showLiveState(state) {
  const el = $("#live-status");
  el.dataset.state = state;
  $(".live-label", el).textContent = LIVE_LABELS[state] || state;
}

/**
 * Wire the top bar and resolve to the session ({user, tenant}). The screen then subscribes to
 * the frames it needs and calls realtime.connect() before loading its data.
 */
export async function initLayout() {
  wireSettingsMenu();
  $("#sign-out").addEventListener("click", () => {
    realtime.disconnect();
    signOut();
  });
  realtime.onState(showLiveState);
  const session = await loadSession();
  $("#user-name").textContent = session.user.name;
  $("#tenant-name").textContent = session.tenant.name;
  initSettingsMenu(session);
  for (const li of document.querySelectorAll(".mainnav [data-requires]")) {
    li.hidden = !allowed(session.user.role, li.dataset.requires);
  }
  const current = document.querySelector(".mainnav [aria-current]");
  if (current) current.scrollIntoView({ block: "nearest", inline: "nearest" });
  initBell();
  return session;
}
