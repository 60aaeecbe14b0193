"""The `messageflow` command: up, serve, migrate, create-tenant, create-user."""

from __future__ import annotations

import os
import secrets
import sys

import click

from webapp.commands.common import load_settings, resolve_database
from webapp.commands.traffic import replay, simulate
from webapp.config import Settings
from webapp.db import Database
from webapp.db.migrate import MigrationError, migrate
from webapp.errors import DomainError
from webapp.security.rbac import ROLES
from webapp.supervisor import Child, run_all

DEMO_TENANT = "Demo Ops"
DEMO_EMAIL = "demo@messageflow.local"


def _migrate(dsn: str) -> None:
    try:
        done = migrate(dsn)
    except MigrationError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"migrations: {len(done)} applied" + (f" ({', '.join(done)})" if done else ""),
               err=True)


def _open(dsn: str) -> Database:
    db = Database(dsn, min_size=1, max_size=2)
    db.open()
    return db


def ensure_demo(dsn: str) -> tuple[str, str] | None:
    """Create the demo tenant and owner when the database has no tenant; returns the login."""
    from webapp.tenants import service as tenants

    db = _open(dsn)
    try:
        if tenants.tenant_count(db) > 0:
            return None
        password = secrets.token_urlsafe(12)
        tenant_id = tenants.create_tenant(db, DEMO_TENANT)
        tenants.add_user(db, tenant_id, DEMO_EMAIL, "Demo Owner", password, "owner")
        return DEMO_EMAIL, password
    finally:
        db.close()


def _web_child(settings: Settings, port: int, host: str) -> Child:
    argv = [sys.executable, "-m", "gunicorn", "webapp.wsgi:app", "-k", "gthread",
            "-w", os.environ.get("WEB_WORKERS", "2"), "--threads",
            os.environ.get("WEB_THREADS", "32"), "-b", f"{host}:{port}",
            "--access-logfile", "-", "--graceful-timeout", "5"]
    return Child("web", argv)


def _child_env(settings: Settings, dsn: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DATABASE_URL=dsn, JWT_SECRET=settings.jwt_secret, MASTER_KEY=settings.master_key,
               MESSAGEFLOW_HOME=str(settings.home))
    return env


@click.group()
def main() -> None:
    """MessageFlow: WhatsApp operations platform."""


@main.command()
@click.option("--port", type=int, default=None, help="Web port (default PORT or 8080).")
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default=True)
def up(port: int | None, host: str) -> None:
    """Start everything: database (embedded if needed), migrations, demo data, web app."""
    settings = load_settings()
    dsn, server = resolve_database(settings)
    try:
        _migrate(dsn)
        login = ensure_demo(dsn)
        port = port or settings.port
        _banner(host, port, login)
        code = run_all([_web_child(settings, port, host)], _child_env(settings, dsn))
    finally:
        if server is not None:
            server.stop()
    sys.exit(code)


def _banner(host: str, port: int, login: tuple[str, str] | None) -> None:
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}"
    lines = ["", "MessageFlow is starting:",
             f"  web app + API   {base}/  (API under {base}/api/v1)",
             f"  OpenAPI         {base}/api/v1/openapi.json"]
    if login:
        lines += ["", "Demo login (shown only this once; keep it):",
                  f"  email     {login[0]}", f"  password  {login[1]}", "",
                  "Try it:",
                  f"  curl -s -X POST {base}/api/v1/auth/login -H 'Content-Type: application/json'"
                  f" -d '{{\"email\":\"{login[0]}\",\"password\":\"{login[1]}\"}}'"]
    else:
        lines += ["", f"Existing data kept; sign in with your account (demo: {DEMO_EMAIL})."]
    click.echo("\n".join(lines) + "\n", err=True)


@main.command()
@click.option("--port", type=int, default=None, help="Port (default PORT or 8080).")
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default=True)
def serve(port: int | None, host: str) -> None:
    """Run only the web app (gunicorn, gthread workers)."""
    settings = load_settings()
    dsn, server = resolve_database(settings)
    try:
        if server is not None:
            _migrate(dsn)
        code = run_all([_web_child(settings, port or settings.port, host)],
                       _child_env(settings, dsn))
    finally:
        if server is not None:
            server.stop()
    sys.exit(code)


@main.command("migrate")
def migrate_cmd() -> None:
    """Apply pending migrations."""
    dsn, server = resolve_database(load_settings())
    try:
        _migrate(dsn)
    finally:
        if server is not None:
            server.stop()


@main.command("create-tenant")
@click.argument("name")
@click.option("--timezone", default="UTC", show_default=True)
def create_tenant_cmd(name: str, timezone: str) -> None:
    """Create a tenant and print its id."""
    from webapp.tenants import service as tenants

    dsn, server = resolve_database(load_settings())
    try:
        db = _open(dsn)
        click.echo(tenants.create_tenant(db, name, timezone))
        db.close()
    finally:
        if server is not None:
            server.stop()


@main.command("create-user")
@click.option("--tenant", "tenant_id", type=int, required=True)
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(list(reversed(ROLES))), default="member",
              show_default=True)
@click.option("--password", default=None, help="Default: generated and printed once.")
def create_user_cmd(tenant_id: int, email: str, name: str, role: str,
                    password: str | None) -> None:
    """Create a user in a tenant with a role."""
    from webapp.tenants import service as tenants

    dsn, server = resolve_database(load_settings())
    shown = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        db = _open(dsn)
        try:
            user_id = tenants.add_user(db, tenant_id, email, name, password, role)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        finally:
            db.close()
        click.echo(f"user {user_id} ({email}, {role}) in tenant {tenant_id}")
        if shown:
            click.echo(f"password: {password}")
    finally:
        if server is not None:
            server.stop()


main.add_command(replay)
main.add_command(simulate)

if __name__ == "__main__":  # pragma: no cover
    main()


