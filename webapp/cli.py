"""The `messageflow` command: up, serve, migrate, create-tenant, create-user, replay, simulate."""

from __future__ import annotations

import secrets

import click

from webapp.commands.common import CommandGroup, database, load_settings, resolve_database
from webapp.commands.dagster_cli import backfill, dagster
from webapp.commands.gateway import gateway
from webapp.commands.platform import DEMO_EMAIL, apply_migrations, ensure_demo, serve, up
from webapp.commands.schema import schema_snapshot
from webapp.commands.traffic import replay, simulate
from webapp.errors import DomainError
from webapp.security.rbac import ROLES

__all__ = ["DEMO_EMAIL", "ensure_demo", "main"]


@click.group(cls=CommandGroup)
def main() -> None:
    """MessageFlow: WhatsApp operations platform."""


@main.command("migrate")
def migrate_cmd() -> None:
    """Apply pending migrations."""
    dsn, server = resolve_database(load_settings())
    try:
        apply_migrations(dsn)
    finally:
        if server is not None:
            server.stop()


@main.command("create-tenant")
@click.argument("name")
@click.option("--timezone", default="UTC", show_default=True)
def create_tenant_cmd(name: str, timezone: str) -> None:
    """Create a tenant and print its id."""
    from webapp.tenants import service as tenants

    with database(max_size=2) as db:
        click.echo(tenants.create_tenant(db, name, timezone))


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

    shown = password is None
    password = password or secrets.token_urlsafe(12)
    with database(max_size=2) as db:
        try:
            user_id = tenants.add_user(db, tenant_id, email, name, password, role)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
    click.echo(f"user {user_id} ({email}, {role}) in tenant {tenant_id}")
    if shown:
        click.echo(f"password: {password}")


main.add_command(up)
main.add_command(serve)
main.add_command(gateway)
main.add_command(replay)
main.add_command(simulate)
main.add_command(schema_snapshot)
main.add_command(backfill)
main.add_command(dagster)

if __name__ == "__main__":  # pragma: no cover
    main()
