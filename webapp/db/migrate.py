"""Forward-only SQL migrations: numbered files, one transaction each, checksummed, locked."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import LiteralString

import psycopg

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
SNAPSHOT_NAME = "schema.sql"
LOCK_KEY = 0x4D46_4D49  # "MFMI": one advisory lock for every migrator of this database

_CREATE_TABLE = """
create table if not exists schema_migrations (
    version text primary key,
    name text not null,
    checksum text not null,
    applied_at timestamptz not null default now()
)"""


class MigrationError(Exception):
    """A migration cannot be applied (edited after apply, failed statement, bad name)."""


@dataclass(frozen=True)
class Migration:
    """One numbered SQL file."""

    version: str
    name: str
    path: Path

    @property
    def sql(self) -> LiteralString:
        """The file's text: a file of this repository, never input (what psycopg's
        LiteralString stands for; mypy reads LiteralString as str)."""
        return self.path.read_text()

    @property
    def checksum(self) -> str:
        """sha256 of the file's bytes."""
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """All NNNN_name.sql files in order; a duplicate number is an error."""
    found: dict[str, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        if path.name == SNAPSHOT_NAME:
            continue  # the readable snapshot (webapp.db.schema_snapshot), never applied
        version, _, rest = path.stem.partition("_")
        if not version.isdigit() or not rest:
            raise MigrationError(f"bad migration file name {path.name}: want NNNN_name.sql")
        if version in found:
            raise MigrationError(f"two migrations numbered {version}")
        found[version] = Migration(version, rest, path)
    return [found[v] for v in sorted(found, key=int)]


def applied(conn: psycopg.Connection) -> dict[str, str]:
    """{version: checksum} of what the database has applied ({} before the first run)."""
    exists = conn.execute("select to_regclass('schema_migrations') is not null").fetchone()
    if not exists or not exists[0]:
        return {}
    rows = conn.execute("select version, checksum from schema_migrations").fetchall()
    return {row[0]: row[1] for row in rows}


def pending(conn: psycopg.Connection, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Migrations on disk that the database has not applied."""
    done = applied(conn)
    return [m for m in discover(directory) if m.version not in done]


def migrate(dsn: str, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations under an advisory lock; refuse edited applied files."""
    done_now: list[str] = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(%s)", (LOCK_KEY,))
        try:
            conn.execute(_CREATE_TABLE)
            done = applied(conn)
            for mig in discover(directory):
                if mig.version in done:
                    if done[mig.version] != mig.checksum:
                        raise MigrationError(
                            f"{mig.path.name} was edited after it was applied; "
                            "add a new migration instead"
                        )
                    continue
                _apply(conn, mig)
                done_now.append(mig.path.name)
        finally:
            conn.execute("select pg_advisory_unlock(%s)", (LOCK_KEY,))
    return done_now


def _apply(conn: psycopg.Connection, mig: Migration) -> None:
    log.info("applying migration %s", mig.path.name)
    try:
        with conn.transaction():
            conn.execute(mig.sql)
            conn.execute(
                "insert into schema_migrations (version, name, checksum) values (%s, %s, %s)",
                (mig.version, mig.name, mig.checksum),
            )
    except psycopg.Error as exc:
        raise MigrationError(f"{mig.path.name} failed: {exc}") from exc
