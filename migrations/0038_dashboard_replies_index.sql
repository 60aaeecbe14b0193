-- The Home dashboard's first-response figure reads the replies people sent from the app in the
-- window (outbox rows with an author) by time; its action item counters read status, due date
-- and assignee, here without visiting the table (webapp/desk_home/sql/dashboard.sql).
create index outbox_authored_idx on outbox (tenant_id, created_at) where created_by is not null;
create index action_items_dashboard_idx on action_items (tenant_id, status)
    include (due_date, assignee_id);
