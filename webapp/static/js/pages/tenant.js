// Workspace settings: name, IANA time zone, business hours per weekday (closed or open from-to)
// and the first-response target. Admins change them; everyone else reads them.

import { api } from "../core/api.js";
import { $, $$, clear, h, toast } from "../core/dom.js";
import { can, formError, readOnlyNote, startPage } from "../settings/common.js";

const DAYS = [["mon", "Monday"], ["tue", "Tuesday"], ["wed", "Wednesday"], ["thu", "Thursday"],
  ["fri", "Friday"], ["sat", "Saturday"], ["sun", "Sunday"]];

function zones(current) {
  const all = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return [...new Set(["UTC", current, ...all])].sort((a, b) => (a === "UTC" ? -1 : b === "UTC" ? 1 : a.localeCompare(b)));
}

function hoursRow([day, label], hours) {
  const open = h("input", { type: "checkbox", checked: Boolean(hours), "aria-label": `Open on ${label}`, dataset: { day } });
  const start = h("input", { type: "time", value: hours ? hours.start : "09:00", "aria-label": `${label} opens at`, dataset: { day, edge: "start" } });
  const end = h("input", { type: "time", value: hours ? hours.end : "17:00", "aria-label": `${label} closes at`, dataset: { day, edge: "end" } });
  const times = h("div", { class: "hours-times" }, start, h("span", { "aria-hidden": "true" }, "–"), end);
  const closed = h("span", { class: "hours-closed" }, "Closed");
  const sync = () => { times.hidden = !open.checked; closed.hidden = open.checked; };
  open.addEventListener("change", sync);
  sync();
  return h("div", { class: "hours-row" }, h("strong", {}, label),
    h("label", { class: "check" }, open, "Open"), h("div", {}, times, closed));
}

function readHours() {
  const out = {};
  for (const [day] of DAYS) {
    const open = $(`input[type=checkbox][data-day="${day}"]`).checked;
    out[day] = open ? { start: $(`input[data-day="${day}"][data-edge="start"]`).value,
      end: $(`input[data-day="${day}"][data-edge="end"]`).value } : null;
  }
  return out;
}

function fill(s) {
  $("#ts-name").value = s.name;
  const zone = $("#ts-zone");
  clear(zone).append(...zones(s.timezone).map((z) => h("option", { value: z, selected: z === s.timezone }, z)));
  $("#ts-target").value = s.first_response_target_minutes ?? "";
  clear($("#hours")).append(...DAYS.map((d) => hoursRow(d, s.business_hours[d[0]])));
}

startPage(async (session) => {
  const form = $("#tenant-form");
  const editable = can(session, "tenant.manage");
  fill(await api.get("/tenant/settings"));
  if (!editable) {
    $("#tenant-readonly").replaceWith(readOnlyNote(session, "change the workspace settings"));
    for (const el of $$("input, select, button", form)) el.disabled = true;
    $("#ts-save").hidden = true;
    return;
  }
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const target = $("#ts-target").value.trim();
    try {
      const saved = await api.patch("/tenant/settings", {
        name: $("#ts-name").value.trim(), timezone: $("#ts-zone").value,
        business_hours: readHours(),
        first_response_target_minutes: target === "" ? null : Number(target),
      });
      formError(form, null);
      fill(saved);
      $("#tenant-name").textContent = saved.name;
      toast("Settings saved.");
    } catch (exc) {
      formError(form, exc);
    }
  });
});
