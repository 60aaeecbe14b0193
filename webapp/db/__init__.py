"""Flask-free database layer: pool, tenant transactions, named queries, migrations."""

from webapp.db.pool import APP_ROLE, Database, set_tenant

__all__ = ["APP_ROLE", "Database", "set_tenant"]
