"""Workflows: rules that act on messages (vocabulary, API, engine)."""
