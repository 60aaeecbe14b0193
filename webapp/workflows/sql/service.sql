-- name: list_workflows
-- The tenant's workflows, newest first, with their last execution time.
select w.id, w.name, w.enabled, w.trigger, w.conditions, w.actions, w.created_by,
       w.created_at, w.updated_at,
       (select max(x.created_at) from workflow_executions x
        where x.tenant_id = w.tenant_id and x.workflow_id = w.id) as last_executed_at
from workflows w
order by w.id desc

-- name: get_workflow
-- One workflow.
select w.id, w.name, w.enabled, w.trigger, w.conditions, w.actions, w.created_by,
       w.created_at, w.updated_at,
       (select max(x.created_at) from workflow_executions x
        where x.tenant_id = w.tenant_id and x.workflow_id = w.id) as last_executed_at
from workflows w
where w.id = %(id)s

-- name: lock_workflow
-- One workflow, locked while it changes.
select id, name, enabled, trigger, conditions, actions from workflows where id = %(id)s
for update

-- name: insert_workflow
-- A new workflow; it acts on events after the tenant's current last one.
insert into workflows (tenant_id, name, enabled, trigger, conditions, actions, created_by,
                       since_event_id)
values (mf_current_tenant(), %(name)s, %(enabled)s, %(trigger)s, %(conditions)s, %(actions)s,
        %(user_id)s, coalesce((select max(id) from events where tenant_id = mf_current_tenant()), 0))
returning id

-- name: update_workflow
-- New fields of a workflow; turning it on makes it start from the current last event.
update workflows
set name = %(name)s, trigger = %(trigger)s, conditions = %(conditions)s,
    actions = %(actions)s, enabled = %(enabled)s, updated_at = now(),
    since_event_id = case when %(enabled)s and not enabled
        then coalesce((select max(id) from events where tenant_id = mf_current_tenant()), 0)
        else since_event_id end,
    since_at = case when %(enabled)s and not enabled then now() else since_at end
where id = %(id)s

-- name: delete_workflow
-- Delete a workflow (its executions go with it).
delete from workflows where id = %(id)s

-- name: list_executions
-- A page of a workflow's executions, newest first.
select id, workflow_id, event_key, event_id, trigger, message_id, status, matched, skipped,
       results, duration_ms, error, dry_run, created_at
from workflow_executions
where workflow_id = %(workflow_id)s and (%(before)s::bigint is null or id < %(before)s)
order by id desc
limit %(limit)s
