"""Shared plumbing for commands: settings, the database, and its lifetime."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import click
import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import PoolTimeout

from webapp.config import Settings
from webapp.db import Database
from webapp.db.embedded import EmbeddedServer, ensure_server
from webapp.errors import ConfigError, DependencyDown


def load_settings() -> Settings:
    """Settings from the environment, as a CLI error when they are wrong."""
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def resolve_database(settings: Settings) -> tuple[str, EmbeddedServer | None]:
    """DATABASE_URL when set; otherwise start the embedded server under MESSAGEFLOW_HOME."""
    if settings.database_url:
        return settings.database_url, None
    server = ensure_server(settings.home / "pg")
    state = "using the running" if server.reused else "started"
    click.echo(f"DATABASE_URL is unset: {state} embedded PostgreSQL in {settings.home}/pg",
               err=True)
    return server.dsn(), server


PROBE_TIMEOUT_S = 10


class DatabaseUnreachable(click.ClickException):
    """The command cannot connect to its database: one line on stderr, exit status 1."""

    def __init__(self, where: str, reason: str) -> None:  # noqa: D107
        super().__init__(f"cannot connect to the database at {where}: {reason}")

    def show(self, file: IO[Any] | None = None) -> None:
        """`error: ...` (not click's `Error: ...`), on stderr."""
        click.echo(f"error: {self.format_message()}", file=file, err=True)


def describe_dsn(dsn: str) -> str:
    """host:port/dbname of a connection string, never its password."""
    try:
        info = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "(unparsable DATABASE_URL)"
    host = str(info.get("host") or "localhost")
    return f"{host}:{info.get('port') or 5432}/{info.get('dbname') or info.get('user') or '?'}"


def connect_reason(exc: Exception) -> str:
    """libpq's own reason, e.g. "Connection refused" or 'database "x" does not exist'."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    reason = first.rpartition(" failed: ")[2].removeprefix("connection failed: ")
    return " ".join(reason.removeprefix("FATAL:").split()) or type(exc).__name__


def is_connect_failure(exc: BaseException) -> bool:
    """A pool that never got a connection, libpq failing to connect or losing the server (no
    SQLSTATE, class 08), or the server ending the session (class 57P: shutdown, restart,
    terminated backend, starting up)."""
    if isinstance(exc, PoolTimeout):
        return True
    return isinstance(exc, psycopg.OperationalError) and (
        exc.sqlstate is None or exc.sqlstate.startswith(("08", "57P")))


def check_reachable(dsn: str) -> None:
    """Connect once, so a wrong DATABASE_URL fails at once with libpq's reason (a pool would
    retry until its timeout and then only say it timed out)."""
    try:
        psycopg.connect(dsn, connect_timeout=PROBE_TIMEOUT_S).close()
    except psycopg.OperationalError as exc:
        raise DatabaseUnreachable(describe_dsn(dsn), connect_reason(exc)) from None


class CommandGroup(click.Group):
    """The `messageflow` group: a database that cannot be reached is one line, not a
    traceback, whichever command hit it."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the subcommand, turning connection failures into DatabaseUnreachable, raw or
        as webapp.db.Database reports them (DependencyDown caused by one)."""
        try:
            return super().invoke(ctx)
        except (psycopg.OperationalError, PoolTimeout) as exc:
            if not is_connect_failure(exc):
                raise
            raise DatabaseUnreachable(_configured_database(), connect_reason(exc)) from None
        except DependencyDown as exc:
            cause = exc.__cause__
            if not (isinstance(cause, Exception) and is_connect_failure(cause)):
                raise
            raise DatabaseUnreachable(_configured_database(), connect_reason(cause)) from None


def _configured_database() -> str:
    try:
        settings = Settings.from_env()
    except ConfigError:
        return "DATABASE_URL"
    if settings.database_url:
        return describe_dsn(settings.database_url)
    return f"the embedded server in {settings.home}/pg"


@contextmanager
def database(max_size: int = 4) -> Iterator[Database]:
    """An open pool for one command; an embedded server started for it is stopped after."""
    dsn, server = resolve_database(load_settings())
    db = Database(dsn, min_size=1, max_size=max_size)
    try:
        check_reachable(dsn)
        db.open()
        yield db
    finally:
        db.close()
        if server is not None:
            server.stop()
