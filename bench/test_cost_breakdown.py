"""Cost breakdown (provider x feature x model x day): PostgreSQL vs DuckDB over the Parquet export.

The same synthetic ledger is generated twice from one formula: into the real llm_usage_logs
table (indexed on tenant and time) with generate_series, and as the export writes it: per
tenant-day, the rows go through the product's own writer (`write_partition`, llm_usage) and
rollup (`rollup_cost_daily` then `write_partition`, llm_cost_daily) into
`<root>/<dataset>/tenant_id=<id>/date=<day>/part-0.parquet`, then each tenant-month's rollup is
compacted by the product's `compact_month` (as the export asset does after every tenant-day)
into `<root>/llm_cost_daily_by_month/tenant_id=<id>/month=<YYYY-MM>/part-0.parquet`, which the
readers use for whole months. Before anything is timed, every
row of both scopes' results is compared between the engines (same groups, same counts and
tokens, cost within 1e-9): same rows, same answer. Then, on the same machine in the same run,
the engines take turns (one warm-up each, then BENCH_RUNS rounds):
- one tenant's month: PostgreSQL under that tenant's RLS context (as the app role) vs
  analytics.queries.cost_breakdown (the Streamlit page's call);
- all tenants, the whole ledger: PostgreSQL as the owner vs
  analytics.queries.cost_breakdown_all_tenants (one query over every tenant's rollup files).
PostgreSQL aggregates the ledger rows (the issue's "same aggregation in PostgreSQL, indexed on
tenant and time"); the product reads the daily rollup the export writes, whose grain is the
breakdown's. For transparency the run also times DuckDB aggregating the raw llm_usage rows
through the same views and file lists ("duckdb_raw_rows") and the product's queries over the
daily rollup files alone, without the monthly files ("duckdb_daily_files", the path before the
compaction): neither is asserted.
Shape: BENCH_LEDGER_ROWS (default 10,000,000) rows over BENCH_TENANTS (10) tenants and
BENCH_DAYS (92) days, i.e. tenants x days files per dataset; more, smaller files cost DuckDB more.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest
from psycopg.rows import dict_row

from analytics.compact import compact_month
from analytics.export import rollup_cost_daily, write_partition
from analytics.queries import cost_breakdown, cost_breakdown_all_tenants
from analytics.schema import LLM_COST_DAILY, LLM_USAGE, MONTHLY
from analytics.views import all_partition_files, connect, partition_sources, tenant_views
from bench.conftest import record
from webapp.db import Database

N = int(os.environ.get("BENCH_LEDGER_ROWS", "10000000"))
TENANTS = int(os.environ.get("BENCH_TENANTS", "10"))
DAYS = int(os.environ.get("BENCH_DAYS", "92"))  # from START: Aug..Oct 2026 by default
START = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)
MONTH = (dt.date(2026, 9, 1), dt.date(2026, 9, 30))  # a whole month inside any DAYS >= 61
LEDGER = (START.date(), START.date() + dt.timedelta(days=DAYS - 1))  # every exported day
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
TARGET = 30.0
# The server's default work_mem (4MB) makes PostgreSQL sort these groups on disk; with more
# memory it hashes them, about 2-3x faster. The asserted baseline is the server as configured
# (as in the issue); the run also times PostgreSQL with this work_mem and reports that ratio.
TUNED_WORK_MEM = os.environ.get("BENCH_PG_WORK_MEM", "64MB")

KINDS = ["anthropic", "openai", "cohere"]
MODELS = ["claude-3-opus-20240229", "gpt-4-turbo", "command-r-plus"]
PRICE_IN, PRICE_OUT = [15.0, 10.0, 2.5], [75.0, 30.0, 10.0]
FEATURES = ["importance_detection", "action_extraction", "summarization", "daily_summary",
            "conversation_scoring"]

# Row i of the ledger, written once per engine (PostgreSQL `/` on integers is integer division,
# DuckDB's is `//`). Rows arrive in time order, as a ledger is appended (i * span / N seconds
# after START), with tenants interleaved: tenant t = i % T, its provider k = (i / T) % 3,
# feature (i / 3T) % 5. Providers are named 'Provider <k + 1>' in both.
PG_INSERT = """
insert into llm_usage_logs (tenant_id, provider_id, provider_kind, model, feature,
    conversation_id, message_id, message_count, prompt_version, input_tokens, output_tokens,
    cost_usd, unpriced, latency_ms, status, error_class, valid_output, created_at)
