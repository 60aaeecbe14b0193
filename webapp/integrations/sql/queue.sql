-- name: insert_delivery
insert into deliveries (tenant_id, integration_id, channel, event_type, source, message_id,
                        payload, sealed, summary, max_attempts)
values (mf_current_tenant(), %(integration_id)s, %(channel)s, %(event_type)s, %(source)s,
        %(message_id)s, %(payload)s, %(sealed)s, %(summary)s, %(max_attempts)s)
returning id

-- name: claim_deliveries
-- Due heads of every integration (one each, the oldest unfinished), leased (migration 0060).
select * from mf_claim_deliveries(%(limit)s, %(lease)s)

-- name: get_delivery
select d.*, i.type as integration_type from deliveries d
left join integrations i on i.tenant_id = d.tenant_id and i.id = d.integration_id
where d.id = %(id)s

-- name: lock_delivery
select * from deliveries where id = %(id)s for update

-- name: insert_attempt
insert into delivery_attempts (tenant_id, delivery_id, attempt, outcome, status_code, error,
                               duration_ms)
values (mf_current_tenant(), %(delivery_id)s, %(attempt)s, %(outcome)s, %(status_code)s,
        %(error)s, %(duration_ms)s)

-- name: mark_delivered
update deliveries
set status = 'delivered', delivered_at = now(), locked_until = null, updated_at = now(),
    last_status_code = %(status_code)s, last_error = null, sealed = null
where id = %(id)s and status = 'delivering'
returning *

-- name: mark_failed
-- A failed attempt: retried at next_attempt_at, or dead after the last one.
update deliveries
set status = case when attempts >= max_attempts then 'dead' else 'failed' end,
    next_attempt_at = now() + make_interval(secs => %(delay_s)s),
    locked_until = null, updated_at = now(),
    last_status_code = %(status_code)s, last_error = %(error)s
where id = %(id)s and status = 'delivering'
returning *

-- name: replay_delivery
-- A failed or dead delivery made due now, with a fresh budget of attempts.
update deliveries
set status = 'pending', next_attempt_at = now(), locked_until = null, updated_at = now(),
    max_attempts = least(attempts + %(budget)s, 50)
where id = %(id)s and status in ('failed', 'dead')
returning *

-- name: list_deliveries
select * from deliveries
where integration_id = %(integration_id)s
  and (%(status)s::text is null or status = %(status)s::text)
  and (%(before_id)s::bigint is null or id < %(before_id)s::bigint)
order by id desc
limit %(limit)s

-- name: list_attempts
select attempt, outcome, status_code, error, duration_ms, mf_ts(created_at) as created_at
from delivery_attempts where delivery_id = %(id)s order by id

-- name: insert_delivery_failed_event
insert into events (tenant_id, type, data)
values (mf_current_tenant(), 'delivery.failed', %(data)s)
