-- name: list_activity
-- A page of the team's activity, newest first; the filters are fragments below, each
-- combination walking user_activity_logs_recent_idx, _idx (by user) or _type_idx.
select a.id, a.activity as type, a.user_id, u.name as user_name, a.details,
       mf_ts(a.created_at) as created_at
from user_activity_logs a
left join users u on u.id = a.user_id
where a.tenant_id = mf_current_tenant() and {filters}
order by a.id desc
limit %(limit)s

-- name: filter_user
-- Filter: by this member.
a.user_id = %(user_id)s

-- name: filter_type
-- Filter: this type exactly.
a.activity = %(type)s

-- name: filter_family
-- Filter: every type of a family (`action_item` is action_item.created, .moved...).
starts_with(a.activity, %(family)s)

-- name: filter_not_refresh
-- Token refreshes are bookkeeping, shown only when asked for by type.
a.activity <> 'refresh'

-- name: filter_since
-- Filter: at or after this time.
a.created_at >= %(since)s

-- name: after_id
-- Keyset: older than the previous page's last row.
a.id < %(after_id)s
