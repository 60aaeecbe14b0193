-- name: list_items
-- A page of action items, serialized; the filters and the order are fragments below. The page
-- is chosen first on action_items alone (every combination walks one of the action_items_*_idx
-- indexes, migrations 0030 and 0031), then its related rows are joined once for the page (no
-- sub-select per row); the shape is mf_action_item_json_of's, as for single items.
with page as materialized (
    select i as item, i.id, i.position
    from action_items i
    where i.tenant_id = mf_current_tenant() and {filters}
    order by {order}
    limit %(limit)s
), comments as (
    select m.action_item_id, count(*) as n
    from action_item_comments m
    where m.tenant_id = mf_current_tenant() and m.action_item_id in (select id from page)
    group by m.action_item_id
)
select i.id, i.position,
       mf_action_item_json_of(i.item, assignee.name, c.title, author.name,
                              coalesce(a.provider_id, l.provider_id), p.name,
                              coalesce(a.provider_kind, l.provider_kind),
                              coalesce(a.model, l.model), coalesce(n.n, 0)) as row
from page i
left join users assignee on assignee.id = (i.item).assignee_id
left join conversations c on c.id = (i.item).conversation_id
left join users author on author.id = (i.item).created_by
left join message_analyses a on a.id = (i.item).analysis_id
left join llm_usage_logs l on l.id = (i.item).usage_log_id
left join llm_providers p on p.id = coalesce(a.provider_id, l.provider_id)
left join comments n on n.action_item_id = i.id
order by {order}

-- name: order_newest
-- Newest first.
i.id desc

-- name: order_position
-- Column order: ascending position, then id.
i.position, i.id

-- name: after_newest
-- Keyset: older than the previous page's last row.
i.id < %(after_id)s

-- name: after_position
-- Keyset: after the previous page's last (position, id).
(i.position, i.id) > (%(after_position)s, %(after_id)s)

-- name: filter_status
-- Filter: one of these statuses.
i.status = any(%(status)s)

-- name: filter_one_status
-- Filter: this status (the column index serves it in order).
i.status = %(one_status)s

-- name: filter_assignee
-- Filter: assigned to this member.
i.assignee_id = %(assignee_id)s

-- name: filter_unassigned
-- Filter: nobody's.
i.assignee_id is null

-- name: filter_due_before
-- Filter: due before this day.
i.due_date < %(due_before)s

-- name: filter_conversation
-- Filter: of this conversation.
i.conversation_id = %(conversation_id)s

-- name: filter_manual
-- Filter: written by people.
i.origin = 'manual'

-- name: filter_proposed
-- Filter: proposed by the analysis (analysis, summary or extraction).
i.origin <> 'manual'
