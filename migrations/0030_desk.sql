-- The operations desk (issue 12): action items on a kanban, comments with @mentions,
-- notifications per recipient, and the team activity timeline.
--
-- 1. action_items (0005) is extended, not duplicated. One status vocabulary everywhere:
--    proposed, todo, in_progress, blocked, done, rejected ('open' becomes 'todo', 'dismissed'
--    becomes 'rejected': a rejected proposal is kept as feedback). New: title (filled from the
--    description for the analysis' proposals, by trigger), priority (the conversations'
--    vocabulary), position (ascending sort key within a status column; a new row or a row that
--    changes column without a given position goes to the end of its column, by trigger),
--    due_notified_for (the due date whose "passed" notification was sent). The conversation is
--    referenced with its tenant (0012 explains why a plain foreign key is not enough).
-- 2. action_item_comments: a comment with the mentions resolved when it was written.
-- 3. notifications: rows per recipient; dedupe_key makes a cause notify once (unique per user).
-- 4. Serializers (one JSON shape for REST and WebSocket frames) registered in event_serializers.
-- 5. Indexes for the list filters at 100k action items and 200k notifications; the due-date
--    check finds its tenants through a narrow SECURITY DEFINER function.

alter table action_items drop constraint action_items_status_check;
update action_items set status = 'todo' where status = 'open';
update action_items set status = 'rejected' where status = 'dismissed';
alter table action_items add constraint action_items_status_check
    check (status in ('proposed', 'todo', 'in_progress', 'blocked', 'done', 'rejected'));

alter table action_items drop constraint action_items_description_check;
alter table action_items add constraint action_items_description_check
    check (length(description) <= 5000);

alter table action_items
    add column title text,
    add column priority text not null default 'normal'
        check (priority in ('urgent', 'high', 'normal', 'low')),
    add column position double precision,
    add column due_notified_for date;

update action_items set title = left(description, 200) where title is null;
with ranked as (
    select id, row_number() over (partition by tenant_id, status order by id) * 1024.0 as pos
    from action_items)
update action_items i set position = r.pos from ranked r where r.id = i.id;

alter table action_items
    alter column title set not null,
    add constraint action_items_title_check check (length(title) between 1 and 200),
    alter column position set not null;

-- Proposals name only a description; a row that enters a column without a position goes last.
create function mf_action_item_defaults() returns trigger
    language plpgsql
    as $$
begin
    if new.title is null or new.title = '' then
        new.title := coalesce(nullif(left(new.description, 200), ''), 'Untitled');
    end if;
    if tg_op = 'INSERT' and new.position is null
       or tg_op = 'UPDATE' and new.status <> old.status and new.position = old.position then
        new.position := coalesce((select max(i.position) from action_items i
                                  where i.tenant_id = new.tenant_id and i.status = new.status),
                                 0) + 1024;
    end if;
    return new;
end
$$;
create trigger action_items_defaults before insert or update on action_items
    for each row execute function mf_action_item_defaults();

alter table action_items add constraint action_items_tenant_id_id_key unique (tenant_id, id);
alter table action_items drop constraint action_items_conversation_id_fkey,
    add constraint action_items_conversation_fkey foreign key (tenant_id, conversation_id)
        references conversations (tenant_id, id) on delete cascade;

drop index action_items_conversation_idx;
create index action_items_conversation_idx on action_items (tenant_id, conversation_id, id desc);
create index action_items_recent_idx on action_items (tenant_id, id desc);
create index action_items_assignee_idx on action_items (tenant_id, assignee_id, id desc);
create index action_items_column_idx on action_items (tenant_id, status, position, id);
create index action_items_due_idx on action_items (tenant_id, due_date, id desc)
    where due_date is not null;
create index action_items_manual_idx on action_items (tenant_id, id desc) where origin = 'manual';
-- The periodic "due date passed" check: open, assigned, dated rows not yet notified.
create index action_items_due_unnotified_idx on action_items (due_date, tenant_id)
    where assignee_id is not null and due_date is not null
      and status in ('todo', 'in_progress', 'blocked')
      and due_notified_for is distinct from due_date;

-- The tenants with an assigned open item whose due date has passed in the tenant's time zone
-- and whose assignee was not told yet (webapp/desk/due.py then works in each tenant's context).
create function mf_tenants_with_due_action_items(p_now timestamptz)
    returns table (tenant_id bigint)
    language sql stable security definer set search_path = public, pg_temp
    as $$ select distinct i.tenant_id from action_items i join tenants t on t.id = i.tenant_id
          where i.assignee_id is not null and i.due_date is not null
            and i.status in ('todo', 'in_progress', 'blocked')
            and i.due_notified_for is distinct from i.due_date
            and i.due_date < ((p_now at time zone 'UTC')::date + 1)
            and i.due_date < (p_now at time zone t.timezone)::date
          order by 1 $$;
revoke all on function mf_tenants_with_due_action_items(timestamptz) from public;
grant execute on function mf_tenants_with_due_action_items(timestamptz) to messageflow_app;

create table action_item_comments (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    action_item_id bigint not null,
    author_id bigint references users (id) on delete set null,
    body text not null check (length(body) between 1 and 5000),
    mentions jsonb not null default '[]'::jsonb,
    created_at timestamptz not null default now(),
    foreign key (tenant_id, action_item_id) references action_items (tenant_id, id)
        on delete cascade
);
create index action_item_comments_item_idx
    on action_item_comments (tenant_id, action_item_id, id);
alter table action_item_comments enable row level security;
alter table action_item_comments force row level security;
create policy action_item_comments_tenant on action_item_comments
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());
grant select, insert, update, delete on action_item_comments to messageflow_app;

