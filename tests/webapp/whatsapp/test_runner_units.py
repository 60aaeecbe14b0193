"""Pure parts of the gateway process: backoff, session-store names, and no neonize at import.
(Several gateway processes per database: test_leases.py and test_two_gateways.py.)"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.webapp.whatsapp.test_runner import fresh_database
from webapp.db import Database
from webapp.whatsapp.intake import Backoff
from webapp.whatsapp.sessions import SessionStore, whatsmeow_url

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def fresh(pg_admin_dsn: str, template_db: str) -> Iterator[tuple[Database, str]]:
    """A migrated database for one test, with its DSN."""
    with fresh_database(pg_admin_dsn, template_db) as pair:
        yield pair


def test_importing_the_runner_does_not_import_neonize() -> None:
    code = ("import sys, webapp.whatsapp.runner, webapp.whatsapp.devices, webapp.whatsapp.intake,"
            " webapp.whatsapp.sessions, webapp.whatsapp.routes, webapp.commands.gateway;"
            "print('neonize' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO)
    assert out.stdout.strip() == "False"


def test_backoff_is_exponential_and_capped() -> None:
    b = Backoff(1.0, 300.0, jitter=0)
    assert [b.delay(n) for n in range(10)] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]
    assert b.delay(10_000) == 300
    jittered = Backoff(10.0, 100.0, jitter=0.1)
    assert all(9.0 <= jittered.delay(0) <= 11.0 for _ in range(50))


def test_session_store_names_are_stable(tmp_path: Path) -> None:
    files = SessionStore.for_settings(None, tmp_path)
    assert files.name("7") == files.name("7", "12") == str(tmp_path / "whatsapp"
                                                         / "mf-device-7.sqlite3")
    shared = SessionStore.for_settings("postgresql://mf:s%40cret@db.local:6432/app", tmp_path)
    assert shared.shared and not files.shared
    assert shared.name("7", "3") == (
        "postgres://mf:s%40cret@db.local:6432/app?sslmode=disable&search_path=whatsmeow"
        "&application_name=mf-wa-7-3")
    assert whatsmeow_url("host=/run/pg dbname=app user=mf sslmode=require") == (
        "postgres://mf@/app?host=%2Frun%2Fpg&sslmode=require&search_path=whatsmeow")
