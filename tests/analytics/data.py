"""Small hand-countable Parquet fixtures: tenant 1 (numbers checked by hand) and tenant 2
(numbers so large that any leak into tenant 1's results is obvious)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl

from analytics.export import rollup_cost_daily, write_partition
from analytics.schema import LLM_COST_DAILY, LLM_USAGE, MESSAGE_STATS, SCHEMAS

MON = dt.date(2026, 11, 2)
TUE = dt.date(2026, 11, 3)
CLAUDE, GPT, OTHER = 11, 12, 21

_USAGE_KEYS = ("id", "day", "minute", "provider_id", "feature", "model", "conversation_id",
               "message_id", "message_count", "input_tokens", "output_tokens", "cost_usd",
               "latency_ms", "status", "valid_output")

# tenant, id, day, minute of day, provider, feature, model, conversation, message,
# message_count, in, out, cost, latency ms, status, valid_output
USAGE: list[tuple[Any, ...]] = [
    (1, 1, MON, 540, CLAUDE, "importance_detection", "claude-3-opus-20240229", 100, 1000, 1,
     1000, 200, 0.03, 100.0, "ok", True),
    (1, 2, MON, 545, CLAUDE, "importance_detection", "claude-3-opus-20240229", 100, 1001, 1,
     1000, 200, 0.03, 300.0, "ok", True),
    (1, 3, MON, 600, GPT, "importance_detection", "gpt-4-turbo", 101, 1002, 1,
     500, 100, 0.008, 200.0, "ok", True),
    (1, 4, MON, 610, GPT, "summarization", "gpt-4-turbo", 101, None, 0,
     2000, 500, 0.035, 400.0, "invalid_output", False),
    (1, 5, TUE, 480, CLAUDE, "summarization", "claude-3-opus-20240229", 102, None, 0,
     3000, 1000, 0.12, 500.0, "ok", True),
    (1, 6, TUE, 490, GPT, "importance_detection", "gpt-4-turbo", 100, 1003, 1,
     0, 0, 0.0, 30000.0, "timeout", False),
    (1, 7, TUE, 500, GPT, "importance_detection", "gpt-x-preview", 102, 1004, 1,
     400, 100, None, 250.0, "ok", True),
    (1, 10, TUE, 600, None, "importance_detection", "heuristic", 103, None, 5,
     0, 0, 0.0, 5.0, "ok", True),
    (2, 8, MON, 540, OTHER, "importance_detection", "gpt-4-turbo", 100, 1000, 1,
     1_000_000, 1_000_000, 999.0, 9999.0, "ok", True),
    (2, 9, TUE, 540, OTHER, "summarization", "gpt-4-turbo", 102, None, 0,
     1_000_000, 1_000_000, 999.0, 9999.0, "ok", True),
]

NAMES = {CLAUDE: ("Claude", "anthropic"), GPT: ("GPT", "openai"), OTHER: ("Other", "openai"),
         None: ("Local (heuristic)", "local")}

# tenant, day, hour, inbound, outbound, conversations, responses, s_sum, p50, p90
STATS: list[tuple[Any, ...]] = [
    (1, MON, 9, 4, 2, 2, 2, 180.0, 90.0, 150.0),
    (1, MON, 14, 1, 1, 1, 1, 600.0, 600.0, 600.0),
    (1, TUE, 9, 2, 0, 1, 0, 0.0, None, None),
    (2, MON, 9, 7777, 8888, 6666, 5555, 1e6, 4444.0, 3333.0),
    (2, TUE, 14, 7777, 8888, 6666, 5555, 1e6, 4444.0, 3333.0),
]


def usage_frame(tenant_id: int | None = None) -> pl.DataFrame:
    """The ledger rows (of one tenant, or all) as an llm_usage frame with tenant_id and date."""
    rows = []
    for tenant, *values in USAGE:
        if tenant_id is not None and tenant != tenant_id:
            continue
        row = dict(zip(_USAGE_KEYS, values, strict=True))
        day, minute = row.pop("day"), row.pop("minute")
        name, kind = NAMES[row["provider_id"]]
        created = dt.datetime.combine(day, dt.time(), dt.UTC) + dt.timedelta(minutes=minute)
        rows.append({**row, "tenant_id": tenant, "date": day, "created_at": created,
                     "provider_name": name, "provider_kind": kind, "prompt_version": "v1",
                     "unpriced": row["cost_usd"] is None,
                     "error_class": "Timeout" if row["status"] == "timeout" else None})
    schema = {**SCHEMAS[LLM_USAGE], "tenant_id": pl.Int64(), "date": pl.Date()}
    return pl.DataFrame(rows, schema=schema)


def stats_frame(tenant_id: int) -> pl.DataFrame:
    """The traffic statistics of one tenant as a message_stats frame with tenant_id and date."""
    keys = ("tenant_id", "date", *SCHEMAS[MESSAGE_STATS])
    rows = [dict(zip(keys, row, strict=True)) for row in STATS if row[0] == tenant_id]
    return pl.DataFrame(rows, schema={**SCHEMAS[MESSAGE_STATS], "tenant_id": pl.Int64(),
                                      "date": pl.Date()})


def write_fixtures(root: Path, tenants: dict[int, int] | None = None,
                   providers: dict[int, int] | None = None) -> Path:
    """Write every partition of both tenants with the production writer; returns root.

    `tenants` / `providers` map the fixture ids to real ones (e.g. rows in a test database)."""
    tenants, providers = tenants or {1: 1, 2: 2}, providers or {}
    for tenant, real in tenants.items():
        usage = usage_frame(tenant).with_columns(
            tenant_id=pl.lit(real, pl.Int64), provider_id=pl.col("provider_id").replace(providers))
        stats = stats_frame(tenant).with_columns(tenant_id=pl.lit(real, pl.Int64))
        daily = rollup_cost_daily(usage)
        for day in (MON, TUE):
            for dataset, frame in ((LLM_USAGE, usage), (LLM_COST_DAILY, daily),
                                   (MESSAGE_STATS, stats)):
                write_partition(root, dataset, real, day, frame.filter(pl.col("date") == day))
    return root
