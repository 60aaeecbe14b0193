"""@mentions resolve to members only: full name, unique first name, e-mail; longest match."""

from __future__ import annotations

from webapp.notifications.mentions import find_mentions

MEMBERS = [
    {"id": 1, "name": "Ana Silva", "email": "ana@example.com"},
    {"id": 2, "name": "Ana Souza", "email": "souza@example.com"},
    {"id": 3, "name": "Bruno", "email": "bruno@example.com"},
    {"id": 4, "name": "Carla  Dias", "email": "carla@example.com"},
]


def ids(text: str) -> list[int]:
    return [m.user_id for m in find_mentions(text, MEMBERS)]


def test_full_names_emails_and_unique_first_names() -> None:
    assert ids("@Ana Silva please check") == [1]
    assert ids("ask @souza@example.com and @bruno.") == [2, 3]
    assert ids("@carla dias, @Carla") == [4]
    assert [m.text for m in find_mentions("hi @ANA SILVA!", MEMBERS)] == ["@ANA SILVA"]


def test_what_is_not_a_mention() -> None:
    assert ids("@Ana alone is ambiguous") == []
    assert ids("mail ana@example.com is not a mention") == []
    assert ids("@Brunoo is someone else, @nobody@example.com too") == []
    assert ids("no at sign") == [] and ids("@") == [] and ids("trailing @") == []


def test_each_member_once_in_order_of_first_mention() -> None:
    assert ids("@Bruno @Ana Silva @bruno @ana@example.com") == [3, 1]
