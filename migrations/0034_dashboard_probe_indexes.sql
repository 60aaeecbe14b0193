-- The Home dashboard over several days (webapp/desk_home/sql/dashboard.sql):
-- 1. agents' first response finds each conversation's first inbound message of the window by
--    one probe of this index per conversation (index-only), instead of reading all the
--    window's messages (~50,000 a tenant for 30 days at the benchmark's volume);
-- 2. the conversation counters (status, unassigned, new) read the tenant's conversations
--    index-only instead of visiting a heap page per conversation.
create index messages_inbound_conversation_idx on messages (tenant_id, conversation_id, sent_at)
    where not from_me;
create index conversations_dashboard_idx on conversations (tenant_id)
    include (status, assignee_id, created_at);
