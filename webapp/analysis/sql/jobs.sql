-- name: select_visible_messages
-- Which of the given ids are messages of the tenant.
select id from messages where id = any(%(ids)s)

-- name: select_conversation_message_ids
-- A conversation's analysable messages, oldest first.
select id from messages
where conversation_id = %(conversation_id)s and revoked_at is null
order by sent_at, id limit %(limit)s

-- name: select_message_ids_since
-- The tenant's analysable messages since a time, oldest first.
select id from messages
where sent_at >= %(since)s and revoked_at is null
order by sent_at, id limit %(limit)s

-- name: exclude_analyzed
-- Drop the ids that already have an analysis.
select u.id from unnest(%(ids)s::bigint[]) with ordinality as u(id, n)
where not exists (select 1 from message_analyses a where a.message_id = u.id)
order by u.n

-- name: insert_job
-- A new analysis job.
insert into analysis_jobs (tenant_id, status, scope, total, created_by, finished_at)
values (mf_current_tenant(), %(status)s, %(scope)s, %(total)s, %(created_by)s,
        case when %(status)s = 'done' then now() end)
returning id, status, total, created_at

-- name: insert_job_items
-- One queue item per message of a job.
insert into analysis_job_items (tenant_id, job_id, message_id)
select mf_current_tenant(), %(job_id)s, u.id from unnest(%(ids)s::bigint[]) as u(id)
on conflict do nothing

-- name: claim_items
-- Claim due items of every tenant (queued, or running with an expired lease).
select * from mf_claim_analysis_items(%(limit)s, %(lease)s)

-- name: start_jobs
-- Jobs whose items are being worked on are running.
update analysis_jobs set status = 'running', started_at = coalesce(started_at, now())
where id = any(%(ids)s) and status = 'queued'

-- name: finish_items
-- Items done or failed, with their error.
update analysis_job_items set status = %(status)s, last_error = %(error)s,
                              locked_until = null, updated_at = now()
where id = any(%(ids)s)

-- name: retry_items
-- Items that failed this time: back to the queue, or dead after too many attempts.
update analysis_job_items
set status = case when attempts >= %(max_attempts)s then 'dead' else 'queued' end,
    last_error = %(error)s, locked_until = null, updated_at = now()
where id = any(%(ids)s)
returning id, status

-- name: lock_jobs
-- Serialise the "is this job finished?" check of concurrent workers (the next statement's
-- snapshot then sees every other worker's committed items).
select id from analysis_jobs where id = any(%(ids)s) order by id for update

-- name: finish_jobs
-- Jobs with nothing left queued or running are done.
update analysis_jobs j set status = 'done', finished_at = now()
where j.id = any(%(ids)s) and j.status in ('queued', 'running')
  and not exists (select 1 from analysis_job_items i
                  where i.job_id = j.id and i.status in ('queued', 'running'))

-- name: select_job
-- A job with its progress counts.
select j.*,
       count(i.id) filter (where i.status = 'queued') as queued,
       count(i.id) filter (where i.status = 'running') as running,
       count(i.id) filter (where i.status = 'done') as done,
       count(i.id) filter (where i.status in ('failed', 'dead')) as failed
from analysis_jobs j left join analysis_job_items i on i.job_id = j.id
where j.id = %(id)s
group by j.id

-- name: select_failed_items
-- A job's failed items with their errors.
select message_id, status, attempts, last_error as error, updated_at
from analysis_job_items
where job_id = %(id)s and status in ('failed', 'dead')
order by id limit 500

-- name: select_analysis_settings
-- The tenant's automatic-analysis switch (no row: on).
select auto_analyze, updated_by, updated_at from analysis_settings

-- name: upsert_analysis_settings
-- Switch automatic analysis on or off.
insert into analysis_settings (tenant_id, auto_analyze, updated_by)
values (mf_current_tenant(), %(auto)s, %(user)s)
on conflict (tenant_id) do update
    set auto_analyze = excluded.auto_analyze, updated_by = excluded.updated_by,
        updated_at = now()
returning auto_analyze, updated_by, updated_at

-- name: enqueue_new_messages
-- Queue new inbound messages of the tenants that analyse automatically (see migration 0008).
select * from mf_enqueue_new_messages(%(limit)s, %(settle_s)s)

-- name: count_due_items
-- How many queue items a drain would claim now (capped).
select mf_analysis_due(%(cap)s) as due

-- name: select_drain_usage
-- The ledger rows of a drain's calls (one tenant): calls, failures, tokens and cost.
select count(*) as calls,
       count(*) filter (where status <> 'ok') as failed_calls,
       count(*) filter (where unpriced) as unpriced_calls,
       coalesce(sum(input_tokens), 0) as input_tokens,
       coalesce(sum(output_tokens), 0) as output_tokens,
       coalesce(sum(cost_usd), 0) as cost_usd
from llm_usage_logs
where id = any(%(ids)s)
