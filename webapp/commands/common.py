"""Shared plumbing for commands: settings, the database, and its lifetime."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from webapp.config import Settings
from webapp.db import Database
from webapp.db.embedded import EmbeddedServer, ensure_server
from webapp.errors import ConfigError


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


@contextmanager
def database(max_size: int = 4) -> Iterator[Database]:
    """An open pool for one command; an embedded server started for it is stopped after."""
    dsn, server = resolve_database(load_settings())
    db = Database(dsn, min_size=1, max_size=max_size)
    try:
        db.open()
        yield db
    finally:
        db.close()
        if server is not None:
            server.stop()