select (%(tids)s::bigint[])[1 + t], (%(pids)s::bigint[])[1 + t * 3 + k],
       (%(kinds)s::text[])[1 + k], (%(models)s::text[])[1 + k], (%(features)s::text[])[1 + f],
       1 + i %% 5000, i, 1, 'v1', inp, outp,
       case when i %% 1000 = 7 then null else round(((inp * (%(pin)s::float8[])[1 + k]
            + outp * (%(pout)s::float8[])[1 + k]) / 1e6)::numeric, 8) end,
       i %% 1000 = 7, 100 + (i * 13) %% 2000, status,
       case when status <> 'ok' then 'BenchError' end, status = 'ok',
       %(start)s::timestamptz + make_interval(secs => i * %(span)s / %(n)s)
from (select i, i %% %(t)s as t, (i / %(t)s) %% 3 as k, (i / (3 * %(t)s)) %% 5 as f,
             200 + (i * 37) %% 3000 as inp, 20 + (i * 91) %% 600 as outp,
             case when i %% 50 = 0 then 'error' when i %% 97 = 0 then 'invalid_output'
                  else 'ok' end as status
      from generate_series(0::bigint, %(n)s - 1) as i) g
"""

DUCK_ROWS = """
select i + 1 as id, $start::timestamptz + to_seconds((i * $span) // $n) as created_at,
       $pids[1 + t * 3 + k] as provider_id, 'Provider ' || (k + 1) as provider_name,
       $kinds[1 + k] as provider_kind, $models[1 + k] as model, $features[1 + f] as feature,
       1 + i % 5000 as conversation_id, i as message_id, 1::bigint as message_count,
       'v1' as prompt_version, inp as input_tokens, outp as output_tokens,
       case when i % 1000 = 7 then null
            else round((inp * $pin[1 + k] + outp * $pout[1 + k]) / 1e6, 8) end as cost_usd,
       i % 1000 = 7 as unpriced, (100 + (i * 13) % 2000)::double as latency_ms, status,
       case when status <> 'ok' then 'BenchError' end as error_class,
       status = 'ok' as valid_output, $tids[1 + t] as tenant_id,
       ($start::timestamptz + to_seconds((i * $span) // $n))::date as date
from (select range as i, range % $t as t, (range // $t) % 3 as k,
             (range // (3 * $t)) % 5 as f, 200 + (range * 37) % 3000 as inp,
             20 + (range * 91) % 600 as outp,
             case when range % 50 = 0 then 'error' when range % 97 = 0 then 'invalid_output'
                  else 'ok' end as status
      from range($n::bigint))
where t = $tenant_index
"""

PG_BREAKDOWN = """
select (created_at at time zone 'UTC')::date as day, provider_id, feature, model,
       count(*) as calls, count(*) filter (where status <> 'ok') as failures,
       sum(input_tokens) as input_tokens, sum(output_tokens) as output_tokens,
       sum(cost_usd) as cost_usd, count(*) filter (where unpriced) as unpriced_calls
from llm_usage_logs
where tenant_id = %(tenant)s and created_at >= %(lo)s and created_at < %(hi)s
group by 1, 2, 3, 4
"""

PG_BREAKDOWN_ALL = """
select tenant_id, (created_at at time zone 'UTC')::date as day, provider_id, feature, model,
       count(*) as calls, count(*) filter (where status <> 'ok') as failures,
       sum(input_tokens) as input_tokens, sum(output_tokens) as output_tokens,
       sum(cost_usd) as cost_usd, count(*) filter (where unpriced) as unpriced_calls
from llm_usage_logs
group by 1, 2, 3, 4, 5
"""

# Not the product path: DuckDB aggregating the raw ledger rows through the same views, timed only
# to show what the rollup saves (see the module docstring).
DUCK_RAW = """
select date, provider_id, feature, model,
       count(*) as calls, count(*) filter (where status <> 'ok') as failures,
       sum(input_tokens)::bigint as input_tokens, sum(output_tokens)::bigint as output_tokens,
       sum(cost_usd) as cost_usd, count(*) filter (where unpriced) as unpriced_calls
from llm_usage
group by all
"""

DUCK_RAW_ALL = """
select tenant_id, date, provider_id, feature, model,
       count(*) as calls, count(*) filter (where status <> 'ok') as failures,
       sum(input_tokens)::bigint as input_tokens, sum(output_tokens)::bigint as output_tokens,
       sum(cost_usd) as cost_usd, count(*) filter (where unpriced) as unpriced_calls
from read_parquet($files, hive_partitioning = true,
                  hive_types = {'tenant_id': BIGINT, 'date': DATE})
group by all
"""


def timed_rounds(*engines: Callable[[], Any]) -> list[list[float]]:
    """One warm-up of each, then RUNS rounds in which the engines take turns, so all meet the
    same load on a shared machine; the seconds of each run, per engine."""
    for fn in engines:
        fn()
    times: list[list[float]] = [[] for _ in engines]
    for _ in range(RUNS):
        for fn, runs in zip(engines, times, strict=True):
            started = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - started)
    return times


def compare(pg_s: list[float], duck_s: list[float]) -> dict[str, Any]:
    """Both engines' runs, medians, bests and the ratios."""
    return {
        "pg_s": [round(t, 4) for t in pg_s], "duckdb_s": [round(t, 4) for t in duck_s],
        "pg_median_s": round(statistics.median(pg_s), 4),
        "duckdb_median_s": round(statistics.median(duck_s), 4),
        "ratio_median": round(statistics.median(pg_s) / statistics.median(duck_s), 1),
        "ratio_best": round(min(pg_s) / min(duck_s), 1),
    }


def work_mem(dsn: str) -> str:
    """The server's work_mem (the PostgreSQL side runs with the server's settings)."""
    with psycopg.connect(dsn) as conn:
        row = conn.execute("show work_mem").fetchone()
    return str(row[0]) if row else "?"


def seed_pg(dsn: str) -> dict[str, Any]:
    """Tenants, providers and N ledger rows in PostgreSQL; returns the generator parameters."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("insert into tenants (name) select 'Bench ' || g "
                     "from generate_series(1, %s) g", (TENANTS,))
        tids = [r[0] for r in conn.execute("select id from tenants where name like 'Bench %' "
                                           "order by id").fetchall()]
        conn.execute("insert into llm_providers (tenant_id, name, kind, model) "
                     "select t, 'Provider ' || k, (%s::text[])[k], (%s::text[])[k] "
                     "from unnest(%s::bigint[]) t, generate_series(1, 3) k order by t, k",
                     (KINDS, MODELS, tids))
        pids = [r[0] for r in conn.execute("select id from llm_providers "
                                           "order by tenant_id, id").fetchall()]
        params = {"tids": tids, "pids": pids, "kinds": KINDS, "models": MODELS,
                  "features": FEATURES, "pin": PRICE_IN, "pout": PRICE_OUT, "start": START,
                  "span": DAYS * 86400, "t": TENANTS, "n": N}
        # The rows reference their tenant's providers by construction: skip per-row FK triggers.
        conn.execute("set session_replication_role = replica")
        conn.execute(PG_INSERT, params)
        conn.execute("set session_replication_role = origin")
        conn.execute("vacuum analyze llm_usage_logs")
    return params


def export_parquet(root: Path, params: dict[str, Any]) -> float:
    """The same rows, written as the export writes them: per tenant-day, the llm_usage partition
    and its llm_cost_daily rollup, through the product's writer and rollup code; then each
    tenant-month compacted by the product's compact_month. Returns the compaction's seconds."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    compact_s = 0.0
    for index, tenant in enumerate(params["tids"]):
        rows = con.sql(DUCK_ROWS, params={**params, "start": START.isoformat(),
                                          "tenant_index": index}).pl()
        months: set[dt.date] = set()
        for (day,), usage in rows.partition_by("date", as_dict=True).items():
            assert isinstance(day, dt.date)
            write_partition(root, LLM_USAGE, tenant, day, usage)
            write_partition(root, LLM_COST_DAILY, tenant, day, rollup_cost_daily(usage))
            months.add(day.replace(day=1))
        started = time.perf_counter()
        for month in sorted(months):
            assert compact_month(root, tenant, month) is not None
        compact_s += time.perf_counter() - started
    con.close()
    return compact_s


def daily_only(root: Path) -> Path:
    """A root showing only the daily rollup files (no monthly compaction): the path before it."""
    other = root / "daily-only"
    other.mkdir()
    (other / LLM_COST_DAILY).symlink_to(root / LLM_COST_DAILY, target_is_directory=True)
    return other


def pg_month(db: Database, tenant: int, work_mem: str | None = None) -> list[dict[str, Any]]:
    """One tenant's month in PostgreSQL, under its RLS context (as the app role)."""
    lo = dt.datetime.combine(MONTH[0], dt.time(), dt.UTC)
    hi = dt.datetime.combine(MONTH[1] + dt.timedelta(days=1), dt.time(), dt.UTC)
    with db.tenant(tenant) as conn:
        if work_mem:
            conn.execute("select set_config('work_mem', %s, true)", (work_mem,))
        return conn.execute(PG_BREAKDOWN, {"tenant": tenant, "lo": lo, "hi": hi}).fetchall()


def pg_all(dsn: str, work_mem: str | None = None) -> list[dict[str, Any]]:
    """Every tenant, the whole ledger, in PostgreSQL (as the owner: a cross-tenant job)."""
    with psycopg.connect(dsn, row_factory=dict_row) as conn:
        if work_mem:
            conn.execute("select set_config('work_mem', %s, true)", (work_mem,))
        return conn.execute(PG_BREAKDOWN_ALL).fetchall()


def duck_raw_month(con: duckdb.DuckDBPyConnection, root: Path, tenant: int) -> Any:
    """Not the product path: the month aggregated from the raw ledger rows (same views)."""
    with tenant_views(con, root, tenant, MONTH[0], MONTH[1], None, (LLM_USAGE,)) as cur:
        return cur.sql(DUCK_RAW).pl()


def duck_raw_all(con: duckdb.DuckDBPyConnection, root: Path) -> Any:
    """Not the product path: every tenant aggregated from the raw ledger rows (same file list)."""
    files = all_partition_files(root, LLM_USAGE, LEDGER[0], LEDGER[1])
    return con.sql(DUCK_RAW_ALL, params={"files": files}).pl()


MEASURES = ("calls", "failures", "input_tokens", "output_tokens", "unpriced_calls")


def check_same_rows(pg_rows: list[dict[str, Any]], duck: Any, keys: tuple[str, ...]) -> None:
    """Every group of one engine is in the other, with the same numbers."""
    assert len(pg_rows) == duck.height
    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(row["day" if name == "date" else name] for name in keys)
    pg = {key(row): row for row in pg_rows}
    assert len(pg) == len(pg_rows)
    for row in duck.iter_rows(named=True):
        other = pg[tuple(row[name] for name in keys)]
        assert tuple(row[m] for m in MEASURES) == tuple(other[m] for m in MEASURES), row
        if other["cost_usd"] is None:
            assert row["cost_usd"] is None, row
        else:
            assert row["cost_usd"] == pytest.approx(float(other["cost_usd"]), rel=1e-9), row


def duckdb_settings(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The product connection's settings that matter here."""
    rows = con.execute("select name, value from duckdb_settings() where name in "
                       "('threads', 'parquet_metadata_cache', 'enable_external_file_cache')"
                       ).fetchall()
    return dict(rows)


@pytest.mark.bench
@pytest.mark.timeout(3600)  # seeding 10M rows alone takes minutes on 2 shared cores
def test_cost_breakdown_pg_vs_duckdb(database_url: str, tmp_path: Path) -> None:
    started = time.perf_counter()
    params = seed_pg(database_url)
    seed_s = time.perf_counter() - started
    started = time.perf_counter()
    compact_s = export_parquet(tmp_path, params)
    export_s = time.perf_counter() - started
    tenant, con = params["tids"][0], connect()
    daily_root = daily_only(tmp_path)
    # The product path reads the month from one monthly file, the daily path from its days.
    monthly = [str(p) for p in (tmp_path / MONTHLY[LLM_COST_DAILY]).glob(
        f"tenant_id={tenant}/month={MONTH[0]:%Y-%m}/part-0.parquet")]
    assert partition_sources(tmp_path, LLM_COST_DAILY, tenant, *MONTH) == ([], monthly)
    assert len(partition_sources(daily_root, LLM_COST_DAILY, tenant, *MONTH)[0]) == 30
    db = Database(database_url, min_size=1, max_size=2)
    db.open()
    try:
        month_duck = cost_breakdown(con, tmp_path, tenant, MONTH[0], MONTH[1])
        check_same_rows(pg_month(db, tenant), month_duck,
                        ("date", "provider_id", "feature", "model"))
        assert cost_breakdown(con, daily_root, tenant, *MONTH).equals(month_duck)
        all_duck = cost_breakdown_all_tenants(con, tmp_path, LEDGER[0], LEDGER[1])
        check_same_rows(pg_all(database_url), all_duck,
                        ("tenant_id", "date", "provider_id", "feature", "model"))
        assert cost_breakdown_all_tenants(con, daily_root, *LEDGER).equals(all_duck)
        assert all_duck["calls"].sum() == N
        assert duck_raw_month(con, tmp_path, tenant).height == month_duck.height
        load_before = os.getloadavg()
        assert len(pg_month(db, tenant, TUNED_WORK_MEM)) == month_duck.height
        pg_month_s, duck_month_s, raw_month_s, tuned_month_s, daily_month_s = timed_rounds(
            lambda: pg_month(db, tenant),
            lambda: cost_breakdown(con, tmp_path, tenant, MONTH[0], MONTH[1]),
            lambda: duck_raw_month(con, tmp_path, tenant),
            lambda: pg_month(db, tenant, TUNED_WORK_MEM),
            lambda: cost_breakdown(con, daily_root, tenant, MONTH[0], MONTH[1]))
        pg_all_s, duck_all_s, raw_all_s, tuned_all_s, daily_all_s = timed_rounds(
            lambda: pg_all(database_url),
            lambda: cost_breakdown_all_tenants(con, tmp_path, LEDGER[0], LEDGER[1]),
            lambda: duck_raw_all(con, tmp_path),
            lambda: pg_all(database_url, TUNED_WORK_MEM),
            lambda: cost_breakdown_all_tenants(con, daily_root, LEDGER[0], LEDGER[1]))
        load_after = os.getloadavg()
    finally:
        db.close()
    month, everyone = compare(pg_month_s, duck_month_s), compare(pg_all_s, duck_all_s)
    record("cost_breakdown", {
        "rows": N, "tenants": TENANTS, "days": DAYS, "month_rows": int(month_duck["calls"].sum()),
        "parquet_files": {name: len(list((tmp_path / name).glob("*/*/*.parquet")))
                          for name in (LLM_USAGE, LLM_COST_DAILY, MONTHLY[LLM_COST_DAILY])},
        "seed_pg_s": round(seed_s, 1), "export_parquet_s": round(export_s, 1),
        "compact_months_s": round(compact_s, 2),
        "one_tenant_month": month, "all_tenants_all_rows": everyone,
        "duckdb_raw_rows": {"one_tenant_month": compare(pg_month_s, raw_month_s),
                            "all_tenants_all_rows": compare(pg_all_s, raw_all_s)},
        "duckdb_daily_files": {"one_tenant_month": compare(pg_month_s, daily_month_s),
                               "all_tenants_all_rows": compare(pg_all_s, daily_all_s)},
        f"pg_work_mem_{TUNED_WORK_MEM}": {
            "one_tenant_month": compare(tuned_month_s, duck_month_s),
            "all_tenants_all_rows": compare(tuned_all_s, duck_all_s)},
        "runs": RUNS, "cores": os.cpu_count(),
        "load_avg_before": [round(x, 1) for x in load_before],
        "load_avg_after": [round(x, 1) for x in load_after],
        "pg_work_mem": work_mem(database_url), "duckdb": duckdb_settings(con),
    })
    # Best of RUNS: on a shared machine the fastest run is the one least disturbed by others.
    assert month["ratio_best"] >= TARGET and everyone["ratio_best"] >= TARGET
