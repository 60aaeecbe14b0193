"""Row-level security: the catalog says every tenant table is forced, and the app role proves
tenant B can neither read nor write tenant A's rows, table by table and through the API."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from flask.testing import FlaskClient
from psycopg import sql

from tests.factories import Member, add_member, register_owner
from webapp.db import APP_ROLE

CATALOG = """
select c.relname as table, c.relrowsecurity as enabled, c.relforcerowsecurity as forced,
       (select count(*) from pg_policy p where p.polrelid = c.oid) as policies
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = 'public' and c.relkind in ('r', 'p')
  and exists (select 1 from pg_attribute a where a.attrelid = c.oid
              and a.attname = 'tenant_id' and not a.attisdropped)
order by 1
"""


def unprotected_tables(conn: psycopg.Connection) -> list[str]:
    """Tables with a tenant_id column that lack enabled+forced RLS or a policy."""
    rows = conn.execute(CATALOG).fetchall()
    return [r[0] for r in rows if not (r[1] and r[2] and r[3] > 0)]


def tenant_tables(conn: psycopg.Connection) -> list[str]:
    """Every table with a tenant_id column."""
    return [r[0] for r in conn.execute(CATALOG).fetchall()]


def test_every_tenant_table_has_forced_rls(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        tables = tenant_tables(conn)
        assert {"memberships", "audit_logs", "events", "auth_sessions"} <= set(tables)
        assert unprotected_tables(conn) == []


def test_the_catalog_check_catches_a_forgotten_table(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        conn.execute("create table forgot_rls (id int, tenant_id bigint)")
        assert unprotected_tables(conn) == ["forgot_rls"]
        conn.execute("alter table forgot_rls enable row level security")
        assert unprotected_tables(conn) == ["forgot_rls"]  # enabled is not enough: FORCE
        conn.rollback()


def test_app_role_is_not_privileged(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("select rolsuper, rolbypassrls from pg_roles where rolname = %s",
                           (APP_ROLE,)).fetchone()
        assert row == (False, False)
        owners = conn.execute(
            "select count(*) from pg_tables where schemaname = 'public' and tableowner = %s",
            (APP_ROLE,)).fetchone()
        assert owners == (0,)


@pytest.fixture
def two_tenants(client: FlaskClient) -> tuple[Member, Member]:
    a = register_owner(client, "Tenant A")
    add_member(client, a, "member")
    client.post("/api/v1/audit-logs", headers=a.headers, json={"action": "export.csv"})
    client.post("/api/v1/invitations", headers=a.headers,
                json={"email": "pending@example.com", "role": "viewer"})
    b = register_owner(client, "Tenant B")
    return a, b


@pytest.fixture
def app_conn(database_url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        # Session-level and committed, so later rollbacks do not undo it.
        conn.execute(sql.SQL("set role {}").format(sql.Identifier(APP_ROLE)))
        conn.autocommit = False
        assert conn.execute("select current_user").fetchone() == (APP_ROLE,)
        yield conn


def _as_tenant(conn: psycopg.Connection, tenant_id: int) -> None:
    conn.execute("select set_config('app.tenant_id', %s, true)", (str(tenant_id),))


def test_b_cannot_read_update_or_delete_a_rows(
    two_tenants: tuple[Member, Member], app_conn: psycopg.Connection, database_url: str
) -> None:
    a, b = two_tenants
    with psycopg.connect(database_url) as admin:
        tables = tenant_tables(admin)
    for table in tables:
        t = sql.Identifier(table)
        _as_tenant(app_conn, a.tenant_id)
        seen_by_a = app_conn.execute(
            sql.SQL("select count(*) from {} where tenant_id = %s").format(t), (a.tenant_id,)
        ).fetchone()
        _as_tenant(app_conn, b.tenant_id)
        seen_by_b = app_conn.execute(
            sql.SQL("select count(*) from {} where tenant_id = %s").format(t), (a.tenant_id,)
        ).fetchone()
        updated = app_conn.execute(
            sql.SQL("update {} set tenant_id = tenant_id where tenant_id = %s").format(t),
            (a.tenant_id,)).rowcount
        deleted = app_conn.execute(
            sql.SQL("delete from {} where tenant_id = %s").format(t), (a.tenant_id,)).rowcount
        app_conn.rollback()
        assert app_conn.execute("select current_user").fetchone() == (APP_ROLE,)
        app_conn.rollback()
        assert seen_by_b == (0,) and updated == 0 and deleted == 0, table
        if table in ("memberships", "audit_logs", "auth_sessions", "refresh_tokens",
                     "user_activity_logs", "invitations"):
            assert seen_by_a is not None and seen_by_a[0] > 0, f"{table} has no A rows to test"


def test_b_cannot_insert_rows_for_a(two_tenants: tuple[Member, Member],
                                    app_conn: psycopg.Connection) -> None:
    a, b = two_tenants
    _as_tenant(app_conn, b.tenant_id)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_conn.execute("insert into events (tenant_id, type) values (%s, 'x')", (a.tenant_id,))
    app_conn.rollback()
    _as_tenant(app_conn, b.tenant_id)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_conn.execute("insert into memberships (tenant_id, user_id, role) values (%s, %s, "
                         "'owner')", (a.tenant_id, b.user_id))
    app_conn.rollback()


def test_no_tenant_set_means_no_rows(two_tenants: tuple[Member, Member],
                                     app_conn: psycopg.Connection) -> None:
    assert app_conn.execute("select count(*) from memberships").fetchone() == (0,)
    assert app_conn.execute("select count(*) from tenants").fetchone() == (0,)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_conn.execute("select password_hash from users")


def test_b_gets_404_for_a_ids_through_the_api(client: FlaskClient,
                                              two_tenants: tuple[Member, Member]) -> None:
    a, b = two_tenants
    members_a = client.get("/api/v1/members", headers=a.headers).get_json()["data"]
    other = next(m for m in members_a if m["id"] != a.user_id)
    for method, path, body in [
        ("patch", f"/api/v1/members/{other['id']}", {"role": "viewer"}),
        ("delete", f"/api/v1/members/{other['id']}", None),
        ("patch", f"/api/v1/members/{a.user_id}", {"role": "viewer"}),
    ]:
        r = getattr(client, method)(path, headers=b.headers, json=body)
        assert r.status_code == 404, (method, path, r.get_json())
    listed = client.get("/api/v1/members", headers=b.headers).get_json()["data"]
    assert [m["id"] for m in listed] == [b.user_id]
    logs = client.get("/api/v1/audit-logs", headers=b.headers).get_json()["data"]
    assert all(e["actor_user_id"] in (b.user_id, None) for e in logs)
    invs = client.get("/api/v1/invitations", headers=b.headers).get_json()["data"]
    assert invs == []
    still = client.get("/api/v1/members", headers=a.headers).get_json()["data"]
    assert len(still) == len(members_a)
