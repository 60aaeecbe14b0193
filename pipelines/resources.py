"""Dagster resources shared by every job of the code location.

`PostgresResource` is the one door to the application database: jobs open a short-lived
`webapp.db.Database` (a small pool running as the RLS-bound app role, closed when the op ends) and
do tenant work through `db.tenant(...)` and cross-tenant work through the named SECURITY DEFINER
`mf_*` functions, exactly like the web app. `secret_box()` decrypts provider keys with the same
MASTER_KEY as the web app: the configured value, else the environment, else (outside production)
the generated development key under MESSAGEFLOW_HOME, as `webapp.config.Settings.from_env()` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from webapp.db import Database
from webapp.security.crypto import SecretBox


# Unsubscripted on purpose: ConfigurableResource is generic in the value create_resource returns,
# which for a ConfigurableResource is the resource itself, and subscripting it would make pydantic
# put a parametrized class into the MRO of a resource Dagster introspects.
class PostgresResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The application database (DATABASE_URL) and the key that opens provider secrets."""

    dsn: str
    master_key: str | None = None
    pool_max: int = 4

    @contextmanager
    def database(self, *, name: str = "mf-dagster") -> Iterator[Database]:
        """An opened Database with a small pool, closed when the block ends."""
        db = Database(self.dsn, min_size=1, max_size=max(1, self.pool_max), name=name)
        db.open()
        try:
            yield db
        finally:
            db.close()

    def secret_box(self) -> SecretBox:
        """A SecretBox of MASTER_KEY (configured, else env, else the dev key outside production)."""
        if self.master_key:
            return SecretBox(self.master_key)
        from webapp.config import Settings

        return SecretBox(Settings.from_env().master_key)


def postgres_resource() -> PostgresResource:
    """The resource as the code location binds it: DATABASE_URL from the environment; MASTER_KEY
    is read from the environment at run time by `secret_box()` (never shown in the Dagster UI)."""
    return PostgresResource(dsn=dg.EnvVar("DATABASE_URL"))


# The one bound instance: `Definitions.merge` accepts the same resource key from several modules
# only when it is the very same object, so a module that binds "pg" in its own `defs` binds this.
PG = postgres_resource()
