"""Notifications: rows per recipient, created once per cause, pushed as notification.created."""
