// Team: members with their role and last activity (change role, remove), invitations (create:
// the link is shown once; revoke a pending one). Viewers and members read the list only.
// Live: another admin's changes (`team.changed`) reload the list they touch.

import { api } from "../core/api.js";
import { $, clear, h, toast } from "../core/dom.js";
import { fullTime, titleCase } from "../core/format.js";
import * as realtime from "../core/realtime.js";
import {
  ago, applyPermissions, can, confirmAction, formError, readOnlyNote, startPage,
} from "../settings/common.js";

const ROLES = ["owner", "admin", "manager", "member", "viewer"];
const state = { session: null, members: [], canManage: false };

function assignable(current) {
  // Admins manage roles below owner; only owners grant or change the owner role.
  const me = state.session.user.role;
  if (me === "owner") return ROLES;
  if (current === "owner") return [];
  return ROLES.filter((r) => r !== "owner");
}

function roleCell(m) {
  const options = state.canManage ? assignable(m.role) : [];
  if (!options.length) return h("span", { class: "chip" }, titleCase(m.role));
  const select = h("select", { class: "select", "aria-label": `Role of ${m.name}` },
    options.map((r) => h("option", { value: r, selected: r === m.role }, titleCase(r))));
  select.addEventListener("change", async () => {
    select.disabled = true;
    try {
      await api.patch(`/members/${m.id}`, { role: select.value });
      m.role = select.value;
      toast(`${m.name} is now ${select.value}.`);
    } catch (exc) {
      select.value = m.role;
      toast(exc.message, "error");
    } finally {
      select.disabled = false;
    }
  });
  return select;
}

async function removeMember(m) {
  const ok = await confirmAction({
    title: `Remove ${m.name}?`,
    text: "They lose access to this workspace at once and are signed out here. Their past work stays.",
    confirm: "Remove",
  });
  if (!ok) return;
  try {
    await api.del(`/members/${m.id}`);
    state.members = state.members.filter((x) => x.id !== m.id);
    renderMembers();
    toast(`${m.name} was removed.`);
  } catch (exc) {
    toast(exc.message, "error");
  }
}

function memberRow(m) {
  const me = m.id === state.session.user.id;
  const last = m.last_active_at || m.last_seen_at || m.last_login_at;
  return h("tr", { dataset: { userId: m.id } },
    h("td", { "data-label": "Name" }, h("strong", {}, m.name), me ? h("span", { class: "muted" }, " (you)") : null,
      h("span", { class: "sub" }, m.email)),
    h("td", { "data-label": "Role" }, roleCell(m)),
    h("td", { "data-label": "Last activity", title: fullTime(last) }, ago(last)),
    h("td", { "data-label": "Joined", title: fullTime(m.joined_at) }, ago(m.joined_at)),
    h("td", { class: "cell-actions" }, state.canManage && !me && assignable(m.role).length
      ? h("button", { class: "btn btn-sm btn-danger-ghost", type: "button", "aria-label": `Remove ${m.name}`,
        on: { click: () => removeMember(m) } }, "Remove")
      : null));
}

function renderMembers() {
  clear($("#members-body")).append(...state.members.map(memberRow));
  const n = state.members.length;
  $("#members-count").textContent = `${n} member${n === 1 ? "" : "s"}`;
}

function invitationStatus(inv) {
  if (inv.revoked_at) return ["Revoked", ""];
  if (inv.accepted_at) return ["Accepted", "chip-ok"];
  if (Date.parse(inv.expires_at) < Date.now()) return ["Expired", "chip-warn"];
  return ["Pending", "chip-info"];
}

async function revoke(inv) {
  const ok = await confirmAction({
    title: `Revoke the invitation for ${inv.email}?`,
    text: "The link stops working at once. You can invite them again later.",
    confirm: "Revoke",
  });
  if (!ok) return;
  try {
    await api.del(`/invitations/${inv.id}`);
    toast(`The invitation for ${inv.email} is revoked.`);
    await loadInvitations();
  } catch (exc) {
    toast(exc.message, "error");
  }
}

