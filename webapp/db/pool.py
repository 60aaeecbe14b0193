"""One connection pool per process; every unit of work is a tenant or system transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import Connection, sql
from psycopg.pq import TransactionStatus
from psycopg.rows import DictRow, dict_row

from webapp.db.errors import translate_errors
from webapp.db.liveness import LivePool

APP_ROLE = "messageflow_app"

# Every pooled connection returns rows as dicts; typed rows come from webapp.db.rows.
Conn = Connection[DictRow]


# Transaction control sent as statements, where a transaction opens and closes inside one pipelined
# round trip (webapp/http/request_tx.py, webapp/security/rate_store.py) rather than through
# psycopg's Transaction object.
BEGIN = "begin"
COMMIT = "commit"
ROLLBACK = "rollback"
OPEN = (TransactionStatus.INTRANS, TransactionStatus.INERROR)


def roll_back_if_open(conn: Connection[DictRow]) -> None:
    """ROLLBACK when a transaction is open on `conn` (begun with BEGIN, or failed); a connection
    too broken for it is left to the pool's check on its next checkout."""
    try:
        if conn.info.transaction_status in OPEN:
            conn.execute(ROLLBACK)
    except psycopg.Error:
        pass

SET_TENANT = ("select set_config('app.tenant_id', %s, true), "
              "set_config('app.user_id', %s, true)")
# A writer's form, still one round trip: the settings (a FROM subquery, evaluated first and never
# flattened, its functions being volatile), then the tenant's event lock (migration 0019).
SET_TENANT_LOCK_EVENTS = ("select mf_lock_tenant_events() from ("
                          "select set_config('app.tenant_id', %s, true), "
                          "set_config('app.user_id', %s, true)) settings")


def set_tenant(conn: Conn, tenant_id: int, user_id: int | None = None, *,
               events: bool = False) -> None:
    """The one place the tenant is set: transaction-local GUCs read by the RLS policies.

    `events=True` is for transactions that write events (or rows other event writers touch):
    they take the tenant's event lock first, before any row lock, so writers never deadlock
    (one lock order everywhere: the event lock, then rows; docs/architecture.md)."""
    conn.execute(SET_TENANT_LOCK_EVENTS if events else SET_TENANT,
                 (str(int(tenant_id)), "" if user_id is None else str(int(user_id))))


# How long the pool keeps retrying one lost connection before it gives the slot up (psycopg_pool
# waits 1, 2, 4... s between tries, 5 minutes by default): a slot in a long backoff would make the
# pool slow to use a database that is back; a given-up slot is refilled at once on demand.
RECONNECT_TIMEOUT_S = 10.0


class Database:
    """A psycopg pool whose connections run as the non-superuser app role; it checks connections
    on checkout and fails fast while the database is down (webapp/db/liveness.py)."""

    def __init__(self, dsn: str, *, min_size: int = 1, max_size: int = 10,
                 name: str = "mf") -> None:
        self.dsn = dsn
        self.pool: LivePool = LivePool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            open=False,
            name=name,
            configure=self._configure,
            kwargs={"autocommit": True, "row_factory": dict_row},
            timeout=10,
            reconnect_timeout=RECONNECT_TIMEOUT_S,
        )

    @staticmethod
    def _configure(conn: Conn) -> None:
        # Even when DATABASE_URL names a superuser, queries run as the RLS-bound role.
        conn.execute(sql.SQL("set role {}").format(sql.Identifier(APP_ROLE)))

    def open(self) -> None:
        """Open the pool and wait for its first connection (fails fast when the DB is down)."""
        self.pool.open(wait=True, timeout=15)

    def close(self) -> None:
        """Close every connection."""
        self.pool.close()

    @contextmanager
    def tenant(self, tenant_id: int, user_id: int | None = None, *,
               events: bool = False) -> Iterator[Conn]:
        """A transaction scoped to one tenant: RLS shows and accepts only its rows.
        `events=True`: it writes events, so it takes the tenant's event lock first."""
        with translate_errors(), self.pool.connection() as conn, conn.transaction():
            set_tenant(conn, tenant_id, user_id, events=events)
            yield conn

    @contextmanager
    def system(self) -> Iterator[Conn]:
        """A transaction with no tenant: tenant rows are invisible; only the named
        SECURITY DEFINER functions (mf_*) reach across tenants."""
        with translate_errors(), self.pool.connection() as conn, conn.transaction():
            yield conn
