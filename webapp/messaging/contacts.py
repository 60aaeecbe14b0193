"""Resolving people to contacts within one ingest batch: one contact per person, even when
WhatsApp addresses them by phone JID in one message and by LID in the next."""

from __future__ import annotations

from dataclasses import dataclass, field

from webapp.db.pool import Conn
from webapp.db.queries import load

Q = load(__file__)


@dataclass
class Person:
    """What a batch says about one person: their JIDs and the name they go by."""

    jids: set[str] = field(default_factory=set)
    name: str | None = None


def _split(jids: set[str]) -> tuple[str | None, str | None]:
    phone = next((j for j in sorted(jids) if j.endswith("@s.whatsapp.net")), None)
    lid = next((j for j in sorted(jids) if j.endswith("@lid")), None)
    return phone, lid


def group_people(pairs: list[tuple[str, str | None, str | None]]) -> list[Person]:
    """Merge (jid, alt_jid, name) sightings into distinct people (union of shared JIDs)."""
    owner: dict[str, Person] = {}
    people: list[Person] = []
    for jid, alt, name in pairs:
        jids = {j for j in (jid, alt) if j}
        found = {id(owner[j]): owner[j] for j in jids if j in owner}
        if not found:
            person = Person()
            people.append(person)
        else:
            person, *others = found.values()
            for other in others:
                person.jids |= other.jids
                person.name = person.name or other.name
                people.remove(other)
        person.jids |= jids
        person.name = name or person.name
        for j in person.jids:
            owner[j] = person
    return people


def _index(rows: list[dict[str, object]]) -> dict[str, int]:
    known: dict[str, int] = {}
    for r in rows:
        for j in (r["phone_jid"], r["lid_jid"]):
            if isinstance(j, str):
                known[j] = int(r["id"])  # type: ignore[call-overload]
    return known


def resolve(conn: Conn, pairs: list[tuple[str, str | None, str | None]]) -> dict[str, int]:
    """{jid: contact id} for every JID seen, creating, completing or merging contacts."""
    people = group_people(pairs)
    if not people:
        return {}
    all_jids = sorted({j for p in people for j in p.jids})
    known = _index(conn.execute(Q.select_contacts_by_jids, {"jids": all_jids}).fetchall())
    new: list[Person] = []
    complete: list[tuple[int, Person]] = []
    for person in people:
        ids = sorted({known[j] for j in person.jids if j in known})
        if not ids:
            new.append(person)
            continue
        for drop in ids[1:]:
            _merge(conn, ids[0], drop)
        complete.append((ids[0], person))
        known.update(dict.fromkeys(person.jids, ids[0]))
    if complete:
        changed = conn.execute(Q.complete_contacts, {
            "ids": [c for c, _ in complete], "phones": [_split(p.jids)[0] for _, p in complete],
            "lids": [_split(p.jids)[1] for _, p in complete],
            "names": [p.name for _, p in complete]}).fetchall()
        if changed:
            conn.execute(Q.sync_conversation_jids, {"ids": [r["id"] for r in changed]})
    if new:
        known.update(_index(conn.execute(Q.insert_contacts, {
            "phones": [_split(p.jids)[0] for p in new], "lids": [_split(p.jids)[1] for p in new],
            "names": [p.name for p in new]}).fetchall()))
    return known


def _merge(conn: Conn, keep: int, drop: int) -> None:
    """Fold contact `drop` into `keep` (the same person under two identifiers)."""
    conn.execute(Q.merge_contact, {"keep": keep, "drop": drop})
    conn.execute(Q.merge_contact_conversations, {"keep": f"c:{keep}", "drop": f"c:{drop}"})
    conn.execute(Q.absorb_contact, {"keep": keep, "drop": drop})
