-- name: list_items
-- A page of action items, serialized; the filters and the order are fragments below. Every
-- combination walks one of the action_items_*_idx indexes (migration 0030).
select i.id, i.position,
       mf_action_item_json_of(i, r.assignee_name, r.conversation_title, r.created_by_name,
                              r.provider_id, r.provider_name, r.provider_kind, r.model,
                              r.comment_count) as row
from action_items i
cross join lateral mf_action_item_refs(i) r
where i.tenant_id = mf_current_tenant() and {filters}
order by {order}
limit %(limit)s

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
