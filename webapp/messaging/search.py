"""Full-text message search: PostgreSQL's websearch syntax over the `search` column, ranked by
ts_rank then newest, scoped to the caller's tenant by RLS (Flask-free). Accents and letter case
are ignored on both sides (the `mf_search` text search configuration, migration 0016)."""

from __future__ import annotations

from dataclasses import dataclass

from webapp.db import Database
from webapp.db.queries import load
from webapp.db.rows import fetch_all
from webapp.errors import ValidationFailed
from webapp.messaging.conversations import JsonPage, make_page
from webapp.pagination import cursor_int, cursor_number, decode_cursor
from webapp.security.principal import Principal

Q = load(__file__)


@dataclass(frozen=True, slots=True)
class HitLine:
    """A line of search_messages: the hit's rank and the message's JSON text with
    `conversation_title` and `rank` (mf_message_json plus two keys)."""

    id: int
    rank: float
    row: str


def search_messages(db: Database, p: Principal, q: str, *, limit: int,
                    cursor: str | None) -> JsonPage:
    """A page of hits: the message (mf_message_json) plus `conversation_title` and `rank`."""
    q = q.strip()
    if not q:
        raise ValidationFailed("Type something to search for.",
                               details={"fields": {"q": "required"}})
    after = decode_cursor(cursor, {"rank", "id"})
    after_rank: float | None = None
    after_id: int | None = None
    if after is not None:
        after_id = cursor_int(after, "id")
        after_rank = cursor_number(after, "rank")
    params = {"q": q, "after_id": after_id, "after_rank": after_rank, "limit": limit + 1}
    with db.tenant(p.tenant_id, p.user_id) as conn:
        lines = fetch_all(conn, HitLine, Q.search_messages, params)
    return make_page(lines, limit, lambda line: {"rank": line.rank, "id": line.id})
