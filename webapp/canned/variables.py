"""{{variables}} in canned responses: which exist, checking a text, and filling them in.

A variable is `{{ group.name }}` (spaces inside the braces allowed). Unknown names are refused
when a response is saved, so rendering never meets one; a known variable without a value (a
contact with no saved name) renders as an empty string, trimmed where it leaves a gap.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PATTERN = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*\}\}")

VARIABLES: dict[str, str] = {
    "contact.name": "The contact's name (saved name, else WhatsApp name, else phone number)",
    "contact.first_name": "The first word of the contact's name",
    "contact.phone": "The contact's phone number (+country code), when known",
    "conversation.title": "The conversation's title (a group's subject)",
    "agent.name": "The name of the teammate sending the message",
    "agent.first_name": "The first word of the sender's name",
    "agent.email": "The sender's email",
    "tenant.name": "Your team's name",
}


def unknown(text: str) -> list[str]:
    """The variable names in `text` that do not exist (in order, without repeats)."""
    seen: list[str] = []
    for name in PATTERN.findall(text):
        if name not in VARIABLES and name not in seen:
            seen.append(name)
    return seen


def used(text: str) -> list[str]:
    """The known variables `text` uses, in order, without repeats."""
    seen: list[str] = []
    for name in PATTERN.findall(text):
        if name in VARIABLES and name not in seen:
            seen.append(name)
    return seen


def fill(text: str, values: Mapping[str, str | None]) -> str:
    """`text` with every known variable replaced by its value (empty when missing)."""
    out = PATTERN.sub(lambda m: values.get(m.group(1)) or "", text)
    return re.sub(r"[ \t]+([,.!?])", r"\1", re.sub(r"[ \t]{2,}", " ", out)).strip()


def first_word(name: str | None) -> str | None:
    """The first word of a name, or None."""
    parts = (name or "").split()
    return parts[0] if parts else None
