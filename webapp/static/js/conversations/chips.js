// Small badges shared by the list and the thread header: status, priority, labels, avatars.

import { h } from "../core/dom.js";
import { colorSlot, fullTime, initials, titleCase, untilTime } from "../core/format.js";
import { icon } from "../core/icons.js";

/** A conversation's display name: its title, else the phone number. */
export function conversationName(conv) {
  if (conv.title) return conv.title;
  if (conv.is_group) return "Group";
  const user = String(conv.chat_jid || "").split("@")[0];
  return /^\d+$/.test(user) ? `+${user}` : "Unknown";
}

/** Round avatar: the contact's profile picture, else initials (a group icon for groups). */
export function avatar(conv, cls = "") {
  const el = h("span", { class: `avatar avatar-c${colorSlot(conv.id)} ${cls}`.trim(),
    "aria-hidden": "true" });
  if (conv.is_group) el.append(icon("users"));
  else el.textContent = initials(conversationName(conv));
  if (!conv.is_group && conv.has_picture && conv.contact_id) {
    // The contact's WhatsApp picture over the initials (which stay if it cannot load).
    el.classList.add("avatar-has-photo");
    el.append(h("img", { src: `/api/v1/contacts/${conv.contact_id}/avatar`, alt: "",
      loading: "lazy", decoding: "async",
      on: { error: (ev) => { el.classList.remove("avatar-has-photo"); ev.target.remove(); } } }));
  }
  return el;
}

/** "Pending" chip (nothing for the default status, open); a snoozed one with a time says
 * until when in its tooltip. */
export function statusChip(status, snoozedUntil = null) {
  if (!status || status === "open") return null;
  const title = status === "snoozed" && snoozedUntil
    ? `Snoozed until ${fullTime(snoozedUntil)}` : null;
  return h("span", { class: `chip chip-status chip-${status}`, title }, titleCase(status));
}

/** "Snoozed until 15:05" (or "until they reply") for a snoozed conversation, else nothing. */
export function snoozeChip(conv, onClick = null) {
  if (conv.status !== "snoozed") return null;
  const until = conv.snoozed_until;
  const when = until ? fullTime(until) : "Reopens when the customer writes again";
  const el = h(onClick ? "button" : "span", {
    class: "chip chip-snoozed thread-snooze", type: onClick ? "button" : null,
    title: onClick ? `${when}. Click to change.` : when,
  }, until ? `Snoozed until ${untilTime(until)}` : "Snoozed until they reply");
  if (onClick) el.addEventListener("click", () => onClick(conv));
  return el;
}

/** "Urgent" / "High" marker (nothing for normal and low). */
export function priorityChip(priority) {
  if (priority !== "urgent" && priority !== "high") return null;
  return h("span", { class: `chip chip-priority chip-${priority}` }, titleCase(priority));
}

/** A label chip; its colour is set through the CSSOM (allowed by the CSP). */
export function labelChip(label, onClick = null) {
  const el = h(onClick ? "button" : "span", {
    class: "chip chip-label", type: onClick ? "button" : null,
    title: onClick ? `Show conversations labelled ${label.name}` : null,
  }, label.name);
  if (label.color && /^#[0-9a-f]{3,8}$/i.test(label.color)) {
    el.style.setProperty("--label-color", label.color);
  }
  if (onClick) {
    el.addEventListener("click", (event) => {
      event.preventDefault();
      event.stopPropagation();
      onClick(label);
    });
  }
  return el;
}
