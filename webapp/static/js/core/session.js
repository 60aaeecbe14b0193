// The signed-in user: loaded once per page from /auth/me; permissions come from the server's
// one permission table (rendered into the layout as data-permissions / data-roles).

import { api } from "./api.js";

let current = null;

/** Load { user, tenant } (cached for the page). */
export async function loadSession() {
  if (!current) current = api.get("/auth/me");
  return current;
}

/** Whether a role may perform an action, per the server's permission table. */
export function allowed(role, action) {
  const body = document.body.dataset;
  const table = JSON.parse(body.permissions || "{}");
  const roles = (body.roles || "").split(",");
  const need = table[action];
  return need !== undefined && roles.indexOf(role) >= roles.indexOf(need) && roles.includes(role);
}

/** Sign out on the server, then go to the sign-in page. */
export async function signOut() {
  try {
    await api.post("/auth/logout");
  } finally {
    window.location.assign("/login");
  }
}
