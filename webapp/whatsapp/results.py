"""What converting a WhatsApp event yields besides plain traffic records (neonize-free)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from webapp.messaging.records import Record

DeviceStatus = Literal["pairing", "connected", "disconnected", "logged_out", "outdated"]
DEVICE_STATUSES: tuple[DeviceStatus, ...] = (
    "pairing", "connected", "disconnected", "logged_out", "outdated"
)

_TERMINAL_EVENTS = ("stream_replaced", "temporary_ban")


@dataclass(frozen=True, slots=True)
class DeviceStatusChange:
    """A paired device changed state; `event` names the WhatsApp event that said so.

    `terminal` changes (logged out, client outdated, session taken over by another client,
    temporary ban) must not be answered with a reconnect loop: a person has to act (pair again,
    upgrade, stop the other client, wait out the ban).
    """

    status: DeviceStatus
    jid: str | None = None
    error: str | None = None
    event: str = ""
    qr: str | None = None

    @property
    def terminal(self) -> bool:
        """True when reconnecting cannot help."""
        return self.status in ("logged_out", "outdated") or self.event in _TERMINAL_EVENTS


@dataclass(frozen=True, slots=True)
class HistoryBatch:
    """The messages of one history-sync chunk, oldest first, with WhatsApp's progress figure."""

    records: list[Record] = field(default_factory=list)
    progress: int | None = None
    sync_type: str = ""
    chunk_order: int | None = None
    skipped: int = 0
