-- name: select_events_since
-- A page of the current tenant's event frames after an event id, in id order: the tenant's
-- events and those for this member only (for_user_id), never another member's.
select e.id, e.type, mf_event_frame(e) as data, e.for_user_id
from events e
where e.id > %(since)s and (e.for_user_id is null or e.for_user_id = %(user_id)s)
order by e.id
limit %(limit)s

-- name: select_events_by_ids
-- The current tenant's event frames with these ids, in id order (other tenants' ids match none).
select e.id, e.type, mf_event_frame(e) as data, e.for_user_id
from events e
where e.id = any(%(ids)s::bigint[])
order by e.id

-- name: select_event_ids_since
-- A page of the current tenant's event ids after an event id (cheap: no frames built).
select e.id
from events e
where e.id > %(since)s
order by e.id
limit %(limit)s

-- name: select_last_event_id
-- The current tenant's latest event id (0 when it has none).
select coalesce(max(e.id), 0) as id from events e

-- name: notify_typing
-- Relay a typing state on the ephemeral channel, only when the conversation is the tenant's.
select pg_notify('mf_ephemeral', %(payload)s) as sent
from conversations c
where c.id = %(conversation_id)s

-- name: notify_ephemeral
-- Relay a small JSON payload of ids (presence) on the ephemeral channel; never stored.
select pg_notify('mf_ephemeral', %(payload)s) as sent

-- name: select_session_states
-- For (session, user) pairs of open sockets: whether each session still works and the user's
-- current role in the current tenant (null: no longer a member).
select x.sid::text as session_id, x.uid as user_id, m.role,
       coalesce(s.revoked_at is null and s.expires_at > now() and s.user_id = x.uid,
                false) as live
from unnest(%(sids)s::uuid[], %(uids)s::bigint[]) as x (sid, uid)
left join auth_sessions s on s.id = x.sid
left join memberships m on m.user_id = x.uid
