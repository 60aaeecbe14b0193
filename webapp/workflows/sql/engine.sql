-- name: tenants
-- Tenants with enabled workflows (the engine runs without a tenant).
select tenant_id from mf_workflow_tenants()

-- name: cursor
-- The tenant's watermark: the last event the engines looked at.
select last_event_id from workflow_cursors

-- name: advance_cursor
-- Move the watermark forward (never back).
insert into workflow_cursors (tenant_id, last_event_id)
values (mf_current_tenant(), %(last)s)
on conflict (tenant_id) do update
set last_event_id = greatest(workflow_cursors.last_event_id, excluded.last_event_id)

-- name: enabled_workflows
-- The tenant's enabled workflows.
select id, name, trigger, conditions, actions, created_by, since_event_id, since_at
from workflows where enabled order by id

-- name: workflow_for_recovery
-- A workflow whose run is taken over (enabled or not: the run started while it was on).
select id, name, trigger, conditions, actions, created_by, since_event_id, since_at
from workflows where id = %(id)s

-- name: new_events
-- Message and action item events after the watermark, oldest first.
select id, type, data, created_at from events
where id > %(after)s and for_user_id is null
  and type in ('message.created', 'message.analyzed', 'action_item.created',
               'action_item.updated')
order by id
limit %(limit)s

-- name: message_context
-- What conditions and actions read about one message.
select m.id, m.conversation_id, m.device_id, m.from_me, m.sent_by, m.sender_jid, m.history,
       coalesce(m.text, m.media ->> 'caption', '') as text, m.sender_name,
       c.is_group, c.chat_jid, c.title as conversation_title, c.priority as conversation_priority,
       c.status as conversation_status,
       coalesce(ct.display_name, ct.push_name, m.sender_name) as contact_name,
       coalesce(ct.attributes, '{}'::jsonb) as contact_attributes,
       a.priority as analysis_priority, a.sentiment, a.language, a.is_important,
       m.sent_at, t.timezone, t.business_hours,
       array(select cl.label_id from conversation_labels cl
             where cl.conversation_id = c.id) as label_ids
from messages m
join conversations c on c.id = m.conversation_id
left join contacts ct on ct.id = coalesce(m.sender_contact_id, c.contact_id)
left join message_analyses a on a.message_id = m.id
join tenants t on t.id = m.tenant_id
where m.id = %(id)s

-- name: last_action_items
-- The last N action items (a dry run of an action item trigger).
select id, status from action_items order by id desc limit %(limit)s

-- name: last_inbound_messages
-- The last N inbound messages (for a dry run).
select id from messages where not from_me order by id desc limit %(limit)s

-- name: claim
-- Claim (workflow, event): only the engine whose insert lands runs the actions.
insert into workflow_executions (tenant_id, workflow_id, event_key, event_id, trigger,
                                 message_id, source)
values (mf_current_tenant(), %(workflow_id)s, %(event_key)s, %(event_id)s, %(trigger)s,
        %(message_id)s, %(source)s)
on conflict (workflow_id, event_key) do nothing
returning id, results

-- name: heartbeat
-- An action finished: its result is recorded and the claim is fresh again.
update workflow_executions set results = %(results)s, claimed_at = now()
where id = %(id)s and status = 'running'

-- name: stale_executions
-- Runs left `running` by an engine that stopped heartbeating (a dead process); measured on
-- the database's clock, the one that wrote claimed_at.
select id from workflow_executions
where status = 'running' and claimed_at < now() - %(stale)s
order by id
limit 50

-- name: take_over
-- Claim a stale run; the age is checked again, so one engine only takes it.
update workflow_executions
set claimed_at = now(), attempts = attempts + 1
where id = %(id)s and status = 'running' and claimed_at < now() - %(stale)s
returning id, workflow_id, event_key, event_id, trigger, message_id, results, attempts,
          source, created_at

-- name: finish
-- Record an execution's outcome.
update workflow_executions
set status = 'done', matched = %(matched)s, skipped = %(skipped)s, results = %(results)s,
    duration_ms = %(duration_ms)s, error = %(error)s
where id = %(id)s
returning id, workflow_id, event_key, event_id, trigger, message_id, status, matched, skipped,
          results, duration_ms, error, dry_run, created_at

-- name: executed_event
-- Realtime: a workflow ran (the frame is the execution as the API shows it).
insert into events (tenant_id, type, data)
values (mf_current_tenant(), 'workflow.executed', %(data)s)

-- name: read_only
-- A dry run's transaction cannot write.
set transaction read only

-- name: event_row
-- One event (a taken-over run rebuilds its context from it).
select id, type, data, created_at from events where id = %(id)s

-- name: tenant_context
-- The tenant's clock: its time zone and business hours.
select timezone, business_hours from tenants where id = mf_current_tenant()

-- name: item_context
-- An action item as the item conditions read it.
select id, title, status, priority, assignee_id, conversation_id, source_message_id, origin
from action_items where id = %(id)s

-- name: conversation_context
-- What conditions and actions read about a conversation without a message.
select null::bigint as id, c.id as conversation_id, c.device_id, false as from_me,
       false as history, null::text as sent_by, null::text as sender_jid, '' as text, null::text as sender_name,
       c.is_group, c.chat_jid, c.title as conversation_title,
       c.priority as conversation_priority, c.status as conversation_status,
       coalesce(ct.display_name, ct.push_name) as contact_name,
       coalesce(ct.attributes, '{}'::jsonb) as contact_attributes,
       null::text as analysis_priority, null::text as sentiment, null::text as language,
       null::boolean as is_important, null::timestamptz as sent_at, t.timezone,
       t.business_hours,
       array(select cl.label_id from conversation_labels cl
             where cl.conversation_id = c.id) as label_ids
from conversations c
left join contacts ct on ct.id = c.contact_id
join tenants t on t.id = c.tenant_id
where c.id = %(id)s

-- name: unanswered_stretches
-- Conversations (not resolved) whose inbound messages since the last answer (a member's or
-- the phone's, not an automated reply; history-sync messages do not begin one) began at least
-- `due_before` ago: the stretch is named
-- by its first message. Only stretches that began after the workflow was turned on, and that
-- this workflow has not fired for.
select c.id as conversation_id, f.id as message_id, f.sent_at
from conversations c
cross join lateral (
    select max(o.sent_at) as answered_at from messages o
    where o.conversation_id = c.id and o.tenant_id = c.tenant_id and o.from_me
      and o.sent_by is distinct from 'automation'
) a
cross join lateral (
    select m.id, m.sent_at from messages m
    where m.conversation_id = c.id and m.tenant_id = c.tenant_id and not m.from_me
      and not m.history and (a.answered_at is null or m.sent_at > a.answered_at)
    order by m.sent_at, m.id
    limit 1
) f
where c.status <> 'resolved' and c.last_message_at >= %(since)s
  and f.sent_at >= %(since)s and f.sent_at <= %(due_before)s
  and not exists (select 1 from workflow_executions x
                  where x.workflow_id = %(workflow_id)s
                    and x.event_key = 'unanswered:' || c.id || ':' || f.id)
order by f.sent_at, f.id
limit 200
