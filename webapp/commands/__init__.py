"""Subcommands of the `messageflow` console script, grouped by domain (Flask-free)."""
