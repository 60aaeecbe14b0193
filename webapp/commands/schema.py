"""`messageflow schema-snapshot`: regenerate migrations/schema.sql from the migrations."""

from __future__ import annotations

import uuid

import click
import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from webapp.commands.common import check_reachable, load_settings, resolve_database
from webapp.db.migrate import migrate
from webapp.db.schema_snapshot import SNAPSHOT, snapshot_of


def scratch_snapshot(admin_dsn: str) -> str:
    """Migrate a scratch database on the server of `admin_dsn` and return its snapshot."""
    name = f"mf_schema_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    try:
        dsn = make_conninfo(admin_dsn, dbname=name)
        migrate(dsn)
        return snapshot_of(dsn)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("drop database if exists {} with (force)").format(
                sql.Identifier(name)))


@click.command("schema-snapshot")
@click.option("--check", is_flag=True, help="Exit 1 if migrations/schema.sql is out of date.")
def schema_snapshot(check: bool) -> None:
    """Write migrations/schema.sql: the final schema the migrations add up to."""
    dsn, server = resolve_database(load_settings())
    try:
        check_reachable(dsn)
        text = scratch_snapshot(dsn)
    finally:
        if server is not None:
            server.stop()
    current = SNAPSHOT.read_text() if SNAPSHOT.exists() else ""
    if check:
        if current != text:
            raise click.ClickException(f"{SNAPSHOT} is out of date: run "
                                       "`messageflow schema-snapshot`")
        click.echo(f"{SNAPSHOT.name} is up to date")
        return
    SNAPSHOT.write_text(text)
    click.echo(f"wrote {SNAPSHOT} ({len(text.splitlines())} lines)")
