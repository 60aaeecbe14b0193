"""neonize's contact store entries (real Contact protobufs) as address-book entries."""

from __future__ import annotations

from neonize.proto.Neonize_pb2 import Contact, ContactInfo

from tests.webapp.whatsapp.neonize_events import jid
from webapp.whatsapp.address_book import AddressEntry, from_neonize


def test_saved_names_people_only_plain_jids() -> None:
    book = [
        Contact(JID=jid("5511911112222", device=3),
                Info=ContactInfo(Found=True, FullName="  Ana   Souza ", FirstName="Ana",
                                 PushName="Aninha")),
        Contact(JID=jid("204820000000001", "lid"), Info=ContactInfo(Found=True, FirstName="Bia")),
        Contact(JID=jid("5511933334444"), Info=ContactInfo(Found=True, BusinessName="Loja X")),
        Contact(JID=jid("5511955556666"), Info=ContactInfo(Found=True, PushName="Carlos")),
        Contact(JID=jid("120363012345678901", "g.us"), Info=ContactInfo(FullName="A group")),
        Contact(JID=jid("status", "broadcast"), Info=ContactInfo(FullName="Status")),
    ]
    assert from_neonize(book) == [
        AddressEntry("5511911112222@s.whatsapp.net", "Ana Souza", "Aninha"),
        AddressEntry("204820000000001@lid", "Bia", None),
        AddressEntry("5511933334444@s.whatsapp.net", "Loja X", None),
        AddressEntry("5511955556666@s.whatsapp.net", None, "Carlos"),  # no saved name: none
    ]
