// The contact panel beside the thread: who the contact is (saved and WhatsApp names, number,
// WhatsApp identifiers), the team's notes, custom attributes and labels (editable by members),
// and the contact's other conversations. Groups show what the group is instead.

import { api } from "../core/api.js";
import { $, announce, h, toast } from "../core/dom.js";
import { fullTime } from "../core/format.js";
import { avatar, conversationName, labelChip, statusChip } from "./chips.js";
import { openLabelMenu } from "./labelmenu.js";

/** options: canEdit, canCreateLabels, onOpen(conversationId) for the other conversations. */
export function createContactPanel(options) {
  const body = $("#contact-panel");
  let conv = null;
  let contact = null;
  let editing = false;
  let loading = 0;

  function row(label, value, mono = false) {
    if (!value) return null;
    return [h("dt", {}, label), h("dd", { class: mono ? "mono" : "" }, value)];
  }

  function groupView() {
    body.replaceChildren(
      h("div", { class: "contact-head" }, avatar(conv, "avatar-lg"),
        h("div", {}, h("h3", {}, conversationName(conv)), h("p", { class: "muted" }, "Group chat"))),
      h("dl", { class: "contact-facts" }, row("Group id", conv.chat_jid, true)),
      h("p", { class: "muted small" },
        "Each person in the group is a contact of their own: their messages carry their name."));
  }

  function attributesList() {
    const entries = Object.entries(contact.attributes || {});
    if (!entries.length) return h("p", { class: "muted small" }, "No custom fields yet.");
    return h("dl", { class: "contact-facts" }, entries.map(([k, v]) => row(k, v)));
  }

  function others() {
    const list = (contact.conversations || []).filter((c) => c.id !== conv.id);
    if (!list.length) return h("p", { class: "muted small" }, "No other conversations.");
    return h("ul", { class: "contact-convs" }, list.map((c) => h("li", {},
      h("a", { href: `/app/conversations/${c.id}`, on: { click: (event) => {
        event.preventDefault();
        options.onOpen(c.id);
      } } }, conversationName(c)),
      statusChip(c.status, c.snoozed_until))));
  }

  function view() {
    const names = contact.display_name && contact.push_name
      && contact.display_name !== contact.push_name
      ? row("WhatsApp name", contact.push_name) : null;
    const labelsButton = options.canEdit
      ? h("button", { type: "button", class: "btn btn-sm label-menu-button",
        "aria-haspopup": "dialog", "aria-expanded": "false",
        on: { click: (event) => labelMenu(event.currentTarget) } }, "Labels")
      : null;
    body.replaceChildren(
      h("div", { class: "contact-head" }, avatar(conv, "avatar-lg"),
        h("div", {}, h("h3", { id: "contact-name" }, contact.name || contact.phone || "Unknown"),
          h("p", { class: "muted" }, contact.phone || "Number not shared (LID only)"))),
      options.canEdit ? h("button", { type: "button", class: "btn btn-sm", id: "contact-edit",
        on: { click: () => { editing = true; render(); } } }, "Edit contact") : null,
      h("dl", { class: "contact-facts" }, names,
        row("Phone JID", contact.phone_jid, true), row("LID", contact.lid_jid, true),
        row("Last seen", contact.last_seen_at ? fullTime(contact.last_seen_at) : null)),
      h("section", { class: "contact-section" },
        h("div", { class: "contact-section-head" }, h("h4", {}, "Labels"), labelsButton),
        contact.labels.length
          ? h("div", { class: "contact-labels" }, contact.labels.map((l) => labelChip(l)))
          : h("p", { class: "muted small" }, "No labels.")),
      h("section", { class: "contact-section" }, h("h4", {}, "Notes"),
        contact.notes ? h("p", { class: "contact-notes" }, contact.notes)
          : h("p", { class: "muted small" },
            options.canEdit ? "No notes yet. “Edit contact” adds some for the team."
              : "No notes yet.")),
      h("section", { class: "contact-section" }, h("h4", {}, "Custom fields"), attributesList()),
      h("section", { class: "contact-section" }, h("h4", {}, "Other conversations"), others()));
  }

  function attributeRow(key = "", value = "") {
    const remove = h("button", { type: "button", class: "btn-icon", "aria-label": "Remove field",
      on: { click: () => line.remove() } }, "×");
    const line = h("div", { class: "attr-row" },
      h("input", { class: "attr-key", value: key, placeholder: "Field", maxlength: "40",
        "aria-label": "Field name" }),
      h("input", { class: "attr-value", value, placeholder: "Value", maxlength: "200",
        "aria-label": "Field value" }),
      remove);
    return line;
  }

  function form() {
    const attrs = h("div", { class: "attr-rows" },
      Object.entries(contact.attributes || {}).map(([k, v]) => attributeRow(k, v)));
    const error = h("p", { class: "form-error", role: "alert", hidden: true });
    const el = h("form", { class: "contact-form", novalidate: true },
      h("label", { for: "contact-display-name" }, "Saved name"),
      h("input", { id: "contact-display-name", value: contact.display_name || "",
        placeholder: contact.push_name || "Name", maxlength: "100" }),
      h("p", { class: "muted small" }, "Empty: use the WhatsApp name."),
      h("label", { for: "contact-notes" }, "Notes"),
      h("textarea", { id: "contact-notes", rows: "4", maxlength: "5000" }, contact.notes),
      h("span", { class: "label-like" }, "Custom fields"), attrs,
      h("button", { type: "button", class: "btn btn-sm btn-ghost",
        on: { click: () => attrs.append(attributeRow()) } }, "+ Add field"),
      error,
      h("div", { class: "form-actions" },
        h("button", { type: "submit", class: "btn btn-primary btn-sm" }, "Save"),
        h("button", { type: "button", class: "btn btn-ghost btn-sm",
          on: { click: () => { editing = false; render(); } } }, "Cancel")));
    el.addEventListener("submit", async (event) => {
      event.preventDefault();
      const attributes = {};
      for (const line of attrs.querySelectorAll(".attr-row")) {
        const k = $(".attr-key", line).value.trim();
        if (k) attributes[k] = $(".attr-value", line).value.trim();
      }
      const name = $("#contact-display-name", el).value.trim();
      try {
        const saved = await api.patch(`/contacts/${contact.id}`, {
          display_name: name || null, notes: $("#contact-notes", el).value, attributes,
        });
        contact = { ...contact, ...saved };
        editing = false;
        announce("Contact saved");
        render();
      } catch (exc) {
        const fields = exc.details && exc.details.fields;
        error.textContent = fields ? Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join("; ")
          : exc.message;
        error.hidden = false;
      }
    });
    body.replaceChildren(
      h("div", { class: "contact-head" }, avatar(conv, "avatar-lg"),
        h("div", {}, h("h3", {}, "Edit contact"), h("p", { class: "muted" }, contact.phone || ""))),
      el);
    $("#contact-display-name", el).focus();
  }

  function labelMenu(button) {
    openLabelMenu(button, {
      title: "Labels on this contact", canCreate: options.canCreateLabels,
      current: () => contact.labels.map((l) => l.id),
      toggle: async (label, on) => {
        const ids = new Set(contact.labels.map((l) => l.id));
        if (on) ids.add(label.id); else ids.delete(label.id);
        const saved = await api.patch(`/contacts/${contact.id}`, { label_ids: [...ids] });
        contact = { ...contact, ...saved };
        render();
      },
    });
  }

  function render() {
    if (!conv) { body.replaceChildren(); return; }
    if (conv.is_group || !conv.contact_id) { groupView(); return; }
    if (!contact) {
      body.replaceChildren(h("p", { class: "muted" }, "Loading contact…"));
      return;
    }
    if (editing) form(); else view();
  }

  async function load() {
    const ticket = ++loading;
    const id = conv && !conv.is_group ? conv.contact_id : null;
    if (!id) { contact = null; render(); return; }
    try {
      const found = await api.get(`/contacts/${id}`);
      if (ticket !== loading) return;
      contact = found;
    } catch (exc) {
      if (ticket !== loading) return;
      contact = null;
      body.replaceChildren(h("p", { class: "muted" }, `The contact is not available: ${exc.message}`));
      return;
    }
    render();
  }

  return {
    /** Show a conversation's contact (re-read when the conversation changed). */
    show(next) {
      const same = conv && next && conv.id === next.id;
      conv = next;
      if (!same) { editing = false; contact = null; }
      if (!editing) load();
      else render();
    },
  };
}
