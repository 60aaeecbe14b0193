// The sign-in page: email + password -> HttpOnly session cookies, then back where we came from.

import { ApiError, api } from "../core/api.js";
import { $ } from "../core/dom.js";

const form = $("#login-form");
const error = $("#login-error");
const submit = $("#login-submit");

function nextUrl() {
  const target = document.body.dataset.next || "/app/conversations";
  // Same-origin paths only (the server already checked; this guards against tampering).
  return target.startsWith("/") && !target.startsWith("//") ? target : "/app/conversations";
}

function showError(message) {
  error.textContent = message;
  error.hidden = false;
}

// Sent here because this account was removed from the team it had open (WebSocket close 4403).
if (new URLSearchParams(window.location.search).get("reason") === "removed") {
  showError("You no longer have access to that team. Sign in again to continue.");
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const email = $("#email").value.trim();
  const password = $("#password").value;
  if (!email || !password) {
    showError("Enter your email and password.");
    (email ? $("#password") : $("#email")).focus();
    return;
  }
  error.hidden = true;
  submit.disabled = true;
  submit.textContent = "Signing in…";
  try {
    await api.post("/auth/login", { email, password, use_cookies: true }, { auth: false });
    window.location.assign(nextUrl());
  } catch (exc) {
    const message = exc instanceof ApiError && exc.status === 401
      ? "Wrong email or password."
      : (exc.message || "Sign-in failed. Try again.");
    showError(message);
    submit.disabled = false;
    submit.textContent = "Sign in";
    $("#password").select();
  }
});
