-- name: incoming_tenant
select mf_incoming_webhook_tenant(%(id)s) as tenant_id

-- name: insert_receipt
-- A webhook id is accepted once per integration; no row: it was used before.
insert into incoming_webhook_receipts (tenant_id, integration_id, webhook_id, kind)
values (mf_current_tenant(), %(integration_id)s, %(webhook_id)s, %(kind)s)
on conflict do nothing
returning webhook_id

-- name: set_receipt_result
update incoming_webhook_receipts set result = %(result)s
where integration_id = %(integration_id)s and webhook_id = %(webhook_id)s

-- name: find_conversation
select id from conversations where id = %(id)s

-- name: insert_action_item
-- A proposed action item (the one status every version of the board's vocabulary has), so a
-- person accepts it like an analysis proposal.
insert into action_items (tenant_id, conversation_id, title, description, due_date, status,
                          origin)
values (mf_current_tenant(), %(conversation_id)s, %(title)s, %(description)s, %(due_date)s,
        'proposed', 'manual')
returning id

-- name: insert_action_item_event
insert into events (tenant_id, type, data)
values (mf_current_tenant(), 'action_item.created', jsonb_build_object('id', %(id)s::bigint))

-- name: current_tenant
-- The transaction's tenant.
select mf_current_tenant() as t
