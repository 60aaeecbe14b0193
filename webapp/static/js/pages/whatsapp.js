// WhatsApp numbers: the tenant's devices with their live status; "Add number" creates a device
// and shows its pairing QR code (or phone code) as the gateway reports it over the socket.

import { api } from "../core/api.js";
import { $, clear, h, toast, announce } from "../core/dom.js";
import { fullTime } from "../core/format.js";
import * as realtime from "../core/realtime.js";
import {
  ago, applyPermissions, can, confirmAction, formError, readOnlyNote, startPage,
} from "../settings/common.js";
import { syncButton, syncResult, watchSyncs } from "../settings/contact_sync.js";

const STATUS = {
  pending: ["Starting", "chip-info"],
  pairing: ["Pairing", "chip-warn"],
  connected: ["Connected", "chip-ok"],
  disconnected: ["Disconnected", "chip-warn"],
  logged_out: ["Logged out", ""],
  outdated: ["Error", "chip-bad"],
};

const devices = new Map();
let pairing = null; // {id, qrAt, codeShown}
let canManage = false;
let defaultMethod = "qr"; // "simulator" where this server pairs simulated numbers by default

/** "+5511999990001" from a device JID ("5511999990001:12@s.whatsapp.net"). */
function phoneOfDevice(d) {
  const user = String(d.jid || "").split("@")[0].split(":")[0];
  if (/^\d{6,}$/.test(user)) return `+${user}`;
  return d.pair_phone ? `+${d.pair_phone}` : "";
}

function statusCell(d) {
  const [label, cls] = STATUS[d.status] || [d.status, ""];
  const errored = d.last_error && d.status !== "connected";
  return h("td", { "data-label": "Status" },
    h("span", { class: `chip ${errored ? "chip-bad" : cls} device-status`, dataset: { status: d.status } },
      errored && d.status !== "outdated" ? `${label} · error` : label),
    errored ? h("span", { class: "device-error" }, d.last_error) : null);
}

function row(d) {
  const actions = h("td", { class: "cell-actions" });
  if (canManage && d.status !== "logged_out") {
    actions.append(h("button", {
      class: "btn btn-sm", type: "button", "aria-label": `Log out ${d.display_name}`,
      on: { click: () => logOut(d) },
    }, "Log out"));
  }
  if (canManage) {
    actions.append(h("button", {
      class: "btn btn-sm btn-danger-ghost", type: "button", "aria-label": `Remove ${d.display_name}`,
      on: { click: () => remove(d) },
    }, "Remove"));
  }
  if (canManage && d.status === "connected") actions.prepend(syncButton(d));
  return h("tr", { dataset: { deviceId: d.id } },
    h("td", { "data-label": "Name" },
      h("span", { class: "device-name" }, d.display_name), " ",
      d.simulated || d.kind === "simulator" ? h("span", { class: "chip chip-sim", title: "Simulated traffic, no phone" }, "Simulated") : null,
      syncResult(d)),
    statusCell(d),
    h("td", { "data-label": "Phone" }, phoneOfDevice(d) || h("span", { class: "muted" }, "not linked yet")),
    h("td", { "data-label": "Last seen", title: fullTime(d.last_seen) }, ago(d.last_seen)),
    actions);
}

function render() {
  const list = [...devices.values()].sort((a, b) => a.id - b.id);
  clear($("#devices-body")).append(...list.map(row));
  $("#devices-table").hidden = list.length === 0;
  $("#devices-empty").hidden = list.length > 0;
  const live = list.filter((d) => d.status === "connected").length;
  $("#devices-count").textContent = list.length
    ? `${list.length} number${list.length === 1 ? "" : "s"}, ${live} connected` : "";
}

async function logOut(d) {
  const ok = await confirmAction({
    title: `Log out ${d.display_name}?`,
    text: "The number is unlinked from this workspace; its conversations stay. Pair it again to receive new messages.",
    confirm: "Log out",
  });
  if (!ok) return;
  try {
    devices.set(d.id, await api.post(`/whatsapp/devices/${d.id}/logout`));
    render();
    toast(`${d.display_name} is logged out.`);
  } catch (exc) {
    toast(exc.message, "error");
  }
}

async function remove(d) {
  const ok = await confirmAction({
    title: `Remove ${d.display_name}?`,
    text: d.status === "logged_out"
      ? "It leaves this list. Its conversations and messages stay, and the number can be paired again later."
      : "The number is logged out (unlinked from the phone) and leaves this list. Its conversations and messages stay, and it can be paired again later.",
    confirm: "Remove",
  });
  if (!ok) return;
  try {
    await api.del(`/whatsapp/devices/${d.id}`);
    devices.delete(d.id);
    if (pairing && pairing.id === d.id) showPairForm(false);
    render();
    toast(`${d.display_name} is removed.`);
  } catch (exc) {
    toast(exc.message, "error");
  }
}

