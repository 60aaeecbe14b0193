-- The action-item list (webapp/actions/service.py) reuses a page it computed while no
-- action-item event of the tenant came after it (webapp/db/watermark_cache.py): every write to an
-- item or its comments commits with an `action_item.*` event. This partial index finds a tenant's
-- newest such event in one index probe, however many message events came after it.
create index events_action_item_mark_idx on events (tenant_id, id) where type like 'action_item.%';
