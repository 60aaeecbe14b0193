-- The action-item serializer in two inlinable parts, as 0006 did for messages and
-- conversations: a SQL function with sub-selects is never inlined, and calling 0030's
-- mf_action_item_json(i) per row paid an executor start-up per sub-select per row (about
-- 0.5 ms a row, 25 ms for a page of 50 at 100k items). Now:
--   mf_action_item_refs(i)       the related data, a table function the planner inlines into a
--                                LATERAL join of the list query;
--   mf_action_item_json_of(i, r) the shape, a plain expression;
--   mf_action_item_json(i)       = the two, for single rows and frames (same output as before).
-- To change the shape, change mf_action_item_json_of (and the refs), never mf_action_item_json
-- alone: GET /action-items calls the two parts directly.

create function mf_action_item_refs(i action_items)
    returns table (assignee_name text, conversation_title text, created_by_name text,
                   provider_id bigint, provider_name text, provider_kind text, model text,
                   comment_count bigint)
    language sql stable
    as $$
    select (select u.name from users u where u.id = i.assignee_id),
           (select c.title from conversations c where c.id = i.conversation_id),
           (select u.name from users u where u.id = i.created_by),
           src.provider_id,
           (select p.name from llm_providers p where p.id = src.provider_id),
           src.provider_kind, src.model,
           (select count(*) from action_item_comments m
            where m.tenant_id = i.tenant_id and m.action_item_id = i.id)
    from (select coalesce(a.provider_id, l.provider_id) as provider_id,
                 coalesce(a.provider_kind, l.provider_kind) as provider_kind,
                 coalesce(a.model, l.model) as model
          from (select) as one
          left join message_analyses a on a.id = i.analysis_id
          left join llm_usage_logs l on l.id = i.usage_log_id) src
    $$;

create function mf_action_item_json_of(
    i action_items, p_assignee_name text, p_conversation_title text, p_created_by_name text,
    p_provider_id bigint, p_provider_name text, p_provider_kind text, p_model text,
    p_comment_count bigint)
    returns jsonb
    language sql stable
    as $$
    select jsonb_build_object(
        'id', i.id, 'title', i.title, 'description', i.description, 'status', i.status,
        'priority', i.priority, 'position', i.position,
        'due_date', to_char(i.due_date, 'YYYY-MM-DD'),
        'assignee_id', i.assignee_id, 'assignee_name', p_assignee_name,
        'conversation_id', i.conversation_id, 'conversation_title', p_conversation_title,
        'source_message_id', i.source_message_id,
        'origin', case when i.origin = 'manual' then 'manual' else 'proposed' end,
        'provenance', jsonb_build_object(
            'source', i.origin, 'created_by', i.created_by,
            'created_by_name', p_created_by_name, 'analysis_id', i.analysis_id,
            'provider_id', p_provider_id, 'provider_name', p_provider_name,
            'provider_kind', p_provider_kind, 'model', p_model),
        'comment_count', p_comment_count,
        'created_at', mf_ts(i.created_at), 'updated_at', mf_ts(i.updated_at))
    $$;

create or replace function mf_action_item_json(i action_items) returns jsonb
    language sql stable
    as $$
    select mf_action_item_json_of(i, r.assignee_name, r.conversation_title, r.created_by_name,
                                  r.provider_id, r.provider_name, r.provider_kind, r.model,
                                  r.comment_count)
    from mf_action_item_refs(i) r
    $$;

grant execute on function mf_action_item_refs(action_items),
    mf_action_item_json_of(action_items, text, text, text, bigint, text, text, text, bigint)
    to messageflow_app;

-- "My board": one member's column in kanban order (assignee=me&status=X&order=position).
create index action_items_assignee_column_idx
    on action_items (tenant_id, assignee_id, status, position, id);

-- The inbox by read state: 0030's boolean expression column did not serve "unread" (the
-- planner rewrites `(read_at is not null) = false` to `read_at is null`, which no longer
-- matches the expression), so the unread part and the count scanned all of a member's rows.
-- Two partial indexes serve the two parts of the inbox and the unread count (index-only).
drop index notifications_inbox_idx;
create index notifications_unread_idx on notifications (tenant_id, user_id, id desc)
    where read_at is null;
create index notifications_read_idx on notifications (tenant_id, user_id, id desc)
    where read_at is not null;
