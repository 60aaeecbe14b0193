"""`messageflow up` and `messageflow serve`: the platform's processes under one supervisor."""

from __future__ import annotations

import os
import secrets
import sys

import click

from webapp.commands import dagster_home
from webapp.commands.children import (
    Ports,
    busy_message,
    busy_ports,
    child_env,
    enabled,
    platform_children,
    web_child,
)
from webapp.commands.common import OneLineError, load_settings, resolve_database
from webapp.commands.dagster_home import DagsterHome
from webapp.config import Settings
from webapp.db import Database
from webapp.db.embedded import EmbeddedServer
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


def banner(ports: Ports, login: tuple[str, str] | None, demo: int | None,
           children: list[Child], dagster: DagsterHome | None) -> str:
    """What `up` prints: where to click and, once, the demo login."""
    names = {c.name for c in children}
    base = ports.url(ports.web)
    lines = ["", "MessageFlow is starting:",
             f"  dashboard       {base}/",
             f"  API             {base}/api/v1   (OpenAPI: {base}/api/v1/openapi.json)"]
    if "dagster-ui" in names and dagster is not None:
        lines.append(f"  Dagster UI      {ports.url(ports.dagster)}/   (webserver + daemon; "
                     f"{dagster.storage} storage in DAGSTER_HOME={dagster.path})")
    if "streamlit" in names:
        lines.append(f"  analytics       {ports.url(ports.streamlit)}/   (Streamlit)")
    if "gateway" in names:
        lines.append("  WhatsApp        gateway running "
                     "(pair a number: POST /api/v1/whatsapp/devices)")
    if "simulator" in names:
        lines.append(f"  demo traffic    simulated WhatsApp messages for '{DEMO_TENANT}'")
    if login:
        lines += ["", "Demo login (shown only this once; keep it):",
                  f"  email     {login[0]}", f"  password  {login[1]}", "",
                  "Try it:",
                  f"  curl -s -X POST {base}/api/v1/auth/login -H 'Content-Type: application/json'"
                  f" -d '{{\"email\":\"{login[0]}\",\"password\":\"{login[1]}\"}}'"]
    else:
        lines += ["", f"Existing data kept; sign in with your account (demo: {DEMO_EMAIL})."]
    lines.append("Ctrl-C stops everything.")
    return "\n".join(lines) + "\n"


def _ports(host: str, port: int) -> Ports:
    try:
        return Ports.from_env(host, port, os.environ)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


def refuse_busy_ports(ports: Ports, *, web_only: bool = False) -> None:
    """`error: port 8080 on 127.0.0.1 is in use by another program; ...`, exit 1, before
    anything starts or prints."""
    busy = busy_ports(ports, os.environ, web_only=web_only)
    if busy:
        raise OneLineError(busy_message(ports.host, busy))


def _dagster_home(settings: Settings, server: EmbeddedServer | None) -> DagsterHome | None:
    """Dagster's prepared instance directory, or None with MESSAGEFLOW_DAGSTER=0."""
    if not enabled(os.environ, "MESSAGEFLOW_DAGSTER"):
        return None
    try:
        return dagster_home.prepare(settings.home, os.environ, server)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command()
@click.option("--port", type=int, default=None, help="Web port (default PORT or 8080).")
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default=True)
def up(port: int | None, host: str) -> None:
    """Start everything: database (embedded if needed), migrations, demo data, web app, WhatsApp
    gateway, demo traffic, Dagster webserver + daemon and Streamlit, until Ctrl-C."""
    settings = load_settings()
    ports = _ports(host, port or settings.port)
    refuse_busy_ports(ports)
    dsn, server = resolve_database(settings)
    try:
        dagster = _dagster_home(settings, server)  # before the demo login is generated
        apply_migrations(dsn)
        demo, login = ensure_demo(dsn)
        children = platform_children(ports, os.environ, demo, dagster)
        # "Add number" pairs a simulated number unless WHATSAPP_DEFAULT_KIND says otherwise:
        # `up` must work where WhatsApp cannot be reached.
        env = child_env(settings, dsn, os.environ,
                        analysis_runner="dagster" if dagster is not None else None,
                        whatsapp_default_kind="simulator")
        click.echo(banner(ports, login, demo, children, dagster), err=True)
        code = run_all(children, env)
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
    ports = _ports(host, port or settings.port)
    refuse_busy_ports(ports, web_only=True)
    dsn, server = resolve_database(settings)
    try:
        if server is not None:
            apply_migrations(dsn)
        code = run_all([web_child(ports, os.environ)], child_env(settings, dsn, os.environ))
    finally:
        if server is not None:
            server.stop()
    sys.exit(code)
