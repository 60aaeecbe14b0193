-- The day digest as the API serves it (webapp/desk_home/daily.py); the tenant's transaction.

-- name: select_tenant_today
-- The team's time zone and its local date today.
select t.timezone, (now() at time zone t.timezone)::date as today
from tenants t where t.id = mf_current_tenant()

-- name: select_day_summary
-- The stored digest of a day, serialized (the daily_summary.created frame's shape).
select mf_daily_summary_json(d) as item from daily_summaries d where d.day = %(day)s

-- name: fail_stale_jobs
-- A generation whose process stopped (no answer within the lease) is a failure, so a new one
-- can start.
update daily_summary_jobs
set status = 'failed', finished_at = now(),
    error = 'The generation was interrupted (the process running it stopped).'
where day = %(day)s and status = 'running' and created_at < now() - %(lease)s::interval

-- name: select_latest_job
-- The latest generation of a day.
select id, status, error, summary_id
from daily_summary_jobs where day = %(day)s order by id desc limit 1

-- name: insert_job
-- A new generation of a day; no row when one is already running (its id is then re-read).
insert into daily_summary_jobs (tenant_id, day, created_by)
values (mf_current_tenant(), %(day)s, %(user_id)s)
on conflict (tenant_id, day) where status = 'running' do nothing
returning id

-- name: insert_failed_job
-- The scheduled generation of a day failed: the day shows the failure and its reason until a
-- person asks again (nothing when a digest of the day exists).
insert into daily_summary_jobs (tenant_id, day, status, error, finished_at)
select mf_current_tenant(), %(day)s, 'failed', %(error)s, now()
where not exists (select 1 from daily_summaries d where d.day = %(day)s)

-- name: finish_job
-- The generation ended: done (with the digest, or none when the day had no messages) or
-- failed with its reason.
update daily_summary_jobs
set status = %(status)s, error = %(error)s, summary_id = %(summary_id)s, finished_at = now()
where id = %(id)s

-- name: list_days
-- Days with a digest, or with a generation and no digest (its latest state), newest first.
with digests as (
    select d.day, 'ready'::text as status, d.id as summary_id, null::bigint as job_id,
           null::text as error, d.messages, d.important, d.provider_kind, d.model, d.created_at
    from daily_summaries d
), jobs as (
    select distinct on (j.day) j.day,
           case j.status when 'running' then 'pending' else j.status end as status,
           null::bigint as summary_id, j.id as job_id, j.error, null::int as messages,
           null::int as important, null::text as provider_kind, null::text as model,
           j.created_at
    from daily_summary_jobs j
    where not exists (select 1 from daily_summaries d where d.day = j.day)
      and j.status <> 'done'
    order by j.day, j.id desc
)
select day::text as day, status, summary_id, job_id, error, messages, important, provider_kind,
       model, mf_ts(created_at) as created_at
from (select * from digests union all select * from jobs) x
where %(before)s::date is null or x.day < %(before)s
order by x.day desc
limit %(limit)s
