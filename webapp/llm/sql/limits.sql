-- name: lock_gate
-- Serialise reservations of one provider: its breaker row, locked, and the UTC day and month.
select h.circuit, h.cooldown_until, h.probe_until, now() as now,
       (now() at time zone 'utc')::date as day,
       date_trunc('month', now() at time zone 'utc')::date as month
from llm_health h
where h.provider_id = %(provider_id)s and h.tenant_id = mf_current_tenant()
for update

-- name: expire_reservations
-- Give back what crashed callers held (their reservation outlived the call's timeout).
with expired as (
    update llm_reservations set status = 'expired', settled_at = now()
    where tenant_id = mf_current_tenant() and provider_id = %(provider_id)s
      and status = 'held' and expires_at < now()
    returning day, month, estimated_usd
), per_period as (
    select 'day' as period, day as start, count(*) as n, 0::numeric as usd
    from expired group by day
    union all
    select 'month', month, count(*), sum(estimated_usd) from expired group by month
)
update llm_rate_counters c
set held_requests = c.held_requests - p.n, held_usd = c.held_usd - p.usd
from per_period p
where c.tenant_id = mf_current_tenant() and c.provider_id = %(provider_id)s
  and c.period = p.period and c.period_start = p.start

-- name: usage_now
-- Requests in the last minute (settled + in flight), today and this month, and spend.
select
    (select count(*) from llm_usage_logs
     where tenant_id = mf_current_tenant() and provider_id = %(provider_id)s
       and created_at > now() - interval '1 minute')
  + (select count(*) from llm_reservations
     where tenant_id = mf_current_tenant() and provider_id = %(provider_id)s
       and status = 'held') as minute_requests,
    coalesce((select requests + held_requests from llm_rate_counters
              where tenant_id = mf_current_tenant() and provider_id = %(provider_id)s
                and period = 'day' and period_start = %(day)s), 0) as day_requests,
    coalesce((select spent_usd + held_usd from llm_rate_counters
              where tenant_id = mf_current_tenant() and provider_id = %(provider_id)s
                and period = 'month' and period_start = %(month)s), 0) as month_usd

-- name: hold_counters
-- Count a reservation into today's and this month's counters.
insert into llm_rate_counters as c (tenant_id, provider_id, period, period_start,
                                    held_requests, held_usd)
values (mf_current_tenant(), %(provider_id)s, 'day', %(day)s, 1, 0),
       (mf_current_tenant(), %(provider_id)s, 'month', %(month)s, 1, %(usd)s)
on conflict (tenant_id, provider_id, period, period_start) do update
set held_requests = c.held_requests + 1, held_usd = c.held_usd + excluded.held_usd

-- name: insert_reservation
-- A held reservation, released when settled or when it expires.
insert into llm_reservations (tenant_id, provider_id, day, month, estimated_usd, expires_at)
values (mf_current_tenant(), %(provider_id)s, %(day)s, %(month)s, %(usd)s,
        now() + make_interval(secs => %(ttl)s))
returning id

-- name: settle_reservation
-- Close a held reservation with the real cost (no row: it expired and was given back).
update llm_reservations set status = 'settled', actual_usd = %(cost)s, settled_at = now()
where id = %(id)s and tenant_id = mf_current_tenant() and status = 'held'
returning day, month, estimated_usd

-- name: settle_counters
-- Count a finished call into its day and month; release what its reservation held.
insert into llm_rate_counters as c (tenant_id, provider_id, period, period_start, requests,
                                    held_requests, spent_usd, held_usd)
select mf_current_tenant(), %(provider_id)s, v.period, v.start, 1, -%(held_requests)s,
       %(cost)s, v.held_usd
from (values ('day', %(day)s::date, 0::numeric),
             ('month', %(month)s::date, -%(held_usd)s::numeric)) as v (period, start, held_usd)
on conflict (tenant_id, provider_id, period, period_start) do update
set requests = c.requests + 1, held_requests = c.held_requests + excluded.held_requests,
    spent_usd = c.spent_usd + excluded.spent_usd, held_usd = c.held_usd + excluded.held_usd

-- name: current_periods
-- The UTC day and month now.
select (now() at time zone 'utc')::date as day,
       date_trunc('month', now() at time zone 'utc')::date as month
