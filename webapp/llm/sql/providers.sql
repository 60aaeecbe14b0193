-- name: insert_provider
-- A new provider of the current tenant.
insert into llm_providers (tenant_id, name, kind, model, api_key_encrypted, api_key_hint,
                           api_base, temperature, max_tokens, timeout_s, rpm, rpd,
                           monthly_budget_usd, price_input_per_mtok, price_output_per_mtok,
                           active, is_default)
values (mf_current_tenant(), %(name)s, %(kind)s, %(model)s, %(api_key_encrypted)s,
        %(api_key_hint)s, %(api_base)s, %(temperature)s, %(max_tokens)s, %(timeout_s)s,
        %(rpm)s, %(rpd)s, %(monthly_budget_usd)s, %(price_input_per_mtok)s,
        %(price_output_per_mtok)s, %(active)s, %(is_default)s)
returning *

-- name: clear_default
-- Only one default provider per tenant.
update llm_providers set is_default = false, updated_at = now()
where is_default and deleted_at is null and id <> %(id)s

-- name: select_active_default
-- The current tenant's active default provider, other than %(id)s (0: any).
select id from llm_providers
where is_default and active and deleted_at is null and id <> %(id)s

-- name: list_providers
-- The tenant's providers (deleted ones excluded), oldest first.
select * from llm_providers where deleted_at is null order by id

-- name: get_provider
-- One provider.
select * from llm_providers where id = %(id)s and deleted_at is null

-- name: lock_provider
-- One provider, locked for a configuration change.
select * from llm_providers where id = %(id)s and deleted_at is null for update

-- name: update_provider
-- Write a provider's full configuration back.
update llm_providers set
    name = %(name)s, model = %(model)s, api_key_encrypted = %(api_key_encrypted)s,
    api_key_hint = %(api_key_hint)s, api_base = %(api_base)s, temperature = %(temperature)s,
    max_tokens = %(max_tokens)s, timeout_s = %(timeout_s)s, rpm = %(rpm)s, rpd = %(rpd)s,
    monthly_budget_usd = %(monthly_budget_usd)s,
    price_input_per_mtok = %(price_input_per_mtok)s,
    price_output_per_mtok = %(price_output_per_mtok)s, active = %(active)s,
    is_default = %(is_default)s, updated_at = now()
where id = %(id)s
returning *

-- name: soft_delete_provider
-- Delete a provider: the ledger and history keep pointing at the row, routes go.
update llm_providers set deleted_at = now(), active = false, is_default = false,
                         updated_at = now()
where id = %(id)s and deleted_at is null
returning id

-- name: delete_provider_routes
-- Take a deleted provider off every route.
delete from llm_feature_routes where provider_id = %(id)s

-- name: insert_history
-- One configuration change (never the key itself).
insert into llm_provider_history (tenant_id, provider_id, actor_user_id, action, changes)
values (mf_current_tenant(), %(provider_id)s, %(actor)s, %(action)s, %(changes)s)

-- name: list_history
-- A provider's configuration changes, newest first.
select id, action, changes, actor_user_id, created_at from llm_provider_history
where provider_id = %(id)s order by id desc limit %(limit)s
