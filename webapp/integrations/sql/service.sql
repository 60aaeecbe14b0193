-- name: insert_integration
insert into integrations (tenant_id, type, name, config, secrets_encrypted, secret_hints,
                          secret_destination, active, created_by)
values (mf_current_tenant(), %(type)s, %(name)s, %(config)s, %(secrets_encrypted)s,
        %(secret_hints)s, %(secret_destination)s, %(active)s, %(actor)s)
returning *

-- name: list_integrations
-- The tenant's integrations with their latest delivery, newest first.
select i.*, (select jsonb_build_object('id', d.id, 'status', d.status,
                                       'created_at', mf_ts(d.created_at),
                                       'last_status_code', d.last_status_code)
             from deliveries d where d.tenant_id = i.tenant_id and d.integration_id = i.id
             order by d.id desc limit 1) as last_delivery
from integrations i
where i.deleted_at is null
order by i.id desc

-- name: get_integration
select i.*, null::jsonb as last_delivery from integrations i
where i.id = %(id)s and i.deleted_at is null

-- name: lock_integration
select i.*, null::jsonb as last_delivery from integrations i
where i.id = %(id)s and i.deleted_at is null
for update

-- name: update_integration
update integrations
set name = %(name)s, config = %(config)s, secrets_encrypted = %(secrets_encrypted)s,
    secret_hints = %(secret_hints)s, secret_destination = %(secret_destination)s,
    active = %(active)s, updated_at = now()
where id = %(id)s
returning *, null::jsonb as last_delivery

-- name: soft_delete_integration
-- Deleted: kept for the deliveries' and audit's sake, its secrets dropped, its queue stopped.
update integrations
set deleted_at = now(), active = false, secrets_encrypted = null, updated_at = now()
where id = %(id)s

-- name: stop_pending_deliveries
update deliveries set status = 'dead', last_error = 'integration deleted', updated_at = now()
where integration_id = %(id)s and status in ('pending', 'failed', 'delivering')

-- name: first_email_integration
-- The tenant's e-mail integration used for product mail (the oldest active one).
select * from integrations
where type = 'email' and active and deleted_at is null
order by id limit 1

-- name: subscribed_webhooks
select * from integrations
where type = 'webhook' and active and deleted_at is null
  and (config -> 'events' ? '*' or config -> 'events' ? %(event)s)
order by id
