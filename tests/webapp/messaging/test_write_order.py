"""Writers of one tenant never deadlock: ingest running while agents mark conversations read,
change them and reply, all on the same conversations (each of these writes rows and events)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

from tests.webapp.messaging.conftest import conversation_id, make_device, msg
from webapp.db import Database
from webapp.messaging.conversations import mark_read, update_conversation
from webapp.messaging.sending import reply
from webapp.messaging.service import ingest
from webapp.security.principal import Principal
from webapp.tenants.service import add_user, create_tenant

CHATS = [f"55119777000{i:02d}@s.whatsapp.net" for i in range(3)]
ROUNDS = 60


def _owner(db: Database) -> Principal:
    tenant = create_tenant(db, f"Writers {uuid.uuid4().hex[:6]}")
    email = f"owner-{uuid.uuid4().hex[:8]}@example.com"
    user = add_user(db, tenant, email, "Owner", "correct horse battery", "owner")
    return Principal(user, tenant, "owner", str(uuid.uuid4()), email, "Owner", "Writers")


def _run(workers: list[Callable[[int], None]]) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(len(workers))

    def loop(work: Callable[[int], None]) -> None:
        start.wait()
        try:
            for i in range(ROUNDS):
                work(i)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=loop, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return errors


def test_ingest_and_agents_on_the_same_conversations_never_deadlock(db: Database) -> None:
    p = _owner(db)
    device = make_device(db, p.tenant_id)
    ingest(db, p.tenant_id, [msg(f"W-{i}", "hi", i, chat=c) for i, c in enumerate(CHATS)],
           device_id=device)
    convs = [conversation_id(db, p.tenant_id, c) for c in CHATS]

    def gateway(i: int) -> None:  # a batch touching every conversation, in varying order
        order = CHATS[i % 3:] + CHATS[:i % 3]
        ingest(db, p.tenant_id, [msg(f"G-{i}-{k}", f"update {i}", 100 + i, chat=c)
                                 for k, c in enumerate(order)], device_id=device)

    def reader(i: int) -> None:
        mark_read(db, p, convs[i % 3])

    def triager(i: int) -> None:
        update_conversation(db, p, convs[(i + 1) % 3],
                            {"priority": ("high", "normal")[i % 2], "status": "open"})

    def agent(i: int) -> None:
        reply(db, p, convs[(i + 2) % 3], f"on it ({i})")

    errors = _run([gateway, reader, triager, agent])

    assert errors == []
    assert _message_count(db, p.tenant_id) == 3 + 3 * ROUNDS + ROUNDS


def _message_count(db: Database, tenant_id: int) -> int:
    with db.tenant(tenant_id) as conn:
        row = conn.execute("select count(*) as n from messages").fetchone()
    assert row is not None
    return int(row["n"])
