"""What each workflow action does: `describe` (the dry run: what it would do, no side effect)
and `run` (does it, in its own transaction, through the owning module's service).

A run without a conversation (a `schedule`, an action item linked to none) can still create
action items, notify and deliver; conversation actions then fail with a clear error. A
round-robin assignment takes the next member of the role after the one chosen last (the
rotation row per (workflow, action) is locked while choosing), among the members online in
the realtime layer, else among all of them (the result says which)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from webapp.actions import service as action_items
from webapp.canned import service as canned
from webapp.canned import variables
from webapp.db import Database
from webapp.db.queries import load
from webapp.errors import DomainError, NotFound, ValidationFailed
from webapp.integrations import queue
from webapp.labels import service as labels
from webapp.messaging import conversations, sending
from webapp.notifications.service import notify
from webapp.security.principal import Principal
from webapp.security.rbac import RANK, ROLES

Q = load(__file__)
_VAR = re.compile(r"\{\{\s*([a-z_.]+)\s*\}\}")
CHANNELS = {"send_slack": "slack", "send_email": "email", "call_webhook": "webhook"}
Online = Callable[[int], list[int]]  # tenant id -> ids of the members online now


def fill(template: str, ctx: dict[str, Any]) -> str:
    """A template with {{message.text}}, {{contact.name}}, {{conversation.title}},
    {{sender}}, {{workflow.name}}, {{item.title}}, {{item.status}}, {{item.priority}} and
    {{schedule.due}} filled in (what the run has; the rest empty)."""
    values = {"message.text": ctx.get("text"), "contact.name": ctx.get("contact_name"),
              "conversation.title": ctx.get("conversation_title"),
              "sender": ctx.get("sender_jid"), "workflow.name": ctx.get("workflow_name"),
              "item.title": ctx.get("item_title"), "item.status": ctx.get("item_status"),
              "item.priority": ctx.get("item_priority"), "schedule.due": ctx.get("due_at")}
    return _VAR.sub(lambda m: str(values.get(m.group(1)) or ""), template)


def describe(action: dict[str, Any], ctx: dict[str, Any]) -> str:
    """What the action would do for this message (dry run)."""
    kind, cid = action["type"], ctx.get("conversation_id")
    if kind == "create_action_item":
        where = f" on conversation {cid}" if cid is not None else ""
        return f"create action item {fill(action['title'], ctx)!r}{where}"
    if kind == "assign_conversation":
        if "role" in action:
            return f"assign conversation {cid} round-robin to the next online {action['role']}"
        return f"assign conversation {cid} to user {action['user_id']}"
    if kind == "add_label":
        return f"add label {action['label_id']} to conversation {cid}"
    if kind == "set_priority":
        return f"set conversation {cid} priority to {action['priority']}"
    if kind == "set_status":
        return f"set conversation {cid} status to {action['status']}"
    if kind == "notify":
        who = ", ".join(filter(None, [
            f"users {action['user_ids']}" if action.get("user_ids") else "",
            f"role {action['role']} and up" if action.get("role") else ""]))
        return f"notify {who}: {fill(action['title'], ctx)!r}"
    if kind == "reply":
        if "text" in action:
            return f"reply in conversation {cid}: {fill(action['text'], ctx)!r}"
        return f"reply in conversation {cid} with canned response {action['canned_response_id']}"
    if kind == "send_email":
        return f"e-mail {action['to']} through integration {action['integration_id']}"
    return f"{kind} through integration {action['integration_id']}"


def _conversation(ctx: dict[str, Any]) -> int:
    if ctx.get("conversation_id") is None:
        raise DomainError("This run has no conversation to act on.")
    return int(ctx["conversation_id"])


def run(db: Database, p: Principal, action: dict[str, Any], ctx: dict[str, Any], *,
        index: int = 0, online: Online | None = None) -> str:
    """Do the action (the workflow's `index`-th); a short description of what was done
    (raises on failure). `online` tells who is online for a round-robin."""
    kind = action["type"]
    if kind == "create_action_item":
        item = action_items.create_item(db, p, {
            "title": fill(action["title"], ctx)[:200] or "Action item",
            "priority": action.get("priority"), "assignee_id": action.get("assignee_id"),
            "conversation_id": ctx.get("conversation_id"),
            "source_message_id": ctx.get("id")}, automation=True)
        return f"action item {item['id']} created"
    if kind in ("notify", "send_slack", "send_email", "call_webhook"):
        return _notify(db, p, action, ctx) if kind == "notify" else _deliver(db, p, action, ctx)
    cid = _conversation(ctx)
    if kind == "assign_conversation" and "role" in action:
        return _round_robin(db, p, action["role"], index, ctx, online)
    if kind in ("assign_conversation", "set_priority", "set_status"):
        field = {"assign_conversation": ("assignee_id", "user_id"),
                 "set_priority": ("priority", "priority"),
                 "set_status": ("status", "status")}[kind]
        conversations.update_conversation(db, p, cid, {field[0]: action[field[1]]})
        return f"conversation {cid} {field[0]} = {action[field[1]]}"
    if kind == "add_label":
        labels.attach_label(db, p, cid, int(action["label_id"]))
        return f"label {action['label_id']} on conversation {cid}"
    return _reply(db, p, action, ctx)


def _round_robin(db: Database, p: Principal, role: str, index: int, ctx: dict[str, Any],
                 online: Online | None) -> str:
    """Assign the conversation to the next member of the role in the workflow's rotation."""
    cid, wid = _conversation(ctx), int(ctx["workflow_id"])
    key = {"workflow_id": wid, "index": index}
    try:
        here = set(online(p.tenant_id)) if online is not None else set()
    except Exception:  # noqa: BLE001 - presence is soft state; fall back to everyone
        here = set()
    with db.tenant(p.tenant_id, p.user_id) as conn:
        members = [int(r["user_id"]) for r in
                   conn.execute(Q.role_exact_members, {"role": role}).fetchall()]
        if not members:
            raise DomainError(f"Nobody has the role {role}.")
        pool = [m for m in members if m in here]
        how = f"round-robin over {len(pool)} online {role}(s)" if pool else \
            f"nobody with the role {role} is online: round-robin over all {len(members)}"
        pool = pool or members
        conn.execute(Q.ensure_rotation, key)
        rotation = conn.execute(Q.lock_rotation, key).fetchone()
        last = rotation["last_user_id"] if rotation else None
        pick = next((m for m in pool if last is not None and m > last), pool[0])
        conn.execute(Q.advance_rotation, {**key, "user_id": pick})
    conversations.update_conversation(db, p, cid, {"assignee_id": pick})
    return f"conversation {cid} assigned to user {pick} ({how})"


def _notify(db: Database, p: Principal, action: dict[str, Any], ctx: dict[str, Any]) -> str:
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        users = list(action.get("user_ids") or [])
        if action.get("role"):
            roles = [r for r in ROLES if RANK[r] >= RANK[action["role"]]]
            users += [int(r["user_id"]) for r in
                      conn.execute(Q.role_members, {"roles": roles}).fetchall()]
        count = notify(conn, tenant_id=p.tenant_id, user_ids=sorted(set(users)),
                       kind="workflow", title=fill(action["title"], ctx)[:200],
                       body=str(ctx.get("text") or "")[:500],
                       link=_link(ctx),
                       dedupe_key=f"workflow:{ctx['workflow_id']}:{ctx['event_key']}")
    return f"{count} notification(s)"


def _link(ctx: dict[str, Any]) -> str | None:
    if ctx.get("action_item_id") is not None:
        return f"/app/action-items/{ctx['action_item_id']}"
    if ctx.get("conversation_id") is not None:
        return f"/app/conversations/{ctx['conversation_id']}"
    return None


def _reply(db: Database, p: Principal, action: dict[str, Any], ctx: dict[str, Any]) -> str:
    cid = _conversation(ctx)
    if "canned_response_id" in action:
        response = canned.get_response(db, p, int(action["canned_response_id"]))
        with db.tenant(p.tenant_id, p.user_id) as conn:
            values = canned.values_for(conn, p, cid)
        text = variables.fill(response.body, values)
    else:
        text = fill(action["text"], ctx)
    if not text.strip():
        raise ValidationFailed("The reply would be empty.")
    sent = sending.automated_reply(db, p, cid, text)
    return f"reply message {sent['id']} queued"


def _deliver(db: Database, p: Principal, action: dict[str, Any], ctx: dict[str, Any]) -> str:
    channel = CHANNELS[action["type"]]
    with db.tenant(p.tenant_id, p.user_id) as conn:
        row = conn.execute(Q.integration_type, {"id": action["integration_id"]}).fetchone()
        if row is None or row["type"] != channel:
            raise NotFound(f"No active {channel} integration {action['integration_id']}.")
        payload: dict[str, Any] = {
            "workflow_id": ctx["workflow_id"], "message_id": ctx.get("id"),
            "conversation_id": ctx.get("conversation_id"), "text": ctx.get("text")}
        if ctx.get("action_item_id") is not None:
            payload["action_item_id"] = ctx["action_item_id"]
        if channel == "slack":
            payload["text"] = fill(action["text"], ctx)
        elif channel == "email":
            payload.update(to=action["to"], subject=fill(action["subject"], ctx),
                           text=fill(action["text"], ctx))
        delivery = queue.enqueue(conn, integration_id=int(action["integration_id"]),
                                 channel=channel, event_type="workflow.action", payload=payload,
                                 summary=f"workflow {ctx['workflow_name']}", source="workflow")
    return f"delivery {delivery} queued"
