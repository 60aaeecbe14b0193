"""GET /healthz (the process is up) and GET /readyz (the database answers and every migration on
disk is applied; otherwise 503 naming what is missing)."""

from __future__ import annotations

import psycopg
from flask.testing import FlaskClient

from webapp.db.migrate import discover


def test_health_and_readiness(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200 and r.get_json()["status"] == "ready"


def test_a_pending_migration_makes_the_app_not_ready(client: FlaskClient,
                                                    database_url: str) -> None:
    newest = discover()[-1]
    with psycopg.connect(database_url, autocommit=True) as conn:  # as the owner, across RLS
        row = conn.execute("delete from schema_migrations where version = %s "
                           "returning version, name, checksum, applied_at",
                           (newest.version,)).fetchone()
        assert row is not None
        try:
            r = client.get("/readyz")
            assert r.status_code == 503
            assert r.get_json() == {"status": "not_ready", "database": "ok",
                                    "pending_migrations": [newest.path.name]}
        finally:
            conn.execute("insert into schema_migrations (version, name, checksum, applied_at) "
                         "values (%s, %s, %s, %s)", row)
    assert client.get("/readyz").status_code == 200
