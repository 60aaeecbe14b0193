"""Typed rows of canned responses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CannedResponse:
    """One saved reply as the API shows it."""

    id: int
    shortcut: str
    title: str
    body: str
    created_by: int | None
    updated_by: int | None
    created_at: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class RenderContext:
    """What a conversation gives the variables."""

    conversation_title: str | None
    contact_name: str | None
    contact_jid: str | None
    is_group: bool
    agent_email: str | None
