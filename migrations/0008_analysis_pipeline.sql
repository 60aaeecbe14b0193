-- The Dagster pipelines' cross-tenant doors: automatic analysis of new inbound messages (a
-- per-tenant switch and one global watermark), the cheap "is there queued work?" check of the
-- analysis sensor, and the list of tenants the provider-health schedule visits.

-- Per tenant: may new inbound messages be sent to analysis automatically? No row = yes (the
-- default provider is the free built-in local analyser; a tenant routing importance detection
-- to a paid provider can switch this off and analyse on demand through batch-analyze).
create table analysis_settings (
    tenant_id bigint primary key references tenants (id) on delete cascade,
    auto_analyze boolean not null default true,
    updated_by bigint references users (id) on delete set null,
    updated_at timestamptz not null default now()
);
alter table analysis_settings enable row level security;
alter table analysis_settings force row level security;
create policy analysis_settings_tenant on analysis_settings
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

-- One row: every message with id <= settled_to has been considered for automatic analysis.
-- Not a tenant table and not readable by the app role: only mf_enqueue_new_messages moves it.
-- It starts at the newest message of an existing installation, so upgrading does not send the
-- whole history to a provider (batch-analyze does that on request).
create table analysis_watermark (
    id boolean primary key default true check (id),
    settled_to bigint not null default 0,
    updated_at timestamptz not null default now()
);
insert into analysis_watermark (settled_to) select coalesce(max(id), 0) from messages;
revoke all on analysis_watermark from messageflow_app;

-- "Does this message already have a queue item?" (any job, any status).
create index analysis_job_items_message_idx on analysis_job_items (tenant_id, message_id);

-- Queue the not yet analysed inbound text messages after the watermark into each tenant's open
-- automatic job (created when none is open). Calls are serialised by the watermark row lock, and
-- a message that already has an analysis or a queue item (of any job, in any state) is never
-- queued again, so a message is analysed once. Messages newer than p_settle_seconds stay in the
-- scanned range for the next calls: a message whose inserting transaction commits late (its id
-- is lower than rows already visible) is still picked up. Returns one row per tenant served.
create function mf_enqueue_new_messages(p_limit integer, p_settle_seconds integer)
    returns table (tenant_id bigint, job_id bigint, queued integer)
    language plpgsql volatile security definer set search_path = public, pg_temp
    as $$
#variable_conflict use_column
declare
    v_from bigint;
    v_to bigint;
    v_last bigint;
    v_count integer := 0;
    v_job bigint;
    v_n integer;
    r record;
begin
    -- (the OUT columns tenant_id / job_id share names with table columns: columns win)
    select w.settled_to into v_from from analysis_watermark w for update;
    for r in
        select c.tenant_id as tid, array_agg(c.id order by c.id) as ids
        from (select m.tenant_id, m.id from messages m
              where m.id > v_from and not m.from_me and m.revoked_at is null
                and coalesce(m.text, '') <> ''
                and coalesce((select s.auto_analyze from analysis_settings s
                              where s.tenant_id = m.tenant_id), true)
                and not exists (select 1 from message_analyses a
                                where a.tenant_id = m.tenant_id and a.message_id = m.id)
                and not exists (select 1 from analysis_job_items i
                                where i.tenant_id = m.tenant_id and i.message_id = m.id)
              order by m.id
              limit p_limit) c
        group by c.tenant_id
        order by c.tenant_id
    loop
        v_job := null;
        select j.id into v_job from analysis_jobs j
        where j.tenant_id = r.tid and j.scope ->> 'source' = 'auto'
          and j.status in ('queued', 'running')
        order by j.id desc limit 1
        for update;
        if v_job is null then
            insert into analysis_jobs (tenant_id, status, scope, total)
            values (r.tid, 'queued', '{"source": "auto"}'::jsonb, 0)
            returning id into v_job;
        end if;
        insert into analysis_job_items (tenant_id, job_id, message_id)
        select r.tid, v_job, u.id from unnest(r.ids) as u(id)
        on conflict do nothing;
        get diagnostics v_n = row_count;
        update analysis_jobs set total = total + v_n where id = v_job;
        v_count := v_count + cardinality(r.ids);
        v_last := greatest(v_last, r.ids[cardinality(r.ids)]);
        tenant_id := r.tid; job_id := v_job; queued := v_n;
        return next;
    end loop;
    select max(m.id) into v_to from messages m
    where m.id > v_from and m.created_at < now() - make_interval(secs => p_settle_seconds);
    if v_to is not null and v_count >= p_limit then  -- a full page: keep the rest in range
        v_to := least(v_to, v_last);
    end if;
    if v_to is not null and v_to > v_from then
        update analysis_watermark set settled_to = v_to, updated_at = now();
    end if;
end $$;

-- The analysis sensor's check: queue items that a drain would claim now (queued, or running
-- with an expired lease), counted up to p_cap so the check stays cheap on a long queue.
create function mf_analysis_due(p_cap integer)
    returns bigint
    language sql stable security definer set search_path = public, pg_temp
    as $$
    select count(*) from (select 1 from analysis_job_items
                          where status = 'queued' or (status = 'running' and locked_until < now())
                          limit p_cap) d
    $$;

-- The tenants that have active providers (the provider-health schedule visits only these).
create function mf_tenants_with_active_providers()
    returns table (tenant_id bigint)
    language sql stable security definer set search_path = public, pg_temp
    as $$ select distinct p.tenant_id from llm_providers p
          where p.active and p.deleted_at is null order by 1 $$;

grant execute on function mf_enqueue_new_messages(integer, integer), mf_analysis_due(integer),
    mf_tenants_with_active_providers() to messageflow_app;
