// "Sync contacts" on the WhatsApp numbers screen: asks the gateway to read the paired phone's
// address book (POST /whatsapp/devices/:id/sync-contacts, 202) and shows the outcome when the
// `contacts.synced` event arrives (or the refusal at once: 409 when the number is offline).
// The table is redrawn on every device event: what a number's last sync said lives here.

import { api } from "../core/api.js";
import { h, toast, announce } from "../core/dom.js";
import * as realtime from "../core/realtime.js";

const shown = new Map(); // device id -> {text, bad, busy}

function describe(req) {
  if (req.state === "failed") return `Contact sync failed: ${req.error}`;
  const r = req.result || { contacts: 0, named: 0, added: 0 };
  return `Contacts synced: ${r.contacts} in the address book, ${r.named} named, ${r.added} new.`;
}

function paint(deviceId) {
  const row = document.querySelector(`tr[data-device-id="${deviceId}"]`);
  const now = shown.get(deviceId) || {};
  const line = row?.querySelector(".sync-result");
  if (line) {
    line.textContent = now.text || "";
    line.classList.toggle("device-error", Boolean(now.bad));
  }
  const button = row?.querySelector(".btn-sync");
  if (button) button.disabled = Boolean(now.busy);
}

async function sync(d) {
  shown.set(d.id, { text: "Syncing contacts…", busy: true });
  paint(d.id);
  try {
    await api.post(`/whatsapp/devices/${d.id}/sync-contacts`, {});
  } catch (exc) {
    shown.set(d.id, { text: exc.message, bad: true });
    paint(d.id);
    toast(exc.message, "error");
  }
}

/** The button of a connected number (for admins: the caller decides). */
export function syncButton(d) {
  return h("button", {
    class: "btn btn-sm btn-sync", type: "button", "aria-label": `Sync contacts of ${d.display_name}`,
    title: "Read this phone's address book: saved names fill contacts that have none",
    disabled: Boolean(shown.get(d.id)?.busy), on: { click: () => sync(d) },
  }, "Sync contacts");
}

/** The line under a number's name where its last sync's outcome shows. */
export function syncResult(d) {
  const now = shown.get(d.id) || {};
  return h("span", { class: `sync-result${now.bad ? " device-error" : ""}`, role: "status" },
    now.text || "");
}

/** Show each finished sync of this tenant's numbers as it arrives. */
export function watchSyncs() {
  realtime.subscribe("contacts.synced", (req) => {
    if (!req || !Number.isInteger(req.device_id)) return;
    const text = describe(req);
    shown.set(req.device_id, { text, bad: req.state === "failed" });
    paint(req.device_id);
    announce(text);
  });
}
