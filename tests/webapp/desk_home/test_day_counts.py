"""The per-day message counts behind the dashboard's 7- and 30-day windows (migration 0033):
after inserts (through ingest), updates that move a message to another day or direction,
deletes and a change of the team's time zone, the rollup equals a recount of the messages and
every window's counters equal a direct count, also for messages a minute either side of the
team's local midnight."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as make
from tests.factories import Member, register_owner
from webapp.db import Database

API = "/api/v1/dashboard"
WINDOWS = {"today": 0, "7d": 6, "30d": 29}
CUSTOMER = "5511988880001@s.whatsapp.net"
RECOUNT = """select (m.sent_at at time zone t.timezone)::date as day,
       count(*) filter (where not m.from_me) as inbound,
       count(*) filter (where m.from_me) as outbound
from messages m join tenants t on t.id = m.tenant_id
group by 1 order by 1"""
ROLLUP = """select day, inbound, outbound from message_day_counts
where inbound <> 0 or outbound <> 0 order by day"""
DIRECT = """select count(*) filter (where not from_me) as inbound,
       count(*) filter (where from_me) as outbound
from messages where sent_at >= %s and sent_at < now()"""


def set_zone(db: Database, tenant_id: int, zone: str) -> None:
    with db.tenant(tenant_id) as conn:
        conn.execute("update tenants set timezone = %s where id = mf_current_tenant()", (zone,))


def record(at: dt.datetime, *, from_me: bool = False) -> dict[str, Any]:
    tag = f"DC{int(at.timestamp())}{'O' if from_me else 'I'}"
    return {"kind": "message", "id": tag, "chat": CUSTOMER, "sender": CUSTOMER,
            "sender_name": "Dora", "from_me": from_me, "text": f"at {at.isoformat()}",
            "timestamp": at.isoformat()}


def boundaries(zone: str) -> list[dt.datetime]:
    """A minute either side of the local midnights that start each window (today's second
    minute only if it has passed), plus one day outside every window."""
    tz = ZoneInfo(zone)
    now = dt.datetime.now(tz)
    out: list[dt.datetime] = []
    for back in (0, 6, 29, 40):
        midnight = dt.datetime.combine(now.date() - dt.timedelta(days=back), dt.time(), tz)
        out.append(midnight - dt.timedelta(minutes=1))
        after = midnight + dt.timedelta(minutes=1)
        out.append(min(after, now - dt.timedelta(seconds=5)))
    return [t.astimezone(dt.UTC).replace(microsecond=0) for t in out]


def check(client: FlaskClient, db: Database, owner: Member) -> None:
    """The rollup equals a recount; every window's counters equal a direct count (the rows
    were changed in SQL, without events: the cached counters are dropped first)."""
    make.forget_cached_reads(client.application)
    with db.tenant(owner.tenant_id) as conn:
        assert conn.execute(ROLLUP).fetchall() == conn.execute(RECOUNT).fetchall()
        zone = conn.execute("select timezone from tenants").fetchone()["timezone"]
    for window, back in WINDOWS.items():
        d = client.get(f"{API}?window={window}", headers=owner.headers).get_json()
        tz = ZoneInfo(zone)
        start = dt.datetime.combine(dt.datetime.now(tz).date() - dt.timedelta(days=back),
                                    dt.time(), tz)
        assert d["window_start"] == start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        with db.tenant(owner.tenant_id) as conn:
            direct = conn.execute(DIRECT, (start,)).fetchone()
        assert d["messages"] == direct, (window, zone)


@pytest.fixture(scope="module")
def team(app: Flask, db: Database) -> tuple[Member, int]:
    owner = register_owner(app.test_client(), "Day counts")
    return owner, make.device(db, owner.tenant_id, name="Counting desk")


def test_the_rollup_follows_inserts_updates_deletes_and_zone_changes(
        client: FlaskClient, db: Database, team: tuple[Member, int]) -> None:
    owner, device = team
    tid = owner.tenant_id
    set_zone(db, tid, "Asia/Kolkata")  # +05:30: local midnight is not a UTC hour
    times = boundaries("Asia/Kolkata")
    ids = make.messages(db, tid, [record(t) for t in times]
                        + [record(t + dt.timedelta(seconds=1), from_me=True) for t in times[:4]],
                        device_id=device)
    check(client, db, owner)
    d = client.get(f"{API}?window=7d", headers=owner.headers).get_json()
    assert d["messages"]["inbound"] >= 3 and d["messages"]["outbound"] >= 2  # not all zero

    # a second batch into days that already have rows
    make.messages(db, tid, [record(t + dt.timedelta(seconds=2)) for t in times[:6]],
                  device_id=device)
    check(client, db, owner)

    # updates: one message moved across today's midnight, one across the 30-day window's
    # start, one turned around (its direction), one changed in a way that does not count
    with db.tenant(tid) as conn:
        conn.execute("update messages set sent_at = sent_at + interval '2 minutes'"
                     " where id = %s", (ids[0],))
        conn.execute("update messages set sent_at = sent_at - interval '2 minutes'"
                     " where id = %s", (ids[5],))
        conn.execute("update messages set from_me = true, sent_by = 'phone' where id = %s",
                     (ids[2],))
        conn.execute("update messages set status = 'read' where id = %s", (ids[3],))
    check(client, db, owner)

    # deletes: one message, then several in one statement
    with db.tenant(tid) as conn:
        conn.execute("delete from messages where id = %s", (ids[1],))
        conn.execute("delete from messages where id = any(%s)", (ids[6:9],))
    check(client, db, owner)

    # the team moves to another zone: every message belongs to another local day
    set_zone(db, tid, "America/Sao_Paulo")
    check(client, db, owner)
    make.messages(db, tid, [record(t) for t in boundaries("America/Sao_Paulo")],
                  device_id=device)
    check(client, db, owner)


def test_a_deleted_tenant_takes_its_counts_along(client: FlaskClient, db: Database,
                                                 database_url: str) -> None:
    owner = register_owner(client, "Short lived")
    device = make.device(db, owner.tenant_id)
    make.messages(db, owner.tenant_id, [record(dt.datetime.now(dt.UTC).replace(microsecond=0)
                                               - dt.timedelta(hours=1))], device_id=device)
    with psycopg.connect(database_url, autocommit=True) as conn:
        before = conn.execute("select count(*) from message_day_counts where tenant_id = %s",
                              (owner.tenant_id,)).fetchone()
        assert before == (1,)
        conn.execute("delete from tenants where id = %s", (owner.tenant_id,))
        after = conn.execute("select count(*) from message_day_counts where tenant_id = %s",
                             (owner.tenant_id,)).fetchone()
    assert after == (0,)
