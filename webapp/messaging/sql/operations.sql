-- name: select_applicable_ops
-- Unapplied operations whose target message is now stored.
select o.op_id, o.kind, o.target_wa_id, o.record, m.id as message_id
from message_ops o
join messages m on m.tenant_id = o.tenant_id and m.device_id = o.device_id
               and m.wa_message_id = o.target_wa_id
where o.device_id = %(device_id)s and o.applied_at is null and o.target_wa_id = any(%(targets)s)

-- name: mark_ops_applied
-- Operations that have been applied.
update message_ops set applied_at = now()
where device_id = %(device_id)s and applied_at is null
  and (kind, op_id, target_wa_id) in (
      select * from unnest(%(kinds)s::text[], %(op_ids)s::text[], %(targets)s::text[]))

-- name: insert_versions
-- Edit history: one row per edit.
insert into message_versions (tenant_id, message_id, op_id, text, edited_at)
select mf_current_tenant(), u.message_id, u.op_id, u.text, u.edited_at
from unnest(%(message_ids)s::bigint[], %(op_ids)s::text[], %(texts)s::text[],
            %(edited_at)s::timestamptz[]) as u(message_id, op_id, text, edited_at)
on conflict (message_id, op_id) do nothing

-- name: refresh_edited_text
-- The current text is the latest edit (by its timestamp), whatever order edits arrived in.
update messages m
set text = coalesce(v.text, m.original_text), edited_at = v.edited_at
from (select distinct on (message_id) message_id, text, edited_at from message_versions
      where message_id = any(%(message_ids)s)
      order by message_id, edited_at desc, op_id desc) v
where m.id = v.message_id

-- name: apply_revokes
-- Deleted for everyone (the earliest revoke time wins).
update messages m set revoked_at = least(coalesce(m.revoked_at, u.at), u.at)
from unnest(%(message_ids)s::bigint[], %(at)s::timestamptz[]) as u(message_id, at)
where m.id = u.message_id

-- name: upsert_reactions
-- One reaction per person per message; the latest wins ('' = removed).
insert into message_reactions (tenant_id, message_id, reactor_jid, emoji, reacted_at)
select mf_current_tenant(), u.message_id, u.reactor, u.emoji, u.at
from unnest(%(message_ids)s::bigint[], %(reactors)s::text[], %(emojis)s::text[],
            %(at)s::timestamptz[]) as u(message_id, reactor, emoji, at)
on conflict (message_id, reactor_jid) do update
set emoji = excluded.emoji, reacted_at = excluded.reacted_at
where (excluded.reacted_at, excluded.emoji) > (message_reactions.reacted_at,
                                               message_reactions.emoji)

-- name: apply_receipts
-- Delivery and read times (earliest wins); outbound status follows them.
update messages m
set delivered_at = least(coalesce(m.delivered_at, u.delivered), u.delivered),
    read_at = least(coalesce(m.read_at, u.read), u.read),
    status = case when m.status in ('queued', 'sending', 'failed', 'received') then m.status
                  when u.read is not null or m.read_at is not null then 'read'
                  else 'delivered' end
from unnest(%(message_ids)s::bigint[], %(delivered)s::timestamptz[], %(read)s::timestamptz[])
     as u(message_id, delivered, read)
where m.id = u.message_id
