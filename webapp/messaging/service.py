"""Messaging services: ingest is the one door every WhatsApp event comes through."""

from webapp.messaging.ingest import IngestResult, default_device, ingest

__all__ = ["IngestResult", "default_device", "ingest"]
