"""`messageflow up` and `messageflow serve`: the platform's processes under one supervisor."""

from __future__ import annotations

import os
import secrets
import sys

import click

from webapp.commands.common import load_settings, resolve_database
from webapp.config import Settings
from webapp.db import Database
from webapp.db.migrate import MigrationError, migrate
from webapp.supervisor import Child, run_all

DEMO_TENANT = "Demo Ops"
DEMO_EMAIL = "demo@messageflow.local"


def apply_migrations(dsn: str) -> None:
    """Apply pending migrations, reporting what was applied."""
    try:
        done = migrate(dsn)
    except MigrationError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"migrations: {len(done)} applied" + (f" ({', '.join(done)})" if done else ""),
               err=True)


def ensure_demo(dsn: str) -> tuple[int | None, tuple[str, str] | None]:
    """The demo tenant's id, creating it (and its owner) when the database has no tenant;
    the second value is the new owner's login, shown once."""
    from webapp.tenants import service as tenants

    db = Database(dsn, min_size=1, max_size=2)
    db.open()
    try:
        demo = tenants.find_tenant_by_name(db, DEMO_TENANT)
        if demo is not None or tenants.tenant_count(db) > 0:
            return demo, None
        password = secrets.token_urlsafe(12)
        tenant_id = tenants.create_tenant(db, DEMO_TENANT)
        tenants.add_user(db, tenant_id, DEMO_EMAIL, "Demo Owner", password, "owner")
        return tenant_id, (DEMO_EMAIL, password)
    finally:
        db.close()


def _py(*args: str) -> list[str]:
    return [sys.executable, "-m", *args]


def web_child(port: int, host: str) -> Child:
    """gunicorn with gthread workers (each WebSocket holds a thread)."""
    return Child("web", _py("gunicorn", "webapp.wsgi:app", "-k", "gthread",
                            "-w", os.environ.get("WEB_WORKERS", "2"),
                            "--threads", os.environ.get("WEB_THREADS", "32"),
                            "-b", f"{host}:{port}", "--access-logfile", "-",
                            "--graceful-timeout", "5", "--no-control-socket"))


def platform_children(settings: Settings, port: int, host: str,
                      demo_tenant: int | None) -> list[Child]:
    """Every long-running process `up` runs."""
    children = [web_child(port, host)]
    if demo_tenant is not None and os.environ.get("MESSAGEFLOW_DEMO_TRAFFIC", "1") != "0":
        rate = os.environ.get("MESSAGEFLOW_DEMO_RATE", "0.3")
        children.append(Child("simulator", _py("webapp.cli", "simulate", "--tenant",
                                               str(demo_tenant), "--rate", rate)))
    return children


def child_env(settings: Settings, dsn: str) -> dict[str, str]:
    """The environment every child gets: the resolved database and the (dev) secrets."""
    env = dict(os.environ)
    env.update(DATABASE_URL=dsn, JWT_SECRET=settings.jwt_secret,
               MASTER_KEY=settings.master_key, MESSAGEFLOW_HOME=str(settings.home.resolve()))
    return env


def banner(host: str, port: int, login: tuple[str, str] | None, demo: int | None) -> str:
    """What `up` prints: where to click and, once, the demo login."""
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}"
    lines = ["", "MessageFlow is starting:",
             f"  dashboard       {base}/",
             f"  API             {base}/api/v1   (OpenAPI: {base}/api/v1/openapi.json)"]
    if demo is not None:
        lines.append(f"  demo traffic    simulated WhatsApp messages for '{DEMO_TENANT}'")
    if login:
        lines += ["", "Demo login (shown only this once; keep it):",
                  f"  email     {login[0]}", f"  password  {login[1]}", "",
                  "Try it:",
                  f"  curl -s -X POST {base}/api/v1/auth/login -H 'Content-Type: application/json'"
                  f" -d '{{\"email\":\"{login[0]}\",\"password\":\"{login[1]}\"}}'"]
    else:
        lines += ["", f"Existing data kept; sign in with your account (demo: {DEMO_EMAIL})."]
    return "\n".join(lines) + "\n"


@click.command()
@click.option("--port", type=int, default=None, help="Web port (default PORT or 8080).")
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default=True)
def up(port: int | None, host: str) -> None:
    """Start everything: database (embedded if needed), migrations, demo data, all processes."""
    settings = load_settings()
    dsn, server = resolve_database(settings)
    try:
        apply_migrations(dsn)
        demo, login = ensure_demo(dsn)
        port = port or settings.port
        click.echo(banner(host, port, login, demo), err=True)
        code = run_all(platform_children(settings, port, host, demo), child_env(settings, dsn))
    finally:
        if server is not None:
            server.stop()
    sys.exit(code)


@click.command()
@click.option("--port", type=int, default=None, help="Port (default PORT or 8080).")
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default=True)
def serve(port: int | None, host: str) -> None:
    """Run only the web app (gunicorn, gthread workers)."""
    settings = load_settings()
    dsn, server = resolve_database(settings)
    try:
        if server is not None:
            apply_migrations(dsn)
        code = run_all([web_child(port or settings.port, host)], child_env(settings, dsn))
    finally:
        if server is not None:
            server.stop()
    sys.exit(code)
