-- Important messages worked by people (issue 12, webapp/desk_home):
-- 1. One status vocabulary everywhere: open, acknowledged, dismissed ('handled' becomes
--    'acknowledged'). Who changed the status and the priority, and when, is kept on the row.
-- 2. A person's acknowledgement, dismissal or priority change is kept as feedback next to the
--    model's call (provider, model, the priority the model gave), so the override rate of each
--    provider can be measured (GET /llm/providers/comparison).
-- 3. The one serializer of an important message (REST responses and the
--    important_message.updated frame share it), registered in event_serializers.

alter table important_messages drop constraint important_messages_status_check;
update important_messages set status = 'acknowledged' where status = 'handled';
alter table important_messages add constraint important_messages_status_check
    check (status in ('open', 'acknowledged', 'dismissed'));
alter table important_messages
    add column status_changed_by bigint references users (id) on delete set null,
    add column status_changed_at timestamptz,
    add column priority_changed_by bigint references users (id) on delete set null,
    add column priority_changed_at timestamptz;

-- The list: newest first, whole tenant or one conversation.
create index important_messages_list_idx on important_messages (tenant_id, id desc);
create index important_messages_conversation_idx
    on important_messages (tenant_id, conversation_id, id desc);

create table important_message_feedback (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    important_message_id bigint not null references important_messages (id) on delete cascade,
    message_id bigint not null references messages (id) on delete cascade,
    analysis_id bigint references message_analyses (id) on delete set null,
    provider_id bigint,
    provider_kind text not null,
    model text not null,
    kind text not null check (kind in ('acknowledged', 'dismissed', 'reopened',
                                       'priority_changed')),
    model_priority text not null check (model_priority in ('urgent', 'high', 'medium', 'low')),
    new_priority text check (new_priority in ('urgent', 'high', 'medium', 'low')),
    user_id bigint references users (id) on delete set null,
    created_at timestamptz not null default now()
);
create index important_message_feedback_item_idx
    on important_message_feedback (tenant_id, important_message_id);
alter table important_message_feedback enable row level security;
alter table important_message_feedback force row level security;
create policy important_message_feedback_tenant on important_message_feedback
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());
grant select, insert on important_message_feedback to messageflow_app;

-- The one serializer of an important message: the message, its conversation, the call that
-- flagged it (provider, model, heuristic) and who last changed it.
create function mf_important_message_json(i important_messages) returns jsonb
    language sql stable
    as $$
    select jsonb_build_object(
        'id', i.id, 'status', i.status, 'priority', i.priority, 'reason', i.reason,
        'message_id', i.message_id, 'conversation_id', i.conversation_id,
        'message', (select jsonb_build_object(
                        'id', m.id, 'from_me', m.from_me, 'timestamp', mf_ts(m.sent_at),
                        'sender_name', coalesce(m.sender_name, m.sender_jid),
                        'sender_jid', m.sender_jid,
                        'text', case when m.revoked_at is null
                                     then coalesce(m.text, m.media ->> 'caption',
                                                   '[' || (m.media ->> 'type') || ']') end)
                    from messages m where m.id = i.message_id),
        'conversation', (select jsonb_build_object('id', c.id, 'title', c.title,
                                                   'status', c.status,
                                                   'assignee_id', c.assignee_id)
                         from conversations c where c.id = i.conversation_id),
        'flagged_by', (select jsonb_build_object(
                           'provider_id', a.provider_id,
                           'provider_name', coalesce(p.name, case when a.provider_kind = 'local'
                                                             then 'Built-in local analyser' end),
                           'kind', a.provider_kind, 'model', a.model,
                           'heuristic', a.heuristic, 'model_priority', a.priority,
                           'analysed_at', mf_ts(a.created_at))
                       from message_analyses a
                       left join llm_providers p on p.id = a.provider_id
                       where a.id = i.analysis_id),
        'status_changed_by', (select jsonb_build_object('id', u.id, 'name', u.name)
                              from users u where u.id = i.status_changed_by),
        'status_changed_at', mf_ts(i.status_changed_at),
        'priority_changed_by', (select jsonb_build_object('id', u.id, 'name', u.name)
                                from users u where u.id = i.priority_changed_by),
        'priority_changed_at', mf_ts(i.priority_changed_at),
        'created_at', mf_ts(i.created_at), 'updated_at', mf_ts(i.updated_at))
    $$;
grant execute on function mf_important_message_json(important_messages) to messageflow_app;

create function mf_important_message_frame(e events) returns jsonb
    language sql stable
    as $$
    select mf_important_message_json(i) from important_messages i
    where i.id = (e.data ->> 'id')::bigint
    $$;
grant execute on function mf_important_message_frame(events) to messageflow_app;

insert into event_serializers (type_prefix, serializer)
values ('important_message.', 'mf_important_message_frame(events)'::regprocedure);
