-- provider.health events: a tenant's clients hear when one of its LLM providers changes health.
--
-- A provider's health lives in its llm_health row, written by more than one path: the breaker
-- after every real call (webapp/llm/breaker.py, inside the ledger's settle transaction), the
-- 5-minute health job's passive update (pipelines/health.py) and its probes (through the
-- breaker again). A trigger on the row catches every writer, and fires only when the stored
-- `status` (unknown | healthy | degraded | unhealthy) or the `circuit` (closed | open) is
-- distinct from before: one event per actual change, none for a call or a health run that
-- changes nothing (counters, timestamps, cooldowns and probe claims alone never emit).
-- A new row counts as a change only when it differs from what a provider without a row
-- reports (unknown, closed), so creating a provider emits nothing.
--
-- The insert runs as the writer (SECURITY INVOKER): writers of llm_health are always in their
-- tenant's context, so the event is the tenant's under row-level security, and it goes through
-- the commit-order triggers of 0013/0014 like any other insert into events. Those writers'
-- transactions are short and never wait on the network (a call's outcome is settled after the
-- call), as event-writing transactions must be.

create function mf_llm_health_event() returns trigger
    language plpgsql
    as $$
begin
    insert into events (tenant_id, type, data)
    values (new.tenant_id, 'provider.health', jsonb_build_object('id', new.provider_id));
    return null;
end $$;

create trigger llm_health_event_insert after insert on llm_health
    for each row when (new.status <> 'unknown' or new.circuit <> 'closed')
    execute function mf_llm_health_event();
create trigger llm_health_event_update after update of status, circuit on llm_health
    for each row when (old.status is distinct from new.status
                       or old.circuit is distinct from new.circuit)
    execute function mf_llm_health_event();

-- One provider's health, with the keys and values of a row of GET /api/v1/llm/health
-- (webapp/llm/health.py provider_health): the same window of recent attempts (20 =
-- webapp.llm.breaker.WINDOW), the same rounding, the status `inactive` when the provider is
-- switched off, `cooling_down` while the breaker refuses calls (a cooldown running or the
-- circuit open), otherwise the stored rolling status (which the breaker and the health job
-- compute from that window with breaker.rolling_status). Two statuses of the API depend on the
-- application process and cannot be known here: `secret_unreadable` (the process's MASTER_KEY
-- cannot read the key) and `misconfigured` (a budget on a model the price tables do not know);
-- the frame reports the health status and `problem` null, and GET /llm/health stays the
-- authority for configuration problems.
create function mf_llm_health_json(p llm_providers) returns jsonb
    language sql stable
    as $$
    select jsonb_build_object(
        'provider_id', p.id, 'name', p.name, 'kind', p.kind, 'model', p.model,
        'active', p.active,
        'status', case when not p.active then 'inactive'
                       when h.cooldown_until > now() or h.circuit = 'open' then 'cooling_down'
                       else coalesce(h.status, 'unknown') end,
        'problem', null,
        'circuit', coalesce(h.circuit, 'closed'),
        'window_attempts', w.attempts,
        'error_rate', case when w.attempts > 0
                           then round(w.failures::numeric / w.attempts, 4) end,
        'p50_latency_ms', round(w.p50_ms::numeric, 1),
        'p95_latency_ms', round(w.p95_ms::numeric, 1),
        'consecutive_failures', coalesce(h.consecutive_failures, 0),
        'cooldown_until', mf_ts(h.cooldown_until), 'last_check_at', mf_ts(h.last_check_at),
        'last_success_at', mf_ts(h.last_success_at),
        'last_failure_at', mf_ts(h.last_failure_at),
        'last_error_class', h.last_error_class)
    from (select 1) one
    left join llm_health h on h.tenant_id = p.tenant_id and h.provider_id = p.id
    cross join lateral (
        select count(*) as attempts, count(*) filter (where l.status <> 'ok') as failures,
               percentile_cont(0.5) within group (order by l.latency_ms) as p50_ms,
               percentile_cont(0.95) within group (order by l.latency_ms) as p95_ms
        from (select status, latency_ms from llm_usage_logs
              where tenant_id = p.tenant_id and provider_id = p.id
              order by created_at desc limit 20) l) w
    $$;
grant execute on function mf_llm_health_json(llm_providers) to messageflow_app;

-- The frame dispatch of 0003, plus provider.health (a deleted provider has no health in the
-- API either: its frame falls back to the event's {"id": ...}).
create or replace function mf_event_frame(e events) returns jsonb
    language sql stable
    as $$
    select coalesce(
        case
            when e.type like 'message.%' then
                (select mf_message_json(m) from messages m where m.id = (e.data ->> 'id')::bigint)
            when e.type like 'conversation.%' then
                (select mf_conversation_json(c) from conversations c
                 where c.id = (e.data ->> 'id')::bigint)
            when e.type = 'whatsapp.device' then
                (select mf_device_json(d) || coalesce(e.data - 'id', '{}'::jsonb)
                 from devices d where d.id = (e.data ->> 'id')::bigint)
            when e.type = 'provider.health' then
                (select mf_llm_health_json(p) from llm_providers p
                 where p.id = (e.data ->> 'id')::bigint and p.deleted_at is null)
        end,
        e.data)
    $$;
