-- name: release_store_connections
-- Idle whatsmeow connections of one finished connection attempt (neonize never closes them).
select pg_terminate_backend(pid) as terminated
from pg_stat_activity
where application_name = %(app)s and state = 'idle' and pid <> pg_backend_pid()
