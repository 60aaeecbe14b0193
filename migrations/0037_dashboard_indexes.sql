-- The Home dashboard's window counters (webapp/desk_home/sql/dashboard.sql) read a tenant's
-- messages by time: how many in and out, and each conversation's first inbound message of the
-- window. The time index now carries direction and conversation, so both are index-only scans
-- (no heap visit per message); it replaces the plain (tenant_id, sent_at) index of 0007, whose
-- readers (daily summaries, the Parquet export) use the same key.
create index messages_tenant_sent_at_cover_idx on messages (tenant_id, sent_at)
    include (from_me, conversation_id);
drop index messages_tenant_sent_at_idx;
