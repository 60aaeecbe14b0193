-- name: list_feature_routes
-- Every route of the tenant with its provider.
select r.feature, r.priority, r.provider_id, p.name, p.kind, p.model, p.active
from llm_feature_routes r join llm_providers p on p.id = r.provider_id
where p.deleted_at is null
order by r.feature, r.priority, r.provider_id

-- name: upsert_feature_route
-- Assign a provider to a feature (re-assigning changes its priority).
insert into llm_feature_routes (tenant_id, feature, provider_id, priority)
values (mf_current_tenant(), %(feature)s, %(provider_id)s, %(priority)s)
on conflict (tenant_id, feature, provider_id) do update set priority = excluded.priority
returning feature, provider_id, priority, created_at

-- name: delete_feature_route
-- Take a provider off a feature's route.
delete from llm_feature_routes where feature = %(feature)s and provider_id = %(provider_id)s
returning provider_id

-- name: delete_feature_routes_except
-- Take every provider but %(keep)s off a feature's route (reordering replaces the route).
delete from llm_feature_routes where feature = %(feature)s and provider_id <> all(%(keep)s::bigint[])

-- name: list_gates
-- The breaker gate columns of the tenant's providers, with the database clock.
select p.id as provider_id, h.circuit, h.cooldown_until, h.probe_until, now() as now
from llm_providers p left join llm_health h on h.provider_id = p.id
where p.deleted_at is null
