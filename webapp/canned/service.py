"""Canned responses of a tenant (Flask-free): list, create, change, delete, render.

Shortcuts are unique per tenant (409 otherwise); a text with an unknown {{variable}} is a 400
naming it. Changes are audited (they change what the whole team sends).
"""

from __future__ import annotations

from typing import Any

from webapp.audit import service as audit
from webapp.canned import variables
from webapp.canned.rows import CannedResponse, RenderContext
from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.db.rows import fetch_all, fetch_one
from webapp.errors import Conflict, NotFound, ValidationFailed
from webapp.security.principal import Principal, RequestMeta

Q = load(__file__)
LIST_LIMIT = 200


def check_body(body: str) -> None:
    """400 naming the unknown variables of a response's text."""
    bad = variables.unknown(body)
    if bad:
        known = ", ".join("{{" + v + "}}" for v in variables.VARIABLES)
        raise ValidationFailed(
            f"Unknown variable {', '.join('{{' + b + '}}' for b in bad)} (known: {known}).",
            details={"fields": {"body": f"unknown variable {bad[0]}"}, "unknown": bad})


def _taken(shortcut: str) -> Conflict:
    return Conflict(f"The shortcut /{shortcut} is already used by another canned response.",
                    code="shortcut_taken",
                    details={"fields": {"shortcut": "already used by another response"}})


def _get(conn: Conn, response_id: int) -> CannedResponse:
    row = fetch_one(conn, CannedResponse, Q.get_response, {"id": response_id})
    if row is None:
        raise NotFound("No such canned response.", details={"id": response_id})
    return row


def list_responses(db: Database, p: Principal, q: str | None) -> list[CannedResponse]:
    """The tenant's responses by shortcut (at most 200), optionally filtered by `q`."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        return fetch_all(conn, CannedResponse, Q.list_responses,
                         {"q": q or None, "limit": LIST_LIMIT})


def get_response(db: Database, p: Principal, response_id: int) -> CannedResponse:
    """One response (404 when it is not the tenant's)."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        return _get(conn, response_id)


def create_response(db: Database, p: Principal, fields: dict[str, str],
                    meta: RequestMeta | None = None) -> CannedResponse:
    """A new response; 409 when the shortcut is taken."""
    check_body(fields["body"])
    with db.tenant(p.tenant_id, p.user_id) as conn:
        row = conn.execute(Q.insert_response, {**fields, "user_id": p.user_id}).fetchone()
        if row is None:
            raise _taken(fields["shortcut"])
        audit.record(conn, p.tenant_id, p.user_id, "canned.create", meta,
                     target_type="canned_response", target_id=row["id"], after=fields)
        return _get(conn, row["id"])


def update_response(db: Database, p: Principal, response_id: int, changes: dict[str, str],
                    meta: RequestMeta | None = None) -> CannedResponse:
    """Change a response's shortcut, title and/or text."""
    if "body" in changes:
        check_body(changes["body"])
    with db.tenant(p.tenant_id, p.user_id) as conn:
        before = conn.execute(Q.lock_response, {"id": response_id}).fetchone()
        if before is None:
            raise NotFound("No such canned response.", details={"id": response_id})
        after = {k: changes.get(k, before[k]) for k in ("shortcut", "title", "body")}
        if after["shortcut"] != before["shortcut"]:
            clash = conn.execute(Q.shortcut_clash, {"shortcut": after["shortcut"],
                                                    "id": response_id}).fetchone()
            if clash is not None:
                raise _taken(after["shortcut"])
        conn.execute(Q.update_response, {**after, "id": response_id, "user_id": p.user_id})
        audit.record(conn, p.tenant_id, p.user_id, "canned.update", meta,
                     target_type="canned_response", target_id=response_id,
                     before={k: before[k] for k in after}, after=after)
        return _get(conn, response_id)


def delete_response(db: Database, p: Principal, response_id: int,
                    meta: RequestMeta | None = None) -> None:
    """Delete a response."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        row = conn.execute(Q.delete_response, {"id": response_id}).fetchone()
        if row is None:
            raise NotFound("No such canned response.", details={"id": response_id})
        audit.record(conn, p.tenant_id, p.user_id, "canned.delete", meta,
                     target_type="canned_response", target_id=response_id,
                     before={k: row[k] for k in ("shortcut", "title", "body")})


def _phone(jid: str | None) -> str | None:
    user = (jid or "").split("@", 1)[0].split(":", 1)[0]
    return f"+{user}" if user.isdigit() else None


def values_for(conn: Conn, p: Principal, conversation_id: int) -> dict[str, str | None]:
    """The variables' values for one of the tenant's conversations (404 when not its)."""
    ctx = fetch_one(conn, RenderContext, Q.render_context,
                    {"conversation_id": conversation_id, "user_id": p.user_id})
    if ctx is None:
        raise NotFound("No such conversation.", details={"conversation_id": conversation_id})
    phone = _phone(ctx.contact_jid)
    name = None if ctx.is_group else (ctx.contact_name or ctx.conversation_title or phone)
    return {"contact.name": name, "contact.first_name": variables.first_word(name),
            "contact.phone": phone, "conversation.title": ctx.conversation_title,
            "agent.name": p.name, "agent.first_name": variables.first_word(p.name),
            "agent.email": ctx.agent_email, "tenant.name": p.tenant_name}


def render(db: Database, p: Principal, response_id: int, conversation_id: int,
           ) -> dict[str, Any]:
    """A response's text filled in for a conversation, with the values that were used."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        response = _get(conn, response_id)
        values = values_for(conn, p, conversation_id)
    names = variables.used(response.body)
    return {"id": response.id, "shortcut": response.shortcut,
            "text": variables.fill(response.body, values),
            "variables": {n: values.get(n) for n in names}}
