"""@mentions in free text, resolved to members of the tenant when the text is written.

`@ana@example.com` names a member by e-mail; `@Ana Silva` by full name; `@Ana` by a first name
only one member has. Case is ignored; the longest match wins; anything else is plain text.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from webapp.db.pool import Conn
from webapp.db.queries import load

Q = load(__file__)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


@dataclass(frozen=True)
class Mention:
    """A member named in a text: who, and the text that named them (with its '@')."""

    user_id: int
    name: str
    email: str
    text: str

    def as_json(self) -> dict[str, Any]:
        """The stored and returned form."""
        return asdict(self)


def _ends_word(text: str, end: int) -> bool:
    return end >= len(text) or not (text[end].isalnum() or text[end] == "_")


def _candidates(members: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(lower-case handle, member) pairs: full names, unique first names; longest first."""
    firsts: dict[str, list[dict[str, Any]]] = {}
    pairs: list[tuple[str, dict[str, Any]]] = []
    for m in members:
        name = " ".join(str(m["name"]).split())
        if name:
            pairs.append((name.lower(), m))
            firsts.setdefault(name.split(" ")[0].lower(), []).append(m)
    pairs += [(first, ms[0]) for first, ms in firsts.items() if len(ms) == 1]
    return sorted(pairs, key=lambda pair: -len(pair[0]))


def find_mentions(text: str, members: list[dict[str, Any]]) -> list[Mention]:
    """The members the text mentions, in order of first mention, each once."""
    by_email = {str(m["email"]).lower(): m for m in members}
    handles = _candidates(members)
    lowered = text.lower()
    found: dict[int, Mention] = {}
    for at in (i for i, ch in enumerate(text) if ch == "@"):
        if at > 0 and (text[at - 1].isalnum() or text[at - 1] in "._%+-"):
            continue  # the middle of an e-mail address
        email = _EMAIL.match(text, at + 1)
        member = by_email.get(email.group(0).lower()) if email else None
        end = email.end() if email and member else 0
        if member is None:
            for handle, m in handles:
                stop = at + 1 + len(handle)
                if lowered.startswith(handle, at + 1) and _ends_word(text, stop):
                    member, end = m, stop
                    break
        if member is not None and int(member["id"]) not in found:
            found[int(member["id"])] = Mention(int(member["id"]), str(member["name"]),
                                               str(member["email"]), text[at:end])
    return list(found.values())


def resolve_mentions(conn: Conn, tenant_id: int, text: str) -> list[Mention]:
    """The members of the tenant that `text` mentions (members only; others stay text)."""
    del tenant_id  # the transaction's tenant (RLS) decides who is a member
    if "@" not in text:
        return []
    return find_mentions(text, conn.execute(Q.list_members).fetchall())
