"""The signed-in principal, loaded in one round trip, and one tenant transaction per request.

Loading the principal used to cost a pool checkout and four round trips (BEGIN, set tenant,
select, COMMIT) before the view checked out a second connection and paid four more. Here the
BEGIN, the tenant settings and the principal select go out as one pipelined round trip, and for
routes declared with `reuse_transaction=True` that transaction stays open: the view's first
`db.tenant()` for the same tenant continues it (query, COMMIT) on the same connection.

Rules that keep this safe:
- only the first `tenant()` call of the request, for the principal's tenant, continues it (with
  the caller's user id set again when it differs); the transaction then commits or rolls back at
  the end of that `with` block exactly as a fresh one would;
- any other database use (another tenant, `system()`) first ends the held transaction, so a
  request never holds two connections because of it;
- the endpoint wrapper ends it in every case when the view returns or raises.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import g
from psycopg import Cursor, Transaction

from webapp.auth import service as auth
from webapp.db import Database, set_tenant
from webapp.db.errors import translate_errors
from webapp.db.pool import Conn
from webapp.http.context import REQUEST_DB as G_KEY
from webapp.security.principal import Principal


class HeldTransaction:
    """An open tenant transaction on a connection checked out of the pool."""

    def __init__(self, db: Database, tenant_id: int, user_id: int) -> None:
        self.pool = db.pool
        self.tenant_id = tenant_id
        self.user_id = user_id
        with translate_errors():
            self.conn: Conn = db.pool.getconn()
        self.tx = Transaction(self.conn)
        self.done = False

    def begin_and_fetch(self, send: Callable[[Conn], Cursor[dict[str, Any]]]
                        ) -> dict[str, Any] | None:
        """BEGIN, set the tenant, run the statement `send` sends: one round trip; its first row."""
        try:
            with translate_errors():
                with self.conn.pipeline():
                    self.tx.__enter__()
                    set_tenant(self.conn, self.tenant_id, self.user_id)
                    cur = send(self.conn)
                row: dict[str, Any] | None = cur.fetchone()
                return row
        except BaseException as exc:
            self.end(exc)
            raise

    def end(self, exc: BaseException | None = None) -> None:
        """Commit (or roll back when `exc` is given) and give the connection back; idempotent."""
        if self.done:
            return
        self.done = True
        try:
            if self.tx.status == Transaction.Status.ACTIVE:
                with translate_errors():
                    if exc is None:
                        self.tx.__exit__(None, None, None)
                    else:
                        self.tx.__exit__(type(exc), exc, exc.__traceback__)
        finally:
            self.pool.putconn(self.conn)


def _principal(row: dict[str, Any] | None, tenant_id: int, user_id: int,
               session_id: str) -> Principal | None:
    if row is None:
        return None
    return Principal(user_id=user_id, tenant_id=tenant_id, role=row["role"],
                     session_id=session_id, email=row["email"], name=row["name"],
                     tenant_name=row["tenant_name"])


def load_principal(db: Database, tenant_id: int, user_id: int, session_id: str, *,
                   hold: bool = False) -> Principal | None:
    """The member behind a live session (None when revoked, expired or no longer a member).

    With `hold`, a found principal's transaction stays open for the request (see
    `request_database`); otherwise it is committed at once.
    """
    if not auth.is_session_id(session_id):
        return None
    held = HeldTransaction(db, tenant_id, user_id)
    row = held.begin_and_fetch(lambda conn: auth.select_principal(conn, session_id, user_id))
    principal = _principal(row, tenant_id, user_id, session_id)
    if hold and principal is not None:
        release()
        g.setdefault(G_KEY, RequestDatabase(db, held))
    else:
        held.end()
    return principal


def release(exc: BaseException | None = None) -> None:
    """End the request's held transaction, if any (the endpoint wrapper calls this)."""
    request_db: RequestDatabase | None = g.pop(G_KEY, None)
    if request_db is not None:
        request_db.release(exc)


class RequestDatabase(Database):
    """The process's Database as one request sees it (same pool): its first tenant transaction
    for the principal's tenant continues the held one."""

    def __init__(self, base: Database, held: HeldTransaction) -> None:  # noqa: D107
        # Deliberately not calling Database.__init__: this shares the base pool.
        self.dsn = base.dsn
        self.pool = base.pool
        self.base = base
        self.held: HeldTransaction | None = held

    def release(self, exc: BaseException | None = None) -> None:
        """End the held transaction now (commit, or roll back when `exc` is given)."""
        held, self.held = self.held, None
        if held is not None:
            held.end(exc)

    @contextmanager
    def tenant(self, tenant_id: int, user_id: int | None = None, *,
               events: bool = False) -> Iterator[Conn]:
        """The held transaction when it is this tenant's, else a fresh one. The held one has
        taken no row lock yet (it only read the principal), so a writer's event lock
        (`events=True`) still comes first."""
        held, self.held = self.held, None
        if held is None or held.done or held.tenant_id != tenant_id:
            if held is not None:
                held.end()
            with self.base.tenant(tenant_id, user_id, events=events) as conn:
                yield conn
            return
        try:
            with translate_errors():
                if user_id != held.user_id or events:
                    set_tenant(held.conn, tenant_id, user_id, events=events)
                yield held.conn
        except BaseException as exc:
            held.end(exc)
            raise
        held.end()

    @contextmanager
    def system(self) -> Iterator[Conn]:
        """A system transaction (the held one is ended first)."""
        self.release()
        with self.base.system() as conn:
            yield conn

    def open(self) -> None:
        """The base pool is opened by the app."""

    def close(self) -> None:
        """The base pool is closed by the app."""
