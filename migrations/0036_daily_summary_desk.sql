-- The day digest as the Home screen reads it (issue 12, webapp/desk_home):
-- 1. daily_summary_jobs: a digest generated on demand (GET /daily-summary for a day without one)
--    is a job; while it runs the API answers 202 with its id; a failure keeps its reason (the
--    API shows an error state, never made-up text). One running job per tenant-day (the partial
--    unique key), so two processes asking at once start one generation.
-- 2. The one serializer of a digest (REST and the daily_summary.created frame share it): the
--    stored digest, labelled with its provider and model, plus the day's top important messages,
--    new / done / overdue action items and the per-conversation summaries with their key points.
--    PL/pgSQL so the action item columns are read when called (the desk API changes that table).

create table daily_summary_jobs (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    day date not null,
    status text not null default 'running' check (status in ('running', 'done', 'failed')),
    error text,
    summary_id bigint references daily_summaries (id) on delete set null,
    created_by bigint references users (id) on delete set null,
    created_at timestamptz not null default now(),
    finished_at timestamptz,
    check ((status = 'failed') = (error is not null))
);
create unique index daily_summary_jobs_running_key on daily_summary_jobs (tenant_id, day)
    where status = 'running';
create index daily_summary_jobs_day_idx on daily_summary_jobs (tenant_id, day, id desc);
alter table daily_summary_jobs enable row level security;
alter table daily_summary_jobs force row level security;
create policy daily_summary_jobs_tenant on daily_summary_jobs
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());
grant select, insert, update on daily_summary_jobs to messageflow_app;

create function mf_priority_rank(priority text) returns integer
    language sql immutable
    as $$ select array_position(array['urgent', 'high', 'medium', 'low'], priority) $$;
grant execute on function mf_priority_rank(text) to messageflow_app;

create function mf_daily_summary_json(d daily_summaries) returns jsonb
    language plpgsql stable
    as $$
declare
    items jsonb;
    closed constant text[] := array['done', 'rejected', 'dismissed'];
begin
    with day_items as (
        select a.id, a.status, a.due_date, a.created_at, a.updated_at,
               jsonb_build_object('id', a.id, 'status', a.status,
                                  'title', coalesce(to_jsonb(a) ->> 'title', a.description),
                                  'due_date', a.due_date, 'assignee_id', a.assignee_id,
                                  'conversation_id', a.conversation_id) as item
        from action_items a
        where (a.created_at >= d.window_start and a.created_at < d.window_end)
           or (a.status = 'done' and a.updated_at >= d.window_start
               and a.updated_at < d.window_end)
           or (a.due_date <= d.day and a.status <> 'proposed' and a.status <> all (closed))
    )
    select jsonb_build_object(
        'new', count(*) filter (where created_at >= d.window_start
                                  and created_at < d.window_end),
        'done', count(*) filter (where status = 'done' and updated_at >= d.window_start
                                   and updated_at < d.window_end),
        'overdue', count(*) filter (where due_date <= d.day and status <> 'proposed'
                                      and status <> all (closed)),
        'new_items', coalesce(jsonb_agg(item order by id desc) filter (
            where created_at >= d.window_start and created_at < d.window_end), '[]'),
        'done_items', coalesce(jsonb_agg(item order by id desc) filter (
            where status = 'done' and updated_at >= d.window_start
              and updated_at < d.window_end), '[]'),
        'overdue_items', coalesce(jsonb_agg(item order by due_date, id) filter (
            where due_date <= d.day and status <> 'proposed' and status <> all (closed)), '[]'))
    into items
    from day_items;
    -- Only the first few of each list travel (the counts are complete).
    items := items || jsonb_build_object(
        'new_items', coalesce(jsonb_path_query_array(items -> 'new_items', '$[0 to 4]'), '[]'),
        'done_items', coalesce(jsonb_path_query_array(items -> 'done_items', '$[0 to 4]'), '[]'),
        'overdue_items', coalesce(jsonb_path_query_array(items -> 'overdue_items', '$[0 to 4]'),
                                  '[]'));
    return jsonb_build_object(
        'status', 'ready', 'id', d.id, 'day', d.day, 'timezone', d.timezone,
        'window_start', mf_ts(d.window_start), 'window_end', mf_ts(d.window_end),
        'summary', d.summary, 'highlights', d.highlights, 'open_issues', d.open_issues,
        'suggested_actions', d.action_items,
        'counts', jsonb_build_object('messages', d.messages, 'inbound', d.inbound,
                                     'outbound', d.outbound, 'conversations', d.conversations,
                                     'important', d.important,
                                     'conversation_summaries', d.conversation_summaries),
        'generated_by', jsonb_build_object(
            'provider_id', d.provider_id,
            'provider_name', coalesce((select p.name from llm_providers p
                                       where p.id = d.provider_id),
                                      case when d.provider_kind = 'local'
                                           then 'Built-in local analyser' end),
            'kind', d.provider_kind, 'model', d.model, 'prompt_version', d.prompt_version,
            'heuristic', d.heuristic),
        'created_at', mf_ts(d.created_at),
        'top_important', coalesce((
            select jsonb_agg(mf_important_message_json(t) order by mf_priority_rank(t.priority),
                             t.id desc)
            from (select i.* from important_messages i
                  join messages m on m.id = i.message_id
                  where m.sent_at >= d.window_start and m.sent_at < d.window_end
                    and m.tenant_id = d.tenant_id
                  order by mf_priority_rank(i.priority), i.id desc
                  limit 5) t), '[]'),
        'action_items', items,
        'conversations', coalesce((
            select jsonb_agg(jsonb_build_object(
                       'conversation_id', s.conversation_id, 'title', c.title,
                       'summary', s.summary, 'key_points', s.key_points,
                       'sentiment', s.sentiment, 'topics', to_jsonb(s.topics),
                       'message_count', s.message_count)
                   order by s.message_count desc, s.conversation_id)
            from conversation_summaries s
            join conversations c on c.id = s.conversation_id
            where s.day = d.day and s.tenant_id = d.tenant_id), '[]'));
end
$$;
grant execute on function mf_daily_summary_json(daily_summaries) to messageflow_app;

create function mf_daily_summary_frame(e events) returns jsonb
    language sql stable
    as $$
    select mf_daily_summary_json(d) from daily_summaries d where d.id = (e.data ->> 'id')::bigint
    $$;
grant execute on function mf_daily_summary_frame(events) to messageflow_app;

insert into event_serializers (type_prefix, serializer)
values ('daily_summary.', 'mf_daily_summary_frame(events)'::regprocedure);
