// Your profile: name, password change (the current password required; other sessions end),
// the workspaces of the account (switch), and sign out everywhere.

import { api } from "../core/api.js";
import { $, clear, h, toast } from "../core/dom.js";
import { titleCase } from "../core/format.js";
import * as realtime from "../core/realtime.js";
import { switchTenant } from "../core/settings_menu.js";
import { confirmAction, formError, startPage } from "../settings/common.js";

function memberships(profile) {
  clear($("#memberships")).append(...profile.memberships.map((m) => h("li", { class: "membership" },
    h("span", {}, h("strong", {}, m.tenant_name), h("span", { class: "sub" }, titleCase(m.role))),
    m.current ? h("span", { class: "chip chip-ok" }, "Current")
      : h("button", { class: "btn btn-sm", type: "button", "aria-label": `Switch to ${m.tenant_name}`,
        on: { click: () => switchTenant(m.tenant_id) } }, "Switch"))));
}

startPage(async () => {
  const profile = await api.get("/auth/profile");
  $("#pr-name").value = profile.name;
  $("#pr-email").textContent = profile.email;
  memberships(profile);

  $("#name-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const saved = await api.patch("/auth/profile", { name: $("#pr-name").value.trim() });
      formError(ev.target, null);
      $("#user-name").textContent = saved.name;
      $("#menu-user-name").textContent = saved.name;
      toast("Name saved.");
    } catch (exc) {
      formError(ev.target, exc);
    }
  });

  $("#password-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const form = ev.target;
    try {
      const res = await api.post("/auth/password", {
        current_password: $("#pr-current").value, new_password: $("#pr-new").value,
      });
      formError(form, null);
      form.reset();
      const n = res.sessions_ended;
      toast(`Password changed. ${n} other session${n === 1 ? "" : "s"} signed out.`);
    } catch (exc) {
      formError(form, exc);
    }
  });

  $("#logout-all").addEventListener("click", async () => {
    const ok = await confirmAction({ title: "Sign out everywhere?",
      text: "Every session of your account ends, this one too. You will sign in again.", confirm: "Sign out everywhere" });
    if (!ok) return;
    realtime.disconnect();
    try {
      await api.post("/auth/logout-all");
    } finally {
      window.location.assign("/login");
    }
  });
});
