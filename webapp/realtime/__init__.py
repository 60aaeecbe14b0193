"""Realtime feed: events re-read under RLS, fanned out per process from one LISTEN connection."""
