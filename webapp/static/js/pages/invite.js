// The invitation page (/invite#token=...): a new person registers, an existing account signs in
// (which accepts the invitation), and someone signed in as the invited address accepts in one
// click. The token stays in the URL fragment, which the browser never sends to the server.

import { ApiError, api, readCookie, refreshSession } from "../core/api.js";
import { $ } from "../core/dom.js";

const APP = "/app";
const REASONS = {
  invitation_used: "This invitation has already been used. Sign in to open the team.",
  invitation_revoked: "This invitation was withdrawn. Ask the person who invited you for a new one.",
  invitation_expired: "This invitation has expired. Ask the person who invited you for a new one.",
  invalid_invitation: "This invitation link is not valid. Check that you copied all of it.",
  invitation_email_mismatch: "This invitation was sent to another email address.",
  already_member: "You are already a member of this team.",
};

const error = $("#invite-error");
const summary = $("#invite-summary");

function token() {
  const params = new URLSearchParams(window.location.hash.slice(1));
  return params.get("token") || "";
}

function showError(message) {
  error.textContent = message;
  error.hidden = false;
}

function explain(exc) {
  if (exc instanceof ApiError && REASONS[exc.code]) return REASONS[exc.code];
  if (exc instanceof ApiError && exc.status === 401) return "Wrong email or password.";
  if (exc instanceof ApiError && exc.status === 429) return exc.message;
  return (exc && exc.message) || "Something went wrong. Try again.";
}

function busy(button, text) {
  const idle = button.textContent;
  button.disabled = true;
  button.textContent = text;
  return () => { button.disabled = false; button.textContent = idle; };
}

async function whoAmI() {
  // Signed in already? A 401 is an answer here, not a reason to leave the page.
  if (!readCookie("csrf_access_token") && !readCookie("csrf_refresh_token")) return null;
  try {
    return await api.get("/auth/me", undefined, { auth: false });
  } catch (exc) {
    if (exc instanceof ApiError && exc.code === "token_expired" && await refreshSession()) {
      try { return await api.get("/auth/me", undefined, { auth: false }); } catch { return null; }
    }
    return null;
  }
}

async function openTenant(tenantId) {
  await api.post("/auth/switch-tenant", { tenant_id: tenantId });
  window.location.assign(APP);
}

function showAccept(invite, me) {
  const box = $("#invite-accept");
  $("#invite-accept-who").textContent = `Signed in as ${me.user.name} (${me.user.email}).`;
  box.hidden = false;
  const button = $("#invite-accept-button");
  const member = me.memberships.find((m) => m.tenant_id === invite.tenant.id);
  if (member) button.textContent = `Open ${invite.tenant.name}`;
  button.addEventListener("click", async () => {
    error.hidden = true;
    const done = busy(button, "Joining…");
    try {
      if (!member) await api.post("/invitations/accept", { token: token() });
      await openTenant(invite.tenant.id);
    } catch (exc) {
      if (exc instanceof ApiError && exc.code === "already_member") {
        await openTenant(invite.tenant.id);
        return;
      }
      showError(explain(exc));
      done();
    }
  });
}

function showSignIn(invite) {
  const form = $("#invite-signin");
  $("#signin-email").value = invite.email;
  form.hidden = false;
  $("#signin-password").focus();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const password = $("#signin-password").value;
    if (!password) { showError("Enter your password."); return; }
    error.hidden = true;
    const done = busy($("#invite-signin-button"), "Signing in…");
    try {
      try {
        await api.post("/auth/login", {
          email: invite.email, password, invitation_token: token(), use_cookies: true,
        }, { auth: false });
      } catch (exc) {
        // A member already (e.g. the link opened twice): just sign in to that team.
        if (!(exc instanceof ApiError && exc.code === "already_member")) throw exc;
        await api.post("/auth/login", {
          email: invite.email, password, tenant_id: invite.tenant.id, use_cookies: true,
        }, { auth: false });
      }
      window.location.assign(APP);
    } catch (exc) {
      showError(explain(exc));
      done();
      $("#signin-password").select();
    }
  });
}

function showRegister(invite) {
  const form = $("#invite-register");
  $("#register-email").value = invite.email;
  form.hidden = false;
  $("#register-name").focus();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = $("#register-name").value.trim();
    const password = $("#register-password").value;
    if (!name) { showError("Enter your name."); $("#register-name").focus(); return; }
    if (password.length < 10) {
      showError("Choose a password of at least 10 characters.");
      $("#register-password").focus();
      return;
    }
    error.hidden = true;
    const done = busy($("#invite-register-button"), "Creating your account…");
    try {
      await api.post("/auth/register", {
        email: invite.email, password, name, invitation_token: token(), use_cookies: true,
      }, { auth: false });
      window.location.assign(APP);
    } catch (exc) {
      showError(explain(exc));
      done();
    }
  });
}

async function main() {
  if (!token()) {
    summary.hidden = true;
    showError("This invitation link is incomplete. Open the whole link you were sent.");
    $("#invite-elsewhere").hidden = false;
    return;
  }
  let invite;
  try {
    invite = await api.post("/invitations/preview", { token: token() }, { auth: false });
  } catch (exc) {
    summary.hidden = true;
    showError(explain(exc));
    $("#invite-elsewhere").hidden = false;
    return;
  }
  $("#invite-title").textContent = `Join ${invite.tenant.name}`;
  summary.textContent = `You are invited as ${invite.role} (${invite.email}).`;
  const me = await whoAmI();
  if (me && me.user.email.toLowerCase() === invite.email.toLowerCase()) {
    showAccept(invite, me);
  } else if (invite.account_exists) {
    if (me) summary.textContent += ` You are signed in as ${me.user.email}; sign in as the invited address to join.`;
    showSignIn(invite);
  } else {
    showRegister(invite);
  }
}

main();
