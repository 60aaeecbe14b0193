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
select id, name, trigger, conditions, actions, created_by, since_event_id
from workflows where enabled order by id

-- name: new_events
-- Message events after the watermark, oldest first.
select id, type, data from events
where id > %(after)s and for_user_id is null
  and type in ('message.created', 'message.analyzed')
order by id
limit %(limit)s

-- name: message_context
-- What conditions and actions read about one message.
select m.id, m.conversation_id, m.device_id, m.from_me, m.sent_by, m.sender_jid,
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

-- name: last_inbound_messages
-- The last N inbound messages (for a dry run).
select id from messages where not from_me order by id desc limit %(limit)s

-- name: claim
-- Claim (workflow, event): only the engine whose insert lands runs the actions.
insert into workflow_executions (tenant_id, workflow_id, event_key, event_id, trigger,
                                 message_id)
values (mf_current_tenant(), %(workflow_id)s, %(event_key)s, %(event_id)s, %(trigger)s,
        %(message_id)s)
on conflict (workflow_id, event_key) do nothing
returning id

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
