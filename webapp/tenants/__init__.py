"""Tenants, members and invitations."""
