// One message bubble: sender, quoted snippet, text or media, reactions, edited/deleted
// markers, time in the viewer's zone and (for our own messages) the delivery status.

import { h } from "../core/dom.js";
import { clockTime, fullTime, phoneOf } from "../core/format.js";
import { icon } from "../core/icons.js";
import { labelChip } from "./chips.js";
import { mediaBlock } from "./media.js";

export const STATUS = {
  queued: { label: "Queued", icon: "clock", text: true },
  sending: { label: "Sending", icon: "clock", text: true },
  sent: { label: "Sent", icon: "check" },
  delivered: { label: "Delivered", icon: "checks" },
  read: { label: "Read", icon: "checks" },
  failed: { label: "Not sent", icon: "alert", text: true },
};

let meId = null;

/** The signed-in user's id: their own messages read "You", a teammate's show the name. */
export function setMe(id) {
  meId = id;
}

/** Whether a from-me message was sent by someone else than the viewer (teammate, automation
 * or the paired phone): its bubble then names the sender. */
export function sentByOther(msg) {
  const by = msg.sent_by;
  return Boolean(msg.from_me && by && !(by.kind === "agent" && by.user_id === meId));
}

/** Who wrote a message, for display: the contact, "You", a teammate's name, "Automation" or
 * "Phone" (sent from the paired phone itself). */
export function authorOf(msg) {
  if (msg.from_me) return sentByOther(msg) ? msg.sent_by.name : "You";
  return msg.sender_name || phoneOf(msg.sender_jid) || "Unknown";
}

const PRIORITY_LABEL = { urgent: "Urgent", high: "High", medium: "Medium", low: "Low" };

/** The analysis's verdict as a compact badge; its details (reason, topics, model) on click. */
function analysisBadge(msg) {
  const a = msg.analysis;
  if (!a || msg.from_me || msg.revoked_at) return null;
  const by = a.heuristic ? "built-in analyser" : `${a.provider_kind} · ${a.model}`;
  return h("details", { class: `ai-badge ai-${a.priority}` },
    h("summary", { title: a.reason || "Analysed" },
      h("span", { class: "ai-dot", "aria-hidden": "true" }),
      `${PRIORITY_LABEL[a.priority] || a.priority}${a.important ? " · important" : ""}`,
      ` · ${a.sentiment} · ${a.language}`),
    h("div", { class: "ai-detail" },
      a.reason ? h("p", {}, a.reason) : null,
      a.topics && a.topics.length ? h("p", { class: "muted" }, `Topics: ${a.topics.join(", ")}`)
        : null,
      h("p", { class: "muted" },
        `Confidence ${Math.round(a.confidence * 100)}% · ${by} · ${fullTime(a.analysed_at)}`)));
}