// -- pairing --------------------------------------------------------------------------------
function showPairForm(open) {
  $("#pair-panel").hidden = !open;
  $("#pair-form").hidden = false;
  $("#pair-live").hidden = true;
  if (open) {
    $("#pair-form").reset();
    $("#pair-method").value = defaultMethod;
    $("#pair-phone-field").hidden = true;
    formError($("#pair-form"), null);
    $("#pair-name").focus();
  } else {
    pairing = null;
  }
}

async function startPairing(ev) {
  ev.preventDefault();
  const form = ev.currentTarget;
  const method = $("#pair-method").value;
  const body = { display_name: $("#pair-name").value.trim(),
    kind: method === "simulator" ? "simulator" : "neonize" };
  if (method === "code") body.pair_phone = $("#pair-phone").value.replace(/[\s()-]/g, "");
  try {
    const device = await api.post("/whatsapp/devices", body);
    devices.set(device.id, device);
    render();
    pairing = { id: device.id, qrAt: null, codeShown: false, method };
    form.hidden = true;
    $("#pair-live").hidden = false;
    $("#step-scan").textContent = {
      code: "Choose “Link with phone number instead” and type the code shown here.",
      simulator: "This simulated number shows a simulated QR code and links by itself in a few seconds.",
    }[method] || "Point the phone at this QR code. It refreshes by itself when WhatsApp rotates it.";
    updatePairing(device);
  } catch (exc) {
    formError(form, exc);
  }
}

async function showPairCode(d) {
  try {
    const code = await api.get(`/whatsapp/devices/${d.id}/pair-code`);
    const el = $("#pair-code");
    el.textContent = code.pair_code;
    el.hidden = false;
    $("#qr-wait").hidden = true;
  } catch { /* not issued yet: the next event brings it */ }
}

function updatePairing(d) {
  if (!pairing || pairing.id !== d.id) return;
  const img = $("#qr-img");
  const status = $("#pair-status");
  if (d.status === "connected") {
    img.hidden = true;
    $("#pair-code").hidden = true;
    $("#qr-wait").hidden = false;
    $("#qr-wait").textContent = "✓";
    status.textContent = `Connected${phoneOfDevice(d) ? ` as ${phoneOfDevice(d)}` : ""}. Messages now arrive in your inbox.`;
    announce(`${d.display_name} is connected.`);
    return;
  }
  if (d.last_error && (d.status === "outdated" || d.status === "logged_out")) {
    status.textContent = `Pairing failed: ${d.last_error}`;
    return;
  }
  status.textContent = d.status === "pending"
    ? "Starting the WhatsApp connection…" : "Waiting for the phone to scan…";
  if (d.has_qr && d.qr_updated_at !== pairing.qrAt) {
    pairing.qrAt = d.qr_updated_at;
    img.src = `/api/v1/whatsapp/devices/${d.id}/qr?at=${encodeURIComponent(d.qr_updated_at || "")}`;
    img.hidden = false;
    $("#qr-wait").hidden = true;
  }
  if (d.has_pair_code && !pairing.codeShown) {
    pairing.codeShown = true;
    showPairCode(d);
  }
}

function onDevice(d) {
  if (!d || !Number.isInteger(d.id)) return;
  if (d.deleted || d.removed_at) {
    devices.delete(d.id);
    if (pairing && pairing.id === d.id) showPairForm(false);
    render();
    return;
  }
  else devices.set(d.id, { ...(devices.get(d.id) || {}), ...d });
  render();
  updatePairing(devices.get(d.id) || d);
}

async function load() {
  const { data } = await api.get("/whatsapp/devices");
  devices.clear();
  for (const d of data) devices.set(d.id, d);
  render();
  if (pairing && devices.has(pairing.id)) updatePairing(devices.get(pairing.id));
}

startPage(async (session) => {
  canManage = can(session, "devices.manage");
  applyPermissions(session);
  if (!canManage) {
    const note = $("#wa-readonly");
    note.replaceWith(readOnlyNote(session, "add, log out or remove numbers"));
  }
  $("#add-number").addEventListener("click", () => showPairForm(true));
  $("#pair-cancel").addEventListener("click", () => showPairForm(false));
  $("#pair-close").addEventListener("click", () => showPairForm(false));
  $("#pair-form").addEventListener("submit", startPairing);
  // A QR can be gone by the time the image loads (the phone scanned it, the device connected):
  // the 404 hides the image; the next device event says what happened.
  $("#qr-img").addEventListener("error", () => { $("#qr-img").hidden = true; });
  $("#pair-method").addEventListener("change", (ev) => {
    $("#pair-phone-field").hidden = ev.target.value !== "code";
  });
  try {
    const options = await api.get("/whatsapp/pairing-options");
    if (options.default_kind === "simulator") defaultMethod = "simulator";
  } catch { /* an older server: pair real numbers by default */ }
  realtime.subscribe("whatsapp.device", onDevice);
  watchSyncs();
  realtime.onState((state, info) => { if (state === "open" && info.resumed) load().catch(() => {}); });
  await load();
});
