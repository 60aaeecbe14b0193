"""Revoked sessions and changed memberships close their open sockets (Flask-free).

Triggers on `auth_sessions` and `memberships` (migration 0021) NOTIFY `mf_revocations` in the
writer's transaction, so a notice exists only once the change is committed, whichever service or
process made it. Each process's hub applies the notices it hears to its own sockets, and
compares every socket with the database after each (re)connection of its LISTEN connection (a
notice sent while it was down is lost) and periodically, as a safety net.

Close codes: 4403 when the user is no longer a member of the socket's tenant (the client must not
reconnect); 4401 when the session was signed out or revoked, or the member's role changed (the
client refreshes its token, which fails for a dead session, and reconnects with its new role).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from webapp.db import Database
from webapp.realtime import frames
from webapp.realtime import service as svc
from webapp.realtime.subscriber import Subscriber

log = logging.getLogger(__name__)

Close = tuple[int, str]  # (close code, reason)

SIGNED_OUT: Close = (frames.CLOSE_TOKEN_EXPIRED, "session revoked")
ROLE_CHANGED: Close = (frames.CLOSE_TOKEN_EXPIRED, "role changed")
REMOVED: Close = (frames.CLOSE_FORBIDDEN, "removed from the tenant")
_BY_REASON = {"signed_out": SIGNED_OUT, "role_changed": ROLE_CHANGED, "removed": REMOVED}


@dataclass(frozen=True)
class Notice:
    """One revocation: the user's sockets in the tenant (only one session's, if given)."""

    tenant_id: int
    user_id: int
    session_id: str | None
    close: Close

    def matches(self, sub: Subscriber) -> bool:
        """Whether this notice is about that socket."""
        return (sub.tenant_id == self.tenant_id and sub.user_id == self.user_id
                and (self.session_id is None or sub.session_id == self.session_id))


def parse(payload: str) -> Notice:
    """A notice from its NOTIFY payload; ValueError when malformed."""
    try:
        msg: dict[str, Any] = json.loads(payload)
        session = msg["s"]
        return Notice(int(msg["t"]), int(msg["u"]), None if session is None else str(session),
                      _BY_REASON[str(msg["r"])])
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not a revocation notice: {payload[:100]!r}") from exc


def apply(notices: Iterable[Notice], subs_of: Callable[[int], list[Subscriber]]) -> int:
    """Revoke every socket a notice names; the number of sockets told to close."""
    closed = 0
    for notice in notices:
        for sub in subs_of(notice.tenant_id):
            if notice.matches(sub) and sub.revoke(*notice.close):
                closed += 1
    return closed


def verdict(sub: Subscriber, state: dict[str, Any] | None) -> Close | None:
    """How a socket must close given its session's state in the database (None: it may stay)."""
    if state is None:
        return SIGNED_OUT
    if state["role"] is None:  # removal outranks the revoked session that comes with it
        return REMOVED
    if not state["live"]:
        return SIGNED_OUT
    if sub.role is not None and state["role"] != sub.role:
        return ROLE_CHANGED
    return None


def recheck(db: Database, tenant_id: int, subs: list[Subscriber]) -> int:
    """Compare the tenant's sockets with the database in one query; revoke those that may no
    longer stay. Sockets without a session (internal subscribers) are skipped."""
    checked = [s for s in subs if s.session_id is not None and s.revoked is None]
    pairs = sorted({(str(s.session_id), s.user_id) for s in checked})
    states = svc.session_states(db, tenant_id, pairs)
    closed = 0
    for sub in checked:
        close = verdict(sub, states.get((str(sub.session_id), sub.user_id)))
        if close is not None and sub.revoke(*close):
            closed += 1
    if closed:
        log.info("realtime: closed %d socket(s) of tenant %s found revoked", closed, tenant_id)
    return closed
