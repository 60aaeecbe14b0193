"""Ingest throughput as a share of a raw COPY of the same rows into the same messages table."""

from __future__ import annotations

import datetime as dt
import time

import psycopg
import pytest

from bench.conftest import record
from webapp.db import Database
from webapp.messaging.service import default_device, ingest
from webapp.tenants.service import create_tenant

N = 100_000
CHATS = 2_000
T0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def _records(prefix: str) -> list[dict[str, object]]:
    out = []
    for i in range(N):
        chat = f"55119{(i % CHATS):08d}@s.whatsapp.net"
        out.append({"kind": "message", "id": f"{prefix}{i:012d}", "chat": chat, "sender": chat,
                    "sender_name": f"Customer {i % CHATS}", "from_me": False,
                    "timestamp": (T0 + dt.timedelta(seconds=i)).isoformat(),
                    "text": f"order {i} is late, can you check the delivery status please?"})
    return out


@pytest.mark.bench
def test_ingest_vs_copy(database_url: str) -> None:
    db = Database(database_url, min_size=1, max_size=2)
    db.open()
    try:
        tenant = create_tenant(db, "Bench")
        device = default_device(db, tenant)
        # Warm up conversations and contacts so both paths insert into the same shape of table.
        ingest(db, tenant, _records("W")[:CHATS], device_id=device)
        with db.tenant(tenant) as conn:
            convs = [r["id"] for r in conn.execute(
                "select id from conversations order by id").fetchall()]
        rows = _records("C")
        started = time.perf_counter()
        # COPY FROM is refused under RLS, so the raw baseline runs as the table owner.
        with psycopg.connect(database_url) as conn:
            with conn.cursor().copy(
                "copy messages (tenant_id, device_id, conversation_id, wa_message_id, "
                "sender_jid, sender_name, from_me, sent_at, original_text, text) from stdin"
            ) as copy:
                for i, r in enumerate(rows):
                    copy.write_row((tenant, device, convs[i % len(convs)], r["id"], r["sender"],
                                    r["sender_name"], False, r["timestamp"], r["text"],
                                    r["text"]))
        copy_s = time.perf_counter() - started
        records = _records("I")
        started = time.perf_counter()
        result = ingest(db, tenant, records, device_id=device)
        ingest_s = time.perf_counter() - started
        assert result.ingested == N
    finally:
        db.close()
    copy_rate, ingest_rate = N / copy_s, N / ingest_s
    record("ingest_rate", {
        "rows": N, "conversations": CHATS,
        "copy_rows_per_s": round(copy_rate), "ingest_rows_per_s": round(ingest_rate),
        "ingest_share_of_copy": round(ingest_rate / copy_rate, 3),
        "note": "ingest includes validation, contacts, conversation upserts, unread counts, "
                "one message.created event per message and per-conversation events",
    })
    assert ingest_rate / copy_rate >= 0.25
