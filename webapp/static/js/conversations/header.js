// The thread header: who the conversation is with, and its status, priority and assignee
// (changed with PATCH /conversations/:id; reverted with a notice when the server refuses).
// Choosing "Snoozed" opens a small menu of wake-up times; cancelling it keeps the old status.

import { api } from "../core/api.js";
import { $, $$, announce, h, toast } from "../core/dom.js";
import { phoneOf, shortDay, untilTime } from "../core/format.js";
import { avatar, conversationName, labelChip, snoozeChip } from "./chips.js";
import { openLabelMenu } from "./labelmenu.js";

const HOUR_MS = 3600000;

/** When each snooze choice wakes the conversation, in the viewer's zone (null: at a reply). */
const SNOOZE_TIMES = {
  hour: (now) => new Date(now.getTime() + HOUR_MS),
  tomorrow: (now) => new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 9),
  // Next Monday, a week ahead when today is Monday.
  monday: (now) => new Date(now.getFullYear(), now.getMonth(),
    now.getDate() + ((8 - now.getDay()) % 7 || 7), 9),
  reply: () => null,
};

/**
 * The snooze menu under the status select. options: select, pick(untilIso) when a choice is
 * made, cancel() when it is dismissed (Escape, Cancel, a click or focus elsewhere).
 */
function createSnoozeMenu(options) {
  const menu = $("#snooze-menu");
  const anchor = menu.parentElement;
  const choices = $$("[data-snooze]", menu);

  function close(focusSelect) {
    if (menu.hidden) return;
    if (focusSelect) options.select.focus(); // before hiding: focus must not fall to <body>
    menu.hidden = true;
  }

  function cancel(focusSelect) {
    if (menu.hidden) return;
    close(focusSelect);
    options.cancel();
  }

  function open() {
    const now = new Date();
    const offered = new Set(); // a choice waking at the same time as an earlier one is hidden
    for (const btn of choices) {
      const when = btn.querySelector(".snooze-when");
      const at = SNOOZE_TIMES[btn.dataset.snooze](now);
      // On a Sunday "Tomorrow 09:00" and "Next Monday 09:00" are the same time: offer it once.
      btn.hidden = at !== null && offered.has(at.getTime());
      if (at) offered.add(at.getTime());
      if (when && at) {
        when.textContent = btn.dataset.snooze === "hour"
          ? untilTime(at.toISOString()) : shortDay(at.toISOString());
      }
    }
    menu.hidden = false;
    choices[0].focus();
  }

  for (const btn of choices) {
    btn.addEventListener("click", () => {
      const at = SNOOZE_TIMES[btn.dataset.snooze](new Date());
      close(true);
      options.pick(at ? at.toISOString() : null);
    });
  }
  $("#snooze-cancel").addEventListener("click", () => cancel(true));
  menu.addEventListener("keydown", (event) => {
    const buttons = $$("button", menu).filter((btn) => !btn.hidden);
    const at = buttons.indexOf(document.activeElement);
    if (event.key === "Escape") cancel(true);
    else if (event.key === "ArrowDown") buttons[(at + 1) % buttons.length].focus();
    else if (event.key === "ArrowUp") buttons[(at - 1 + buttons.length) % buttons.length].focus();
    else return;
    event.preventDefault();
  });
  options.select.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !menu.hidden) {
      event.preventDefault();
      cancel(true);
    }
  });
  anchor.addEventListener("focusout", (event) => {
    if (event.relatedTarget && !anchor.contains(event.relatedTarget)) cancel(false);
  });
  document.addEventListener("pointerdown", (event) => {
    if (!anchor.contains(event.target)) cancel(false);
  });

  return { open, close: () => close(false), isOpen: () => !menu.hidden };
}

/**
 * options: canUpdate, members (array of {id, name}), onChange(conv) after a saved change,
 * onLabel(label) when a label chip is clicked, canLabel (put labels on it), canCreateLabels.
 */
