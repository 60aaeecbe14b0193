// The top bar's settings menu (every settings screen, the profile, the theme, sign out) and the
// workspace switcher shown when the user belongs to several tenants. Markup:
// templates/_settings_menu.html. A menu button pattern: Enter/Space/ArrowDown open it on the
// first item, arrows move, Escape closes and returns focus, a click outside closes it.

import { api } from "./api.js";
import { $, $$, toast } from "./dom.js";
import * as realtime from "./realtime.js";
import { chooseTheme, restoreUserTheme } from "./theme.js";

function items(menu) {
  return $$("[role^='menuitem']", menu).filter((el) => !el.hidden);
}

function wireMenu(button, menu) {
  const setOpen = (open, focusFirst = false) => {
    menu.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    if (open && focusFirst) items(menu)[0]?.focus();
  };
  button.addEventListener("click", () => setOpen(menu.hidden, false));
  button.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown") {
      ev.preventDefault();
      setOpen(true, true);
    }
  });
  menu.addEventListener("keydown", (ev) => {
    const list = items(menu);
    const at = list.indexOf(document.activeElement);
    if (ev.key === "Escape") {
      setOpen(false);
      button.focus();
    } else if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      const step = ev.key === "ArrowDown" ? 1 : -1;
      list[(at + step + list.length) % list.length]?.focus();
    } else if (ev.key === "Home" || ev.key === "End") {
      ev.preventDefault();
      list[ev.key === "Home" ? 0 : list.length - 1]?.focus();
    } else if (ev.key === "Tab") {
      setOpen(false);
    }
  });
  document.addEventListener("click", (ev) => {
    if (!menu.hidden && !menu.contains(ev.target) && !button.contains(ev.target)) setOpen(false);
  });
}

function wireTheme(menu, userId) {
  const buttons = $$("[data-theme-choice]", menu);
  const show = (pref) => {
    for (const b of buttons) b.setAttribute("aria-checked", String(b.dataset.themeChoice === pref));
  };
  show(restoreUserTheme(userId));
  for (const b of buttons) {
    b.addEventListener("click", () => show(chooseTheme(b.dataset.themeChoice, userId)));
  }
}

/** The memberships in /auth/me, as [{id, name, role}] (empty when the API lists none). */
export function membershipsOf(session) {
  return (session.memberships || []).map((m) => ({
    id: m.tenant_id ?? (m.tenant && m.tenant.id) ?? m.id,
    name: m.tenant_name ?? (m.tenant && m.tenant.name) ?? m.name,
    role: m.role,
  })).filter((m) => Number.isInteger(m.id));
}

function wireSwitcher(select, session) {
  const memberships = membershipsOf(session);
  if (memberships.length < 2) return;
  select.replaceChildren(...memberships.map((m) => {
    const opt = document.createElement("option");
    opt.value = String(m.id);
    opt.textContent = m.name;
    opt.title = m.role ? `${m.name}, as ${m.role}` : m.name;
    opt.selected = m.id === session.tenant.id;
    return opt;
  }));
  select.hidden = false;
  select.addEventListener("change", async () => {
    select.disabled = true;
    if (!(await switchTenant(Number(select.value)))) {
      select.value = String(session.tenant.id);
      select.disabled = false;
    }
  });
}

/** Work in another tenant of the account: new session cookies, then the app's first screen.
 * Resolves false (after saying why) when the switch was refused. */
export async function switchTenant(tenantId) {
  realtime.disconnect(); // the current session ends with the switch
  try {
    await api.post("/auth/switch-tenant", { tenant_id: tenantId });
  } catch (exc) {
    toast(exc.message || "Could not switch workspace.", "error");
    realtime.connect();
    return false;
  }
  window.location.assign("/app");
  return true;
}

/** Make the menu button work at once (before the session is known). */
export function wireSettingsMenu() {
  const button = document.getElementById("settings-button");
  const menu = document.getElementById("settings-menu");
  if (button && menu) wireMenu(button, menu);
}

/** Fill the menu for the signed-in session: who, their theme, the workspace switcher. */
export function initSettingsMenu(session) {
  const menu = document.getElementById("settings-menu");
  if (!menu) return;
  $("#menu-user-name", menu).textContent = session.user.name;
  $("#menu-user-meta", menu).textContent =
    `${session.user.email} · ${session.tenant.name} · ${session.user.role}`;
  wireTheme(menu, session.user.id);
  const select = document.getElementById("tenant-switcher");
  if (select) wireSwitcher(select, session);
}
