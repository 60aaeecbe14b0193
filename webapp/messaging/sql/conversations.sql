-- name: list_conversations
-- A page of conversations, newest activity first (nulls last): a keyset page of those with
-- activity and one of those without, merged, then serialized (mf_conversation_json in its two
-- inlinable parts, see migration 0006). The active and idle placeholders are the filter_* and
-- after_* fragments below joined with AND: each combination is a plain query whose plan (also a cached
-- generic one) walks conversations_activity_idx.
select p.id, p.last_message_at,
       mf_conversation_json_of(c, r.last_message, r.labels)::text as row
from ((select c.id, c.last_message_at from conversations c
       where c.last_message_at is not null and {active}
       order by c.last_message_at desc nulls last, c.id desc
       limit %(limit)s)
      union all
      (select c.id, c.last_message_at from conversations c
       where c.last_message_at is null and {idle}
       order by c.last_message_at desc nulls last, c.id desc
       limit %(limit)s)) p
join conversations c on c.id = p.id
cross join lateral mf_conversation_refs(c) r
order by p.last_message_at desc nulls last, p.id desc
limit %(limit)s

-- name: filter_status
-- Filter: this status.
c.status = %(status)s

-- name: filter_assignee
-- Filter: assigned to this user.
c.assignee_id = %(assignee_id)s

-- name: filter_unassigned
-- Filter: assigned to nobody.
c.assignee_id is null

-- name: filter_unread
-- Filter: has unread messages.
c.unread_count > 0

-- name: filter_read
-- Filter: nothing unread (unread=false).
c.unread_count = 0

-- name: filter_device
-- Filter: on this device.
c.device_id = %(device_id)s

-- name: filter_label
-- Filter: carries this label (by name, any letter case, or by id when the value is a number).
exists (select 1 from conversation_labels cl join labels l on l.id = cl.label_id
        where cl.conversation_id = c.id
          and (lower(l.name) = lower(%(label)s) or l.id = %(label_id)s::bigint))

-- name: filter_text
-- Filter: title, contact name (accents ignored: mf_fold, migration 0018) or JID contains the
-- text, or a live message matches it
-- (mf_message_matches: the tenant's full-text matches through the GIN index, migration 0009;
-- mf_search ignores accents, migration 0016).
(mf_fold(c.title) ilike mf_fold(%(like)s) or c.chat_jid ilike %(like)s
 or exists (select 1 from contacts ct where ct.id = c.contact_id
            and (mf_fold(ct.display_name) ilike mf_fold(%(like)s)
                 or mf_fold(ct.push_name) ilike mf_fold(%(like)s)
                 or ct.phone_jid ilike %(like)s or ct.lid_jid ilike %(like)s))
 or c.id in (select h.conversation_id
             from mf_message_matches(websearch_to_tsquery('mf_search', %(q)s)) h))

-- name: after_active
-- Keyset: after the cursor, among conversations with activity.
(c.last_message_at, c.id) < (%(after_at)s::timestamptz, %(after_id)s::bigint)

-- name: after_idle
-- Keyset: after the cursor, among conversations without activity.
c.id < %(after_id)s::bigint

-- name: get_conversation
-- One conversation as the API shows it.
select mf_conversation_json(c) as row from conversations c where c.id = %(id)s

-- name: list_messages
-- A page of a conversation's messages, newest first by WhatsApp time, then by id (history sync
-- and offline delivery store older messages after newer ones; the before placeholder: `true`
-- or messages_before). No row at all: no such conversation; a row with a null id: no messages.
-- Served by messages_conversation_time_idx (migration 0023).
select m.id, m.sent_at, m.row
from conversations c
left join lateral (
    select m.id, m.sent_at, mf_message_json_of(m, r.quoted_message_id, r.reactions)::text as row
    from messages m
    cross join lateral mf_message_refs(m) r
    where m.conversation_id = c.id and {before}
    order by m.sent_at desc, m.id desc
    limit %(limit)s) m on true
where c.id = %(conversation_id)s
order by m.sent_at desc, m.id desc

-- name: messages_before
-- Keyset: older than the cursor's message (by WhatsApp time, then id).
(m.sent_at, m.id) < (%(before_at)s::timestamptz, %(before_id)s::bigint)

-- name: list_messages_after
-- Catch-up: a conversation's messages stored after a message id, in arrival order (ids only
-- grow, so "after N" is what arrived since; the client places them by time). Rows as above.
select m.id, m.row
from conversations c
left join lateral (
    select m.id, mf_message_json_of(m, r.quoted_message_id, r.reactions)::text as row
    from messages m
    cross join lateral mf_message_refs(m) r
    where m.conversation_id = c.id and m.id > %(after_id)s
    order by m.id
    limit %(limit)s) m on true
where c.id = %(conversation_id)s
order by m.id

-- name: is_member
-- Whether a user is a member of the current tenant.
select 1 as found from memberships where user_id = %(user_id)s

-- name: update_conversation
-- Change the given fields of a conversation (the flags say which were given). A status given
-- without snoozed_until clears the time, `snoozed` included (snoozed until the next inbound).
-- Returns the assignee and status before and after (assignment notifications, team activity).
with old as (select id, assignee_id, status from conversations where id = %(id)s for update)
update conversations c
set status = case when %(set_status)s then %(status)s else c.status end,
    assignee_id = case when %(set_assignee)s then %(assignee_id)s::bigint else c.assignee_id end,
    priority = case when %(set_priority)s then %(priority)s else c.priority end,
    snoozed_until = case when %(set_snoozed)s then %(snoozed_until)s::timestamptz
                         when %(set_status)s then null
                         else c.snoozed_until end,
    updated_at = now()
from old
where c.id = old.id
returning c.id, c.title, c.assignee_id, c.status, old.assignee_id as old_assignee_id,
          old.status as old_status

-- name: mark_conversation_read
-- Unread count back to zero (only when there was something unread).
update conversations set unread_count = 0, updated_at = now()
where id = %(id)s and unread_count > 0
returning id

-- name: insert_conversation_event
-- Realtime: the conversation changed (the frame re-reads it with mf_conversation_json).
insert into events (tenant_id, type, data)
values (mf_current_tenant(), 'conversation.updated', jsonb_build_object('id', %(id)s::bigint))
