"""Migration 0012 on a database that already has labels (made with raw SQL before it)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.conftest import create_db, drop_db, dsn_for
from webapp.db.migrate import MIGRATIONS_DIR, MigrationError, discover, migrate

LABELS = "0012_labels.sql"


@pytest.fixture
def before_0012(pg_admin_dsn: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A database migrated up to (not including) 0012, one tenant, and the migrations folder."""
    name = f"mf_lab_{uuid.uuid4().hex[:8]}"
    create_db(pg_admin_dsn, name)
    folder = tmp_path / "migrations"
    folder.mkdir()
    for mig in discover():
        if int(mig.version) < 12:
            shutil.copy(mig.path, folder)
    dsn = dsn_for(pg_admin_dsn, name)
    migrate(dsn, folder)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("select mf_create_tenant('Old data')")
    yield dsn, folder
    drop_db(pg_admin_dsn, name)


def _add_0012(folder: Path) -> None:
    shutil.copy(MIGRATIONS_DIR / LABELS, folder)


def test_colours_are_normalised(before_0012: tuple[str, Path]) -> None:
    dsn, folder = before_0012
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("insert into labels (tenant_id, name, color) select id, n, c "
                     "from tenants, (values ('a', '#ABCDEF'), ('b', 'red'), ('c', '#123456')) "
                     "v(n, c)")
    _add_0012(folder)
    assert migrate(dsn, folder) == [LABELS]
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("select name, color from labels order by name").fetchall()
    assert rows == [("a", "#abcdef"), ("b", "#64748b"), ("c", "#123456")]


def test_names_differing_only_in_case_are_refused(before_0012: tuple[str, Path]) -> None:
    dsn, folder = before_0012
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("insert into labels (tenant_id, name) select id, n from tenants, "
                     "(values ('VIP'), ('vip')) v(n)")
    _add_0012(folder)
    with pytest.raises(MigrationError, match="differ only in case"):
        migrate(dsn, folder)
    with psycopg.connect(dsn) as conn:
        assert conn.execute("select count(*) from schema_migrations where version = '0012'") \
            .fetchone() == (0,)
