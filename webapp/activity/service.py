"""The team activity timeline (Flask-free), read from user_activity_logs.

Rows are written where things happen (webapp.audit.service.activity): sign-in, sign-out and
registration by auth; action items created, assigned, moved (status or position) and deleted,
and comments, by webapp.actions; conversation assignments and status changes by
webapp.messaging. Token refreshes are left out unless asked for by type.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg import sql

from webapp.db import Database
from webapp.db.queries import load
from webapp.pagination import cursor_id, page
from webapp.security.principal import Principal

Q = load(__file__)


def list_activity(db: Database, p: Principal, *, user_id: int | None, type_: str | None,
                  since: dt.datetime | None, limit: int, cursor: str | None) -> dict[str, Any]:
    """A page of the team's activity, newest first."""
    after = cursor_id(cursor)
    family = type_ is not None and "." not in type_ and type_ not in ("login", "logout",
                                                                       "register", "refresh")
    given = [(user_id is not None, Q.filter_user), (type_ is not None and not family,
                                                    Q.filter_type),
             (family, Q.filter_family), (type_ is None, Q.filter_not_refresh),
             (since is not None, Q.filter_since), (after is not None, Q.after_id)]
    filters = [sql.SQL(fragment) for wanted, fragment in given if wanted]
    statement = sql.SQL(Q.list_activity).format(filters=sql.SQL(" and ").join(filters)
                                                if filters else sql.SQL("true"))
    params = {"user_id": user_id, "type": type_, "family": f"{type_}.", "since": since,
              "after_id": after, "limit": limit + 1}
    with db.tenant(p.tenant_id, p.user_id) as conn:
        rows = conn.execute(statement, params).fetchall()
    return page(rows, limit)
