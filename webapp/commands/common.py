"""Shared plumbing for commands: settings, the database, and its lifetime."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any, TypeVar

import click
import psycopg
from psycopg_pool import PoolTimeout

from webapp.config import Settings
from webapp.db import Database
from webapp.db.embedded import EmbeddedServer, ensure_server
from webapp.db.errors import connect_reason, describe_dsn, is_connect_failure
from webapp.errors import ConfigError, DependencyDown

T = TypeVar("T")


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


class OneLineError(click.ClickException):
    """A command that cannot go on: `error: ...` on stderr (not click's `Error: ...`), exit 1."""

    def show(self, file: IO[Any] | None = None) -> None:
        """`error: ...`, on stderr."""
        click.echo(f"error: {self.format_message()}", file=file, err=True)


class DatabaseUnreachable(OneLineError):
    """The command cannot connect to its database: one line on stderr, exit status 1."""

    def __init__(self, where: str, reason: str) -> None:  # noqa: D107
        super().__init__(f"cannot connect to the database at {where}: {reason}")
        self.reason = reason


def unreachable_reason(exc: BaseException) -> str | None:
    """libpq's reason when `exc` means the database could not be reached (raw, as
    webapp.db.Database reports it: a DependencyDown caused by one, or DatabaseUnreachable);
    None for every other error."""
    if isinstance(exc, DatabaseUnreachable):
        return exc.reason
    if isinstance(exc, DependencyDown):
        cause = exc.__cause__
        return connect_reason(cause) if cause is not None and is_connect_failure(cause) else None
    return connect_reason(exc) if is_connect_failure(exc) else None


WAIT_BACKOFF_S = (0.5, 5.0)  # between tries while waiting for the database: first, at most


def waiting_for_database(call: Callable[[], T], where: str, wait_s: float, *,
                         sleep: Callable[[float], None] = time.sleep,
                         clock: Callable[[], float] = time.monotonic) -> T:
    """`call()`; while the database cannot be reached, say so on stderr and try again with
    backoff for up to `wait_s` seconds, then DatabaseUnreachable (one line, exit 1). Only for
    calls that may run again: a failed try kept nothing, or keeping it twice changes nothing."""
    give_up_at: float | None = None
    delay = WAIT_BACKOFF_S[0]
    while True:
        try:
            result = call()
        except Exception as exc:
            reason = unreachable_reason(exc)
            if reason is None:
                raise
            now = clock()
            if give_up_at is None:
                give_up_at = now + wait_s
                if wait_s > 0:
                    click.echo(f"database unreachable at {where}: {reason}; retrying for up "
                               f"to {wait_s:g} s", err=True)
            if now >= give_up_at:
                waited = f" (waited {wait_s:g} s)" if wait_s > 0 else ""
                raise DatabaseUnreachable(where, reason + waited) from None
            sleep(min(delay, give_up_at - now))
            delay = min(delay * 2, WAIT_BACKOFF_S[1])
            continue
        if give_up_at is not None:
            click.echo(f"database at {where} is reachable again; going on", err=True)
        return result


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
        except (psycopg.OperationalError, PoolTimeout, DependencyDown) as exc:
            reason = unreachable_reason(exc)
            if reason is None:
                raise
            raise DatabaseUnreachable(_configured_database(), reason) from None


def _configured_database() -> str:
    try:
        settings = Settings.from_env()
    except ConfigError:
        return "DATABASE_URL"
    if settings.database_url:
        return describe_dsn(settings.database_url)
    return f"the embedded server in {settings.home}/pg"


@contextmanager
def database(max_size: int = 4, wait_s: float = 0.0) -> Iterator[Database]:
    """An open pool for one command; an embedded server started for it is stopped after.
    `wait_s`: how long to wait for a database that cannot be reached yet (0: fail at once)."""
    dsn, server = resolve_database(load_settings())
    db = Database(dsn, min_size=1, max_size=max_size)
    try:
        waiting_for_database(lambda: check_reachable(dsn), describe_dsn(dsn), wait_s)
        db.open()
        yield db
    finally:
        db.close()
        if server is not None:
            server.stop()
