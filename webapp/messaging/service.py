"""Messaging services: ingest is the one door every WhatsApp event comes through."""

from webapp.messaging.ingest import (
    IngestResult,
    default_device,
    ingest,
    require_device,
    resolve_device,
)

__all__ = ["IngestResult", "default_device", "ingest",
           "require_device", "resolve_device"]