function invitationRow(inv) {
  const [label, cls] = invitationStatus(inv);
  return h("tr", { dataset: { invitationId: inv.id } },
    h("td", { "data-label": "Email" }, inv.email),
    h("td", { "data-label": "Role" }, titleCase(inv.role)),
    h("td", { "data-label": "Status" }, h("span", { class: `chip ${cls}` }, label),
      label === "Pending" ? h("span", { class: "sub" }, `expires ${ago(inv.expires_at)}`) : null),
    h("td", { "data-label": "Sent", title: fullTime(inv.created_at) }, ago(inv.created_at)),
    h("td", { class: "cell-actions" }, label === "Pending"
      ? h("button", { class: "btn btn-sm", type: "button", "aria-label": `Revoke invitation for ${inv.email}`,
        on: { click: () => revoke(inv) } }, "Revoke")
      : null));
}

async function loadInvitations() {
  if (!can(state.session, "invitations.manage")) return;
  let data;
  try {
    ({ data } = await api.get("/invitations"));
  } catch (exc) {
    if (exc.status !== 403) throw exc;
    window.location.reload(); // my role changed meanwhile: the page follows the new one
    return;
  }
  clear($("#invitations-body")).append(...data.map(invitationRow));
  $("#invitations-table").hidden = data.length === 0;
  $("#invitations-empty").hidden = data.length > 0;
}

function inviteLink(result) {
  // The accept page carries the token in the fragment (never sent to the server or its logs).
  const path = result.invite_path || `/invite#token=${encodeURIComponent(result.token)}`;
  return `${window.location.origin}${path}`;
}

function wireInvite() {
  const panel = $("#invite-panel");
  const form = $("#invite-form");
  const roles = assignable("member");
  for (const opt of $("#invite-role").options) opt.hidden = !roles.includes(opt.value);
  $("#invite-open").addEventListener("click", () => {
    panel.hidden = false;
    $("#invite-result").hidden = true;
    form.reset();
    formError(form, null);
    $("#invite-email").focus();
  });
  $("#invite-cancel").addEventListener("click", () => { panel.hidden = true; });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const result = await api.post("/invitations", {
        email: $("#invite-email").value.trim(), role: $("#invite-role").value,
      });
      formError(form, null);
      $("#invite-result-email").textContent = result.email;
      $("#invite-link").textContent = inviteLink(result);
      $("#invite-emailed").hidden = !result.email_queued; // sent by mail when e-mail is set up
      $("#invite-result").hidden = false;
      form.reset();
      await loadInvitations();
    } catch (exc) {
      formError(form, exc);
    }
  });
  $("#invite-copy").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText($("#invite-link").textContent);
      toast("Link copied.");
    } catch {
      toast("Select the link and copy it.", "error");
    }
  });
}

startPage(async (session) => {
  state.session = session;
  state.canManage = can(session, "members.manage");
  applyPermissions(session);
  if (!state.canManage) $("#team-readonly").replaceWith(readOnlyNote(session, "invite, change roles or remove people"));
  if (can(session, "invitations.manage")) wireInvite();
  await loadMembers();
  await loadInvitations();
  realtime.subscribe("team.changed", onTeamChanged);
  realtime.onState((st, info) => {
    if (st === "open" && info.resumed) resync().catch(() => {});
  });
});

// After a reconnect (e.g. the server closed the socket because my role changed): if my role
// is not what the page was built for, rebuild the page; else reload both lists.
async function resync() {
  const me = await api.get("/auth/me");
  if (me.user.role !== state.session.user.role) {
    window.location.reload();
    return;
  }
  await Promise.all([loadMembers(), loadInvitations()]);
}

async function loadMembers() {
  state.members = (await api.get("/members")).data;
  renderMembers();
}

// Several events can come at once (an accepted invitation also adds a member): one reload each.
const pending = new Map();
function reloadSoon(key, load) {
  if (pending.has(key)) return;
  pending.set(key, window.setTimeout(() => {
    pending.delete(key);
    load().catch((exc) => toast(exc.message, "error"));
  }, 150));
}

function onTeamChanged(change) {
  if (!change) return;
  if (change.what === "member" && change.id === state.session.user.id && change.change === "role") {
    window.location.reload(); // my own role changed: the page's controls follow the new one
    return;
  }
  if (change.what === "member") reloadSoon("members", loadMembers);
  else reloadSoon("invitations", loadInvitations);
}
