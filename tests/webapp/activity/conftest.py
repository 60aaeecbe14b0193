"""Team activity uses the desk fixtures (two tenants, every working role)."""

from tests.webapp.actions.conftest import desk

__all__ = ["desk"]
