// What every settings screen shares: starting the page, the page-level state line, a clear
// refusal for a role that may not see a screen, field errors from the API's 400 envelope,
// a confirmation dialog, and relative times.

import { $$, clear, h, toast } from "../core/dom.js";
import { initLayout } from "../core/layout.js";
import * as realtime from "../core/realtime.js";
import { allowed } from "../core/session.js";

/** Start a settings screen: the top bar, the socket, then run(session). */
export function startPage(run) {
  const main = document.getElementById("main");
  main?.setAttribute("aria-busy", "true"); // until the screen's data is in (tests wait on it)
  (async () => {
    const session = await initLayout();
    await realtime.connect();
    await run(session);
  })().catch((exc) => {
    if (exc && exc.status === 401) return; // api.js is already on its way to sign-in
    showState(`The page could not load: ${exc.message}`, true);
  }).finally(() => main?.setAttribute("aria-busy", "false"));
}

/** Show (or with text "" hide) the line at the top of the screen. */
export function showState(text, isError = false) {
  const el = document.getElementById("page-state");
  if (!el) return;
  el.textContent = text;
  el.hidden = !text;
  el.classList.toggle("is-error", Boolean(isError));
}

/** Whether the signed-in role may do `action` (the server's permission table). */
export function can(session, action) {
  return allowed(session.user.role, action);
}

/** Replace `root`'s content by a refusal that says who may open the screen. */
export function refuse(root, session, { title, who }) {
  clear(root).append(h("section", { class: "refusal", role: "status" },
    h("h2", {}, title),
    h("p", { class: "muted" },
      `Your role (${session.user.role}) cannot open this screen. ${who}`)));
}

/** A short "read only" line for a role that may look but not change. */
export function readOnlyNote(session, what) {
  return h("p", { class: "readonly-note" },
    `Read only: your role (${session.user.role}) cannot ${what}.`);
}

/** Hide every element marked data-requires="<action>" the role may not perform. */
export function applyPermissions(session, root = document) {
  for (const el of $$("[data-requires]", root)) {
    el.hidden = !can(session, el.dataset.requires);
  }
}

/** Put an API error on a form: per-field messages next to the fields, else one line. */
export function formError(form, exc) {
  for (const el of $$("[aria-invalid]", form)) el.removeAttribute("aria-invalid");
  for (const el of $$(".field-error", form)) el.remove();
  const box = form.querySelector(".form-error");
  const fields = exc && exc.details && exc.details.fields;
  let placed = false;
  if (fields) {
    for (const [name, message] of Object.entries(fields)) {
      const input = form.querySelector(`[name="${CSS.escape(name.split(".")[0])}"]`);
      if (!input) continue;
      input.setAttribute("aria-invalid", "true");
      input.closest(".field")?.append(h("span", { class: "field-error" }, message));
      placed = true;
    }
  }
  const text = exc ? exc.message : "";
  if (box) {
    box.textContent = placed && /^Invalid /.test(text) ? "Check the highlighted fields." : text;
    box.hidden = !exc;
  } else if (exc) toast(text, "error");
}

/** Ask before a destructive action; resolves true when confirmed. */
export function confirmAction({ title, text, confirm = "Confirm", danger = true }) {
  return new Promise((resolve) => {
    const yes = h("button", { class: `btn ${danger ? "btn-danger" : "btn-primary"}`, type: "button" },
      confirm);
    const no = h("button", { class: "btn", type: "button" }, "Cancel");
    const dialog = h("dialog", { class: "dialog", "aria-labelledby": "confirm-title" },
      h("div", { class: "dialog-body" },
        h("h2", { id: "confirm-title" }, title),
        h("p", { class: "muted" }, text),
        h("div", { class: "form-actions" }, no, yes)));
    const done = (value) => { dialog.close(); dialog.remove(); resolve(value); };
    yes.addEventListener("click", () => done(true));
    no.addEventListener("click", () => done(false));
    dialog.addEventListener("cancel", (ev) => { ev.preventDefault(); done(false); });
    document.body.append(dialog);
    dialog.showModal();
    no.focus();
  });
}

const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const UNITS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400],
  ["hour", 3600], ["minute", 60]];

/** "3 minutes ago" / "just now" / "never". */
export function ago(iso, never = "never") {
  if (!iso) return never;
  const seconds = (Date.parse(iso) - Date.now()) / 1000;
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return rtf.format(Math.round(seconds / size), unit);
  }
  return "just now";
}

