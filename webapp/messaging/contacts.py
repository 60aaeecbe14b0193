"""Resolving people to contacts within one ingest batch: one contact per person, even when
WhatsApp addresses them by phone JID in one message and by LID in the next.

A contact's name is the one carried by the newest record (by WhatsApp timestamp) that names
them, whatever order records arrive in: ties of time go to the greater name in code point
order, which is what `mf_name_newer` (migration 0023) decides in the database too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from webapp.db.pool import Conn
from webapp.db.queries import load

Q = load(__file__)
# (jid, the other JID of the same person, the name a record gave them, the record's time)
Sighting = tuple[str, str | None, str | None, dt.datetime]


@dataclass
class Person:
    """What a batch says about one person: their JIDs and the newest name they go by."""

    jids: set[str] = field(default_factory=set)
    name: str | None = None
    name_at: dt.datetime | None = None

    def named(self, name: str | None, at: dt.datetime | None) -> None:
        """Take this name if it is newer than the one held."""
        if name_newer(name, at, self.name, self.name_at):
            self.name, self.name_at = name, at


def name_newer(name: str | None, at: dt.datetime | None, than: str | None,
               than_at: dt.datetime | None) -> bool:
    """Whether `name` (from a record of time `at`) replaces `than`: mf_name_newer in Python."""
    if name is None or at is None:
        return False
    if than is None or than_at is None:
        return True
    return (at, name) > (than_at, than)


def _split(jids: set[str]) -> tuple[str | None, str | None]:
    phone = next((j for j in sorted(jids) if j.endswith("@s.whatsapp.net")), None)
    lid = next((j for j in sorted(jids) if j.endswith("@lid")), None)
    return phone, lid


def group_people(sightings: list[Sighting]) -> list[Person]:
    """Merge sightings into distinct people (union of shared JIDs), each with its newest name."""
    owner: dict[str, Person] = {}
    people: list[Person] = []
    for jid, alt, name, at in sightings:
        jids = {j for j in (jid, alt) if j}
        found = {id(owner[j]): owner[j] for j in jids if j in owner}
        if not found:
            person = Person()
            people.append(person)
        else:
            person, *others = found.values()
            for other in others:
                person.jids |= other.jids
                person.named(other.name, other.name_at)
                people.remove(other)
        person.jids |= jids
        person.named(name, at)
        for j in person.jids:
            owner[j] = person
    return people


def _index(rows: list[dict[str, Any]]) -> dict[str, int]:
    known: dict[str, int] = {}
    for r in rows:
        for j in (r["phone_jid"], r["lid_jid"]):
            if isinstance(j, str):
                known[j] = int(r["id"])
    return known


@dataclass
class Resolved:
    """A batch's people as contacts: {jid: contact id}, and the direct chats whose title or
    address changed with them (each then gets its conversation.updated event)."""

    ids: dict[str, int]
    retitled: list[int]


def resolve(conn: Conn, sightings: list[Sighting]) -> Resolved:
    """Contacts for every JID seen, creating, completing (newest name) or merging contacts."""
    people = group_people(sightings)
    if not people:
        return Resolved({}, [])
    all_jids = sorted({j for p in people for j in p.jids})
    rows = conn.execute(Q.select_contacts_by_jids, {"jids": all_jids}).fetchall()
    stored, known = {int(r["id"]): r for r in rows}, _index(rows)
    new: list[Person] = []
    complete: dict[int, Person] = {}
    merged: set[int] = set()
    for person in people:
        ids = sorted({known[j] for j in person.jids if j in known})
        if not ids:
            new.append(person)
            continue
        for drop in ids[1:]:
            _merge(conn, ids[0], drop)
            merged.add(ids[0])
        if ids[0] in complete:  # one contact, one row of the update (its newest name)
            person.jids |= complete[ids[0]].jids
            person.named(complete[ids[0]].name, complete[ids[0]].name_at)
        complete[ids[0]] = person
        known.update(dict.fromkeys(person.jids, ids[0]))
    touched = _complete(conn, complete, stored, merged)
    if new:
        known.update(_index(conn.execute(Q.insert_contacts, _columns(
            [(0, p) for p in new])).fetchall()))
    retitled: list[int] = []
    if touched:
        rows = conn.execute(Q.sync_direct_chats, {"ids": sorted(touched)}).fetchall()
        retitled = [int(r["id"]) for r in rows]
    return Resolved(known, retitled)


def _complete(conn: Conn, complete: dict[int, Person], stored: dict[int, dict[str, Any]],
              merged: set[int]) -> set[int]:
    """Update the known contacts this batch says something new about (an identifier, or a name
    from a newer record, whose time is kept even when the name is the same); return those whose
    identifiers or name changed (and merged ones), for their direct chats to follow. What the
    batch read before (`stored`) decides; the update re-checks against the row itself."""
    send: list[tuple[int, Person]] = []
    changed = set(merged)
    for contact_id, person in complete.items():
        row = stored[contact_id]
        phone, lid = _split(person.jids)
        new_ids = (phone and not row["phone_jid"]) or (lid and not row["lid_jid"])
        newer = name_newer(person.name, person.name_at, row["push_name"], row["push_name_at"])
        if new_ids or newer or contact_id in merged:
            send.append((contact_id, person))
        if new_ids or (newer and person.name != row["push_name"]):
            changed.add(contact_id)
    if send:
        conn.execute(Q.complete_contacts, _columns(send, ids=[c for c, _ in send]))
    return changed


def _columns(people: list[tuple[int, Person]], **extra: list[int]) -> dict[str, object]:
    """The array parameters of insert_contacts / complete_contacts."""
    split = [_split(p.jids) for _, p in people]
    return {"phones": [phone for phone, _ in split], "lids": [lid for _, lid in split],
            "names": [p.name for _, p in people], "names_at": [p.name_at for _, p in people],
            **extra}


def _merge(conn: Conn, keep: int, drop: int) -> None:
    """Fold contact `drop` into `keep` (the same person under two identifiers)."""
    conn.execute(Q.merge_contact, {"keep": keep, "drop": drop})
    conn.execute(Q.merge_contact_conversations, {"keep": f"c:{keep}", "drop": f"c:{drop}"})
    conn.execute(Q.absorb_contact, {"keep": keep, "drop": drop})
