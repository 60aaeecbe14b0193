"""The signed-in principal, loaded in one round trip, and one tenant transaction per request.

Loading the principal used to cost a pool checkout and four round trips (BEGIN, set tenant,
select, COMMIT) before the view checked out a second connection and paid four more. Here the
BEGIN, the tenant settings and the principal select go out as one pipelined round trip, and for
routes declared with `reuse_transaction=True` that transaction stays open: the view's first
`db.tenant()` for the same tenant continues it (query, COMMIT) on the same connection.

With the rate limits in PostgreSQL, that round trip is also the rate-limit check's: the web
edge hands a `PrincipalPrefetch` to the store before Flask-Limiter checks the request
(webapp/http/limits.py), the store sends the check (in a transaction of its own) and then these
statements on the same connection, and the principal is read from there when the token has been
verified (`load_principal`). Nothing is granted by the prefetch: the token is verified (CSRF
included) by flask-jwt-extended as before, and a principal is only used for the very session
the verified token names.

Rules that keep this safe:
- only the first `tenant()` call of the request, for the principal's tenant, continues it (with
  the caller's user id set again when it differs); the transaction then commits or rolls back at
  the end of that `with` block exactly as a fresh one would;
- any other database use (another tenant, `system()`) first ends the held transaction, so a
  request never holds two connections because of it;
- the endpoint wrapper ends it in every case when the view returns or raises, and the request's
  teardown ends it when the view never ran (a 429, a failed token check before the view).

The held transaction is opened and closed with BEGIN / COMMIT / ROLLBACK statements (it may open
inside the rate-limit check's pipeline, where psycopg's Transaction object cannot); a view's own
`conn.transaction()` inside it is a savepoint, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import g, request
from flask_jwt_extended import decode_token
from psycopg import Cursor
from psycopg.pq import TransactionStatus

from webapp.auth import service as auth
from webapp.db import Database, set_tenant
from webapp.db.errors import translate_errors
from webapp.db.pool import BEGIN, COMMIT, Conn, roll_back_if_open
from webapp.http.context import REQUEST_DB as G_KEY
from webapp.security.principal import Principal

PREFETCHED = "mf_prefetched_principal"


class HeldTransaction:
    """An open tenant transaction on a connection checked out of the pool (or handed over with
    `conn`, its transaction already begun)."""

    def __init__(self, db: Database, tenant_id: int, user_id: int,
                 conn: Conn | None = None) -> None:
        self.pool = db.pool
        self.tenant_id = tenant_id
        self.user_id = user_id
        if conn is None:
            with translate_errors():
                conn = db.pool.getconn()
        self.conn: Conn = conn
        self.done = False

    def begin_and_fetch(self, send: Callable[[Conn], Cursor[dict[str, Any]]]
                        ) -> dict[str, Any] | None:
        """BEGIN, set the tenant, run the statement `send` sends: one round trip; its first row."""
        try:
            with translate_errors():
                with self.conn.pipeline():
                    self.conn.execute(BEGIN)
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
            if exc is None and self.conn.info.transaction_status == TransactionStatus.INTRANS:
                with translate_errors():
                    self.conn.execute(COMMIT)
            else:
                roll_back_if_open(self.conn)
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
    `request_database`); otherwise it is committed at once. When this request's rate-limit check
    already loaded it for the same session (`PrincipalPrefetch`), that is the answer.
    """
    prefetched: Prefetched | None = g.pop(PREFETCHED, None)
    if prefetched is not None:
        if prefetched.session == (tenant_id, user_id, session_id):
            return prefetched.principal
        release()  # not this token's session (cannot happen with one token per request)
    if not auth.is_session_id(session_id):
        return None
    held = HeldTransaction(db, tenant_id, user_id)
    row = held.begin_and_fetch(lambda conn: auth.select_principal(conn, session_id, user_id))
    principal = _principal(row, tenant_id, user_id, session_id)
    _keep_or_end(db, held, principal, hold)
    return principal


def _keep_or_end(db: Database, held: HeldTransaction, principal: Principal | None,
                 hold: bool) -> None:
    """Hold the transaction for the request's view, or end it now."""
    if hold and principal is not None:
        release()
        g.setdefault(G_KEY, RequestDatabase(db, held))
    else:
        held.end()


@dataclass(frozen=True)
class Prefetched:
    """A principal loaded before its token was verified: (tenant, user, session) it is for."""

    session: tuple[int, int, str]
    principal: Principal | None


class PrincipalPrefetch:
    """The principal's statements, sent in the rate-limit check's round trip (a companion of
    webapp.security.rate_store.PostgresStorage)."""

    def __init__(self, db: Database, tenant_id: int, user_id: int, session_id: str,
                 hold: bool) -> None:
        self.db = db
        self.session = (tenant_id, user_id, session_id)
        self.hold = hold
        self._cursor: Cursor[dict[str, Any]] | None = None

    def send(self, conn: Conn) -> None:
        """BEGIN, the tenant settings and the principal select (queued in the pipeline)."""
        tenant_id, user_id, session_id = self.session
        conn.execute(BEGIN)
        set_tenant(conn, tenant_id, user_id)
        self._cursor = auth.select_principal(conn, session_id, user_id)

    def received(self, conn: Conn) -> None:
        """Keep the answer for `load_principal`, and the transaction when the route holds it."""
        tenant_id, user_id, session_id = self.session
        held = HeldTransaction(self.db, tenant_id, user_id, conn=conn)
        try:
            assert self._cursor is not None
            row = self._cursor.fetchone()
        except BaseException as exc:
            held.end(exc)
            raise
        principal = _principal(row, tenant_id, user_id, session_id)
        _keep_or_end(self.db, held, principal, self.hold)
        g.setdefault(PREFETCHED, Prefetched(self.session, principal))


def request_token() -> str | None:
    """The request's access token: the Bearer header, else the access cookie."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:]
    token: str | None = request.cookies.get("access_token_cookie")
    return token


def prefetch(db: Database, hold: bool) -> PrincipalPrefetch | None:
    """The principal's statements for this request's access token, when it carries a valid
    one (signature and expiry; flask-jwt-extended verifies it again, CSRF included, before the
    principal is used)."""
    token = request_token()
    if not token:
        return None
    try:
        claims = decode_token(token)
    except Exception:  # noqa: BLE001 - an invalid token is answered by the view's check
        return None
    session_id = str(claims.get("sid", ""))
    if claims.get("type") != "access" or not auth.is_session_id(session_id):
        return None
    try:
        tenant_id, user_id = int(claims["tid"]), int(claims["sub"])
    except (KeyError, TypeError, ValueError):
        return None
    return PrincipalPrefetch(db, tenant_id, user_id, session_id, hold)


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
