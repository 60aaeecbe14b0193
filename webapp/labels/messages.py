"""Labels on single messages (Flask-free): the tenant's labels, put on or taken off one of its
messages; each change appends a `message.updated` event so open threads redraw the bubble."""

from __future__ import annotations

from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.errors import NotFound
from webapp.messaging.rows import MessageJson
from webapp.security.principal import Principal

Q = load(__file__)


def _check(conn: Conn, message_id: int, label_id: int) -> None:
    """NotFound unless the message and the label are both the tenant's (RLS)."""
    if conn.execute(Q.find_message, {"id": message_id}).fetchone() is None:
        raise NotFound("No such message.", details={"message_id": message_id})
    if conn.execute(Q.find_label, {"id": label_id}).fetchone() is None:
        raise NotFound("No such label.", details={"fields": {"label_id": "no such label"}})


def _message(conn: Conn, message_id: int) -> MessageJson:
    row = conn.execute(Q.message_json, {"id": message_id}).fetchone()
    assert row is not None
    out: MessageJson = row["row"]
    return out


def change(db: Database, p: Principal, message_id: int, label_id: int, *,
           on: bool) -> MessageJson:
    """Put the label on the message (`on`) or take it off; already so: nothing changes. The
    message as the API shows it."""
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        _check(conn, message_id, label_id)
        params = {"message_id": message_id, "label_id": label_id, "user_id": p.user_id}
        if conn.execute(Q.attach if on else Q.detach, params).fetchone() is not None:
            conn.execute(Q.message_updated, {"id": message_id})
        return _message(conn, message_id)