/** A short one-line excerpt of a message's content. */
export function excerpt(msg, max = 120) {
  if (!msg) return "";
  if (msg.revoked_at) return "This message was deleted";
  const text = msg.text || (msg.media && (msg.media.caption || `[${msg.media.type}]`)) || "";
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** What changes a message's rendering; equal keys mean the node can be reused. */
export function renderKey(msg) {
  return JSON.stringify([msg.text, msg.media, msg.status, msg.edited_at, msg.revoked_at,
    msg.reactions, msg.quoted_message_id, msg.sender_name, msg.sent_by, msg.labels, msg.analysis]);
}

function statusMark(msg) {
  const info = STATUS[msg.status];
  if (!msg.from_me || !info) return null;
  return h("span", {
    class: `msg-status status-${msg.status}`, title: info.label, "data-status": msg.status,
  }, icon(info.icon, { label: info.text ? "" : info.label }),
  info.text ? h("span", {}, info.label) : null);
}

function quoteBlock(msg, lookup, onJump) {
  if (!msg.quoted_wa_id && !msg.quoted_message_id) return null;
  const quoted = msg.quoted_message_id ? lookup(msg.quoted_message_id) : null;
  const body = quoted
    ? [h("span", { class: "quote-author" }, authorOf(quoted)),
      h("span", { class: "quote-text" }, excerpt(quoted, 160))]
    : [h("span", { class: "quote-text muted" },
      msg.quoted_message_id ? "Earlier message" : "Original message not available")];
  if (!quoted) return h("div", { class: "msg-quote" }, body);
  return h("button", {
    type: "button", class: "msg-quote", title: "Show the quoted message",
    on: { click: () => onJump(quoted.id) },
  }, body);
}

function reactionsBlock(reactions) {
  if (!reactions || !reactions.length) return null;
  const groups = new Map();
  for (const r of reactions) {
    if (!groups.has(r.emoji)) groups.set(r.emoji, []);
    groups.get(r.emoji).push(phoneOf(r.sender_jid) || r.sender_jid);
  }
  return h("ul", { class: "msg-reactions", "aria-label": "Reactions" },
    [...groups].map(([emoji, who]) => h("li", { title: who.join(", ") },
      h("span", { class: "reaction-emoji" }, emoji),
      who.length > 1 ? h("span", { class: "reaction-count" }, String(who.length)) : null)));
}

function contentBlock(msg) {
  if (msg.revoked_at) {
    return h("p", { class: "msg-text msg-deleted" }, icon("ban"), "This message was deleted");
  }
  const caption = msg.media && msg.media.caption && !msg.text ? msg.media.caption : null;
  return [
    mediaBlock(msg),
    msg.text || caption ? h("p", { class: "msg-text" }, msg.text || caption) : null,
  ];
}

/**
 * Render a message as an <li>. ctx: isGroup, lookup(id) for quoted messages,
 * onReply(msg), onJump(id), onRetry(msg) (failed sends), canReply.
 */
export function renderMessage(msg, ctx) {
  const edited = msg.edited_at && !msg.revoked_at
    ? h("span", { class: "msg-edited", title: `Edited ${fullTime(msg.edited_at)}` }, "edited")
    : null;
  const bubble = h("div", { class: "bubble" },
    h("span", { class: "sr-only" }, `${authorOf(msg)}:`),
    (ctx.isGroup && !msg.from_me) || sentByOther(msg)
      ? h("span", { class: "msg-sender", "aria-hidden": "true" }, authorOf(msg)) : null,
    msg.forwarded ? h("span", { class: "msg-forwarded" }, icon("forward"), "Forwarded") : null,
    quoteBlock(msg, ctx.lookup, ctx.onJump),
    contentBlock(msg),
    msg.labels && msg.labels.length
      ? h("span", { class: "msg-labels" }, msg.labels.map((l) => labelChip(l))) : null,
    analysisBadge(msg),
    h("span", { class: "msg-meta" }, edited,
      h("time", { datetime: msg.timestamp, title: fullTime(msg.timestamp) },
        clockTime(msg.timestamp)),
      statusMark(msg)),
  );
  const labelButton = ctx.canLabel
    ? h("button", {
      type: "button", class: "btn-icon label-menu-button", title: "Labels",
      "aria-label": `Labels of this message from ${authorOf(msg)}`, "aria-haspopup": "dialog",
      "aria-expanded": "false", on: { click: (event) => ctx.onLabel(msg, event.currentTarget) },
    }, icon("tag"))
    : null;
  const analyseButton = ctx.canAnalyse && !msg.from_me && msg.text
    ? h("button", {
      type: "button", class: "btn-icon", title: msg.analysis ? "Analyse again" : "Analyse",
      "aria-label": `Analyse this message from ${authorOf(msg)}`,
      on: { click: (event) => ctx.onAnalyse(msg, event.currentTarget) },
    }, icon("sparkle"))
    : null;
  const actions = (ctx.canReply || ctx.canLabel || analyseButton) && !msg.revoked_at
    ? h("div", { class: "msg-actions" }, analyseButton, labelButton,
      ctx.canReply && h("button", {
        type: "button", class: "btn-icon", title: "Reply", on: { click: () => ctx.onReply(msg) },
        "aria-label": msg.from_me && !sentByOther(msg)
          ? "Reply to your message" : `Reply to ${authorOf(msg)}`,
      }, icon("reply")),
      msg.status === "failed" && msg.from_me
        ? h("button", { type: "button", class: "btn btn-sm btn-danger-ghost",
          on: { click: () => ctx.onRetry(msg) } }, "Send again")
        : null)
    : null;
  return h("li", {
    class: `msg ${msg.from_me ? "msg-out" : "msg-in"}`, id: `msg-${msg.id}`,
    dataset: { id: String(msg.id), status: msg.status || "" },
  }, h("div", { class: "msg-row" }, bubble, actions), reactionsBlock(msg.reactions));
}
