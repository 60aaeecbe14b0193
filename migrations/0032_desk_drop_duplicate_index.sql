-- 0030's action_items_recent_idx (tenant_id, id desc) repeats the unique key
-- action_items_tenant_id_id_key (tenant_id, id), which btree scans backward just as well
-- (EXPLAIN of GET /action-items: the planner uses either); one index less to write.
drop index action_items_recent_idx;
