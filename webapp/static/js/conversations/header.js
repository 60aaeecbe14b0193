// The thread header: who the conversation is with, and its status, priority and assignee
// (changed with PATCH /conversations/:id; reverted with a notice when the server refuses).

import { api } from "../core/api.js";
import { $, h, toast } from "../core/dom.js";
import { phoneOf } from "../core/format.js";
import { avatar, conversationName, labelChip } from "./chips.js";

/**
 * options: canUpdate, members (array of {id, name}), onChange(conv) after a saved change,
 * onLabel(label) when a label chip is clicked.
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

  for (const member of options.members) {
    selects.assignee_id.append(h("option", { value: String(member.id) }, member.name));
  }
  for (const [field, select] of Object.entries(selects)) {
    select.disabled = !options.canUpdate;
    select.title = options.canUpdate ? "" : "Your role cannot change conversations";
    select.addEventListener("change", () => save(field, select));
  }

  async function save(field, select) {
    if (!conv) return;
    const raw = select.value;
    const value = field === "assignee_id" ? (raw ? Number(raw) : null) : raw;
    const before = conv;
    select.disabled = true;
    try {
      const updated = await api.patch(`/conversations/${conv.id}`, { [field]: value });
      options.onChange(updated && updated.id ? updated : { ...before, [field]: value });
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
    sub.replaceChildren(line, ...(next.labels || []).map((l) => labelChip(l, options.onLabel)));
  }

  /** Show a conversation (also called when a live update changes it). */
  function show(next) {
    name.textContent = conversationName(next);
    const face = avatar(next);
    face.id = "thread-avatar";
    $("#thread-avatar").replaceWith(face);
    renderSub(next);
    selects.status.value = next.status;
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
    /** Names of teammates typing in this conversation right now (empty: nobody). */
    setTyping(names) {
      typing = names;
      if (conv) renderSub(conv);
    },
  };
}

