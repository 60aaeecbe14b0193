// Forgot password (ask for a link) and reset password (spend the link's token).
// The token travels in the URL fragment (#token=...), which browsers never send to servers;
// it is read once and removed from the address bar.

import { ApiError, api } from "../core/api.js";
import { $ } from "../core/dom.js";

const mode = document.body.dataset.mode;
const form = $("#reset-form");
const error = $("#reset-error");
const done = $("#reset-done");
const submit = $("#reset-submit");

function showError(message) {
  error.textContent = message;
  error.hidden = false;
}

function finish(message, withSignIn) {
  form.hidden = true;
  done.replaceChildren(message);
  if (withSignIn) {
    const link = document.createElement("a");
    link.href = "/login";
    link.textContent = " Sign in";
    done.append(link);
  }
  done.hidden = false;
}

function busy(on, label) {
  submit.disabled = on;
  submit.textContent = label;
}

const token = new URLSearchParams(window.location.hash.slice(1)).get("token");
if (mode === "confirm" && token) {
  window.history.replaceState(null, "", window.location.pathname);
}
if (mode === "confirm" && !token) {
  showError("This page needs the link from the reset e-mail. Ask for a new one from the sign-in page.");
  submit.disabled = true;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  if (mode === "confirm") {
    const password = $("#password").value;
    if (password.length < 10) return showError("Use at least 10 characters.");
    if (password !== $("#password2").value) return showError("The two passwords differ.");
    busy(true, "Saving…");
    try {
      await api.post("/auth/password-reset/confirm", { token, password }, { auth: false });
      finish("Your password is changed and you are signed out everywhere.", true);
    } catch (exc) {
      showError(exc instanceof ApiError && exc.code === "invalid_reset_token"
        ? "This link is no longer valid (used, or older than one hour). Ask for a new one."
        : (exc.message || "Could not change the password. Try again."));
      busy(false, "Set new password");
    }
    return;
  }
  const email = $("#email").value.trim();
  if (!email) return showError("Enter the e-mail address you sign in with.");
  busy(true, "Sending…");
  try {
    await api.post("/auth/password-reset", { email }, { auth: false });
    finish(`If ${email} has an account, a reset link is on its way. It works once, for one hour.`,
      false);
  } catch (exc) {
    showError(exc.message || "Could not send the link. Try again.");
    busy(false, "Send reset link");
  }
});