export function createHeader(options) {
  const name = $("#thread-name");
  const sub = $("#thread-sub");
  const selects = {
    status: $("#thread-status"),
    priority: $("#thread-priority"),
    assignee_id: $("#thread-assignee"),
  };
  let conv = null;
  let typing = [];

  const snooze = createSnoozeMenu({
    select: selects.status,
    pick: (until) => save(selects.status, { status: "snoozed", snoozed_until: until }),
    cancel: () => { if (conv) selects.status.value = conv.status; },
  });

  const labelsButton = $("#thread-labels");
  labelsButton.hidden = !options.canLabel;
  labelsButton.addEventListener("click", () => {
    if (!conv) return;
    openLabelMenu(labelsButton, {
      title: "Labels on this conversation", canCreate: options.canCreateLabels,
      current: () => (conv.labels || []).map((l) => l.id),
      toggle: async (label, on) => {
        const id = conv.id;
        const updated = on
          ? await api.post(`/conversations/${id}/labels`, { label_id: label.id })
          : await api.del(`/conversations/${id}/labels/${label.id}`);
        options.onChange(updated);
      },
    });
  });

  for (const member of options.members) {
    selects.assignee_id.append(h("option", { value: String(member.id) }, member.name));
  }
  for (const [field, select] of Object.entries(selects)) {
    select.disabled = !options.canUpdate;
    select.title = options.canUpdate ? "" : "Your role cannot change conversations";
    select.addEventListener("change", () => {
      const raw = select.value;
      if (field === "status" && raw === "snoozed") {
        if (options.canUpdate && conv) snooze.open();
        return;
      }
      if (field === "status") snooze.close();
      const value = field === "assignee_id" ? (raw ? Number(raw) : null) : raw;
      save(select, { [field]: value });
    });
  }

  async function save(select, changes) {
    if (!conv) return;
    const before = conv;
    select.disabled = true;
    try {
      const updated = await api.patch(`/conversations/${before.id}`, changes);
      const saved = updated && updated.id ? updated : { ...before, ...changes };
      options.onChange(saved);
      const snoozed = changes.status === "snoozed" && snoozeChip(saved);
      if (snoozed) announce(snoozed.textContent);
    } catch (exc) {
      toast(`Could not save: ${exc.message}`, "error");
      show(before);
    } finally {
      select.disabled = !options.canUpdate;
    }
  }

  function renderSub(next) {
    const who = next.is_group ? "Group chat" : phoneOf(next.chat_jid) || "WhatsApp contact";
    const verb = typing.length > 1 ? "are" : "is";
    const line = typing.length
      ? h("span", { class: "typing" }, `${typing.join(", ")} ${verb} typing…`)
      : h("span", {}, who);
    // The chip reopens the menu, so a snooze time can be changed without reopening first.
    const snoozed = snoozeChip(next, options.canUpdate ? () => {
      selects.status.value = "snoozed";
      snooze.open();
    } : null);
    sub.replaceChildren(line, ...(snoozed ? [snoozed] : []),
      ...(next.labels || []).map((l) => labelChip(l, options.onLabel)));
  }

  /** Show a conversation (also called when a live update changes it). */
  function show(next) {
    if (conv && conv.id !== next.id) snooze.close();
    name.textContent = conversationName(next);
    const face = avatar(next);
    face.id = "thread-avatar";
    $("#thread-avatar").replaceWith(face);
    renderSub(next);
    // While the snooze menu is open the select keeps showing the choice being made.
    selects.status.value = snooze.isOpen() ? "snoozed" : next.status;
    selects.priority.value = next.priority;
    const assignee = next.assignee_id ? String(next.assignee_id) : "";
    if (assignee && !selects.assignee_id.querySelector(`option[value="${assignee}"]`)) {
      selects.assignee_id.append(h("option", { value: assignee }, `User ${assignee}`));
    }
    selects.assignee_id.value = assignee;
    conv = next;
  }

  return {
    show,
    /** Open the snooze menu (the "s" shortcut). */
    openSnooze() {
      if (!conv || !options.canUpdate) return;
      selects.status.value = "snoozed";
      snooze.open();
    },
    /** Names of teammates typing in this conversation right now (empty: nobody). */
    setTyping(names) {
      typing = names;
      if (conv) renderSub(conv);
    },
  };
}
