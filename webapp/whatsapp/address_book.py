"""A paired phone's address book as the gateway reads it (neonize-free: the conversion reads
the protobuf objects' fields, it imports nothing from neonize)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

PERSON_SERVERS = ("s.whatsapp.net", "lid")


@dataclass(frozen=True, slots=True)
class AddressEntry:
    """One address-book contact: its JID, the name saved on the phone, its WhatsApp name."""

    jid: str
    name: str | None
    push_name: str | None = None


def _clean(value: str) -> str | None:
    text = " ".join(value.split())[:100]
    return text or None


def from_neonize(contacts: Iterable[Any]) -> list[AddressEntry]:
    """Entries from neonize's `client.contact.get_all_contacts()` (neonize.proto Contact:
    `JID` and `Info` = ContactInfo{Found, FirstName, FullName, PushName, BusinessName}): the
    saved full name, else the first name, else the business name; people only (no groups,
    broadcast lists or newsletters)."""
    out: list[AddressEntry] = []
    for contact in contacts:
        jid, info = contact.JID, contact.Info
        if jid.Server not in PERSON_SERVERS or not jid.User:
            continue
        user = jid.User.split(":")[0].split(".")[0]
        name = _clean(info.FullName) or _clean(info.FirstName) or _clean(info.BusinessName)
        out.append(AddressEntry(f"{user}@{jid.Server}", name, _clean(info.PushName)))
    return out
