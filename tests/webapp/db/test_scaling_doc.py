"""docs/scaling.md's Citus section classifies every table of the schema (issue 10, 5.2): each
table of migrations/schema.sql is a reference table, distributed by `tenant_id`, or kept on the
coordinator, exactly once; a distributed table has a `tenant_id` column, and every table with one
is distributed. A migration that adds a table fails here until the page says where it goes."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
CLASSES = {"reference": "**Reference tables**",
           "distributed": "**Distributed by `tenant_id`, co-located**",
           "coordinator": "**On the coordinator only**"}


def schema_tables() -> dict[str, bool]:
    """Table name -> whether it has a tenant_id column (the public schema's snapshot)."""
    text = (REPO / "migrations" / "schema.sql").read_text()
    found = re.finditer(r"^create (?:unlogged )?table public\.(\w+) \((.*?)\n\);", text,
                        flags=re.M | re.S)
    return {m[1]: bool(re.search(r"^\s+tenant_id ", m[2], flags=re.M)) for m in found}


def classified() -> dict[str, list[str]]:
    """Class -> the table names its paragraph of the Citus section names."""
    text = (REPO / "docs" / "scaling.md").read_text()
    section = text.split("## Tenant-sharded PostgreSQL with Citus", 1)[1].split("\n## ", 1)[0]
    tables = set(schema_tables())
    out = {}
    for name, lead in CLASSES.items():
        [paragraph] = [p for p in section.split("\n\n") if p.startswith(lead)]
        out[name] = [t for t in re.findall(r"`(\w+)`", paragraph[len(lead):]) if t in tables]
    return out


def test_every_table_is_classified_once() -> None:
    tables = schema_tables()
    assert len(tables) > 50  # the snapshot was read
    named = [t for names in classified().values() for t in names]
    assert sorted(set(tables) - set(named)) == []  # not said where it goes
    assert sorted(t for t in set(named) if named.count(t) > 1) == []  # said twice


def test_distributed_means_it_carries_tenant_id() -> None:
    tables = schema_tables()
    distributed = set(classified()["distributed"])
    assert sorted(t for t in distributed if not tables[t]) == []
    assert sorted(t for t, has in tables.items() if has and t not in distributed) == []