create table notifications (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    user_id bigint not null references users (id) on delete cascade,
    kind text not null check (kind ~ '^[a-z][a-z_.]{0,49}$'),
    title text not null check (length(title) between 1 and 200),
    body text not null default '' check (length(body) <= 2000),
    link text check (length(link) <= 500),
    actor_id bigint references users (id) on delete set null,
    dedupe_key text check (length(dedupe_key) <= 200),
    read_at timestamptz,
    created_at timestamptz not null default now()
);
create unique index notifications_dedupe_key
    on notifications (tenant_id, user_id, dedupe_key) where dedupe_key is not null;
-- "Mine, unread first, newest first" and its keyset pages; the unread count.
create index notifications_inbox_idx
    on notifications (tenant_id, user_id, (read_at is not null), id desc);
alter table notifications enable row level security;
alter table notifications force row level security;
create policy notifications_tenant on notifications
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());
grant select, insert, update, delete on notifications to messageflow_app;

-- Team activity: filter by type.
create index user_activity_logs_type_idx on user_activity_logs (tenant_id, activity, id desc);
create index user_activity_logs_recent_idx on user_activity_logs (tenant_id, id desc);

-- The one serializer of an action item (REST responses and realtime frames share it).
create function mf_action_item_json(i action_items) returns jsonb
    language sql stable
    as $$
    select jsonb_build_object(
        'id', i.id, 'title', i.title, 'description', i.description, 'status', i.status,
        'priority', i.priority, 'position', i.position,
        'due_date', to_char(i.due_date, 'YYYY-MM-DD'),
        'assignee_id', i.assignee_id,
        'assignee_name', (select u.name from users u where u.id = i.assignee_id),
        'conversation_id', i.conversation_id,
        'conversation_title', (select c.title from conversations c
                               where c.id = i.conversation_id),
        'source_message_id', i.source_message_id,
        'origin', case when i.origin = 'manual' then 'manual' else 'proposed' end,
        'provenance', jsonb_build_object(
            'source', i.origin,
            'created_by', i.created_by,
            'created_by_name', (select u.name from users u where u.id = i.created_by),
            'analysis_id', i.analysis_id,
            'provider_id', coalesce(a.provider_id, l.provider_id),
            'provider_name', (select p.name from llm_providers p
                              where p.id = coalesce(a.provider_id, l.provider_id)),
            'provider_kind', coalesce(a.provider_kind, l.provider_kind),
            'model', coalesce(a.model, l.model)),
        'comment_count', (select count(*) from action_item_comments m
                          where m.tenant_id = i.tenant_id and m.action_item_id = i.id),
        'created_at', mf_ts(i.created_at), 'updated_at', mf_ts(i.updated_at))
    from (select) as one
    left join message_analyses a on a.id = i.analysis_id
    left join llm_usage_logs l on l.id = i.usage_log_id
    $$;

create function mf_comment_json(c action_item_comments) returns jsonb
    language sql stable
    as $$
    select jsonb_build_object(
        'id', c.id, 'action_item_id', c.action_item_id, 'author_id', c.author_id,
        'author_name', (select u.name from users u where u.id = c.author_id),
        'body', c.body, 'mentions', c.mentions, 'created_at', mf_ts(c.created_at))
    $$;

create function mf_notification_json(n notifications) returns jsonb
    language sql stable
    as $$
    select jsonb_build_object(
        'id', n.id, 'kind', n.kind, 'title', n.title, 'body', n.body, 'link', n.link,
        'actor_id', n.actor_id,
        'actor_name', (select u.name from users u where u.id = n.actor_id),
        'read', n.read_at is not null, 'read_at', mf_ts(n.read_at),
        'created_at', mf_ts(n.created_at))
    $$;

-- Frames: the row as it is now; a deleted row (or a `*.deleted` event) frames as its data.
create function mf_action_item_event(e events) returns jsonb
    language sql stable
    as $$ select mf_action_item_json(i) from action_items i
          where i.id = (e.data ->> 'id')::bigint and e.type <> 'action_item.deleted' $$;
create function mf_comment_event(e events) returns jsonb
    language sql stable
    as $$ select mf_comment_json(c) from action_item_comments c
          where c.id = (e.data ->> 'id')::bigint and e.type <> 'comment.deleted' $$;
create function mf_notification_event(e events) returns jsonb
    language sql stable
    as $$ select mf_notification_json(n) from notifications n
          where n.id = (e.data ->> 'id')::bigint $$;

insert into event_serializers (type_prefix, serializer) values
    ('action_item.', 'mf_action_item_event(events)'),
    ('comment.', 'mf_comment_event(events)'),
    ('notification.', 'mf_notification_event(events)');

grant execute on function mf_action_item_json(action_items), mf_comment_json(action_item_comments),
    mf_notification_json(notifications), mf_action_item_event(events), mf_comment_event(events),
    mf_notification_event(events) to messageflow_app;
