-- name: select_route
-- A feature's providers in order: its assigned ones by priority, then the tenant default.
select p.*, r.priority, h.circuit, h.cooldown_until, h.probe_until, now() as now
from llm_providers p
left join llm_feature_routes r on r.provider_id = p.id and r.feature = %(feature)s
left join llm_health h on h.provider_id = p.id
where p.deleted_at is null and p.active and (r.provider_id is not null or p.is_default)
order by r.priority nulls last, p.id
