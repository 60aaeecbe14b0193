"""The migration runner: empty database, idempotent re-run, edited files refused."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.conftest import create_db, drop_db, dsn_for
from webapp.db.migrate import MIGRATIONS_DIR, MigrationError, discover, migrate


@pytest.fixture
def empty_db(pg_admin_dsn: str) -> Iterator[str]:
    name = f"mf_mig_{uuid.uuid4().hex[:8]}"
    create_db(pg_admin_dsn, name)
    yield dsn_for(pg_admin_dsn, name)
    drop_db(pg_admin_dsn, name)


def test_applies_to_an_empty_database_and_rerun_is_a_noop(empty_db: str) -> None:
    applied = migrate(empty_db)
    assert applied == [m.path.name for m in discover()]
    assert migrate(empty_db) == []
    with psycopg.connect(empty_db) as conn:
        rows = conn.execute("select version, checksum from schema_migrations order by 1").fetchall()
    assert [r[0] for r in rows] == [m.version for m in discover()]
    assert all(len(r[1]) == 64 for r in rows)


def test_edited_applied_file_is_refused(empty_db: str, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, folder)
    migrate(empty_db, folder)
    first = sorted(folder.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- an innocent-looking edit\n")
    with pytest.raises(MigrationError, match="edited after it was applied"):
        migrate(empty_db, folder)


def test_a_failing_file_rolls_back_alone(empty_db: str, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, folder)
    (folder / "9998_good.sql").write_text("create table later_ok (id int);")
    (folder / "9999_bad.sql").write_text("create table half_done (id int); select 1/0;")
    with pytest.raises(MigrationError, match="9999_bad.sql"):
        migrate(empty_db, folder)
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("select to_regclass('later_ok') is not null").fetchone() == (True,)
        assert conn.execute("select to_regclass('half_done') is null").fetchone() == (True,)
        versions = {r[0] for r in conn.execute("select version from schema_migrations")}
    assert "9998" in versions and "9999" not in versions


def test_bad_file_names_are_refused(tmp_path: Path) -> None:
    (tmp_path / "init.sql").write_text("select 1;")
    with pytest.raises(MigrationError, match="bad migration file name"):
        discover(tmp_path)
