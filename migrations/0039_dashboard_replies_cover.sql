-- The Home dashboard's first response over several days (webapp/desk_home/sql/dashboard.sql)
-- looks up the replies people sent from the app in the window (outbox rows with an author) by
-- message id, for their conversation and time: this covering index answers each lookup without
-- visiting the (wide) message row (7.8 -> 2.3 ms for a month's ~500 replies of a tenant at the
-- benchmark's volume, EXPLAIN ANALYZE). tenant_id is included for the row-level security filter.
create index messages_id_cover_idx on messages (id) include (tenant_id, conversation_id, sent_at);
