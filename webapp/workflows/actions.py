"""What each workflow action does: `describe` (the dry run: what it would do, no side effect)
and `run` (does it, in its own transaction, through the owning module's service)."""

from __future__ import annotations

import re
from typing import Any

from webapp.actions import service as action_items
from webapp.canned import service as canned
from webapp.canned import variables
from webapp.db import Database
from webapp.db.queries import load
from webapp.errors import NotFound, ValidationFailed
from webapp.integrations import queue
from webapp.labels import service as labels
from webapp.messaging import conversations, sending
from webapp.notifications.service import notify
from webapp.security.principal import Principal
from webapp.security.rbac import RANK, ROLES

Q = load(__file__)
_VAR = re.compile(r"\{\{\s*([a-z_.]+)\s*\}\}")
CHANNELS = {"send_slack": "slack", "send_email": "email", "call_webhook": "webhook"}


def fill(template: str, ctx: dict[str, Any]) -> str:
    """A template with {{message.text}}, {{contact.name}}, {{conversation.title}},
    {{sender}} and {{workflow.name}} filled in."""
    values = {"message.text": ctx.get("text"), "contact.name": ctx.get("contact_name"),
              "conversation.title": ctx.get("conversation_title"),
              "sender": ctx.get("sender_jid"), "workflow.name": ctx.get("workflow_name")}
    return _VAR.sub(lambda m: str(values.get(m.group(1)) or ""), template)


def describe(action: dict[str, Any], ctx: dict[str, Any]) -> str:
    """What the action would do for this message (dry run)."""
    kind, cid = action["type"], ctx["conversation_id"]
    if kind == "create_action_item":
        return f"create action item {fill(action['title'], ctx)!r} on conversation {cid}"
    if kind == "assign_conversation":
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


def run(db: Database, p: Principal, action: dict[str, Any], ctx: dict[str, Any]) -> str:
    """Do the action; a short description of what was done (raises on failure)."""
    kind, cid = action["type"], int(ctx["conversation_id"])
    if kind == "create_action_item":
        item = action_items.create_item(db, p, {
            "title": fill(action["title"], ctx)[:200] or "Action item",
            "priority": action.get("priority"), "assignee_id": action.get("assignee_id"),
            "conversation_id": cid, "source_message_id": ctx["id"]})
        return f"action item {item['id']} created"
    if kind in ("assign_conversation", "set_priority", "set_status"):
        field = {"assign_conversation": ("assignee_id", "user_id"),
                 "set_priority": ("priority", "priority"),
                 "set_status": ("status", "status")}[kind]
        conversations.update_conversation(db, p, cid, {field[0]: action[field[1]]})
        return f"conversation {cid} {field[0]} = {action[field[1]]}"
    if kind == "add_label":
        labels.attach_label(db, p, cid, int(action["label_id"]))
        return f"label {action['label_id']} on conversation {cid}"
    if kind == "notify":
        return _notify(db, p, action, ctx)
    if kind == "reply":
        return _reply(db, p, action, ctx)
    return _deliver(db, p, action, ctx)


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
                       link=f"/app/conversations/{ctx['conversation_id']}",
                       dedupe_key=f"workflow:{ctx['workflow_id']}:{ctx['event_key']}")
    return f"{count} notification(s)"


def _reply(db: Database, p: Principal, action: dict[str, Any], ctx: dict[str, Any]) -> str:
    cid = int(ctx["conversation_id"])
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
            "workflow_id": ctx["workflow_id"], "message_id": ctx["id"],
            "conversation_id": ctx["conversation_id"], "text": ctx.get("text")}
        if channel == "slack":
            payload["text"] = fill(action["text"], ctx)
        elif channel == "email":
            payload.update(to=action["to"], subject=fill(action["subject"], ctx),
                           text=fill(action["text"], ctx))
        delivery = queue.enqueue(conn, integration_id=int(action["integration_id"]),
                                 channel=channel, event_type="workflow.action", payload=payload,
                                 summary=f"workflow {ctx['workflow_name']}", source="workflow")
    return f"delivery {delivery} queued"
